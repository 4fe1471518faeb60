package storetest

import (
	"bytes"
	"crypto/sha256"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot"
)

var canonicalUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func testCreateAndGet(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	before := time.Now().Add(-time.Second)
	c := bot.Conversation{OwnerID: "user-1", Language: "zh"}
	require.NoError(t, h.Store.CreateConversation(ctx, &c))
	assert.Regexp(t, canonicalUUID, c.ID, "the store gives the conversation an id")
	assert.Equal(t, bot.StateBot, c.State, "a new conversation talks to the bot")
	assert.True(t, c.CreatedAt.After(before) && c.CreatedAt.Equal(c.UpdatedAt), "created %v", c.CreatedAt)
	assert.Equal(t, c.CreatedAt, c.CreatedAt.UTC().Truncate(time.Microsecond), "UTC in microseconds, as stored")

	for _, id := range []string{c.ID, strings.ToUpper(c.ID)} {
		got, err := h.Store.Conversation(ctx, id, "user-1")
		require.NoError(t, err, id)
		assertSameConversation(t, c, got, id)
	}
	other := newConversation(t, h.Store, "user-1")
	assert.NotEqual(t, c.ID, other.ID)
}

func testCreateWithID(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	const id = "5A1B4F3C-2D6E-4F70-8A9B-0C1D2E3F4A5B"
	c := bot.Conversation{ID: id, OwnerID: "user-1", State: bot.StateBot}
	require.NoError(t, h.Store.CreateConversation(ctx, &c))
	assert.Equal(t, strings.ToLower(id), c.ID, "ids come back in canonical form")

	again := bot.Conversation{ID: strings.ToLower(id), OwnerID: "user-2"}
	assert.ErrorIs(t, h.Store.CreateConversation(ctx, &again), bot.ErrConflict)
	_, err := h.Store.Conversation(ctx, id, "user-2")
	assert.ErrorIs(t, err, bot.ErrNotFound, "the refused conversation left nothing behind")
}

func testOwnerIsolation(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	mine := newConversation(t, h.Store, "alice")
	newConversation(t, h.Store, "bob")
	for _, owner := range []string{"bob", "", "Alice", "alice "} {
		_, err := h.Store.Conversation(ctx, mine.ID, owner)
		assert.ErrorIs(t, err, bot.ErrNotFound, "owner %q", owner)
	}
	got, err := h.Store.Conversation(ctx, mine.ID, "alice")
	require.NoError(t, err)
	assert.Equal(t, mine.ID, got.ID)
}

func testTokenLookup(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	hash := sha256.Sum256([]byte("fqc_token-1"))
	c := bot.Conversation{OwnerID: "anon:1", TokenHash: hash[:]}
	require.NoError(t, h.Store.CreateConversation(ctx, &c))
	newConversation(t, h.Store, "user-without-token")

	got, err := h.Store.ConversationByToken(ctx, hash[:])
	require.NoError(t, err)
	assertSameConversation(t, c, got)

	other := sha256.Sum256([]byte("fqc_token-2"))
	for name, probe := range map[string][]byte{"another token": other[:], "nil": nil, "empty": {}} {
		_, err := h.Store.ConversationByToken(ctx, probe)
		assert.ErrorIs(t, err, bot.ErrNotFound, name)
	}

	dup := bot.Conversation{OwnerID: "anon:2", TokenHash: bytes.Clone(hash[:])}
	assert.ErrorIs(t, h.Store.CreateConversation(ctx, &dup), bot.ErrConflict, "a token names one conversation")
}

func testCreateInvalid(t *testing.T, h Harness) {
	cases := []struct {
		name string
		c    bot.Conversation
	}{
		{"no owner", bot.Conversation{}},
		{"unknown state", bot.Conversation{OwnerID: "u", State: "open"}},
		{"short token hash", bot.Conversation{OwnerID: "u", TokenHash: make([]byte, 16)}},
		{"malformed id", bot.Conversation{ID: "conv-1", OwnerID: "u"}},
		{"negative streak", bot.Conversation{OwnerID: "u", LowStreak: -1}},
		{"NUL in the owner", bot.Conversation{OwnerID: "u\x00"}},
		{"invalid UTF-8 language", bot.Conversation{OwnerID: "u", Language: "\xff"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.ErrorIs(t, h.Store.CreateConversation(ctxFor(t), &tc.c), bot.ErrInvalid)
		})
	}
}

func testSetState(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	c := newConversation(t, h.Store, "u")
	time.Sleep(2 * time.Millisecond) // so that updated_at can move
	require.NoError(t, h.Store.SetState(ctx, c.ID, bot.StateAgent))
	got, err := h.Store.Conversation(ctx, c.ID, "u")
	require.NoError(t, err)
	assert.Equal(t, bot.StateAgent, got.State)
	assert.True(t, got.UpdatedAt.After(c.UpdatedAt), "updated_at moves")
	assert.True(t, got.CreatedAt.Equal(c.CreatedAt), "created_at stays")

	assert.ErrorIs(t, h.Store.SetState(ctx, c.ID, "closed"), bot.ErrInvalid)
	assert.ErrorIs(t, h.Store.SetState(ctx, "00000000-0000-4000-8000-000000000000", bot.StateBot), bot.ErrNotFound)
	assert.ErrorIs(t, h.Store.SetState(ctx, "nope", bot.StateBot), bot.ErrNotFound)
}
