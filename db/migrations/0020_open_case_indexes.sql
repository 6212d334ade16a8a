-- The SLA watch, the dispatch queue and the agents' loads read open cases only, but the indexes
-- they had cover every case ever made: at a year of history the watch's `ORDER BY deadline_at`
-- and each agent's load count walked millions of closed cases. Partial indexes over the open
-- states keep them as small as the open work, however long the history grows.

-- The SLA watch: accepted, assigned or in progress, by deadline (the waiting list's
-- `state = 'accepted' ... ORDER BY deadline_at` uses it too).
CREATE INDEX cases_watched ON cases (deadline_at)
  WHERE state IN ('accepted', 'assigned', 'in_progress') AND deadline_at IS NOT NULL;

-- An agent's load (assigned, in progress, suspended), counted for every agent at a rebuild and
-- at every offer.
CREATE INDEX cases_agent_open ON cases (agent_id)
  WHERE state IN ('assigned', 'in_progress', 'suspended');

-- The dispatch queue: accepted cases waiting for an agent, oldest first.
CREATE INDEX cases_queue ON cases (accepted_at, id) WHERE state = 'accepted';
