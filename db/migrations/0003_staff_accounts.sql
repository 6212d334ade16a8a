-- Staff accounts and the one sessions table every service checks bearer tokens against.

CREATE TABLE users (
  id              bigserial PRIMARY KEY,
  role            text NOT NULL CHECK (role IN ('window', 'supervisor', 'admin', 'agent', 'courier')),
  name            text NOT NULL,
  phone           text NOT NULL UNIQUE,
  password_hash   text NOT NULL,  -- Argon2id, libsodium's crypto_pwhash_str format
  region_code     text REFERENCES regions (code),
  department_code text REFERENCES departments (code),
  active          boolean NOT NULL DEFAULT true,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
  token_hash   text PRIMARY KEY,  -- SHA-256 of the bearer token; the token itself is never stored
  user_id      bigint NOT NULL REFERENCES users (id),
  device_id    text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  revoked_at   timestamptz
);
CREATE INDEX sessions_user ON sessions (user_id);
