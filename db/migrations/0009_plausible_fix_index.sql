-- The newest plausible fix of a user is read for every location batch (the speed check) and by
-- tracking (courier positions, recent speed): an index in that order, over plausible fixes only,
-- makes it one index probe however long the history grows.
CREATE INDEX locations_plausible ON locations (user_id, device_time DESC, id DESC)
  WHERE flagged = '';
