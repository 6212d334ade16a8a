-- The phones: device-bound refresh tokens, photos, and the location history.

-- A phone signs in for a short-lived access token (a row of sessions, with its device) and a
-- refresh token bound to the same device; revoking a device revokes both.
CREATE TABLE refresh_tokens (
  token_hash  text PRIMARY KEY,  -- SHA-256 of the token
  user_id     bigint NOT NULL REFERENCES users (id),
  device_id   text   NOT NULL,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);
CREATE INDEX refresh_tokens_device ON refresh_tokens (user_id, device_id);

-- Photos of a case, stored once by content hash under the configured folder.
CREATE TABLE attachments (
  id           bigserial PRIMARY KEY,
  case_id      bigint  NOT NULL REFERENCES cases (id),
  sha256       text    NOT NULL,
  content_type text    NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
  size_bytes   integer NOT NULL,
  width        integer NOT NULL,
  height       integer NOT NULL,
  uploaded_by  bigint  NOT NULL REFERENCES users (id),
  uploaded_at  timestamptz NOT NULL,
  device_time  timestamptz,
  note         text NOT NULL DEFAULT ''
);
CREATE INDEX attachments_case ON attachments (case_id);

-- Every fix a phone reported (the newest one also lives in Redis's GEO set).
CREATE TABLE locations (
  id          bigserial PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES users (id),
  lat         double precision NOT NULL,
  lng         double precision NOT NULL,
  accuracy_m  double precision,
  device_time timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  flagged     text NOT NULL DEFAULT ''  -- why a fix is doubtful (e.g. too fast), empty if fine
);
CREATE INDEX locations_user_time ON locations (user_id, device_time);
