// Package storetest is the contract every auth.Store passes: the memory store and the
// PostgreSQL store run the same suite, so the service behaves the same over both.
package storetest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/internal/auth"
)

// Run runs the contract suite; newStore returns an empty store for each subtest.
func Run(t *testing.T, newStore func(t *testing.T) auth.Store) {
	t.Run("create and find by hash", func(t *testing.T) { testCreate(t, newStore(t)) })
	t.Run("duplicate hash", func(t *testing.T) { testDuplicate(t, newStore(t)) })
	t.Run("list pages", func(t *testing.T) { testList(t, newStore(t)) })
	t.Run("revoke", func(t *testing.T) { testRevoke(t, newStore(t)) })
	t.Run("touch", func(t *testing.T) { testTouch(t, newStore(t)) })
	t.Run("unknown ids", func(t *testing.T) { testUnknown(t, newStore(t)) })
	t.Run("agent queues", func(t *testing.T) { testQueues(t, newStore(t)) })
}

// at is a fixed time with the microsecond precision both stores keep.
var at = time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)

func hashOf(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func create(t *testing.T, s auth.Store, name string, role auth.Role) auth.Token {
	t.Helper()
	tok := auth.Token{Name: name, Role: role, CreatedAt: at}
	require.NoError(t, s.CreateToken(context.Background(), &tok, hashOf(name)))
	require.NotZero(t, tok.ID)
	return tok
}

func testCreate(t *testing.T, s auth.Store) {
	ctx := context.Background()
	a := create(t, s, "alice 编辑", auth.RoleEditor)
	b := create(t, s, "bob", auth.RoleAgent)
	assert.Greater(t, b.ID, a.ID, "ids grow")

	got, err := s.TokenByHash(ctx, hashOf("alice 编辑"))
	require.NoError(t, err)
	assert.Equal(t, a.ID, got.ID)
	assert.Equal(t, "alice 编辑", got.Name)
	assert.Equal(t, auth.RoleEditor, got.Role)
	assert.True(t, at.Equal(got.CreatedAt), "created_at %v, want %v", got.CreatedAt, at)
	assert.Nil(t, got.LastUsedAt)
	assert.Nil(t, got.RevokedAt)

	_, err = s.TokenByHash(ctx, hashOf("nobody"))
	assert.ErrorIs(t, err, auth.ErrNotFound)
}

func testDuplicate(t *testing.T, s auth.Store) {
	create(t, s, "same", auth.RoleEditor)
	tok := auth.Token{Name: "other name", Role: auth.RoleAgent, CreatedAt: at}
	err := s.CreateToken(context.Background(), &tok, hashOf("same"))
	assert.ErrorIs(t, err, auth.ErrConflict)
}

func testList(t *testing.T, s auth.Store) {
	ctx := context.Background()
	var want []int64
	for i := range 5 {
		want = append(want, create(t, s, fmt.Sprintf("token %d", i), auth.RoleAgent).ID)
	}
	var got []int64
	after := int64(0)
	for pages := 0; ; pages++ {
		require.Less(t, pages, 5, "paging does not end")
		page, more, err := s.ListTokens(ctx, after, 2)
		require.NoError(t, err)
		for _, tok := range page {
			got = append(got, tok.ID)
		}
		if !more {
			break
		}
		require.Len(t, page, 2, "a page before the last is full")
		after = page[len(page)-1].ID
	}
	assert.Equal(t, want, got)

	page, more, err := s.ListTokens(ctx, want[4], 10)
	require.NoError(t, err)
	assert.Empty(t, page)
	assert.False(t, more)

	page, more, err = s.ListTokens(ctx, 0, 5)
	require.NoError(t, err)
	assert.Len(t, page, 5)
	assert.False(t, more, "exactly limit tokens left is the last page")
}

func testRevoke(t *testing.T, s auth.Store) {
	ctx := context.Background()
	tok := create(t, s, "carol", auth.RoleEditor)
	require.NoError(t, s.RevokeToken(ctx, tok.ID, at.Add(time.Hour)))
	require.NoError(t, s.RevokeToken(ctx, tok.ID, at.Add(2*time.Hour)), "revoking twice is harmless")

	got, err := s.TokenByHash(ctx, hashOf("carol"))
	require.NoError(t, err, "a revoked token is still found, so the service can refuse it")
	require.NotNil(t, got.RevokedAt)
	assert.True(t, at.Add(time.Hour).Equal(*got.RevokedAt), "the first revocation time is kept, got %v", *got.RevokedAt)

	page, _, err := s.ListTokens(ctx, 0, 10)
	require.NoError(t, err)
	require.Len(t, page, 1)
	assert.NotNil(t, page[0].RevokedAt, "revoked tokens stay listed")
}

func testTouch(t *testing.T, s auth.Store) {
	ctx := context.Background()
	tok := create(t, s, "dave", auth.RoleAgent)
	require.NoError(t, s.TouchToken(ctx, tok.ID, at.Add(time.Minute)))
	require.NoError(t, s.TouchToken(ctx, tok.ID, at.Add(3*time.Minute)))
	got, err := s.TokenByHash(ctx, hashOf("dave"))
	require.NoError(t, err)
	require.NotNil(t, got.LastUsedAt)
	assert.True(t, at.Add(3*time.Minute).Equal(*got.LastUsedAt), "last use is the latest, got %v", *got.LastUsedAt)
}

func testUnknown(t *testing.T, s auth.Store) {
	ctx := context.Background()
	assert.ErrorIs(t, s.RevokeToken(ctx, 999, at), auth.ErrNotFound)
	assert.ErrorIs(t, s.TouchToken(ctx, 999, at), auth.ErrNotFound)
	page, more, err := s.ListTokens(ctx, -1<<62, 3)
	require.NoError(t, err)
	assert.Empty(t, page)
	assert.False(t, more)
}

func testQueues(t *testing.T, s auth.Store) {
	ctx := context.Background()
	tok := auth.Token{Name: "payments desk", Role: auth.RoleAgent, Queues: []string{"payment", "付款"}, CreatedAt: at}
	require.NoError(t, s.CreateToken(ctx, &tok, hashOf("payments desk")))
	create(t, s, "all queues", auth.RoleAgent)

	got, err := s.TokenByHash(ctx, hashOf("payments desk"))
	require.NoError(t, err)
	assert.Equal(t, []string{"payment", "付款"}, got.Queues)
	got.Queues[0] = "changed by the caller"
	again, err := s.TokenByHash(ctx, hashOf("payments desk"))
	require.NoError(t, err)
	assert.Equal(t, "payment", again.Queues[0], "the store keeps its own copy")

	got, err = s.TokenByHash(ctx, hashOf("all queues"))
	require.NoError(t, err)
	assert.Empty(t, got.Queues)

	page, _, err := s.ListTokens(ctx, 0, 10)
	require.NoError(t, err)
	require.Len(t, page, 2)
	assert.Equal(t, []string{"payment", "付款"}, page[0].Queues, "lists show the queues too")
}
