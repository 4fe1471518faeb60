// Package memory is an in-memory auth.Store, for the demo mode and tests: nothing survives a
// restart.
package memory

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/faqbot/faqbot/internal/auth"
)

// Store keeps tokens in maps guarded by one lock.
type Store struct {
	mu     sync.RWMutex
	lastID int64
	byID   map[int64]*auth.Token
	byHash map[string]int64
}

var _ auth.Store = (*Store)(nil)

// New returns an empty store, safe for concurrent use.
func New() *Store {
	return &Store{byID: map[int64]*auth.Token{}, byHash: map[string]int64{}}
}

func (m *Store) CreateToken(_ context.Context, t *auth.Token, hash []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.byHash[string(hash)]; dup {
		return fmt.Errorf("token hash already stored: %w", auth.ErrConflict)
	}
	m.lastID++
	t.ID = m.lastID
	c := copyToken(*t)
	m.byID[t.ID] = &c
	m.byHash[string(hash)] = t.ID
	return nil
}

func (m *Store) TokenByHash(_ context.Context, hash []byte) (auth.Token, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	id, ok := m.byHash[string(hash)]
	if !ok {
		return auth.Token{}, fmt.Errorf("token: %w", auth.ErrNotFound)
	}
	return copyToken(*m.byID[id]), nil
}

func (m *Store) ListTokens(_ context.Context, afterID int64, limit int) ([]auth.Token, bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	// Ids are dense and never reused, so walking them in order is the keyset scan.
	out := []auth.Token{}
	for id := max(afterID, 0) + 1; id <= m.lastID; id++ {
		t, ok := m.byID[id]
		if !ok {
			continue
		}
		if len(out) == limit {
			return out, true, nil
		}
		out = append(out, copyToken(*t))
	}
	return out, false, nil
}

func (m *Store) RevokeToken(_ context.Context, id int64, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.byID[id]
	if !ok {
		return fmt.Errorf("token %d: %w", id, auth.ErrNotFound)
	}
	if t.RevokedAt == nil {
		t.RevokedAt = &at
	}
	return nil
}

func (m *Store) TouchToken(_ context.Context, id int64, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.byID[id]
	if !ok {
		return fmt.Errorf("token %d: %w", id, auth.ErrNotFound)
	}
	t.LastUsedAt = &at
	return nil
}

// copyToken keeps callers from sharing the store's time pointers and queue slice.
func copyToken(t auth.Token) auth.Token {
	t.Queues = slices.Clip(slices.Clone(t.Queues))
	if len(t.Queues) == 0 {
		t.Queues = nil // as the PostgreSQL store returns an empty array
	}
	if t.LastUsedAt != nil {
		v := *t.LastUsedAt
		t.LastUsedAt = &v
	}
	if t.RevokedAt != nil {
		v := *t.RevokedAt
		t.RevokedAt = &v
	}
	return t
}
