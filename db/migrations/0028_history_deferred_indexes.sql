-- `daibanctl seed-history` loading a history several times the size of what is there drops the
-- secondary indexes of the tables it fills and builds them once at the end: inserting a
-- million cases into seventeen growing indexes, row by row, halved its rate. The definitions
-- wait here meanwhile, so a load that stops half way leaves them to the next run with the same
-- arguments, which finishes the days still missing and builds them.
CREATE TABLE history_deferred_indexes (
  name        text PRIMARY KEY,
  definition  text NOT NULL,
  dropped_at  timestamptz NOT NULL DEFAULT now()
);
