-- Found on a generated history (bench/history): lists that read a range of the history in an
-- order no index gave.

-- The staff list in creation order (`order=created`, the console's "the day's cases"): a day is
-- one range of this index, read from the cursor on. In deadline order a day's cases are spread
-- over the whole history and the list walked it filtering (0.2 s a page at 100,000 cases).
-- It replaces the plain creation index, its prefix (the statistics' cohort by creation date).
CREATE INDEX cases_created_list ON cases (created_at, id);
DROP INDEX cases_created;

-- A phone's task list: the agent's open cases (assigned, in progress, suspended, result ready)
-- in list order. cases_agent_list holds the agent's whole history, closed cases first by their
-- older deadlines: the busiest agent's first page filtered 1,634 of them away (1,622 buffers
-- at 100,000 cases, ten times that after a year); this one starts at the agent's open work.
CREATE INDEX cases_agent_tasks
  ON cases (agent_id, (coalesce(deadline_at, 'infinity'::timestamptz)), id)
  WHERE state IN ('assigned', 'in_progress', 'suspended', 'result_ready');
