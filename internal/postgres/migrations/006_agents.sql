-- The agents' workflow (issue 4): claims as leases, first responses against the SLA, breach
-- marks, and the close of tickets nobody rated.

ALTER TABLE tickets
    ADD COLUMN lease_until       timestamptz, -- set while assigned: the claim lapses then
    ADD COLUMN first_response_at timestamptz, -- the SLA (due_at) is about this moment
    ADD COLUMN breached_at       timestamptz, -- when the sweeper last found due_at passed
    ADD COLUMN closed_at         timestamptz; -- rated, or closed unrated after the timeout

-- A claim across every queue reads the head of the one line they make together: this index,
-- in claim order, with SKIP LOCKED stepping over the rows other claimers hold. A claim of one
-- queue reads tickets_queued_idx (004) the same way.
CREATE INDEX tickets_claim_idx ON tickets (priority, due_at, id)
    WHERE status = 'queued';

-- The lease sweep: assigned tickets by the end of their lease.
CREATE INDEX tickets_lease_idx ON tickets (lease_until)
    WHERE status = 'assigned';

-- The breach sweep: open tickets nobody has answered yet, by due time.
CREATE INDEX tickets_unanswered_idx ON tickets (due_at)
    WHERE status IN ('queued', 'assigned') AND first_response_at IS NULL;

-- The close of unrated tickets: resolved ones by resolution time.
CREATE INDEX tickets_resolved_idx ON tickets (resolved_at)
    WHERE status = 'resolved';

-- Agents' lists: one status (and one queue) in the order they work them, read page by page
-- with a keyset cursor on (priority, due_at, id). The queued tickets have theirs already
-- (tickets_queued_idx, tickets_claim_idx).
CREATE INDEX tickets_list_idx ON tickets (status, queue, priority, due_at, id)
    WHERE status <> 'queued';

-- Each event records the queue its ticket is in right after it (for a transfer, the queue it
-- went to): who may see an event is decided by where the ticket was when it happened, not by
-- where it is when a reader gets there. The trigger fills it in the writing transaction, after
-- the ticket's own update, so no writer can forget it.
ALTER TABLE ticket_events ADD COLUMN queue text NOT NULL DEFAULT '';

CREATE FUNCTION ticket_events_queue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT queue INTO NEW.queue FROM tickets WHERE id = NEW.ticket_id;
    RETURN NEW;
END
$$;

CREATE TRIGGER ticket_events_queue BEFORE INSERT ON ticket_events
    FOR EACH ROW EXECUTE FUNCTION ticket_events_queue();
