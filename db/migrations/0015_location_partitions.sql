-- Location fixes stay bounded: `locations` becomes a table partitioned by the day the server
-- received each fix (never the phone's clock, which may be wrong or replayed), one partition per
-- day of China Standard Time. The mobile gateway's elected retention worker calls
-- locations_maintain() to create the coming days' partitions and DROP the ones past the
-- retention (DAIBAN_LOCATION_RETENTION_DAYS, default 90): old fixes go a whole day at a time,
-- never by DELETE, so there is no bloat and no vacuum debt. The newest plausible fix of every
-- user lives in `latest_positions`, which retention never touches.

-- The old table, its indexes and its constraint give their names up to the new ones.
ALTER TABLE locations RENAME TO locations_unpartitioned;
ALTER TABLE locations_unpartitioned RENAME CONSTRAINT locations_pkey TO locations_unpartitioned_pkey;
DROP INDEX locations_user_time;
DROP INDEX locations_plausible;
ALTER SEQUENCE locations_id_seq OWNED BY NONE;

-- No primary key: nothing refers to a fix, and a unique key on a partitioned table would have
-- to include received_at anyway. `id` (from the old sequence) still orders fixes of equal
-- device time by arrival.
CREATE TABLE locations (
  id          bigint NOT NULL DEFAULT nextval('locations_id_seq'),
  user_id     bigint NOT NULL REFERENCES users (id),
  lat         double precision NOT NULL,
  lng         double precision NOT NULL,
  accuracy_m  double precision,
  device_time timestamptz NOT NULL,
  received_at timestamptz NOT NULL,  -- server time: the partition key
  flagged     text NOT NULL DEFAULT ''  -- why a fix is doubtful (e.g. too fast), empty if fine
) PARTITION BY RANGE (received_at);
ALTER SEQUENCE locations_id_seq OWNED BY locations.id;
-- One index serves the resend check and a courier's recent track (both: one user, a device-time
-- range). The newest fix per user is read from latest_positions, not from here.
CREATE INDEX locations_user_time ON locations (user_id, device_time);
-- Catches a fix for a day whose partition is missing (the worker was down for longer than it
-- creates ahead); locations_maintain() moves such rows into their day's partition.
CREATE TABLE locations_default PARTITION OF locations DEFAULT;

-- The day partition of `day` (China Standard Time), created unless it exists. Its name,
-- locations_pYYYYMMDD, is how locations_maintain() knows its day.
CREATE FUNCTION locations_ensure_partition(day date) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  name text := 'locations_p' || to_char(day, 'YYYYMMDD');
BEGIN
  IF to_regclass(name) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('CREATE TABLE %I PARTITION OF locations FOR VALUES FROM (%L) TO (%L)', name,
                 (day::timestamp AT TIME ZONE 'Asia/Shanghai'),
                 ((day + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'));
  RETURN true;
END
$$;

-- Retention: partitions for today and the next `ahead_days` days exist afterwards, every row of
-- the default partition is in its day's partition, and the partitions of days before
-- today - `retention_days` are dropped (a fix is kept at least `retention_days` days). Returns
-- how many partitions it created and dropped. Safe to run twice at once: the transaction-level
-- advisory lock serialises runs.
CREATE FUNCTION locations_maintain(as_of timestamptz, retention_days integer, ahead_days integer,
                                   OUT created integer, OUT dropped integer)
LANGUAGE plpgsql AS $$
DECLARE
  today date := (as_of AT TIME ZONE 'Asia/Shanghai')::date;
  keep_from date := today - retention_days;
  strays bigint;
  day date;
  part record;
BEGIN
  IF retention_days < 1 OR ahead_days < 1 THEN
    RAISE EXCEPTION 'retention_days and ahead_days must be at least 1';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('locations_maintain'));
  created := 0;
  dropped := 0;

  -- Rows that landed in the default partition: a day partition cannot be created over them, so
  -- the default goes aside, their days' partitions are made, and they are inserted again.
  SELECT count(*) INTO strays FROM locations_default;
  IF strays > 0 THEN
    ALTER TABLE locations DETACH PARTITION locations_default;
    ALTER TABLE locations_default RENAME TO locations_strays;
    CREATE TABLE locations_default PARTITION OF locations DEFAULT;
    FOR day IN SELECT DISTINCT (received_at AT TIME ZONE 'Asia/Shanghai')::date
                 FROM locations_strays LOOP
      IF locations_ensure_partition(day) THEN
        created := created + 1;
      END IF;
    END LOOP;
    INSERT INTO locations SELECT * FROM locations_strays;
    DROP TABLE locations_strays;
  END IF;

  FOR day IN SELECT generate_series(today, today + ahead_days, interval '1 day')::date LOOP
    IF locations_ensure_partition(day) THEN
      created := created + 1;
    END IF;
  END LOOP;

  FOR part IN SELECT c.relname
                FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               WHERE i.inhparent = 'locations'::regclass
                 AND c.relname ~ '^locations_p[0-9]{8}$'
                 AND to_date(substr(c.relname, 12), 'YYYYMMDD') < keep_from LOOP
    EXECUTE format('DROP TABLE %I', part.relname);
    dropped := dropped + 1;
  END LOOP;
END
$$;

-- The existing fixes move over, each into its day's partition.
SELECT locations_ensure_partition(d::date)
  FROM (SELECT DISTINCT (received_at AT TIME ZONE 'Asia/Shanghai')::date AS d
          FROM locations_unpartitioned) days;
SELECT locations_ensure_partition(d::date)
  FROM generate_series((now() AT TIME ZONE 'Asia/Shanghai')::date,
                       (now() AT TIME ZONE 'Asia/Shanghai')::date + 7, interval '1 day') d;
INSERT INTO locations (id, user_id, lat, lng, accuracy_m, device_time, received_at, flagged)
SELECT id, user_id, lat, lng, accuracy_m, device_time, received_at, flagged
  FROM locations_unpartitioned;

-- The newest plausible fix of every user (by device time, the later arrival winning a tie):
-- what the speed check of every batch and the courier list read, in one probe of a small table.
CREATE TABLE latest_positions (
  user_id     bigint PRIMARY KEY REFERENCES users (id),
  lat         double precision NOT NULL,
  lng         double precision NOT NULL,
  accuracy_m  double precision,
  device_time timestamptz NOT NULL,
  received_at timestamptz NOT NULL
);
INSERT INTO latest_positions (user_id, lat, lng, accuracy_m, device_time, received_at)
SELECT DISTINCT ON (user_id) user_id, lat, lng, accuracy_m, device_time, received_at
  FROM locations_unpartitioned
 WHERE flagged = ''
 ORDER BY user_id, device_time DESC, id DESC;

DROP TABLE locations_unpartitioned;
