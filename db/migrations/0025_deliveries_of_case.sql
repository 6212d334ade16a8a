-- A case's legs (the public tracking page, the staff's list of a case's legs, a collection asked
-- for, a case's unpicked legs cancelled) are read by case: `WHERE d.case_id = $1`, every leg
-- including cancelled ones. The only index starting with case_id is deliveries_one_leg, partial
-- (state <> 'cancelled'), which that condition does not imply, so each read was a parallel
-- sequential scan of every delivery ever made: 592,831 rows, 27,216 buffers, 1.2 s at 1,000,000
-- cases (the public tracking page's 3.7-4.5 s p50).
CREATE INDEX deliveries_case ON deliveries (case_id);
