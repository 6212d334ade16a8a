-- Wakes the phones' waiting requests (GET /mobile/v1/me/wait) when something a phone shows
-- changes for its user: an offer made or answered, a case given to or taken from an agent or
-- moved to another state, a delivery given to a courier, moved on or re-planned. PostgreSQL
-- delivers the notification only when the writing transaction commits and nothing on
-- rollback. The payload is `kind:user_id:ms`, ms being the wall-clock time of the change (what
-- the gateway's commit-to-phone histogram measures from). A notification is a wake-up, never
-- the data: the phone reads its offers, tasks or stops afterwards, and a lost one only delays
-- it until its wait times out.
CREATE FUNCTION phone_notify(kind text, user_id bigint) RETURNS void LANGUAGE sql AS $$
  SELECT pg_notify('daiban_phone', kind || ':' || user_id || ':' ||
                   floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint)
$$;

CREATE FUNCTION offers_phone_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM phone_notify('offer', NEW.agent_id);
  RETURN NULL;
END
$$;

CREATE TRIGGER offers_phone_notify_insert AFTER INSERT ON offers
  FOR EACH ROW EXECUTE FUNCTION offers_phone_notify();
CREATE TRIGGER offers_phone_notify_update AFTER UPDATE OF state ON offers
  FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
  EXECUTE FUNCTION offers_phone_notify();

CREATE FUNCTION cases_phone_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.agent_id IS NOT NULL THEN
    PERFORM phone_notify('case', NEW.agent_id);
  END IF;
  IF OLD.agent_id IS NOT NULL AND OLD.agent_id IS DISTINCT FROM NEW.agent_id THEN
    PERFORM phone_notify('case', OLD.agent_id);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER cases_phone_notify AFTER UPDATE OF agent_id, state ON cases
  FOR EACH ROW
  WHEN (OLD.agent_id IS DISTINCT FROM NEW.agent_id OR OLD.state IS DISTINCT FROM NEW.state)
  EXECUTE FUNCTION cases_phone_notify();

CREATE FUNCTION deliveries_phone_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.courier_id IS NOT NULL THEN
    PERFORM phone_notify('delivery', NEW.courier_id);
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.courier_id IS NOT NULL
     AND OLD.courier_id IS DISTINCT FROM NEW.courier_id THEN
    PERFORM phone_notify('delivery', OLD.courier_id);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER deliveries_phone_notify_insert AFTER INSERT ON deliveries
  FOR EACH ROW WHEN (NEW.courier_id IS NOT NULL)
  EXECUTE FUNCTION deliveries_phone_notify();
CREATE TRIGGER deliveries_phone_notify_update AFTER UPDATE OF courier_id, state, stop_order
  ON deliveries
  FOR EACH ROW
  WHEN (OLD.courier_id IS DISTINCT FROM NEW.courier_id OR OLD.state IS DISTINCT FROM NEW.state
        OR OLD.stop_order IS DISTINCT FROM NEW.stop_order)
  EXECUTE FUNCTION deliveries_phone_notify();
