package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/faqbot/faqbot/bot"
)

// messageColumns is the select list messageRow scans by name.
const messageColumns = `id, conversation_id::text AS conversation_id, seq, role, text, author,
	citations, confidence, sentiment_label, sentiment_score, decision, reason, suggestions, query,
	created_at`

type messageRow struct {
	ID             int64          `db:"id"`
	ConversationID string         `db:"conversation_id"`
	Seq            int64          `db:"seq"`
	Role           string         `db:"role"`
	Text           string         `db:"text"`
	Author         string         `db:"author"`
	Citations      []bot.Citation `db:"citations"`
	Confidence     *float64       `db:"confidence"`
	SentimentLabel *string        `db:"sentiment_label"`
	SentimentScore *float64       `db:"sentiment_score"`
	Decision       string         `db:"decision"`
	Reason         string         `db:"reason"`
	Suggestions    []string       `db:"suggestions"`
	Query          string         `db:"query"`
	CreatedAt      time.Time      `db:"created_at"`
}

func (r messageRow) message() bot.Message {
	m := bot.Message{
		ID: r.ID, ConversationID: r.ConversationID, Seq: r.Seq, Role: bot.Role(r.Role), Text: r.Text,
		Author: r.Author, Citations: r.Citations, Confidence: r.Confidence, Decision: bot.Decision(r.Decision),
		Reason: r.Reason, Suggestions: r.Suggestions, Query: r.Query, CreatedAt: r.CreatedAt.UTC(),
	}
	if m.Citations == nil {
		m.Citations = []bot.Citation{}
	}
	if m.Suggestions == nil {
		m.Suggestions = []string{}
	}
	if r.SentimentLabel != nil && r.SentimentScore != nil {
		m.Sentiment = &bot.Sentiment{Label: *r.SentimentLabel, Score: *r.SentimentScore}
	}
	return m
}

func collectMessages(rows pgx.Rows) ([]bot.Message, error) {
	got, err := pgx.CollectRows(rows, pgx.RowToStructByName[messageRow])
	if err != nil {
		return nil, err
	}
	out := make([]bot.Message, len(got))
	for i, r := range got {
		out[i] = r.message()
	}
	return out, nil
}

const (
	messagesQuery = "SELECT " + messageColumns + ` FROM messages
		WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`
	recentQuery = "SELECT " + messageColumns + ` FROM messages
		WHERE conversation_id = $1 ORDER BY seq DESC LIMIT $2`
)

// Messages implements bot.Store: a backward scan of the (conversation_id, seq DESC) index.
func (s *Store) Messages(ctx context.Context, conversationID string, afterSeq int64, limit int) ([]bot.Message, error) {
	switch {
	case afterSeq < 0:
		return nil, fmt.Errorf("messages: after must not be negative, got %d: %w", afterSeq, bot.ErrInvalid)
	case limit < 1:
		return nil, fmt.Errorf("messages: limit must be at least 1, got %d: %w", limit, bot.ErrInvalid)
	}
	rows, _ := s.pool.Query(ctx, messagesQuery, conversationID, afterSeq, limit)
	out, err := collectMessages(rows)
	if err != nil {
		return nil, lookupError(err, "messages of conversation %q", conversationID)
	}
	if len(out) == 0 {
		if err := s.exists(ctx, conversationID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Recent implements bot.Store: the first n entries of the (conversation_id, seq DESC) index,
// however long the conversation is.
func (s *Store) Recent(ctx context.Context, conversationID string, n int) ([]bot.Message, error) {
	if n < 1 {
		return nil, fmt.Errorf("recent messages: n must be at least 1, got %d: %w", n, bot.ErrInvalid)
	}
	rows, _ := s.pool.Query(ctx, recentQuery, conversationID, n)
	out, err := collectMessages(rows)
	if err != nil {
		return nil, lookupError(err, "recent messages of conversation %q", conversationID)
	}
	if len(out) == 0 {
		if err := s.exists(ctx, conversationID); err != nil {
			return nil, err
		}
	}
	slices.Reverse(out)
	return out, nil
}

// messageFields is the select list of a new message's values after the conversation id and
// seq, as messageArgs orders them from $3 on ($2 is the time); it casts every parameter, since
// a SELECT list, unlike VALUES, gives them no type.
const messageFields = `$3::text, $4::text, $5::text, $6::jsonb, $7::float8, $8::text, $9::float8,
	$10::text, $11::text, $12::jsonb, $13::text, $2::timestamptz`

const messageInsertColumns = `conversation_id, seq, role, text, author, citations, confidence,
	sentiment_label, sentiment_score, decision, reason, suggestions, query, created_at`

// messageArgs returns the parameters $3..$13 of messageFields.
func messageArgs(m *bot.Message) ([]any, error) {
	citations, err := json.Marshal(nonNil(m.Citations))
	if err != nil {
		return nil, fmt.Errorf("encode citations: %w", err)
	}
	suggestions, err := json.Marshal(nonNil(m.Suggestions))
	if err != nil {
		return nil, fmt.Errorf("encode suggestions: %w", err)
	}
	var label *string
	var score *float64
	if m.Sentiment != nil {
		label, score = &m.Sentiment.Label, &m.Sentiment.Score
	}
	return []any{string(m.Role), m.Text, m.Author, citations, m.Confidence, label, score,
		string(m.Decision), m.Reason, suggestions, m.Query}, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
