-- Webhooks (DESIGN §4 "Admins"): the URLs admins register, one delivery per webhook and
-- ticket event, and the relay's cursor in the ticket event log (the outbox is that log).

CREATE TABLE webhooks (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url        text        NOT NULL CHECK (char_length(url) BETWEEN 1 AND 2048),
    -- Kept as it is: deliveries are signed with it (HMAC), so a hash would not do.
    secret     text        NOT NULL CHECK (octet_length(secret) BETWEEN 16 AND 256),
    events     text[]      NOT NULL DEFAULT '{}', -- event types; empty: all
    active     boolean     NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL,
    removed_at timestamptz,
    CHECK (active = (removed_at IS NULL))
);

CREATE TABLE webhook_deliveries (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id       bigint      NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    -- No reference to ticket_events: a delivery keeps its own payload and outlives a
    -- deleted ticket's history.
    event_id         bigint      NOT NULL,
    event_type       text        NOT NULL CHECK (event_type <> ''),
    -- The exact bytes signed and sent, the same on every attempt (jsonb would reformat them).
    payload          text        NOT NULL,
    status           text        NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts         integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_at          timestamptz NOT NULL,
    deadline         timestamptz NOT NULL,
    last_status_code integer     NOT NULL DEFAULT 0 CHECK (last_status_code BETWEEN 0 AND 999),
    last_error       text        NOT NULL DEFAULT '' CHECK (octet_length(last_error) <= 500),
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    -- One delivery per webhook and event, whatever relays run, twice or at once.
    CONSTRAINT webhook_deliveries_once UNIQUE (webhook_id, event_id)
);

-- The claim reads the head of this: pending deliveries in the order they fall due.
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_at, id)
    WHERE status = 'pending';

-- An admin's list of a webhook's deliveries, by status (the dead letters).
CREATE INDEX webhook_deliveries_list_idx ON webhook_deliveries (webhook_id, status, id);

-- The pruning of old delivered rows.
CREATE INDEX webhook_deliveries_delivered_idx ON webhook_deliveries (updated_at)
    WHERE status = 'delivered';

-- The relay's cursor: the last ticket event id fanned out. One row, by construction.
CREATE TABLE webhook_relay (
    singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last_event_id bigint  NOT NULL DEFAULT 0
);

INSERT INTO webhook_relay DEFAULT VALUES;
