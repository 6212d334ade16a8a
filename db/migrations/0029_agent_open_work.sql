-- Each agent's open work (assigned, in progress, suspended), counted as the cases change
-- instead of when it is asked for. The dispatch board counted every open case of each agent it
-- showed: at a year's history, 17,500 index entries for a page of 100 agents, two thirds of
-- the board's 8 ms statement; every offer and assignment counted its agent's again to check
-- the capacity. A counter row per agent answers both with one key look-up.
CREATE TABLE agent_open_work (
  agent_id  bigint  PRIMARY KEY REFERENCES users (id),
  cases     integer NOT NULL
);

-- The change of every agent a statement touched, applied in agent-id order: two transactions
-- moving cases between the same two agents in opposite directions lock the two rows in the
-- same order, so they queue instead of deadlocking. A statement that moves nothing (a progress
-- step, the SLA watch's marks) writes no row and takes no lock.
CREATE FUNCTION agent_open_work_apply(gained bigint[], lost bigint[]) RETURNS void
  LANGUAGE sql AS $$
  INSERT INTO agent_open_work AS w (agent_id, cases)
  SELECT d.agent_id, sum(d.change)::integer
    FROM (SELECT unnest(gained) AS agent_id, 1 AS change
          UNION ALL SELECT unnest(lost), -1) d
   GROUP BY d.agent_id HAVING sum(d.change) <> 0
   ORDER BY d.agent_id
  ON CONFLICT (agent_id) DO UPDATE SET cases = w.cases + EXCLUDED.cases;
$$;

CREATE FUNCTION agent_open_work_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM agent_open_work_apply(
    ARRAY(SELECT n.agent_id FROM new_rows n WHERE n.agent_id IS NOT NULL
             AND n.state IN ('assigned', 'in_progress', 'suspended')),
    '{}');
  RETURN NULL;
END $$;
-- Every open row before and after: a case that stays open with its agent counts once each way
-- and cancels out.
CREATE FUNCTION agent_open_work_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM agent_open_work_apply(
    ARRAY(SELECT n.agent_id FROM new_rows n WHERE n.agent_id IS NOT NULL
             AND n.state IN ('assigned', 'in_progress', 'suspended')),
    ARRAY(SELECT o.agent_id FROM old_rows o WHERE o.agent_id IS NOT NULL
             AND o.state IN ('assigned', 'in_progress', 'suspended')));
  RETURN NULL;
END $$;
CREATE FUNCTION agent_open_work_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM agent_open_work_apply(
    '{}',
    ARRAY(SELECT o.agent_id FROM old_rows o WHERE o.agent_id IS NOT NULL
             AND o.state IN ('assigned', 'in_progress', 'suspended')));
  RETURN NULL;
END $$;

-- Counted from the cases as they are, with writers held off until the triggers are in place.
LOCK TABLE cases IN SHARE MODE;
CREATE TRIGGER agent_open_work_cases_inserted AFTER INSERT ON cases
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION agent_open_work_inserted();
CREATE TRIGGER agent_open_work_cases_updated AFTER UPDATE ON cases
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION agent_open_work_updated();
CREATE TRIGGER agent_open_work_cases_deleted AFTER DELETE ON cases
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION agent_open_work_deleted();
INSERT INTO agent_open_work (agent_id, cases)
SELECT agent_id, count(*) FROM cases
 WHERE agent_id IS NOT NULL AND state IN ('assigned', 'in_progress', 'suspended')
 GROUP BY agent_id;

-- The board still lists each agent's appointments: only the open cases that have one (a
-- quarter of them), not every open case to count it.
CREATE INDEX cases_agent_appointments ON cases (agent_id, appointment_at)
  WHERE appointment_at IS NOT NULL AND state IN ('assigned', 'in_progress', 'suspended');
DROP INDEX cases_agent_open_appointments;
DROP INDEX cases_agent_open;
