-- Cross-cutting tables every use case writes through.

-- The outbox: each state change writes its event here in the same transaction as the change;
-- the relay publishes committed rows to Redis Streams in id order and stamps published_at.
CREATE TABLE outbox (
  id           bigserial PRIMARY KEY,
  stream       text        NOT NULL,  -- Redis stream the event goes to, e.g. 'events:cases'
  aggregate_id text        NOT NULL,  -- what changed, e.g. a tracking number
  event_type   text        NOT NULL,
  payload      jsonb       NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;

-- Idempotency keys, scoped per caller: a retried write returns the first answer and changes
-- nothing twice; the same key with a different body is a conflict (request_hash differs).
CREATE TABLE idempotency_keys (
  scope        text        NOT NULL,  -- e.g. 'user:42', 'applicant:<hash>'
  key          text        NOT NULL,
  request_hash text        NOT NULL,
  status       integer     NOT NULL,
  response     jsonb       NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
