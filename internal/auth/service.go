package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// TokenPrefix starts every minted token, so that secret scanners and people recognise one.
const TokenPrefix = "fqb_"

// tokenLen is the length of a minted token: the prefix and 32 random bytes in unpadded
// base64url.
var tokenLen = len(TokenPrefix) + base64.RawURLEncoding.EncodedLen(32)

// MaxNameLen bounds a token's name (runes).
const MaxNameLen = 100

// Bounds of an agent token's queues: how many, and how long one name may be (runes).
const (
	MaxQueues   = 50
	MaxQueueLen = 64 // as handoff.MaxQueueLen
)

// MaxListLimit bounds one page of List.
const MaxListLimit = 200

// touchInterval keeps Authenticate from writing to the store on every request: last use is
// bookkeeping for the admin, minute precision is plenty.
const touchInterval = time.Minute

// Service mints and checks tokens.
type Service struct {
	store     Store
	adminHash [sha256.Size]byte
	hasAdmin  bool
	tokens    *tokenCache // recent successful lookups (cache.go)
}

// NewService returns a service over store. adminToken is the configured admin secret; an
// empty one disables admin access altogether.
func NewService(store Store, adminToken string) *Service {
	s := &Service{store: store, tokens: newTokenCache(time.Now)}
	if adminToken != "" {
		s.adminHash = sha256.Sum256([]byte(adminToken))
		s.hasAdmin = true
	}
	return s
}

// Mint creates an editor or agent token. The plaintext is returned once and never stored.
// queues limit an agent token to those ticket queues (none: every queue); which queues exist
// is the caller's to check, since the deployment's routing decides that, not this package.
func (s *Service) Mint(ctx context.Context, role Role, name string, queues ...string) (string, Token, error) {
	role, err := ParseRole(string(role))
	if err != nil {
		return "", Token{}, err
	}
	name, err = cleanName(name, role)
	if err != nil {
		return "", Token{}, err
	}
	queues, err = cleanQueues(queues, role)
	if err != nil {
		return "", Token{}, err
	}
	var secret [32]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return "", Token{}, fmt.Errorf("mint token: %w", err)
	}
	plain := TokenPrefix + base64.RawURLEncoding.EncodeToString(secret[:])
	hash := sha256.Sum256([]byte(plain))
	t := Token{Name: name, Role: role, Queues: queues, CreatedAt: now()}
	if err := s.store.CreateToken(ctx, &t, hash[:]); err != nil {
		return "", Token{}, fmt.Errorf("mint token: %w", err)
	}
	return plain, t, nil
}

// Authenticate resolves a bearer token to its principal. Anything but the admin token or a
// live minted token is ErrUnauthenticated.
func (s *Service) Authenticate(ctx context.Context, bearer string) (Principal, error) {
	if bearer == "" {
		return Principal{}, fmt.Errorf("no token: %w", ErrUnauthenticated)
	}
	// Comparing hashes keeps the comparison constant-time in the length of the secret too.
	hash := sha256.Sum256([]byte(bearer))
	if s.hasAdmin && subtle.ConstantTimeCompare(hash[:], s.adminHash[:]) == 1 {
		return Principal{Role: RoleAdmin, Name: "admin"}, nil
	}
	// A string that cannot be a minted token never reaches the store.
	if len(bearer) != tokenLen || !strings.HasPrefix(bearer, TokenPrefix) {
		return Principal{}, fmt.Errorf("malformed token: %w", ErrUnauthenticated)
	}
	if p, ok, touch := s.tokens.get(hash); ok {
		if touch {
			if err := s.store.TouchToken(ctx, p.TokenID, s.tokens.clock()); err != nil {
				return Principal{}, fmt.Errorf("authenticate: record use of token %d: %w", p.TokenID, err)
			}
		}
		return p, nil
	}
	began := s.tokens.begin()
	t, err := s.store.TokenByHash(ctx, hash[:])
	switch {
	case errors.Is(err, ErrNotFound):
		return Principal{}, fmt.Errorf("unknown token: %w", ErrUnauthenticated)
	case err != nil:
		return Principal{}, fmt.Errorf("authenticate: %w", err)
	case t.RevokedAt != nil:
		return Principal{}, fmt.Errorf("token %d was revoked: %w", t.ID, ErrUnauthenticated)
	}
	at := s.tokens.clock()
	lastUsed := at
	if t.LastUsedAt == nil || at.Sub(*t.LastUsedAt) >= touchInterval {
		if err := s.store.TouchToken(ctx, t.ID, at); err != nil {
			return Principal{}, fmt.Errorf("authenticate: record use of token %d: %w", t.ID, err)
		}
	} else {
		lastUsed = *t.LastUsedAt
	}
	p := Principal{Role: t.Role, TokenID: t.ID, Name: t.Name, Queues: t.Queues}
	s.tokens.put(hash, p, lastUsed, began)
	return p, nil
}

// List returns up to limit tokens with an id above afterID, revoked ones included, and
// whether more follow.
func (s *Service) List(ctx context.Context, afterID int64, limit int) ([]Token, bool, error) {
	if limit < 1 || limit > MaxListLimit {
		return nil, false, fieldErr("limit", "must be between 1 and %d, got %d", MaxListLimit, limit)
	}
	return s.store.ListTokens(ctx, afterID, limit)
}

// Revoke stops a token from working; revoking it again is harmless.
func (s *Service) Revoke(ctx context.Context, id int64) error {
	// Evicted once the store has it: lookups that began earlier cannot cache it again (put).
	defer s.tokens.evict(id)
	if err := s.store.RevokeToken(ctx, id, now()); err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	return nil
}

func cleanName(name string, role Role) (string, error) {
	if !utf8.ValidString(name) {
		return "", fieldErr("name", "is not valid UTF-8")
	}
	name = strings.TrimSpace(name)
	if name == "" {
		// A name is for the admin's list; the CLI lets it out, so the role stands in.
		name = string(role) + " token"
	}
	if n := utf8.RuneCountInString(name); n > MaxNameLen {
		return "", fieldErr("name", "is %d characters long, at most %d allowed", n, MaxNameLen)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return "", fieldErr("name", "contains a control character (U+%04X)", r)
		}
	}
	return name, nil
}

// cleanQueues trims, checks and de-duplicates an agent token's queues, keeping their order.
// An editor token limited to queues would mean nothing, so it is refused rather than ignored.
func cleanQueues(queues []string, role Role) ([]string, error) {
	if len(queues) == 0 {
		return nil, nil
	}
	if role != RoleAgent {
		return nil, fieldErr("queues", "only agent tokens are limited to queues; leave queues out for a %s token", role)
	}
	if len(queues) > MaxQueues {
		return nil, fieldErr("queues", "has %d items, at most %d allowed", len(queues), MaxQueues)
	}
	out := make([]string, 0, len(queues))
	for i, q := range queues {
		field := fmt.Sprintf("queues[%d]", i)
		if !utf8.ValidString(q) {
			return nil, fieldErr(field, "is not valid UTF-8")
		}
		q = strings.TrimSpace(q)
		switch n := utf8.RuneCountInString(q); {
		case n == 0:
			return nil, fieldErr(field, "is empty")
		case n > MaxQueueLen:
			return nil, fieldErr(field, "is %d characters long, at most %d allowed", n, MaxQueueLen)
		}
		for _, r := range q {
			if unicode.IsControl(r) {
				return nil, fieldErr(field, "contains a control character (U+%04X)", r)
			}
		}
		if !slices.Contains(out, q) {
			out = append(out, q)
		}
	}
	return out, nil
}

// now is the clock of tokens, truncated to the microseconds PostgreSQL keeps so that both
// stores return the same times.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// clip shortens a bad value before it is echoed in an error message, by runes so that
// Chinese text is never cut in the middle of a character.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}
