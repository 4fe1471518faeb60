package api_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type mintedToken struct {
	ID        int64     `json:"id"`
	Token     string    `json:"token"`
	Role      string    `json:"role"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

type tokenList struct {
	Items []struct {
		ID         int64      `json:"id"`
		Name       string     `json:"name"`
		Role       string     `json:"role"`
		CreatedAt  time.Time  `json:"created_at"`
		LastUsedAt *time.Time `json:"last_used_at"`
		RevokedAt  *time.Time `json:"revoked_at"`
	} `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func TestMintUseListRevoke(t *testing.T) {
	e := newEnv(t)
	rec := e.do(request{method: "POST", path: "/v1/tokens", token: adminToken, body: map[string]any{"role": "editor", "name": "王五"}})
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	var minted mintedToken
	require.NoError(t, jsonUnmarshal(rec.Body.Bytes(), &minted))
	assert.True(t, strings.HasPrefix(minted.Token, "fqb_"))
	assert.Equal(t, "editor", minted.Role)
	assert.Equal(t, "王五", minted.Name)
	assert.NotZero(t, minted.ID)
	assert.WithinDuration(t, time.Now(), minted.CreatedAt, time.Minute)

	e.json(request{method: "GET", path: "/v1/articles", token: minted.Token}, http.StatusOK, nil)

	list := e.do(request{method: "GET", path: "/v1/tokens", token: adminToken})
	require.Equal(t, http.StatusOK, list.Code)
	assert.NotContains(t, list.Body.String(), minted.Token, "a list never shows a secret")
	assert.NotContains(t, list.Body.String(), `"token"`)
	var tokens tokenList
	require.NoError(t, jsonUnmarshal(list.Body.Bytes(), &tokens))
	assert.Nil(t, tokens.NextCursor)
	var found bool
	for _, it := range tokens.Items {
		if it.ID == minted.ID {
			found = true
			assert.Equal(t, "王五", it.Name)
			assert.NotNil(t, it.LastUsedAt, "it was used above")
			assert.Nil(t, it.RevokedAt)
		}
	}
	assert.True(t, found, "the minted token is listed")

	rec = e.do(request{method: "DELETE", path: "/v1/tokens/" + strconv.FormatInt(minted.ID, 10), token: adminToken})
	assert.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
	rec = e.do(request{method: "GET", path: "/v1/articles", token: minted.Token})
	assert.Equal(t, http.StatusUnauthorized, rec.Code, "a revoked token stops working")
}

func TestTokenPages(t *testing.T) {
	e := newEnv(t) // holds three tokens already
	var first tokenList
	e.json(request{method: "GET", path: "/v1/tokens?limit=2", token: adminToken}, http.StatusOK, &first)
	require.Len(t, first.Items, 2)
	require.NotNil(t, first.NextCursor)
	var second tokenList
	e.json(request{method: "GET", path: "/v1/tokens?limit=2&cursor=" + *first.NextCursor, token: adminToken}, http.StatusOK, &second)
	require.Len(t, second.Items, 1)
	assert.Nil(t, second.NextCursor, "no next_cursor on the last page")
	assert.Greater(t, second.Items[0].ID, first.Items[1].ID)
	require.NotNil(t, second.Items[0].RevokedAt, "revoked tokens are listed as revoked")
}

func TestTokenBadInput(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name    string
		req     request
		status  int
		field   string
		mention string
	}{
		{"admin role", request{method: "POST", path: "/v1/tokens", body: map[string]any{"role": "admin", "name": "x"}}, 400, "role", "FAQBOT_ADMIN_TOKEN"},
		{"unknown role", request{method: "POST", path: "/v1/tokens", body: map[string]any{"role": "root"}}, 400, "role", "editor or agent"},
		{"role of the wrong type", request{method: "POST", path: "/v1/tokens", body: `{"role": 1}`}, 400, "role", "must be a string"},
		{"unknown field", request{method: "POST", path: "/v1/tokens", body: `{"role": "agent", "scopes": ["all"]}`}, 400, "scopes", `unknown field "scopes"`},
		{"long name", request{method: "POST", path: "/v1/tokens", body: map[string]any{"role": "agent", "name": strings.Repeat("名", 101)}}, 400, "name", "at most 100"},
		{"form body", request{method: "POST", path: "/v1/tokens", body: "role=agent", contentType: "application/x-www-form-urlencoded"}, 415, "", "application/json"},
		{"revoke unknown", request{method: "DELETE", path: "/v1/tokens/999"}, 404, "", "token 999 not found"},
		{"revoke bad id", request{method: "DELETE", path: "/v1/tokens/abc"}, 400, "id", "positive integer"},
		{"bad cursor", request{method: "GET", path: "/v1/tokens?cursor=zzz"}, 400, "cursor", "cursor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.token = adminToken
			rec := e.do(tt.req)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			got := decodeError(t, rec)
			assert.Equal(t, tt.field, got.Error.Field)
			assert.Contains(t, got.Error.Message, tt.mention)
		})
	}
	var tokens tokenList
	e.json(request{method: "GET", path: "/v1/tokens", token: adminToken}, http.StatusOK, &tokens)
	assert.Len(t, tokens.Items, 3, "no token was minted by the bad requests")
}
