package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/internal/postgres"
)

// feedSettle bounds how long MessagesAfter waits for a message whose id was taken but whose
// transaction has not committed yet (internal/postgres.ReadSettled).
var feedSettle = postgres.DefaultSettle

// feedQuery reads the feed along the primary key.
const feedQuery = "SELECT " + messageColumns + " FROM messages WHERE id > $1 ORDER BY id LIMIT $2"

// MessagesAfter implements bot.Store.
func (s *Store) MessagesAfter(ctx context.Context, afterID int64, limit int) ([]bot.Message, error) {
	if err := bot.CheckFeed(afterID, limit); err != nil {
		return nil, err
	}
	read := func(ctx context.Context, tx pgx.Tx) ([]bot.Message, error) {
		rows, _ := tx.Query(ctx, feedQuery, afterID, limit)
		return collectMessages(rows)
	}
	out, err := postgres.ReadSettled(ctx, s.pool, afterID, feedSettle, read, func(m bot.Message) int64 { return m.ID })
	if err != nil {
		return nil, dbError(err, "messages after %d", afterID)
	}
	if out == nil {
		out = []bot.Message{}
	}
	return out, nil
}

// FeedHeads implements bot.Store. The ticket events are the handoff store's table; reading
// its newest id here saves the ticket store a method only this needs.
func (s *Store) FeedHeads(ctx context.Context) (bot.FeedHeads, error) {
	var h bot.FeedHeads
	err := s.pool.QueryRow(ctx, `SELECT (SELECT coalesce(max(id), 0) FROM messages),
		(SELECT coalesce(max(id), 0) FROM ticket_events)`).Scan(&h.Message, &h.TicketEvent)
	if err != nil {
		return bot.FeedHeads{}, dbError(err, "read the feeds' heads")
	}
	return h, nil
}

// setFeedSettle changes how long MessagesAfter waits for a gap to settle, for tests; it
// returns a func that restores the old value.
func setFeedSettle(d time.Duration) func() {
	old := feedSettle
	feedSettle = d
	return func() { feedSettle = old }
}
