package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/internal/auth"
	"github.com/faqbot/faqbot/internal/auth/memory"
)

func TestAgentTokenQueues(t *testing.T) {
	ctx := context.Background()
	svc := auth.NewService(memory.New(), adminToken)

	plain, tok, err := svc.Mint(ctx, auth.RoleAgent, "payments desk", " payment ", "senior", "payment")
	require.NoError(t, err)
	assert.Equal(t, []string{"payment", "senior"}, tok.Queues, "trimmed, de-duplicated, in order")
	p, err := svc.Authenticate(ctx, plain)
	require.NoError(t, err)
	assert.Equal(t, []string{"payment", "senior"}, p.Queues, "the principal carries the token's queues")

	plain, tok, err = svc.Mint(ctx, auth.RoleAgent, "everything")
	require.NoError(t, err)
	assert.Empty(t, tok.Queues)
	p, err = svc.Authenticate(ctx, plain)
	require.NoError(t, err)
	assert.Empty(t, p.Queues, "no queues: every queue")

	p, err = svc.Authenticate(ctx, adminToken)
	require.NoError(t, err)
	assert.Empty(t, p.Queues, "the admin sees every queue")
}

func TestAgentTokenQueuesRejected(t *testing.T) {
	svc := auth.NewService(memory.New(), adminToken)
	many := make([]string, auth.MaxQueues+1)
	for i := range many {
		many[i] = "q" + strings.Repeat("x", i)
	}
	tests := []struct {
		name    string
		role    auth.Role
		queues  []string
		field   string
		mention string
	}{
		{"editor with queues", auth.RoleEditor, []string{"payment"}, "queues", "only agent tokens"},
		{"empty name", auth.RoleAgent, []string{"payment", "  "}, "queues[1]", "empty"},
		{"invalid UTF-8", auth.RoleAgent, []string{"pay\xffment"}, "queues[0]", "UTF-8"},
		{"control character", auth.RoleAgent, []string{"pay\nment"}, "queues[0]", "control character"},
		{"too long", auth.RoleAgent, []string{strings.Repeat("队", auth.MaxQueueLen+1)}, "queues[0]", "65 characters"},
		{"too many", auth.RoleAgent, many, "queues", "at most 50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := svc.Mint(context.Background(), tt.role, "x", tt.queues...)
			require.ErrorIs(t, err, auth.ErrInvalid)
			var fe *auth.FieldError
			require.True(t, errors.As(err, &fe), "a *FieldError, got %T", err)
			assert.Equal(t, tt.field, fe.Field)
			assert.Contains(t, err.Error(), tt.mention)
		})
	}
	list, _, err := svc.List(context.Background(), 0, 10)
	require.NoError(t, err)
	assert.Empty(t, list, "nothing was stored")
}
