package auth_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/internal/auth"
	"github.com/faqbot/faqbot/internal/auth/memory"
)

// countingStore counts the lookups and the recorded uses that reach the store.
type countingStore struct {
	auth.Store
	mu               sync.Mutex
	lookups, touches int
}

func (s *countingStore) TokenByHash(ctx context.Context, hash []byte) (auth.Token, error) {
	s.mu.Lock()
	s.lookups++
	s.mu.Unlock()
	return s.Store.TokenByHash(ctx, hash)
}

func (s *countingStore) TouchToken(ctx context.Context, id int64, at time.Time) error {
	s.mu.Lock()
	s.touches++
	s.mu.Unlock()
	return s.Store.TouchToken(ctx, id, at)
}

func (s *countingStore) counts() (int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lookups, s.touches
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestAuthenticateCachesLookups(t *testing.T) {
	ctx := context.Background()
	store := &countingStore{Store: memory.New()}
	svc := auth.NewService(store, adminToken)
	clock := &fakeClock{t: time.Now()}
	auth.SetClock(svc, clock.now)
	plain, tok, err := svc.Mint(ctx, auth.RoleAgent, "desk", "payment")
	require.NoError(t, err)

	for range 5 {
		p, err := svc.Authenticate(ctx, plain)
		require.NoError(t, err)
		assert.Equal(t, auth.Principal{Role: auth.RoleAgent, TokenID: tok.ID, Name: "desk", Queues: []string{"payment"}}, p)
		p.Queues[0] = "changed by the caller"
	}
	lookups, touches := store.counts()
	assert.Equal(t, 1, lookups, "one lookup, then the cache")
	assert.Equal(t, 1, touches, "the first use is recorded")

	clock.advance(auth.TokenCacheTTL)
	_, err = svc.Authenticate(ctx, plain)
	require.NoError(t, err)
	lookups, _ = store.counts()
	assert.Equal(t, 2, lookups, "an expired entry is looked up again")

	_, err = svc.Authenticate(ctx, auth.TokenPrefix+"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	require.ErrorIs(t, err, auth.ErrUnauthenticated)
	_, err = svc.Authenticate(ctx, auth.TokenPrefix+"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	require.ErrorIs(t, err, auth.ErrUnauthenticated)
	lookups, _ = store.counts()
	assert.Equal(t, 4, lookups, "unknown tokens are never cached")
}

func TestRevokeThroughThisServiceTakesEffectAtOnce(t *testing.T) {
	ctx := context.Background()
	svc := auth.NewService(memory.New(), adminToken)
	plain, tok, err := svc.Mint(ctx, auth.RoleEditor, "ed")
	require.NoError(t, err)
	_, err = svc.Authenticate(ctx, plain)
	require.NoError(t, err)
	require.NoError(t, svc.Revoke(ctx, tok.ID))
	_, err = svc.Authenticate(ctx, plain)
	assert.ErrorIs(t, err, auth.ErrUnauthenticated, "the cached entry went with the revocation")
}

func TestRevokeElsewhereTakesEffectWithinTheTTL(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	here, there := auth.NewService(store, adminToken), auth.NewService(store, adminToken) // two replicas
	clock := &fakeClock{t: time.Now()}
	auth.SetClock(here, clock.now)
	plain, tok, err := there.Mint(ctx, auth.RoleEditor, "ed")
	require.NoError(t, err)
	_, err = here.Authenticate(ctx, plain)
	require.NoError(t, err)
	require.NoError(t, there.Revoke(ctx, tok.ID))

	_, err = here.Authenticate(ctx, plain)
	assert.NoError(t, err, "documented: still cached on the other replica")
	clock.advance(auth.TokenCacheTTL)
	_, err = here.Authenticate(ctx, plain)
	assert.ErrorIs(t, err, auth.ErrUnauthenticated, "refused once the entry expired")
}

func TestCachedTokenUseIsRecordedOncePerInterval(t *testing.T) {
	ctx := context.Background()
	store := &countingStore{Store: memory.New()}
	svc := auth.NewService(store, adminToken)
	clock := &fakeClock{t: time.Now()}
	auth.SetClock(svc, clock.now)
	plain, _, err := svc.Mint(ctx, auth.RoleEditor, "ed")
	require.NoError(t, err)
	// Requests every second for three minutes: lookups every TTL, uses recorded once a minute.
	for range 180 {
		_, err := svc.Authenticate(ctx, plain)
		require.NoError(t, err)
		clock.advance(time.Second)
	}
	lookups, touches := store.counts()
	assert.InDelta(t, 180/int(auth.TokenCacheTTL/time.Second), lookups, 1)
	assert.LessOrEqual(t, touches, 4)
	assert.GreaterOrEqual(t, touches, 1)
}
