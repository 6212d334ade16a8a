-- The published catalogue (事项目录 and 服务指南), owned by intake. Rows are never deleted:
-- items and bundles that leave the catalogue are retired, since cases may refer to them.

CREATE TABLE regions (
  code        text PRIMARY KEY,
  name        text NOT NULL,
  level       text NOT NULL CHECK (level IN ('city', 'district', 'street')),
  parent_code text REFERENCES regions (code),
  center_lat  double precision,
  center_lng  double precision,
  CHECK ((level = 'city') = (parent_code IS NULL))
);
CREATE INDEX regions_parent ON regions (parent_code);

CREATE TABLE departments (
  code         text PRIMARY KEY,
  name         text NOT NULL,
  region_code  text NOT NULL REFERENCES regions (code),
  hall_name    text NOT NULL DEFAULT '',
  hall_address text NOT NULL,
  hall_lat     double precision NOT NULL,
  hall_lng     double precision NOT NULL,
  office_hours text NOT NULL,
  phone        text NOT NULL DEFAULT ''
);

CREATE TABLE items (
  code             text PRIMARY KEY,
  name             text NOT NULL,
  service_class    text NOT NULL CHECK (service_class IN ('zero_trip', 'one_trip', 'we_run')),
  kind             text NOT NULL CHECK (kind IN ('administrative', 'public_service')),
  department_code  text NOT NULL REFERENCES departments (code),
  level            text NOT NULL CHECK (level IN ('city', 'district', 'street')),
  committed_days   integer NOT NULL CHECK (committed_days >= 0),
  legal_days       integer NOT NULL CHECK (legal_days >= committed_days),
  conditions       text NOT NULL,
  modes            text[] NOT NULL CHECK (cardinality(modes) > 0),
  delivery_options text[] NOT NULL CHECK (cardinality(delivery_options) > 0),
  fee              text NOT NULL,
  legal_basis      text NOT NULL,
  where_to_apply   text NOT NULL DEFAULT '',
  how_to_apply     text NOT NULL DEFAULT '',
  retired_at       timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX items_department ON items (department_code);

CREATE TABLE materials (
  item_code text    NOT NULL REFERENCES items (code),
  seq       integer NOT NULL CHECK (seq > 0),
  name      text    NOT NULL,
  essential boolean NOT NULL,
  form      text    NOT NULL CHECK (form IN ('original', 'copy', 'original_and_copy', 'electronic')),
  copies    integer NOT NULL CHECK (copies > 0),
  note      text    NOT NULL DEFAULT '',
  PRIMARY KEY (item_code, seq)
);

CREATE TABLE bundles (
  code                 text PRIMARY KEY,
  name                 text NOT NULL,
  description          text NOT NULL DEFAULT '',
  committed_days       integer NOT NULL CHECK (committed_days >= 0),
  lead_department_code text NOT NULL REFERENCES departments (code),
  retired_at           timestamptz,
  updated_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE bundle_steps (
  bundle_code text    NOT NULL REFERENCES bundles (code),
  step_order  integer NOT NULL CHECK (step_order > 0),
  item_code   text    NOT NULL REFERENCES items (code),
  PRIMARY KEY (bundle_code, item_code)
);

-- The holiday calendar, one row per date that differs from the Monday–Friday rule, and the
-- years whose official notice was loaded (other years follow the plain rule, provisionally).
CREATE TABLE calendar_years (
  year      integer PRIMARY KEY,
  source    text NOT NULL,
  loaded_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE calendar_days (
  day  date PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('holiday', 'workday')),
  name text NOT NULL
);
