package postgres

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"

	"github.com/faqbot/faqbot/knowledge"
)

func TestDBErrorMapsDriverErrorsToDomainKinds(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"no rows", pgx.ErrNoRows, knowledge.ErrNotFound},
		{"unique violation", &pgconn.PgError{Code: "23505", ConstraintName: "articles_external_id_key"}, knowledge.ErrConflict},
		{"deadlock", &pgconn.PgError{Code: "40P01"}, knowledge.ErrConflict},
		{"dimensions", &pgconn.PgError{Code: "22000", Message: "different vector dimensions 3 and 4"}, knowledge.ErrModelMismatch},
		{"failed check", &pgconn.PgError{Code: "23514"}, knowledge.ErrInvalid},
		{"bad encoding", &pgconn.PgError{Code: "22021"}, knowledge.ErrInvalid},
		{"wrapped", fmt.Errorf("in tx: %w", &pgconn.PgError{Code: "23505"}), knowledge.ErrConflict},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := dbError(tc.err, "do %s", "it")
			assert.ErrorIs(t, err, tc.want)
			assert.True(t, strings.HasPrefix(err.Error(), "do it: "), err.Error())
		})
	}
	other := errors.New("connection reset")
	err := dbError(other, "search")
	assert.ErrorIs(t, err, other, "other errors pass through")
	for _, kind := range []error{knowledge.ErrNotFound, knowledge.ErrConflict, knowledge.ErrInvalid, knowledge.ErrModelMismatch} {
		assert.NotErrorIs(t, err, kind)
	}
	assert.Contains(t, dbError(&pgconn.PgError{Code: "23505", ConstraintName: "articles_external_id_key"}, "x").Error(),
		"external_id is already used")
}

func TestTermKeys(t *testing.T) {
	long := strings.Repeat("x", maxTermBytes+1)
	keys := termKeys([]string{"pay", "支付", "pay", long, long, strings.Repeat("y", maxTermBytes)})
	assert.Len(t, keys, 4, "distinct, in first-seen order")
	assert.Equal(t, []string{"pay", "支付"}, keys[:2])
	assert.True(t, strings.HasPrefix(keys[2], "#"), "an overlong term becomes a digest")
	assert.Len(t, keys[2], 33)
	assert.Equal(t, strings.Repeat("y", maxTermBytes), keys[3], "a term at the limit stays")
	assert.NotEqual(t, termKey(long), termKey(long+"z"))
}
