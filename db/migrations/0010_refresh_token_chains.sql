-- Refresh-token rotation tells a spent token from a revoked one: presenting a spent token again
-- means it was copied, and the whole chain of that device is revoked (sessions included).
ALTER TABLE refresh_tokens ADD COLUMN spent_at timestamptz;
