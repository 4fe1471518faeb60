package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAnotherUsersObjectsAreNotFound walks every route that takes a conversation id or a
// ticket number: another user, signed in or anonymous, gets 404 exactly as for an unknown
// id, so ids cannot even be probed.
func TestAnotherUsersObjectsAreNotFound(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{anonymous: true, secret: userSecret})
	owner := userToken(t, "alice")
	conv := e.start(owner)
	r := e.say(owner, conv.ID, "转人工")
	require.NotNil(t, r.Ticket)
	ticket := r.Ticket.Number
	before := len(e.transcript(owner, conv.ID, "").Items)

	anon := e.start("")
	require.NotEmpty(t, anon.Token)
	routes := []struct {
		method, path string
		body         any
	}{
		{"POST", "/v1/conversations/" + conv.ID + "/messages", map[string]string{"text": "hello"}},
		{"GET", "/v1/conversations/" + conv.ID + "/messages", nil},
		{"GET", "/v1/conversations/" + conv.ID + "/events", nil},
		{"POST", "/v1/conversations/" + conv.ID + "/handoff", map[string]string{"reason": "x"}},
		{"GET", "/v1/tickets/" + ticket, nil},
		{"GET", "/v1/tickets/" + strings.ToLower(ticket), nil},
	}
	intruders := map[string]string{
		"another user":   userToken(t, "mallory"),
		"anonymous user": anon.Token,
	}
	for name, token := range intruders {
		for _, rt := range routes {
			t.Run(name+" "+rt.method+" "+rt.path, func(t *testing.T) {
				rec := e.do(request{method: rt.method, path: rt.path, token: token, body: rt.body})
				require.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())
				assert.Equal(t, "not_found", decodeError(t, rec).Error.Code)
			})
		}
	}
	assert.Len(t, e.transcript(owner, conv.ID, "").Items, before, "nobody else wrote into the conversation")

	// The owner, for contrast, gets every one of them.
	for _, rt := range routes {
		if rt.method == "GET" && strings.HasSuffix(rt.path, "/events") {
			continue // a stream: see the events tests
		}
		rec := e.do(request{method: rt.method, path: rt.path, token: owner, body: rt.body})
		assert.Equal(t, http.StatusOK, rec.Code, "%s %s: %s", rt.method, rt.path, rec.Body.String())
	}

	for _, number := range []string{"NOPE", "0000-0000", "ABCD-EFGH-IJKL", "%E4%BD%A0%E5%A5%BD"} {
		rec := e.do(request{method: "GET", path: "/v1/tickets/" + number, token: owner})
		assert.Equal(t, http.StatusNotFound, rec.Code, "malformed or unknown number %s", number)
	}
}
