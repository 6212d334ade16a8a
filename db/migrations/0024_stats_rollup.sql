-- The statistics (考核) roll-up: a year's report at millions of cases reads one row per case,
-- so the cases of each China day (by creation) are kept summed per (region, department, agent),
-- with every finished case's working span so the nearest-rank p90 stays exact, and the
-- deadline of every case whose clock runs, so "overdue now" is counted when the report is made.
--
-- Exactness under change: every change that moves a figure appends the case's creation day to
-- stats_dirty (insert-only, so the hot path takes no row lock). intake's roll-up worker
-- recomputes dirty days in one REPEATABLE READ snapshot and deletes only the marks that
-- snapshot saw; a report reads clean days from the roll-up and the other days raw, in one
-- snapshot, so a change is either in the roll-up or read raw, never lost or counted twice.

-- The China date (UTC+8, no daylight saving) of a moment, and the moment a China date starts.
CREATE FUNCTION stats_day(at timestamptz) RETURNS date
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN ((at AT TIME ZONE 'UTC') + interval '8 hours')::date;
CREATE FUNCTION stats_day_start(day date) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN (day::timestamp - interval '8 hours') AT TIME ZONE 'UTC';

-- The cases created on `day`, summed per region (the filing region, so scopes and districts are
-- resolved when a report is read), department and agent (0: none). The counters are those of
-- the report (overdue: only what does not depend on now); working_seconds holds one working
-- span (acceptance to result, on the calendar named by stats_rollup_days.calendar_key) per
-- finished, accepted case; running_deadlines the deadline (seconds since the epoch) of each
-- case whose clock runs (accepted, assigned, in progress), unfinished: overdue once now is past.
CREATE TABLE stats_rollup (
  day               date    NOT NULL,
  region_code       text    NOT NULL,
  department_code   text    NOT NULL,
  agent_id          bigint  NOT NULL,
  received          integer NOT NULL,
  accepted          integer NOT NULL,
  finished          integer NOT NULL,
  on_time           integer NOT NULL,
  overdue           integer NOT NULL,
  reassigned        integer NOT NULL,
  ratings           integer NOT NULL,
  rating_sum        bigint  NOT NULL,
  followups_open    integer NOT NULL,
  followups_closed  integer NOT NULL,
  zero_trip         integer NOT NULL,
  one_trip          integer NOT NULL,
  we_run            integer NOT NULL,
  bundle            integer NOT NULL,
  proxy             integer NOT NULL,
  assisted          integer NOT NULL,
  led               integer NOT NULL,
  working_seconds   integer[] NOT NULL,
  running_deadlines bigint[]  NOT NULL,
  PRIMARY KEY (day, region_code, department_code, agent_id)
);

-- The days rolled up, with the working-day calendar their spans were measured on: a report on
-- another calendar (a calendar loaded since) reads the day raw until it is rolled up again.
CREATE TABLE stats_rollup_days (
  day           date        PRIMARY KEY,
  calendar_key  text        NOT NULL,
  rolled_at     timestamptz NOT NULL DEFAULT now()
);

-- Days whose roll-up is stale. Appended by the triggers below, deleted by the worker.
CREATE TABLE stats_dirty (
  id   bigserial PRIMARY KEY,
  day  date NOT NULL
);
CREATE INDEX stats_dirty_day ON stats_dirty (day);

-- Statement-level triggers with transition tables: one mark per day a statement touched, so a
-- bulk load (COPY of a day's cases) appends a handful of rows, not one per case.
CREATE FUNCTION stats_mark_cases_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO stats_dirty (day) SELECT DISTINCT stats_day(n.created_at) FROM new_rows n;
  RETURN NULL;
END $$;
CREATE FUNCTION stats_mark_cases_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO stats_dirty (day) SELECT DISTINCT stats_day(o.created_at) FROM old_rows o;
  RETURN NULL;
END $$;
-- Only the columns a report reads (the cohort query of PgStatsStore): a change of address,
-- appointment or delivery leaves the figures, and the roll-up, as they were.
CREATE FUNCTION stats_mark_cases_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO stats_dirty (day)
  SELECT DISTINCT d.day
    FROM old_rows o JOIN new_rows n ON n.id = o.id
   CROSS JOIN LATERAL (VALUES (stats_day(o.created_at)), (stats_day(n.created_at))) AS d (day)
   WHERE (o.state, o.region_code, o.department_code, o.agent_id, o.item_code, o.bundle_code,
          o.mode, o.created_at, o.accepted_at, o.deadline_at, o.suspended_at, o.result_ready_at)
         IS DISTINCT FROM
         (n.state, n.region_code, n.department_code, n.agent_id, n.item_code, n.bundle_code,
          n.mode, n.created_at, n.accepted_at, n.deadline_at, n.suspended_at, n.result_ready_at);
  RETURN NULL;
END $$;
CREATE TRIGGER stats_cases_inserted AFTER INSERT ON cases REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stats_mark_cases_inserted();
CREATE TRIGGER stats_cases_updated AFTER UPDATE ON cases
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stats_mark_cases_updated();
CREATE TRIGGER stats_cases_deleted AFTER DELETE ON cases REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stats_mark_cases_deleted();

-- Ratings, follow-ups and reassignments (`unassign` events) of a case: its creation day.
CREATE FUNCTION stats_mark_case_ids(case_ids bigint[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO stats_dirty (day)
  SELECT DISTINCT stats_day(c.created_at) FROM cases c WHERE c.id = ANY (case_ids);
$$;
CREATE FUNCTION stats_mark_rows_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM stats_mark_case_ids(ARRAY(SELECT n.case_id FROM new_rows n));
  RETURN NULL;
END $$;
CREATE FUNCTION stats_mark_rows_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM stats_mark_case_ids(ARRAY(SELECT o.case_id FROM old_rows o));
  RETURN NULL;
END $$;
CREATE FUNCTION stats_mark_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM stats_mark_case_ids(ARRAY(SELECT n.case_id FROM new_rows n
                                    UNION SELECT o.case_id FROM old_rows o));
  RETURN NULL;
END $$;
CREATE TRIGGER stats_ratings_inserted AFTER INSERT ON ratings REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stats_mark_rows_new();
CREATE TRIGGER stats_ratings_updated AFTER UPDATE ON ratings
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stats_mark_rows_changed();
CREATE TRIGGER stats_ratings_deleted AFTER DELETE ON ratings REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stats_mark_rows_old();
CREATE TRIGGER stats_followups_inserted AFTER INSERT ON followups
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stats_mark_rows_new();
CREATE TRIGGER stats_followups_updated AFTER UPDATE ON followups
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stats_mark_rows_changed();
CREATE TRIGGER stats_followups_deleted AFTER DELETE ON followups
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stats_mark_rows_old();

-- The timeline is appended on every step of every case: only `unassign` rows mark a day.
CREATE FUNCTION stats_mark_unassign_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM stats_mark_case_ids(ARRAY(SELECT n.case_id FROM new_rows n WHERE n.type = 'unassign'))
    WHERE EXISTS (SELECT 1 FROM new_rows n WHERE n.type = 'unassign');
  RETURN NULL;
END $$;
CREATE FUNCTION stats_mark_unassign_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM stats_mark_case_ids(ARRAY(SELECT o.case_id FROM old_rows o WHERE o.type = 'unassign'))
    WHERE EXISTS (SELECT 1 FROM old_rows o WHERE o.type = 'unassign');
  RETURN NULL;
END $$;
CREATE FUNCTION stats_mark_unassign_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM stats_mark_case_ids(ARRAY(SELECT n.case_id FROM new_rows n WHERE n.type = 'unassign'
                                    UNION
                                    SELECT o.case_id FROM old_rows o WHERE o.type = 'unassign'));
  RETURN NULL;
END $$;
CREATE TRIGGER stats_unassign_inserted AFTER INSERT ON case_events
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stats_mark_unassign_new();
CREATE TRIGGER stats_unassign_updated AFTER UPDATE ON case_events
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stats_mark_unassign_changed();
CREATE TRIGGER stats_unassign_deleted AFTER DELETE ON case_events
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stats_mark_unassign_old();

-- An item's service class is counted per case (by class): changing it marks its cases' days.
CREATE FUNCTION stats_mark_item_class() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO stats_dirty (day)
  SELECT DISTINCT stats_day(c.created_at)
    FROM old_rows o JOIN new_rows n ON n.code = o.code
    JOIN cases c ON c.item_code = n.code
   WHERE o.service_class IS DISTINCT FROM n.service_class;
  RETURN NULL;
END $$;
CREATE TRIGGER stats_items_updated AFTER UPDATE ON items
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stats_mark_item_class();

-- The history already stored: every day with cases is rolled up by the worker's first runs.
INSERT INTO stats_dirty (day) SELECT DISTINCT stats_day(created_at) FROM cases;
