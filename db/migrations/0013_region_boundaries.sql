-- District boundaries as data (daibanctl boundaries import): where an Open311 request gives a
-- position but no region code, the district is found by point in polygon. The geometry is kept
-- as GeoJSON MultiPolygon coordinates ([lng, lat], WGS-84) rather than PostGIS types: the
-- services test points in memory, and the database need not carry an extension for it.
CREATE TABLE region_boundaries (
  region_code text PRIMARY KEY REFERENCES regions (code),
  name        text NOT NULL DEFAULT '',
  polygons    jsonb NOT NULL CHECK (jsonb_typeof(polygons) = 'array'),
  imported_at timestamptz NOT NULL DEFAULT now()
);
