package webhooks_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/handoff/webhooks"
	"github.com/faqbot/faqbot/handoff/webhooks/memory"
)

func TestServiceCreate(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	s := webhooks.NewService(store, webhooks.Policy{})

	a, err := s.Create(ctx, webhooks.Input{URL: "https://hooks.example.com/a"})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(a.Secret, "whsec_"), "a secret is generated when none is given")
	assert.GreaterOrEqual(t, len(a.Secret), 40)
	b, err := s.Create(ctx, webhooks.Input{URL: "https://hooks.example.com/b"})
	require.NoError(t, err)
	assert.NotEqual(t, a.Secret, b.Secret)

	_, err = s.Create(ctx, webhooks.Input{URL: "http://169.254.169.254/latest/meta-data/", Secret: "0123456789abcdef"})
	var fe *webhooks.FieldError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "url", fe.Field)
	assert.ErrorIs(t, err, webhooks.ErrInvalid)
	_, err = s.Create(ctx, webhooks.Input{URL: "https://hooks.example.com/c", Secret: "short"})
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "secret", fe.Field)

	list, _, err := s.List(ctx, 0, 10)
	require.NoError(t, err)
	assert.Len(t, list, 2, "nothing refused was stored")
}
