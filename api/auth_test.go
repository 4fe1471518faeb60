package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// protected lists every route that needs a staff token, with the least role that may use it.
var protected = []struct {
	method, path string
	role         string // "editor" (or admin), "agent" (or admin), "admin", or "staff" (any of them)
	body         any
}{
	{"POST", "/v1/articles", "editor", map[string]any{}},
	{"GET", "/v1/articles", "editor", nil},
	{"GET", "/v1/articles/1", "editor", nil},
	{"PUT", "/v1/articles/1", "editor", map[string]any{}},
	{"DELETE", "/v1/articles/1", "editor", nil},
	{"GET", "/v1/articles/1/versions", "editor", nil},
	{"POST", "/v1/articles/import", "editor", "[]"},
	{"POST", "/v1/search", "editor", map[string]any{"query": "x"}},
	// The agents' routes call with the editor token, which DELETE /v1/tokens/1 revokes.
	{"GET", "/v1/tickets", "agent", nil},
	{"POST", "/v1/tickets/claim", "agent", nil},
	{"GET", "/v1/tickets/0000-0000", "agent", nil},
	{"POST", "/v1/tickets/0000-0000/messages", "agent", map[string]any{"text": "hi"}},
	{"POST", "/v1/tickets/0000-0000/transfer", "agent", map[string]any{"queue": "tech"}},
	{"POST", "/v1/tickets/0000-0000/resolve", "agent", nil},
	{"GET", "/v1/tickets/0000-0000/suggestions", "agent", nil},
	{"POST", "/v1/tickets/0000-0000/article", "agent", map[string]any{"answer": "x"}},
	{"GET", "/v1/agent/events", "agent", nil},
	{"GET", "/v1/insights/gaps", "editor", nil},
	{"GET", "/v1/insights/summary", "staff", nil},
	{"GET", "/v1/me", "staff", nil},
	// Before DELETE /v1/tokens/1, which revokes the editor token they are refused to.
	{"POST", "/v1/webhooks", "admin", map[string]any{"url": "https://hooks.example.com/faqbot"}},
	{"GET", "/v1/webhooks", "admin", nil},
	{"GET", "/v1/webhooks/1", "admin", nil},
	{"DELETE", "/v1/webhooks/1", "admin", nil},
	{"GET", "/v1/webhooks/1/deliveries?status=dead", "admin", nil},
	{"POST", "/v1/webhooks/1/deliveries/1/retry", "admin", nil},
	{"POST", "/v1/tokens", "admin", map[string]any{"role": "agent"}},
	{"GET", "/v1/tokens", "admin", nil},
	{"DELETE", "/v1/tokens/1", "admin", nil},
}

func TestRoutesNeedTheRightToken(t *testing.T) {
	// With the dialogue engine, so that the agents' routes are served too.
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	// Event streams end at once, so that a stream route let through answers and returns.
	e.srv.CloseStreams()
	for _, r := range protected {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			call := func(token string, header http.Header) *httpResult {
				rec := e.do(request{method: r.method, path: r.path, token: token, body: r.body, header: header})
				return &httpResult{code: rec.Code, header: rec.Header(), err: decodeErrorIfAny(rec.Code, rec.Body.Bytes())}
			}

			res := call("", nil)
			assert.Equal(t, http.StatusUnauthorized, res.code, "without a token")
			assert.Equal(t, `Bearer realm="faqbot"`, res.header.Get("WWW-Authenticate"))
			assert.Equal(t, "unauthenticated", res.err.Error.Code)

			res = call("", http.Header{"Authorization": {"Basic dXNlcjpwYXNz"}})
			assert.Equal(t, http.StatusUnauthorized, res.code, "with another scheme")

			for name, bad := range map[string]string{"unknown": "fqb_" + "0123456789012345678901234567890123456789abc", "revoked": e.revoked, "garbage": "x"} {
				res = call(bad, nil)
				assert.Equal(t, http.StatusUnauthorized, res.code, "%s token", name)
				assert.Contains(t, res.header.Get("WWW-Authenticate"), `error="invalid_token"`, "%s token", name)
			}

			res = call(e.agent, nil)
			if r.role == "staff" {
				for name, token := range map[string]string{"agent": e.agent, "editor": e.editor, "admin": adminToken} {
					assert.NotContains(t, []int{401, 403}, call(token, nil).code, "the %s token", name)
				}
				assert.Equal(t, http.StatusForbidden, call(userToken(t, "someone"), nil).code, "an end user's token")
				return
			}
			if r.role == "agent" {
				assert.NotContains(t, []int{401, 403}, res.code, "an agent token")
				res = call(e.editor, nil)
				assert.Equal(t, http.StatusForbidden, res.code, "an editor token on an agent route")
				assert.Contains(t, res.err.Error.Message, "editor")
				if r.path != "/v1/tickets/0000-0000" { // shared with end users, who see their own tickets
					res = call(userToken(t, "someone"), nil)
					assert.Equal(t, http.StatusForbidden, res.code, "an end user's token on an agent route")
				}
				res = call(adminToken, nil)
				assert.NotContains(t, []int{401, 403}, res.code, "the admin token")
				return
			}
			assert.Equal(t, http.StatusForbidden, res.code, "an agent token")
			assert.Equal(t, "forbidden", res.err.Error.Code)
			assert.Contains(t, res.err.Error.Message, "agent")

			res = call(e.editor, nil)
			if r.role == "admin" {
				assert.Equal(t, http.StatusForbidden, res.code, "an editor token on an admin route")
			} else {
				assert.NotContains(t, []int{401, 403}, res.code, "an editor token")
			}

			res = call(adminToken, nil)
			assert.NotContains(t, []int{401, 403}, res.code, "the admin token")
		})
	}
}

func TestUnauthenticatedMessageFollowsAcceptLanguage(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		accept string
		want   string
	}{
		{"", "needs a token"},
		{"en-US,en;q=0.9", "needs a token"},
		{"zh-CN,zh;q=0.9,en;q=0.5", "需要令牌"},
		{"zh-TW", "需要令牌"},
		{"fr-FR", "needs a token"},
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			rec := e.do(request{method: "GET", path: "/v1/articles", header: http.Header{"Accept-Language": {tt.accept}}})
			require.Equal(t, http.StatusUnauthorized, rec.Code)
			assert.Contains(t, decodeError(t, rec).Error.Message, tt.want)
		})
	}
}

type httpResult struct {
	code   int
	header http.Header
	err    apiError
}

func decodeErrorIfAny(code int, body []byte) apiError {
	var e apiError
	if code >= 400 {
		_ = jsonUnmarshal(body, &e)
	}
	return e
}
