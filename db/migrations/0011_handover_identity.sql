-- Wrong identity guesses at hand-overs to the applicant: per case for the window's and the
-- agent's hand-overs (subject 'case'), per delivery leg for the courier's ('delivery:<id>').
-- At the limit the subject is blocked until a supervisor of the case's region unblocks it.
CREATE TABLE handover_guesses (
  case_id    bigint  NOT NULL REFERENCES cases (id),
  subject    text    NOT NULL,
  failures   integer NOT NULL DEFAULT 0,
  blocked_at timestamptz,
  PRIMARY KEY (case_id, subject)
);

ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check;
ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check
  CHECK (kind IN ('yellow', 'red', 'reassignment_candidate', 'unassigned', 'delivery_failed',
                  'identity_blocked'));

-- A courier's proof photo belongs to its delivery leg (agents' photos have none).
ALTER TABLE attachments ADD COLUMN delivery_id bigint REFERENCES deliveries (id);
CREATE INDEX attachments_delivery ON attachments (delivery_id) WHERE delivery_id IS NOT NULL;
