-- Indexes found on a generated history (bench/history): each list of the staff console, at
-- every depth, and the statistics' "reassigned" probe read a few pages instead of the history.
--
-- The staff case list is ordered by deadline (cases without one last), then id, and pages by
-- keyset on that pair. Ordering by coalesce(deadline_at, 'infinity') gives the same order as
-- one expression, so the keyset becomes one row comparison an index can start from: a deep
-- page reads its 50 rows, not every row before them.
CREATE INDEX cases_list_order ON cases ((coalesce(deadline_at, 'infinity'::timestamptz)), id);

-- The same order within one state (the list's state filter, the agent's task list).
CREATE INDEX cases_state_list ON cases (state, (coalesce(deadline_at, 'infinity'::timestamptz)), id);

-- The supervisor's overdue and at-risk lists read only cases whose clock runs: a partial index
-- in list order, as small as the open work.
CREATE INDEX cases_running_list ON cases ((coalesce(deadline_at, 'infinity'::timestamptz)), id)
  WHERE state IN ('accepted', 'assigned', 'in_progress');

-- The list by agent, department and item, in list order.
CREATE INDEX cases_agent_list ON cases (agent_id, (coalesce(deadline_at, 'infinity'::timestamptz)), id)
  WHERE agent_id IS NOT NULL;
CREATE INDEX cases_department_list
  ON cases (department_code, (coalesce(deadline_at, 'infinity'::timestamptz)), id);
CREATE INDEX cases_item_list ON cases (item_code, (coalesce(deadline_at, 'infinity'::timestamptz)), id)
  WHERE item_code IS NOT NULL;

-- The list ordered by deadline replaces the plain deadline index; the SLA watch has its own
-- partial one (0020) and nothing else orders by deadline_at alone.
DROP INDEX cases_deadline;
-- The state list index starts with the state: the plain one is its prefix.
DROP INDEX cases_state;

-- The statistics ask of every case whether it was ever sent back (an `unassign` event): without
-- this the question was a scan of the whole timeline table per report.
CREATE INDEX case_events_unassign ON case_events (case_id) WHERE type = 'unassign';

-- The dispatch agents' board lists each agent's appointments among its open cases: read from
-- the index alone instead of every open case's row (0.4 s for the board at 100,000 cases).
CREATE INDEX cases_agent_appointments ON cases (agent_id, appointment_at)
  WHERE appointment_at IS NOT NULL AND state IN ('assigned', 'in_progress', 'suspended');

-- A phone's sync asks for the events that took a case away from its agent: they carry the
-- previous agent in their data.
CREATE INDEX case_events_previous_agent ON case_events ((data->>'previous_agent_id'), id)
  WHERE data ? 'previous_agent_id';
