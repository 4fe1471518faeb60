package api_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUserTokens(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	hour := time.Now().Add(time.Hour).Unix()
	hs := func(claims jwt.MapClaims) string {
		return signToken(t, jwt.SigningMethodHS256, []byte(userSecret), claims)
	}
	tests := []struct {
		name   string
		token  string
		status int
		want   string // in the message
	}{
		{"valid", hs(jwt.MapClaims{"sub": "u1", "exp": hour}), 201, ""},
		{"expired", hs(jwt.MapClaims{"sub": "u1", "exp": time.Now().Add(-time.Hour).Unix()}), 401, "token expired"},
		{"expired within the leeway", hs(jwt.MapClaims{"sub": "u1", "exp": time.Now().Add(-5 * time.Second).Unix()}), 201, ""},
		{"wrong signature", signToken(t, jwt.SigningMethodHS256, []byte("another secret of the same length!!!!"), jwt.MapClaims{"sub": "u1", "exp": hour}), 401, "signature invalid"},
		{"alg none", signToken(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, jwt.MapClaims{"sub": "u1", "exp": hour}), 401, "alg none not allowed"},
		{"alg HS512", signToken(t, jwt.SigningMethodHS512, []byte(userSecret), jwt.MapClaims{"sub": "u1", "exp": hour}), 401, "alg HS512 not allowed"},
		{"tampered payload", tamper(t, hs(jwt.MapClaims{"sub": "u1", "exp": hour}), `{"sub":"admin","exp":9999999999}`), 401, "signature invalid"},
		{"no exp", hs(jwt.MapClaims{"sub": "u1"}), 401, "exp is required"},
		{"no sub", hs(jwt.MapClaims{"exp": hour}), 401, "sub"},
		{"anonymous owner as sub", hs(jwt.MapClaims{"sub": "anon:1234", "exp": hour}), 401, "anon:"},
		{"not yet valid", hs(jwt.MapClaims{"sub": "u1", "exp": hour, "nbf": hour - 60}), 401, "not valid yet"},
		{"malformed", "eyJhbGciOiJIUzI1NiJ9.!!!.x", 401, "malformed"},
		{"malformed header", "bm90IGpzb24.e30.x", 401, "malformed"},
		{"garbage", "hello", 401, "not a user token"},
		{"unknown staff token", "fqb_" + strings.Repeat("A", 43), 401, "unknown"},
		{"admin token", adminToken, 403, "admin"},
		{"editor token", e.editor, 403, "editor"},
		{"agent token", e.agent, 403, "agent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.do(request{method: "POST", path: "/v1/conversations", token: tt.token})
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			if tt.status == 201 {
				return
			}
			got := decodeError(t, rec)
			assert.Contains(t, got.Error.Message, tt.want)
			if tt.status == 401 {
				assert.Equal(t, "unauthenticated", got.Error.Code)
				assert.Contains(t, rec.Header().Get("WWW-Authenticate"), `error="invalid_token"`)
			} else {
				assert.Equal(t, "forbidden", got.Error.Code)
			}
		})
	}
}

// tamper swaps a signed token's payload and keeps its signature.
func tamper(t *testing.T, token, payload string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3)
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(payload))
	return strings.Join(parts, ".")
}

func TestUserTokenMessagesInChinese(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	expired := signToken(t, jwt.SigningMethodHS256, []byte(userSecret), jwt.MapClaims{"sub": "u", "exp": time.Now().Add(-time.Hour).Unix()})
	rec := e.do(request{method: "POST", path: "/v1/conversations", token: expired, header: http.Header{"Accept-Language": {"zh-CN,zh;q=0.9"}}})
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	assert.Contains(t, decodeError(t, rec).Error.Message, "已过期")
}

func TestWithoutUserSecretNoUserTokenWorks(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{})
	rec := e.do(request{method: "POST", path: "/v1/conversations", token: userToken(t, "u1")})
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	assert.Contains(t, decodeError(t, rec).Error.Message, "FAQBOT_USER_SECRET")

	// An empty key must never verify: a token signed with it is refused the same way.
	empty := signToken(t, jwt.SigningMethodHS256, []byte{}, jwt.MapClaims{"sub": "u1", "exp": time.Now().Add(time.Hour).Unix()})
	rec = e.do(request{method: "POST", path: "/v1/conversations", token: empty})
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
}

func TestAnonymousChat(t *testing.T) {
	t.Run("allowed", func(t *testing.T) {
		e := newUserEnv(t, userEnvOptions{anonymous: true, secret: userSecret})
		rec := e.do(request{method: "POST", path: "/v1/conversations"})
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"), "the token is shown once")
		var conv conversationOut
		require.NoError(t, jsonUnmarshal(rec.Body.Bytes(), &conv))
		require.NotEmpty(t, conv.Token)
		assert.Equal(t, "bot", conv.State)

		r := e.say(conv.Token, conv.ID, "How do I delete my account?")
		assert.Equal(t, "answer", r.Decision, r.Reason)
		assert.Len(t, e.transcript(conv.Token, conv.ID, "").Items, 2)

		// The token opens its own conversation only.
		other := e.start("")
		rec = e.do(request{method: "GET", path: "/v1/conversations/" + other.ID + "/messages", token: conv.Token})
		assert.Equal(t, http.StatusNotFound, rec.Code)

		rec = e.do(request{method: "GET", path: "/v1/conversations/" + conv.ID + "/messages", token: "fqc_" + strings.Repeat("x", 43)})
		assert.Equal(t, http.StatusUnauthorized, rec.Code, "an unknown conversation token")

		// A signed-in user still gets a conversation of their own.
		var mine conversationOut
		e.json(request{method: "POST", path: "/v1/conversations", token: userToken(t, "u1")}, http.StatusCreated, &mine)
		assert.Empty(t, mine.Token)
	})
	t.Run("off", func(t *testing.T) {
		e := newUserEnv(t, userEnvOptions{anonymous: false, secret: userSecret})
		rec := e.do(request{method: "POST", path: "/v1/conversations"})
		require.Equal(t, http.StatusUnauthorized, rec.Code)
		assert.Contains(t, decodeError(t, rec).Error.Message, "end-user token")

		// A conversation token made while anonymous chat was on is not accepted now.
		_, token, err := e.engine.StartAnonymous(t.Context(), "en")
		require.NoError(t, err)
		rec = e.do(request{method: "POST", path: "/v1/conversations", token: token})
		require.Equal(t, http.StatusUnauthorized, rec.Code)
		assert.Contains(t, decodeError(t, rec).Error.Message, "anonymous chat is off")
	})
}

func TestUserRoutesNeedAToken(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	token := userToken(t, "owner")
	conv := e.start(token)
	routes := []struct{ method, path string }{
		{"POST", "/v1/conversations"},
		{"POST", "/v1/conversations/" + conv.ID + "/messages"},
		{"GET", "/v1/conversations/" + conv.ID + "/messages"},
		{"GET", "/v1/conversations/" + conv.ID + "/events"},
		{"POST", "/v1/conversations/" + conv.ID + "/handoff"},
		{"GET", "/v1/tickets/ABCD-EFGH"},
	}
	for _, r := range routes {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			rec := e.do(request{method: r.method, path: r.path, body: map[string]string{"text": "hi"}})
			assert.Equal(t, http.StatusUnauthorized, rec.Code)
			assert.Equal(t, `Bearer realm="faqbot"`, rec.Header().Get("WWW-Authenticate"))

			if r.path == "/v1/tickets/ABCD-EFGH" {
				return // staff get their own view of tickets (issue #4)
			}
			rec = e.do(request{method: r.method, path: r.path, token: e.agent, body: map[string]string{"text": "hi"}})
			assert.Equal(t, http.StatusForbidden, rec.Code, "an agent is not an end user")
		})
	}
}
