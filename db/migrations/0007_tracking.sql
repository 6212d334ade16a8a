-- Tracking: couriers (寄递员) and their coverage, deliveries (寄递单) and every attempt at one,
-- and the applicant's preferred delivery window on the case. Owned by the tracking library.

-- When the applicant wants the result at the door: any time of the day, or one part of it.
ALTER TABLE cases ADD COLUMN delivery_window text NOT NULL DEFAULT 'any'
  CHECK (delivery_window IN ('any', 'morning', 'afternoon', 'evening'));

CREATE TABLE couriers (
  user_id    bigint PRIMARY KEY REFERENCES users (id),
  company    text    NOT NULL,                 -- e.g. 中国邮政EMS
  vehicle    text    NOT NULL CHECK (vehicle IN ('foot', 'bicycle', 'ebike', 'car', 'van')),
  capacity   integer NOT NULL DEFAULT 10 CHECK (capacity BETWEEN 1 AND 200),
  on_duty    boolean NOT NULL DEFAULT false,
  base_lat   double precision NOT NULL,      -- where the day starts (the depot)
  base_lng   double precision NOT NULL,
  updated_at timestamptz NOT NULL
);

-- The service area: a street, a district (its streets included) or more.
CREATE TABLE courier_regions (
  courier_id  bigint NOT NULL REFERENCES couriers (user_id),
  region_code text   NOT NULL REFERENCES regions (code),
  PRIMARY KEY (courier_id, region_code)
);

-- One courier leg. `result`: the result from the department's hall to the applicant's door;
-- `collection`: the applicant's originals from the door to the hall, for the agent.
CREATE TABLE deliveries (
  id              bigserial PRIMARY KEY,
  case_id         bigint NOT NULL REFERENCES cases (id),
  leg             text   NOT NULL CHECK (leg IN ('result', 'collection')),
  state           text   NOT NULL CHECK (state IN ('pending', 'assigned', 'picked_up', 'arrived',
                                                   'delivered', 'cancelled')),
  courier_id      bigint REFERENCES couriers (user_id),
  region_code     text   NOT NULL REFERENCES regions (code),  -- where it is dropped off
  pickup_key      text   NOT NULL,  -- the same key for every pickup at one place (grouping)
  pickup_name     text   NOT NULL,
  pickup_address  text   NOT NULL,
  pickup_lat      double precision NOT NULL,
  pickup_lng      double precision NOT NULL,
  dropoff_name    text   NOT NULL,
  dropoff_address text   NOT NULL,
  dropoff_lat     double precision NOT NULL,
  dropoff_lng     double precision NOT NULL,
  window_from     timestamptz NOT NULL,
  window_to       timestamptz NOT NULL,
  contents        text   NOT NULL,
  attempts        integer NOT NULL DEFAULT 0,  -- failed attempts at the door so far
  -- The courier's plan: the stop's place in its list, when it is expected, whether the window
  -- can be kept. Rewritten whenever the courier's list changes.
  stop_order      integer,
  planned_at      timestamptz,
  planned_late    boolean NOT NULL DEFAULT false,
  version         integer NOT NULL DEFAULT 1,
  created_at      timestamptz NOT NULL,
  assigned_at     timestamptz,
  picked_up_at    timestamptz,
  delivered_at    timestamptz,
  updated_at      timestamptz NOT NULL,
  CHECK (window_from < window_to)
);
-- A case has at most one live leg of each kind (a repeated event creates nothing).
CREATE UNIQUE INDEX deliveries_one_leg ON deliveries (case_id, leg) WHERE state <> 'cancelled';
CREATE INDEX deliveries_courier ON deliveries (courier_id, state) WHERE courier_id IS NOT NULL;
CREATE INDEX deliveries_pending ON deliveries (created_at) WHERE state = 'pending';

-- Every visit at the door or the hall that ended somehow: delivered with proof, failed with a
-- reason, or refused because the proof did not match. Never deleted.
CREATE TABLE delivery_attempts (
  id              bigserial PRIMARY KEY,
  delivery_id     bigint NOT NULL REFERENCES deliveries (id),
  courier_id      bigint NOT NULL REFERENCES couriers (user_id),
  outcome         text   NOT NULL CHECK (outcome IN ('delivered', 'failed', 'identity_mismatch')),
  reason          text   NOT NULL DEFAULT '',  -- not_home / refused / wrong_address / ...
  recipient_name  text   NOT NULL DEFAULT '',
  id_last4_match  boolean,
  proof_kind      text   CHECK (proof_kind IN ('signature', 'photo')),
  proof           text,   -- the signature (SVG path data) or the photo's SHA-256
  lat             double precision,
  lng             double precision,
  at              timestamptz NOT NULL,
  device_time     timestamptz
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, at);

-- A region and every region below it (a district's streets, ...): one definition for every query
-- that matches a service area or a supervisor's scope.
CREATE FUNCTION region_subtree(root text) RETURNS SETOF text LANGUAGE sql STABLE AS $$
  WITH RECURSIVE sub (code) AS (
      SELECT root
    UNION ALL
      SELECT r.code FROM regions r JOIN sub ON r.parent_code = sub.code
  )
  SELECT code FROM sub
$$;
