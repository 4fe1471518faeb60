package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot"
)

func TestSweepExpiresOldIdempotencyKeys(t *testing.T) {
	onEachStore(t, func(c *bot.Config) { c.TurnKeyTTL = time.Hour }, func(t *testing.T, f agentFixture) {
		ctx := context.Background()
		// Two conversations, so that neither turn is a second low-confidence one (a handoff).
		a, err := f.engine.Start(ctx, "u1", "en")
		require.NoError(t, err)
		b, err := f.engine.Start(ctx, "u2", "en")
		require.NoError(t, err)
		old, err := f.engine.Handle(ctx, a, "How do I change my email?", "old-key", nil)
		require.NoError(t, err)
		time.Sleep(2 * time.Millisecond) // the stores stamp keys with the wall clock
		fresh, err := f.engine.Handle(ctx, b, "How do I change my email?", "fresh-key", nil)
		require.NoError(t, err)
		require.NotNil(t, fresh.Message)

		// The old key is just over an hour old at this sweep, the fresh one just under.
		r, err := f.engine.Sweep(ctx, old.User.CreatedAt.Add(time.Hour+time.Microsecond))
		require.NoError(t, err)
		assert.Equal(t, 1, r.ExpiredKeys)

		again, err := f.engine.Handle(ctx, a, "How do I change my email?", "old-key", nil)
		require.NoError(t, err)
		assert.NotEqual(t, old.User.ID, again.User.ID, "an expired key is a new message")
		again, err = f.engine.Handle(ctx, b, "How do I change my email?", "fresh-key", nil)
		require.NoError(t, err)
		require.NotNil(t, again.Message)
		assert.Equal(t, fresh.User.ID, again.User.ID, "a fresh key replays its turn")
		assert.Equal(t, fresh.Message.ID, again.Message.ID)
	})
}

// TestSweepKeepsKeysUntilTheirTurnIsStale: a retention shorter than StaleTurn would delete the
// key of a turn that may still be running.
func TestSweepKeepsKeysUntilTheirTurnIsStale(t *testing.T) {
	f := newAgentFixture(t, func(c *bot.Config) { c.TurnKeyTTL, c.StaleTurn = time.Second, 2*time.Minute })
	ctx := context.Background()
	c, err := f.engine.Start(ctx, "u1", "en")
	require.NoError(t, err)
	user := bot.Message{ConversationID: c.ID, Role: bot.RoleUser, Text: "still thinking"}
	_, err = f.store.BeginTurn(ctx, &user, bot.TurnKey{Key: "k", BodyHash: []byte{1}})
	require.NoError(t, err)

	r, err := f.engine.Sweep(ctx, user.CreatedAt.Add(time.Minute))
	require.NoError(t, err)
	assert.Zero(t, r.ExpiredKeys, "the turn may still be running")
	r, err = f.engine.Sweep(ctx, user.CreatedAt.Add(2*time.Minute+time.Microsecond))
	require.NoError(t, err)
	assert.Equal(t, 1, r.ExpiredKeys, "abandoned: its key goes")
}
