package auth

import (
	"context"
	"time"
)

// Store keeps minted tokens. Implementations: internal/auth/memory and internal/auth/postgres;
// both pass internal/auth/storetest.
type Store interface {
	// CreateToken inserts t, keyed by the SHA-256 hash of its secret, and sets t.ID. A hash
	// that is already stored is ErrConflict.
	CreateToken(ctx context.Context, t *Token, hash []byte) error
	// TokenByHash returns the token with that hash, revoked or not; ErrNotFound when none.
	TokenByHash(ctx context.Context, hash []byte) (Token, error)
	// ListTokens returns up to limit tokens with an id above afterID, ordered by id, and
	// whether more follow.
	ListTokens(ctx context.Context, afterID int64, limit int) ([]Token, bool, error)
	// RevokeToken marks the token revoked at at; revoking twice keeps the first time.
	// ErrNotFound for an unknown id.
	RevokeToken(ctx context.Context, id int64, at time.Time) error
	// TouchToken records that the token was used at at. ErrNotFound for an unknown id.
	TouchToken(ctx context.Context, id int64, at time.Time) error
}
