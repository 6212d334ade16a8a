-- Dispatch: agents and what they cover, offers, the SLA watch's marks and alerts. Redis holds
-- the live queues derived from these tables; PostgreSQL arbitrates every assignment.

CREATE TABLE agents (
  user_id      bigint PRIMARY KEY REFERENCES users (id),
  capacity     integer NOT NULL DEFAULT 5 CHECK (capacity BETWEEN 1 AND 100),
  on_duty      boolean NOT NULL DEFAULT false,
  -- Seven entries, Monday first: "HH:MM-HH:MM" or null (not working that day).
  hours        jsonb   NOT NULL DEFAULT
                 '["09:00-17:00","09:00-17:00","09:00-17:00","09:00-17:00","09:00-17:00",null,null]',
  last_lat     double precision,
  last_lng     double precision,
  last_seen_at timestamptz,
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Coverage: a street, a district (its streets included) or more.
CREATE TABLE agent_regions (
  agent_id    bigint NOT NULL REFERENCES agents (user_id),
  region_code text   NOT NULL REFERENCES regions (code),
  PRIMARY KEY (agent_id, region_code)
);

-- Skills: the departments whose items the agent handles.
CREATE TABLE agent_departments (
  agent_id        bigint NOT NULL REFERENCES agents (user_id),
  department_code text   NOT NULL REFERENCES departments (code),
  PRIMARY KEY (agent_id, department_code)
);

CREATE TABLE offers (
  id             bigserial PRIMARY KEY,
  case_id        bigint NOT NULL REFERENCES cases (id),
  agent_id       bigint NOT NULL REFERENCES agents (user_id),
  state          text   NOT NULL CHECK (state IN ('pending', 'accepted', 'declined', 'expired',
                                                    'withdrawn')),
  needs_handoff  boolean NOT NULL DEFAULT false,
  offered_at     timestamptz NOT NULL,
  expires_at     timestamptz NOT NULL,
  answered_at    timestamptz,
  decline_reason text NOT NULL DEFAULT '',
  -- Wall-clock time of the insert, to the microsecond (offered_at follows the service clock):
  -- what the acceptance-to-offer benchmark measures against the outbox.
  recorded_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- At most one live offer per case: two dispatchers can never both offer it.
CREATE UNIQUE INDEX offers_one_pending ON offers (case_id) WHERE state = 'pending';
CREATE INDEX offers_agent_pending ON offers (agent_id) WHERE state = 'pending';
CREATE INDEX offers_expiry ON offers (expires_at) WHERE state = 'pending';

ALTER TABLE cases ADD COLUMN assigned_at timestamptz;
ALTER TABLE cases ADD COLUMN last_progress_at timestamptz;

-- What the SLA watch raised per case, so each finding is raised once.
CREATE TABLE sla_marks (
  case_id          bigint PRIMARY KEY REFERENCES cases (id),
  yellow_at        timestamptz,
  red_at           timestamptz,
  candidate_at     timestamptz,
  candidate_reason text NOT NULL DEFAULT ''
);

-- Alerts for the region's supervisors: yellow (at risk), red (overdue), reassignment
-- candidates and offers nobody took.
CREATE TABLE alerts (
  id          bigserial PRIMARY KEY,
  case_id     bigint NOT NULL REFERENCES cases (id),
  region_code text   NOT NULL REFERENCES regions (code),
  kind        text   NOT NULL CHECK (kind IN ('yellow', 'red', 'reassignment_candidate',
                                              'unassigned')),
  message     text   NOT NULL,
  created_at  timestamptz NOT NULL
);
CREATE INDEX alerts_region ON alerts (region_code, id DESC);
