-- Tickets: a conversation handed over to humans, and each ticket's history.

CREATE TABLE tickets (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number          text        NOT NULL UNIQUE CHECK (char_length(number) BETWEEN 1 AND 32),
    conversation_id uuid        NOT NULL REFERENCES conversations (id),
    owner_id        text        NOT NULL CHECK (owner_id <> ''),
    status          text        NOT NULL CHECK (status IN ('queued', 'assigned', 'resolved', 'closed')),
    priority        integer     NOT NULL CHECK (priority BETWEEN 1 AND 3),
    queue           text        NOT NULL CHECK (queue <> ''),
    category        text        NOT NULL DEFAULT '',
    trigger         text        NOT NULL DEFAULT '',
    reason          text        NOT NULL DEFAULT '',
    question        text        NOT NULL DEFAULT '',
    summary         text        NOT NULL DEFAULT '',
    sentiment_trail jsonb       NOT NULL DEFAULT '[]',
    candidates      jsonb       NOT NULL DEFAULT '[]',
    language        text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    due_at          timestamptz NOT NULL,
    assigned_to     text        NOT NULL DEFAULT '',
    updated_at      timestamptz NOT NULL
);

-- A conversation has at most one ticket a human is still to handle; it is also how the bot
-- finds that ticket.
CREATE UNIQUE INDEX tickets_one_open_idx ON tickets (conversation_id)
    WHERE status IN ('queued', 'assigned');

-- The waiting line of each queue in the order agents take it: the claim (SELECT ... ORDER BY
-- priority, due_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) reads its head, and a user's place is
-- a count of the entries before theirs.
CREATE INDEX tickets_queued_idx ON tickets (queue, priority, due_at, id)
    WHERE status = 'queued';

-- The history of a ticket. kind is open-ended on purpose: the agents' workflow adds kinds
-- (claimed, transferred, resolved, rated) without a migration.
CREATE TABLE ticket_events (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id bigint      NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    at        timestamptz NOT NULL,
    actor     text        NOT NULL CHECK (actor <> ''),
    kind      text        NOT NULL CHECK (kind <> ''),
    detail    jsonb       NOT NULL DEFAULT '{}'
);

CREATE INDEX ticket_events_ticket_idx ON ticket_events (ticket_id, id);
