package postgres

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Kinds are one domain's error sentinels. Every store maps driver errors to its domain's
// kinds the same way through them, so the api package's one status table covers them all.
type Kinds struct {
	NotFound, Conflict, Invalid error
	// Constraints words a unique violation by constraint name; others use the server's message.
	Constraints map[string]string
	// MissingRef words a foreign key violation: what the row refers to is not there.
	MissingRef string
}

// Wrap turns err into the domain's kind, saying what was being done.
func (k Kinds) Wrap(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, k.NotFound)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505": // unique_violation
			detail, ok := k.Constraints[pgErr.ConstraintName]
			if !ok {
				detail = pgErr.Message
			}
			return fmt.Errorf("%s: %s: %w", what, detail, k.Conflict)
		case "23503": // foreign_key_violation
			return fmt.Errorf("%s: %s: %w", what, k.MissingRef, k.NotFound)
		case "40001", "40P01": // serialization failure, deadlock
			return fmt.Errorf("%s: a concurrent change got in the way, try again: %w", what, k.Conflict)
		case "23514", "23502", "22021", "22P02", "22P05", "54000":
			// A failed CHECK or NOT NULL, bad encoding, a malformed value, a value too large.
			return fmt.Errorf("%s: %s: %w", what, pgErr.Message, k.Invalid)
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Lookup is Wrap for reads by a key the caller was given: a malformed value (such as a bad
// UUID) finds nothing, exactly like an unknown one.
func (k Kinds) Lookup(err error, what string) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "22P02" {
		return fmt.Errorf("%s: %w", what, k.NotFound)
	}
	return k.Wrap(err, what)
}
