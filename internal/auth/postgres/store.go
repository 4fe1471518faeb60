// Package postgres is the PostgreSQL auth.Store.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/faqbot/faqbot/internal/auth"
)

// Store keeps tokens in the api_tokens table of migration 002_auth.sql.
type Store struct {
	pool *pgxpool.Pool
}

var _ auth.Store = (*Store)(nil)

// New returns a store over a migrated database.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// tokenRow is the table's shape; auth.Token stays free of database tags.
type tokenRow struct {
	ID         int64      `db:"id"`
	Name       string     `db:"name"`
	Role       string     `db:"role"`
	Queues     []string   `db:"queues"`
	CreatedAt  time.Time  `db:"created_at"`
	LastUsedAt *time.Time `db:"last_used_at"`
	RevokedAt  *time.Time `db:"revoked_at"`
}

func (r tokenRow) token() auth.Token {
	t := auth.Token{ID: r.ID, Name: r.Name, Role: auth.Role(r.Role), CreatedAt: r.CreatedAt.UTC()}
	if len(r.Queues) > 0 {
		t.Queues = r.Queues
	}
	if r.LastUsedAt != nil {
		v := r.LastUsedAt.UTC()
		t.LastUsedAt = &v
	}
	if r.RevokedAt != nil {
		v := r.RevokedAt.UTC()
		t.RevokedAt = &v
	}
	return t
}

const columns = `id, name, role, queues, created_at, last_used_at, revoked_at`

func (s *Store) CreateToken(ctx context.Context, t *auth.Token, hash []byte) error {
	queues := t.Queues
	if queues == nil {
		queues = []string{} // the column is NOT NULL; a nil slice would be sent as NULL
	}
	err := s.pool.QueryRow(ctx,
		`INSERT INTO api_tokens (name, role, queues, hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		t.Name, string(t.Role), queues, hash, t.CreatedAt).Scan(&t.ID)
	if err != nil {
		return fmt.Errorf("create token: %w", domainErr(err))
	}
	return nil
}

func (s *Store) TokenByHash(ctx context.Context, hash []byte) (auth.Token, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+columns+` FROM api_tokens WHERE hash = $1`, hash)
	row, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[tokenRow])
	if err != nil {
		return auth.Token{}, fmt.Errorf("token by hash: %w", domainErr(err))
	}
	return row.token(), nil
}

func (s *Store) ListTokens(ctx context.Context, afterID int64, limit int) ([]auth.Token, bool, error) {
	// One row beyond the page tells whether another page follows.
	rows, _ := s.pool.Query(ctx,
		`SELECT `+columns+` FROM api_tokens WHERE id > $1 ORDER BY id LIMIT $2`, afterID, limit+1)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[tokenRow])
	if err != nil {
		return nil, false, fmt.Errorf("list tokens: %w", domainErr(err))
	}
	more := len(list) > limit
	if more {
		list = list[:limit]
	}
	out := make([]auth.Token, len(list))
	for i, r := range list {
		out[i] = r.token()
	}
	return out, more, nil
}

func (s *Store) RevokeToken(ctx context.Context, id int64, at time.Time) error {
	tag, err := s.pool.Exec(ctx,
		`UPDATE api_tokens SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1`, id, at)
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, domainErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("token %d: %w", id, auth.ErrNotFound)
	}
	return nil
}

func (s *Store) TouchToken(ctx context.Context, id int64, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE id = $1`, id, at)
	if err != nil {
		return fmt.Errorf("touch token %d: %w", id, domainErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("token %d: %w", id, auth.ErrNotFound)
	}
	return nil
}

// domainErr turns the driver errors callers can act on into auth's error kinds.
func domainErr(err error) error {
	var pgErr *pgconn.PgError
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return auth.ErrNotFound
	case errors.As(err, &pgErr) && pgErr.Code == "23505":
		return fmt.Errorf("%s: %w", pgErr.Message, auth.ErrConflict)
	case errors.As(err, &pgErr) && pgErr.Code == "23514":
		return fmt.Errorf("%s: %w", pgErr.Message, auth.ErrInvalid)
	}
	return err
}
