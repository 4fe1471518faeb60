-- The end of a ticket's life: when it was resolved, and the owner's rating (DESIGN §3).

ALTER TABLE tickets ADD COLUMN resolved_at timestamptz;

-- One rating per ticket, by construction: the key is the ticket, so a second rating cannot
-- slip in between a check and a write, whatever the code above does.
CREATE TABLE ratings (
    ticket_id  bigint      PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    score      integer     NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment    text        NOT NULL DEFAULT '' CHECK (char_length(comment) <= 1000),
    created_at timestamptz NOT NULL
);
