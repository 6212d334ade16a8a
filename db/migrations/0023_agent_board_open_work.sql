-- The dispatch agents' board reads each agent's open cases twice, once to count them
-- (cases_agent_open) and once for their appointments (cases_agent_appointments). One index of
-- every open case with its appointment answers both from a single index-only scan per agent;
-- the appointments' index, a subset of it, is no longer needed.
CREATE INDEX cases_agent_open_appointments ON cases (agent_id, appointment_at)
  WHERE state IN ('assigned', 'in_progress', 'suspended');

DROP INDEX cases_agent_appointments;
