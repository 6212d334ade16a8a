-- What an Open311 client wrote in a request's `description`: answered back in full to that
-- client only (GeoReport v2 GET requests), never read by the case rules.
ALTER TABLE cases ADD COLUMN open311_description text NOT NULL DEFAULT '';
