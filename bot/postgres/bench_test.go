package postgres_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/bot/postgres"
	"github.com/faqbot/faqbot/internal/postgres/pgtest"
)

// BenchmarkTurn compares what one turn costs through the store (BeginTurn with an
// Idempotency-Key, Recent of 15, FinishTurn with a full reply) with the bare SQL any turn needs:
// the user message with its seq, the last messages, the reply with its seq and the state. Both
// are three round trips; the difference is the store's own work (the key, JSON, all columns).
func BenchmarkTurn(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.New(b)
	store := postgres.New(pool)
	newConversation := func(b *testing.B) string {
		c := bot.Conversation{OwnerID: "bench"}
		require.NoError(b, store.CreateConversation(ctx, &c))
		fill(b, pool, c.ID, 200)
		return c.ID
	}
	confidence := 0.82

	b.Run("store", func(b *testing.B) {
		id := newConversation(b)
		for i := 0; b.Loop(); i++ {
			text := fmt.Sprintf("收不到验证码怎么办 %d", i)
			hash := sha256.Sum256([]byte(text))
			user := bot.Message{ConversationID: id, Role: bot.RoleUser, Text: text,
				Sentiment: &bot.Sentiment{Label: "neutral", Score: 0}}
			prior, err := store.BeginTurn(ctx, &user, bot.TurnKey{Key: fmt.Sprintf("key-%d", i), BodyHash: hash[:]})
			if err != nil || prior != nil {
				b.Fatal(err, prior)
			}
			if _, err := store.Recent(ctx, id, 15); err != nil {
				b.Fatal(err)
			}
			reply := &bot.Message{Role: bot.RoleBot, Text: "请在设置里重新发送验证码。", Decision: bot.DecisionAnswer,
				Confidence: &confidence, Reason: "matched", Citations: []bot.Citation{{ArticleID: 1, Title: "验证码"}}}
			err = store.FinishTurn(ctx, &bot.Outcome{ConversationID: id, Reply: reply, State: bot.StateBot,
				Language: "zh", UserMessageID: user.ID, UserQuery: text})
			if err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("bare-sql", func(b *testing.B) {
		id := newConversation(b)
		for i := 0; b.Loop(); i++ {
			text := fmt.Sprintf("收不到验证码怎么办 %d", i)
			if _, err := pool.Exec(ctx, `WITH bump AS (
					UPDATE conversations SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq)
				INSERT INTO messages (conversation_id, seq, role, text, created_at)
				SELECT $1, last_seq, 'user', $2, now() FROM bump`, id, text); err != nil {
				b.Fatal(err)
			}
			rows, _ := pool.Query(ctx, `SELECT seq, role, text FROM messages
				WHERE conversation_id = $1 ORDER BY seq DESC LIMIT 15`, id)
			if _, err := pgx.CollectRows(rows, pgx.RowToMap); err != nil {
				b.Fatal(err)
			}
			if _, err := pool.Exec(ctx, `WITH bump AS (
					UPDATE conversations SET last_seq = last_seq + 1, state = 'bot', updated_at = now()
					WHERE id = $1 RETURNING last_seq)
				INSERT INTO messages (conversation_id, seq, role, text, created_at)
				SELECT $1, last_seq, 'bot', $2, now() FROM bump`, id, "请在设置里重新发送验证码。"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
