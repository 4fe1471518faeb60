package postgres_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"

	"github.com/faqbot/faqbot/internal/postgres"
)

var (
	errNotFound = errors.New("not found")
	errConflict = errors.New("conflict")
	errInvalid  = errors.New("invalid")
)

func TestKindsMapDriverErrors(t *testing.T) {
	kinds := postgres.Kinds{NotFound: errNotFound, Conflict: errConflict, Invalid: errInvalid,
		Constraints: map[string]string{"things_name_key": "a thing with this name exists"}, MissingRef: "the owner does not exist"}
	other := errors.New("connection reset")
	tests := []struct {
		name   string
		err    error
		lookup bool
		want   error
		text   string
	}{
		{"no rows", pgx.ErrNoRows, false, errNotFound, "save thing: not found"},
		{"named unique violation", &pgconn.PgError{Code: "23505", ConstraintName: "things_name_key"}, false, errConflict, "a thing with this name exists"},
		{"other unique violation", &pgconn.PgError{Code: "23505", Message: "duplicate key"}, false, errConflict, "duplicate key"},
		{"foreign key", &pgconn.PgError{Code: "23503"}, false, errNotFound, "the owner does not exist"},
		{"deadlock", &pgconn.PgError{Code: "40P01"}, false, errConflict, "try again"},
		{"check", &pgconn.PgError{Code: "23514", Message: "violates check"}, false, errInvalid, "violates check"},
		{"malformed key on write", &pgconn.PgError{Code: "22P02", Message: "bad uuid"}, false, errInvalid, "bad uuid"},
		{"malformed key on lookup", &pgconn.PgError{Code: "22P02"}, true, errNotFound, "save thing: not found"},
		{"anything else", fmt.Errorf("query: %w", other), false, other, "connection reset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got error
			if tt.lookup {
				got = kinds.Lookup(tt.err, "save thing")
			} else {
				got = kinds.Wrap(tt.err, "save thing")
			}
			assert.ErrorIs(t, got, tt.want)
			assert.Contains(t, got.Error(), tt.text)
		})
	}
}
