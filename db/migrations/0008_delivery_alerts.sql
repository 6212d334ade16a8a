-- A delivery that keeps failing at the door is an alert for the region's supervisors too.
ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check;
ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check
  CHECK (kind IN ('yellow', 'red', 'reassignment_candidate', 'unassigned', 'delivery_failed'));
