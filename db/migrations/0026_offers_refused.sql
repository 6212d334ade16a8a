-- Which agents refused a case (declined an offer of it or let one expire) is read for every
-- waiting case dispatch looks at: the case's excluded agents, and whether any agent
-- with a free place has not refused it (a run of cases every free agent refused is skipped, so
-- it cannot hide the cases behind it). The only index starting with case_id was the partial
-- offers_one_pending, so each of those reads scanned every offer ever made.
CREATE INDEX offers_refused ON offers (case_id, agent_id) WHERE state IN ('declined', 'expired');
