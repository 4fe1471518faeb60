package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/handoff/webhooks"
)

// TestServeSendsTicketEventsToWebhooks: the server started by serve runs the webhook worker;
// a handoff reaches a receiver the allow-list lets it reach, signed.
func TestServeSendsTicketEventsToWebhooks(t *testing.T) {
	type delivery struct {
		header http.Header
		body   []byte
	}
	got := make(chan delivery, 10)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- delivery{r.Header.Clone(), body}
	}))
	t.Cleanup(recv.Close)

	const admin = "test-admin-token"
	s := boot(t, map[string]string{"FAQBOT_ADMIN_TOKEN": admin, "FAQBOT_WEBHOOK_ALLOW": "127.0.0.1/32"})
	status, res := s.do(t, "POST", "/v1/webhooks", admin, "application/json", `{"url":"http://127.0.0.2:1/hook"}`)
	require.Equal(t, http.StatusBadRequest, status, "outside the allow-list: %v", res)
	status, hook := s.do(t, "POST", "/v1/webhooks", admin, "application/json",
		`{"url":"`+recv.URL+`/hook","secret":"receiver-secret-0123","events":["ticket.created"]}`)
	require.Equal(t, http.StatusCreated, status, "%v", hook)

	status, conv := s.do(t, "POST", "/v1/conversations", "", "", "")
	require.Equal(t, http.StatusCreated, status)
	status, reply := s.do(t, "POST", "/v1/conversations/"+conv["id"].(string)+"/messages", conv["token"].(string),
		"application/json", `{"text":"转人工"}`)
	require.Equal(t, http.StatusOK, status, "%v", reply)
	require.Equal(t, "handoff", reply["decision"])
	number := reply["ticket"].(map[string]any)["number"].(string)

	select {
	case d := <-got:
		require.NoError(t, webhooks.Verify("receiver-secret-0123", d.header.Get(webhooks.HeaderTimestamp),
			d.header.Get(webhooks.HeaderSignature), d.body, time.Now(), 0))
		var p webhooks.Payload
		require.NoError(t, json.Unmarshal(d.body, &p))
		assert.Equal(t, "ticket.created", p.Type)
		assert.Equal(t, number, p.Ticket.Number)
	case <-time.After(30 * time.Second):
		t.Fatalf("no delivery\n%s", s.logs.String())
	}
}
