package auth

import (
	"crypto/sha256"
	"slices"
	"sync"
	"time"
)

// Caching of token lookups. Without it every request of an editor or agent costs a database
// round trip before any work starts (docs/benchmarks.md, "HTTP service").
//
// The price: a token revoked on another replica keeps working there for up to tokenCacheTTL.
// Revoking through this replica takes effect here at once (Revoke evicts). Only successful
// lookups are cached, so an unknown token always reaches the store, and a freshly minted one
// works at once.
const (
	tokenCacheTTL = 10 * time.Second
	// tokenCacheMax bounds the entries: staff tokens are few, but nothing should grow unbounded.
	tokenCacheMax = 4096
)

type tokenCache struct {
	mu      sync.Mutex
	now     func() time.Time
	entries map[[sha256.Size]byte]cachedToken
	// evictions counts evict calls: a lookup that began before one may not cache what it read,
	// which could be a token revoked meanwhile.
	evictions uint64
}

type cachedToken struct {
	principal Principal
	expires   time.Time
	lastUsed  time.Time // as the store has it, or as this replica last recorded it
}

func newTokenCache(now func() time.Time) *tokenCache {
	return &tokenCache{now: now, entries: make(map[[sha256.Size]byte]cachedToken)}
}

// get returns the principal of a live cached token, and whether its last use should be
// recorded again (touchInterval).
func (c *tokenCache) get(hash [sha256.Size]byte) (Principal, bool, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	at := c.now()
	if !ok || !at.Before(e.expires) {
		return Principal{}, false, false
	}
	touch := at.Sub(e.lastUsed) >= touchInterval
	if touch {
		e.lastUsed = at
		c.entries[hash] = e
	}
	return e.principal.clone(), true, touch
}

// clock is the cache's time as the stores keep it (see now).
func (c *tokenCache) clock() time.Time { return c.now().UTC().Truncate(time.Microsecond) }

// begin returns what a lookup passes to put.
func (c *tokenCache) begin() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.evictions
}

func (c *tokenCache) put(hash [sha256.Size]byte, p Principal, lastUsed time.Time, began uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if began != c.evictions {
		return
	}
	at := c.now()
	if len(c.entries) >= tokenCacheMax {
		for h, e := range c.entries {
			if !at.Before(e.expires) {
				delete(c.entries, h)
			}
		}
		for h := range c.entries {
			if len(c.entries) < tokenCacheMax {
				break
			}
			delete(c.entries, h)
		}
	}
	c.entries[hash] = cachedToken{principal: p.clone(), expires: at.Add(tokenCacheTTL), lastUsed: lastUsed}
}

// evict drops the entries of token id.
func (c *tokenCache) evict(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.evictions++
	for h, e := range c.entries {
		if e.principal.TokenID == id {
			delete(c.entries, h)
		}
	}
}

// clone gives the caller its own queue list.
func (p Principal) clone() Principal {
	p.Queues = slices.Clone(p.Queues)
	return p
}
