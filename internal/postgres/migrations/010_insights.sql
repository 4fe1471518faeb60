-- Insights (issue 4): the knowledge gaps editors work from, and the indexes the summary's
-- window reads.

-- A question the knowledge base did not serve well (DESIGN §3): the bot asked back
-- (low_confidence), a human took over (handoff), or the user rated the ticket 1 or 2
-- (bad_rating). A turn writes its gap in the statement that writes its reply.
CREATE TABLE knowledge_gaps (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id uuid REFERENCES conversations (id) ON DELETE CASCADE,
    question        text        NOT NULL CHECK (question <> '' AND char_length(question) <= 1000),
    language        text        NOT NULL DEFAULT '',
    reason          text        NOT NULL CHECK (reason IN ('low_confidence', 'handoff', 'bad_rating')),
    detail          text        NOT NULL DEFAULT '', -- the handoff's trigger, the rating's score
    ticket_number   text        NOT NULL DEFAULT '',
    confidence      double precision,
    created_at      timestamptz NOT NULL
);

-- Gaps are read newest first within a window.
CREATE INDEX knowledge_gaps_created_idx ON knowledge_gaps (created_at DESC, id DESC);

-- The summary's windows: conversations, tickets and ratings by their time, and a
-- conversation's tickets (was it ever handed over?).
CREATE INDEX conversations_created_idx ON conversations (created_at);
CREATE INDEX tickets_created_idx ON tickets (created_at);
CREATE INDEX tickets_conversation_idx ON tickets (conversation_id);
CREATE INDEX ratings_created_idx ON ratings (created_at);
