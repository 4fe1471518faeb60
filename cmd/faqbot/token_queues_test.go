package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/internal/postgres/pgtest"
)

func TestTokenQueuesFlag(t *testing.T) {
	configured := []string{"account", "payment", "senior"}
	got, err := tokenQueues(" payment, senior,,", configured)
	require.NoError(t, err)
	assert.Equal(t, []string{"payment", "senior"}, got)

	got, err = tokenQueues("", configured)
	require.NoError(t, err)
	assert.Empty(t, got, "no queues: every queue")

	_, err = tokenQueues("payment,vip", configured)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `--queues: "vip" is not a queue; the queues are account, payment, senior`)
}

// TestTokenCreateWithQueues mints a scoped agent token with the CLI and uses it against a
// server on the same database: it sees its own queues only.
func TestTokenCreateWithQueues(t *testing.T) {
	env := map[string]string{"DATABASE_URL": pgtest.URL(t), "FAQBOT_ADMIN_TOKEN": "cli-admin", "FAQBOT_DEMO_DATA": "false"}
	ctx := context.Background()

	err := run(ctx, []string{"token", "create", "--role", "agent", "--queues", "payment,vip"}, envOf(env), io.Discard, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"vip" is not a queue`)
	err = run(ctx, []string{"token", "create", "--role", "editor", "--queues", "payment"}, envOf(env), io.Discard, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "only agent tokens")

	var out bytes.Buffer
	require.NoError(t, run(ctx, []string{"token", "create", "--role", "agent", "--name", "pay desk", "--queues", "payment"}, envOf(env), &out, io.Discard))
	assert.Contains(t, out.String(), "limited to the queues payment")
	lines := bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n"))
	require.Len(t, lines, 3)
	token := string(lines[1])

	s := boot(t, env)
	status, res := s.do(t, "GET", "/v1/tickets?queue=account", token, "", "")
	assert.Equal(t, http.StatusBadRequest, status, res)
	status, res = s.do(t, "GET", "/v1/tickets?queue=payment", token, "", "")
	assert.Equal(t, http.StatusOK, status, res)
	status, res = s.do(t, "GET", "/v1/tokens", "cli-admin", "", "")
	require.Equal(t, http.StatusOK, status, res)
	items := res["items"].([]any)
	require.Len(t, items, 1, "the refused tokens were not minted")
	assert.Equal(t, []any{"payment"}, items[0].(map[string]any)["queues"])
	require.NoError(t, s.stop())
}
