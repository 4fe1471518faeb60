-- Live events across replicas (DESIGN §6): triggers ring a doorbell with pg_notify in the
-- writing transaction, so the notification goes out at commit and never for a rollback. A
-- notification only says "look again": the tables stay the truth, so a dropped notification
-- or a listener that reconnects loses nothing (internal/postgres/listen.go, api/notify.go).
--
-- Channels and payloads (api/notify.go names them too):
--   faqbot_tickets   the ticket_events id            (a ticket changed)
--   faqbot_messages  "<conversation id> <seq>"       (a message was written)
--   faqbot_states    "<conversation id> <state>"     (a conversation changed hands)
-- Every payload starts with the key a subscriber filters on, then a space.

CREATE FUNCTION faqbot_notify_ticket_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('faqbot_tickets', NEW.id::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER ticket_events_notify AFTER INSERT ON ticket_events
    FOR EACH ROW EXECUTE FUNCTION faqbot_notify_ticket_event();

CREATE FUNCTION faqbot_notify_message() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('faqbot_messages', NEW.conversation_id::text || ' ' || NEW.seq::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER messages_notify AFTER INSERT ON messages
    FOR EACH ROW EXECUTE FUNCTION faqbot_notify_message();

-- Only a change of state: every message bumps the conversation's last_seq, and those updates
-- are announced on faqbot_messages already.
CREATE FUNCTION faqbot_notify_state() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('faqbot_states', NEW.id::text || ' ' || NEW.state);
    RETURN NULL;
END
$$;

CREATE TRIGGER conversations_state_notify AFTER UPDATE OF state ON conversations
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION faqbot_notify_state();
