-- Wakes the outbox relay when events commit instead of waiting for its next poll: every
-- statement that inserts outbox rows sends a notification on the channel the relay listens to.
-- PostgreSQL delivers it only when the writing transaction commits, folds repeats within one
-- transaction into one, and sends nothing on rollback. The payload is empty: the relay reads
-- what is unpublished from the table, so a lost notification only delays an event until the
-- relay's safety-net poll.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('daiban_outbox', '');
  RETURN NULL;
END
$$;

CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
