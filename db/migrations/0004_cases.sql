-- Cases (代办件) and what hangs off them: materials, the timeline, bundle steps, ratings and
-- follow-ups, the notification outbox, and Open311 API keys. Owned by intake; cases and
-- events are never deleted.

CREATE TABLE cases (
  id                      bigserial PRIMARY KEY,
  tracking_number         text NOT NULL UNIQUE,
  access_code_hash        text NOT NULL,  -- SHA-256 of the applicant's access code
  item_code               text REFERENCES items (code),
  bundle_code             text REFERENCES bundles (code),
  mode                    text NOT NULL CHECK (mode IN ('proxy', 'assisted', 'led')),
  region_code             text NOT NULL REFERENCES regions (code),
  department_code         text NOT NULL REFERENCES departments (code),
  committed_days          integer NOT NULL CHECK (committed_days >= 0),
  state                   text NOT NULL CHECK (state IN ('submitted', 'accepted', 'assigned',
                            'in_progress', 'suspended', 'result_ready', 'out_for_delivery',
                            'delivered', 'closed', 'rejected', 'cancelled')),
  state_before_suspension text,
  version                 integer NOT NULL DEFAULT 1,
  applicant_kind          text NOT NULL CHECK (applicant_kind IN ('citizen', 'firm')),
  applicant_name          text NOT NULL,
  applicant_phone         text NOT NULL,
  applicant_id_number     text NOT NULL,
  applicant_address       text NOT NULL,
  applicant_lat           double precision NOT NULL,
  applicant_lng           double precision NOT NULL,
  firm_name               text,
  firm_credit_code        text,
  delivery_method         text NOT NULL CHECK (delivery_method IN ('express', 'window')),
  delivery_address        text,
  delivery_lat            double precision,
  delivery_lng            double precision,
  appointment_at          timestamptz,  -- 领办: when the applicant goes with the agent
  agent_id                bigint REFERENCES users (id),
  priority                integer NOT NULL DEFAULT 0,
  open311_key_id          bigint,  -- the Open311 client that submitted it, if any
  result_reference        text,
  created_at              timestamptz NOT NULL,
  accepted_at             timestamptz,
  deadline_at             timestamptz,
  at_risk_at              timestamptz,
  deadline_provisional    boolean NOT NULL DEFAULT false,
  suspended_at            timestamptz,
  result_ready_at         timestamptz,
  closed_at               timestamptz,
  updated_at              timestamptz NOT NULL,
  CHECK ((item_code IS NULL) <> (bundle_code IS NULL)),
  CHECK ((applicant_kind = 'firm') = (firm_credit_code IS NOT NULL))
);
CREATE INDEX cases_deadline ON cases (deadline_at, id);
CREATE INDEX cases_region ON cases (region_code);
CREATE INDEX cases_state ON cases (state);
CREATE INDEX cases_agent ON cases (agent_id) WHERE agent_id IS NOT NULL;
CREATE INDEX cases_created ON cases (created_at);

CREATE TABLE case_materials (
  case_id       bigint  NOT NULL REFERENCES cases (id),
  seq           integer NOT NULL,  -- the case's own numbering (a bundle gathers several items)
  item_code     text    NOT NULL REFERENCES items (code),
  item_seq      integer NOT NULL,  -- the material's number in its item's list
  name          text    NOT NULL,
  essential     boolean NOT NULL,
  -- provided at submission; missing; deferred = missing but accepted with a promised date
  -- (容缺); supplied later
  status        text    NOT NULL CHECK (status IN ('provided', 'missing', 'deferred', 'supplied')),
  promised_date date,
  supplied_at   timestamptz,
  PRIMARY KEY (case_id, seq)
);

CREATE TABLE case_events (
  id            bigserial PRIMARY KEY,
  case_id       bigint NOT NULL REFERENCES cases (id),
  type          text   NOT NULL,
  from_state    text,
  to_state      text,
  actor_role    text   NOT NULL,
  actor_user_id bigint REFERENCES users (id),
  actor_name    text   NOT NULL,
  at            timestamptz NOT NULL,  -- server time
  device_time   timestamptz,           -- from phones
  reason        text   NOT NULL DEFAULT '',
  data          jsonb  NOT NULL DEFAULT '{}'
);
CREATE INDEX case_events_case ON case_events (case_id, id);

CREATE TABLE case_steps (
  case_id         bigint  NOT NULL REFERENCES cases (id),
  step_order      integer NOT NULL,
  item_code       text    NOT NULL REFERENCES items (code),
  department_code text    NOT NULL REFERENCES departments (code),
  deadline_at     timestamptz,
  PRIMARY KEY (case_id, item_code)
);

CREATE TABLE ratings (
  case_id    bigint PRIMARY KEY REFERENCES cases (id),
  score      integer NOT NULL CHECK (score BETWEEN 1 AND 5),
  comment    text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL
);

-- 回访: a bad rating (2 or less) asks the region's supervisors to call the applicant.
CREATE TABLE followups (
  id          bigserial PRIMARY KEY,
  case_id     bigint NOT NULL UNIQUE REFERENCES cases (id),
  region_code text   NOT NULL REFERENCES regions (code),
  opened_at   timestamptz NOT NULL,
  due_at      timestamptz NOT NULL,
  closed_at   timestamptz,
  closed_by   bigint REFERENCES users (id),
  call_notes  text NOT NULL DEFAULT '',
  outcome     text NOT NULL DEFAULT ''
);

-- What applicants should hear about, written in the transaction of the change; a sender
-- delivers it through the channel's sink, retrying with backoff, and gives up after a limit.
CREATE TABLE notifications (
  id               bigserial PRIMARY KEY,
  case_id          bigint REFERENCES cases (id),
  channel          text NOT NULL,
  recipient        text NOT NULL,
  recipient_masked text NOT NULL,
  template         text NOT NULL,
  data             jsonb NOT NULL DEFAULT '{}',
  state            text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'given_up')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL,
  last_error       text NOT NULL DEFAULT '',
  created_at       timestamptz NOT NULL,
  sent_at          timestamptz
);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE state = 'pending';

-- Keys of Open311 clients (GeoReport v2 api_key), issued by daibanctl apikey add.
CREATE TABLE api_keys (
  id         bigserial PRIMARY KEY,
  name       text NOT NULL,
  key_hash   text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

ALTER TABLE cases ADD FOREIGN KEY (open311_key_id) REFERENCES api_keys (id);
CREATE INDEX cases_open311_key ON cases (open311_key_id) WHERE open311_key_id IS NOT NULL;

-- A replayed answer must be byte for byte the first one; jsonb would reorder and respace it.
ALTER TABLE idempotency_keys ALTER COLUMN response TYPE text USING response::text;
