package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/bot/postgres"
	"github.com/faqbot/faqbot/internal/postgres/pgtest"
)

// BenchmarkInsights measures the summary of a week and the read of a month's gaps on a
// database holding 90 days of a busy deployment: 100,000 conversations (3 messages each),
// 20,000 tickets (half of them rated) and 30,000 knowledge gaps, spread evenly.
func BenchmarkInsights(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.New(b)
	store := postgres.New(pool)
	now := time.Now().UTC()
	for _, q := range []string{
		`INSERT INTO conversations (id, owner_id, state, last_seq, created_at, updated_at)
		SELECT gen_random_uuid(), 'u' || i, 'bot', 3, $1::timestamptz - i * interval '77 seconds', $1::timestamptz FROM generate_series(1, 100000) i`,
		`INSERT INTO messages (conversation_id, seq, role, text, decision, created_at)
		SELECT c.id, s, CASE s WHEN 2 THEN 'bot' ELSE 'user' END, 'text',
			CASE WHEN s = 2 THEN (CASE WHEN random() < 0.7 THEN 'answer' ELSE 'clarify' END) ELSE '' END, c.created_at
		FROM conversations c, generate_series(1, 3) s`,
		`INSERT INTO tickets (number, conversation_id, owner_id, status, priority, queue, trigger, created_at, due_at,
			updated_at, first_response_at, resolved_at)
		SELECT 'N' || n, c.id, c.owner_id, CASE WHEN n % 50 = 0 THEN 'queued' ELSE 'closed' END, 1 + n % 3,
			(ARRAY['account','payment','tech'])[1 + n % 3], (ARRAY['user_request','angry','low_confidence'])[1 + n % 3],
			c.created_at, c.created_at + interval '5 minutes', c.created_at,
			CASE WHEN n % 50 = 0 THEN NULL ELSE c.created_at + (n % 600) * interval '1 second' END,
			CASE WHEN n % 50 = 0 THEN NULL ELSE c.created_at + (n % 7200) * interval '1 second' END
		FROM (SELECT id, owner_id, created_at, row_number() OVER () AS n FROM conversations LIMIT 20000) c`,
		`INSERT INTO ratings (ticket_id, score, created_at)
		SELECT id, 1 + id % 5, created_at + interval '3 hours' FROM tickets WHERE id % 2 = 0 AND status = 'closed'`,
		`INSERT INTO knowledge_gaps (question, language, reason, created_at)
		SELECT 'question ' || (i % 500), 'zh', (ARRAY['low_confidence','handoff','bad_rating'])[1 + i % 3],
			$1::timestamptz - i * interval '259 seconds' FROM generate_series(1, 30000) i`,
		`ANALYZE`,
	} {
		var args []any
		if strings.Contains(q, "$1") {
			args = append(args, now)
		}
		_, err := pool.Exec(ctx, q, args...)
		require.NoError(b, err)
	}
	if testing.Verbose() {
		for name, q := range postgres.SummaryStatements {
			args := []any{now.Add(-7 * 24 * time.Hour), now, now}[:strings.Count(q, "$3")+2]
			if name == "open" {
				args = nil
			}
			rows, err := pool.Query(ctx, "EXPLAIN (ANALYZE, COSTS OFF) "+q, args...)
			require.NoError(b, err)
			for rows.Next() {
				var line string
				require.NoError(b, rows.Scan(&line))
				b.Log(name, ": ", line)
			}
			require.NoError(b, rows.Err())
		}
	}
	b.Run("summary-7d", func(b *testing.B) {
		for b.Loop() {
			if _, err := store.Summary(ctx, bot.SummaryQuery{Since: now.Add(-7 * 24 * time.Hour), Until: now, Now: now}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gaps-30d", func(b *testing.B) {
		for b.Loop() {
			gaps, err := store.Gaps(ctx, bot.GapQuery{Since: now.Add(-30 * 24 * time.Hour), Until: now, Limit: bot.MaxGapRows + 1})
			if err != nil || len(gaps) != bot.MaxGapRows+1 {
				b.Fatal(err, len(gaps))
			}
		}
	})
}
