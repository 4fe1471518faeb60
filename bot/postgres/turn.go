package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/faqbot/faqbot/bot"
	handoffpg "github.com/faqbot/faqbot/handoff/postgres"
)

// appendMessage bumps the conversation's last_seq and inserts the message with it. The row
// lock of the UPDATE makes concurrent writers of one conversation take turns, and both happen
// or neither: seqs have no gaps.
const appendMessage = `WITH bump AS (
	UPDATE conversations SET last_seq = last_seq + 1, updated_at = $2 WHERE id = $1 RETURNING last_seq
), msg AS (
	INSERT INTO messages (` + messageInsertColumns + `)
	SELECT $1::uuid, last_seq, ` + messageFields + ` FROM bump
	RETURNING id, seq
)
SELECT id, seq FROM msg`

// beginKeyed is appendMessage behind an Idempotency-Key. The key row is inserted first, with
// the message id taken from the sequence, and everything else only happens when it was new. A
// concurrent request with the same key waits on the key's index entry until the first commits,
// then inserts nothing. (The foreign key from the key to its message is checked at the end of
// the statement, when the message exists.)
const beginKeyed = `WITH key AS (
	INSERT INTO turn_keys (conversation_id, key, body_hash, user_message_id, created_at)
	VALUES ($1, $14, $15, nextval('messages_id_seq'), $2)
	ON CONFLICT (conversation_id, key) DO NOTHING
	RETURNING user_message_id
), bump AS (
	UPDATE conversations SET last_seq = last_seq + 1, updated_at = $2
	WHERE id = $1 AND EXISTS (SELECT 1 FROM key)
	RETURNING last_seq
), msg AS (
	INSERT INTO messages (id, ` + messageInsertColumns + `)
	SELECT key.user_message_id, $1::uuid, bump.last_seq, ` + messageFields + ` FROM key, bump
	RETURNING id, seq
)
SELECT id, seq FROM msg`

// priorTurn reads the turn a key was first used for: its user message and, once answered,
// the reply, in seq order.
const priorTurn = `SELECT k.body_hash, k.done, ` + prefixedMessageColumns + `
	FROM turn_keys k JOIN messages m ON m.id IN (k.user_message_id, k.reply_message_id)
	WHERE k.conversation_id = $1 AND k.key = $2
	ORDER BY m.seq`

const prefixedMessageColumns = `m.id, m.conversation_id::text AS conversation_id, m.seq, m.role,
	m.text, m.author, m.citations, m.confidence, m.sentiment_label, m.sentiment_score, m.decision,
	m.reason, m.suggestions, m.query, m.created_at`

type priorRow struct {
	BodyHash []byte `db:"body_hash"`
	Done     bool   `db:"done"`
	messageRow
}

// BeginTurn implements bot.Store: one statement for a new message; a retried key costs a
// second one to read what the first request stored.
func (s *Store) BeginTurn(ctx context.Context, msg *bot.Message, key bot.TurnKey) (*bot.Turn, error) {
	if err := msg.Validate(); err != nil {
		return nil, err
	}
	if err := key.Validate(); err != nil {
		return nil, err
	}
	if key.Key == "" {
		return nil, s.AppendMessage(ctx, msg)
	}
	now := now()
	args, err := messageArgs(msg)
	if err != nil {
		return nil, dbError(err, "begin turn")
	}
	args = append(append([]any{msg.ConversationID, now}, args...), key.Key, key.BodyHash)
	var id, seq int64
	err = s.pool.QueryRow(ctx, beginKeyed, args...).Scan(&id, &seq)
	switch {
	case err == nil:
		msg.ID, msg.Seq, msg.CreatedAt, msg.ConversationID = id, seq, now, canonical(msg.ConversationID)
		return nil, nil
	case !errors.Is(err, pgx.ErrNoRows):
		return nil, lookupError(err, "begin turn in conversation %q", msg.ConversationID)
	}
	return s.prior(ctx, msg.ConversationID, key)
}

func (s *Store) prior(ctx context.Context, conversationID string, key bot.TurnKey) (*bot.Turn, error) {
	rows, _ := s.pool.Query(ctx, priorTurn, conversationID, key.Key)
	got, err := pgx.CollectRows(rows, pgx.RowToStructByName[priorRow])
	if err != nil {
		return nil, dbError(err, "read the turn of idempotency key %q", key.Key)
	}
	if len(got) == 0 {
		return nil, fmt.Errorf("the turn of idempotency key %q vanished, try again: %w", key.Key, bot.ErrConflict)
	}
	if !bytes.Equal(got[0].BodyHash, key.BodyHash) {
		return nil, fmt.Errorf("idempotency key %q: %w", key.Key, bot.ErrIdempotencyMismatch)
	}
	t := &bot.Turn{User: got[0].message(), Done: got[0].Done}
	if len(got) > 1 {
		r := got[1].message()
		t.Reply = &r
	}
	return t, nil
}

// expireKeys deletes one batch of the oldest keys begun before $1, at most $2, and reads only
// the rows it deletes: the batch comes from the index on created_at (migration 012), and
// = ANY(ARRAY(...)) makes the delete look them up by user_message_id, where IN (...) lets the
// planner hash-join against a scan of the whole table. Rows another transaction holds (a
// FinishTurn marking its key done, another replica's sweep) are skipped rather than waited
// for: the next sweep takes them.
const expireKeys = `DELETE FROM turn_keys WHERE user_message_id = ANY (ARRAY(
	SELECT user_message_id FROM turn_keys WHERE created_at < $1
	ORDER BY created_at LIMIT $2
	FOR UPDATE SKIP LOCKED))`

// ExpireTurnKeys implements bot.Store: one statement, one batch.
func (s *Store) ExpireTurnKeys(ctx context.Context, before time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, expireKeys, before, bot.ExpireTurnKeysBatch)
	if err != nil {
		return 0, dbError(err, "expire idempotency keys")
	}
	return int(tag.RowsAffected()), nil
}

// AppendMessage implements bot.Store.
func (s *Store) AppendMessage(ctx context.Context, msg *bot.Message) error {
	if err := msg.Validate(); err != nil {
		return err
	}
	now := now()
	args, err := messageArgs(msg)
	if err != nil {
		return dbError(err, "append message")
	}
	var id, seq int64
	err = s.pool.QueryRow(ctx, appendMessage, append([]any{msg.ConversationID, now}, args...)...).Scan(&id, &seq)
	if err != nil {
		return lookupError(err, "append a message to conversation %q", msg.ConversationID)
	}
	msg.ID, msg.Seq, msg.CreatedAt, msg.ConversationID = id, seq, now, canonical(msg.ConversationID)
	return nil
}

// finish writes a turn's outcome but the ticket, in one statement. Everything depends on bump,
// which only updates the conversation when the user message named by $14 (0 for none)
// belongs to it; the reply is written when $15 is true, the knowledge gap ($24..$29) when $23
// is. The result is one row: whether the conversation was updated, the reply's id and seq
// (NULL without a reply) and the gap's id (NULL without one).
const finish = `WITH bump AS (
	UPDATE conversations
	SET last_seq = last_seq + CASE WHEN $15::boolean THEN 1 ELSE 0 END,
		state = CASE WHEN $16::text = '' THEN state ELSE $16::text END, low_streak = $17, human_asks = $18,
		language = CASE WHEN $19::text = '' THEN language ELSE $19::text END,
		updated_at = $2
	WHERE id = $1 AND ($14::bigint = 0 OR EXISTS (
		SELECT 1 FROM messages WHERE id = $14::bigint AND conversation_id = $1 AND role = 'user'))
	RETURNING last_seq
), reply AS (
	INSERT INTO messages (` + messageInsertColumns + `)
	SELECT $1::uuid, last_seq, ` + messageFields + ` FROM bump WHERE $15::boolean
	RETURNING id, seq
), asked AS (
	UPDATE messages SET
		sentiment_label = coalesce($20::text, sentiment_label),
		sentiment_score = coalesce($21::float8, sentiment_score),
		query = CASE WHEN $22::text = '' THEN query ELSE $22::text END
	WHERE id = $14::bigint AND ($20::text IS NOT NULL OR $22::text <> '') AND EXISTS (SELECT 1 FROM bump)
), done AS (
	UPDATE turn_keys SET done = true, reply_message_id = (SELECT id FROM reply)
	WHERE user_message_id = $14::bigint AND EXISTS (SELECT 1 FROM bump)
), gap AS (
	INSERT INTO knowledge_gaps (conversation_id, question, language, reason, detail, ticket_number,
		confidence, created_at)
	SELECT $1::uuid, $24::text, $25::text, $26::text, $27::text, $28::text, $29::float8, $2
	FROM bump WHERE $23::boolean
	RETURNING id
)
SELECT EXISTS (SELECT 1 FROM bump), (SELECT id FROM reply), (SELECT seq FROM reply), (SELECT id FROM gap)`

// FinishTurn implements bot.Store. Without a ticket the outcome is one statement, which is
// atomic by itself; with one, that statement and handoff/postgres.InsertTicket share a
// transaction.
func (s *Store) FinishTurn(ctx context.Context, o *bot.Outcome) error {
	if err := o.Validate(); err != nil {
		return err
	}
	reply := o.Reply
	if reply == nil {
		// Placeholders for the reply's parameters, which the statement then does not use.
		reply = &bot.Message{Role: bot.RoleBot}
	}
	args, err := messageArgs(reply)
	if err != nil {
		return dbError(err, "finish turn")
	}
	now := now()
	var label *string
	var score *float64
	if o.UserSentiment != nil {
		label, score = &o.UserSentiment.Label, &o.UserSentiment.Score
	}
	args = append(append([]any{o.ConversationID, now}, args...),
		o.UserMessageID, o.Reply != nil, string(o.State), o.LowStreak, o.HumanAsks, o.Language,
		label, score, o.UserQuery)
	args = append(args, gapArgs(o.Gap)...)

	var found bool
	var id, seq, gapID *int64
	if o.Ticket == nil {
		err = s.pool.QueryRow(ctx, finish, args...).Scan(&found, &id, &seq, &gapID)
	} else {
		err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			if err := tx.QueryRow(ctx, finish, args...).Scan(&found, &id, &seq, &gapID); err != nil || !found {
				return err
			}
			o.Ticket.ConversationID = canonical(o.Ticket.ConversationID)
			if err := handoffpg.InsertTicket(ctx, tx, o.Ticket); err != nil {
				return ticketError(err)
			}
			return nil
		})
		if err != nil {
			o.Ticket.ID = 0 // whatever InsertTicket set was rolled back
		}
	}
	var kind kindError
	switch {
	case errors.As(err, &kind):
		return err
	case err != nil:
		return lookupError(err, "finish turn in conversation %q", o.ConversationID)
	case !found:
		return fmt.Errorf("finish turn: conversation %q, or its user message %d: %w",
			o.ConversationID, o.UserMessageID, bot.ErrNotFound)
	}
	if o.Reply != nil {
		o.Reply.ID, o.Reply.Seq, o.Reply.CreatedAt, o.Reply.ConversationID = *id, *seq, now, canonical(o.ConversationID)
	}
	if o.Gap != nil && gapID != nil {
		o.Gap.ID, o.Gap.CreatedAt, o.Gap.ConversationID = *gapID, now, canonical(o.ConversationID)
	}
	return nil
}
