package api_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type meJSON struct {
	Role    string   `json:"role"`
	Name    string   `json:"name"`
	TokenID int64    `json:"token_id"`
	Queues  []string `json:"queues"`
	Scoped  bool     `json:"scoped"`
}

// mint has the admin mint a token over HTTP.
func (e *userEnv) mint(body map[string]any) mintedToken {
	e.t.Helper()
	var m mintedToken
	e.json(request{method: "POST", path: "/v1/tokens", token: adminToken, body: body}, http.StatusCreated, &m)
	return m
}

func TestMeSaysWhoTheTokenIs(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{postgres: true, secret: userSecret})
	all := e.engine.Queues()
	require.Contains(t, all, "payment")
	editor := e.mint(map[string]any{"role": "editor", "name": "Erin"})
	agent := e.mint(map[string]any{"role": "agent", "name": "Bob"})
	scoped := e.mint(map[string]any{"role": "agent", "name": "Alice", "queues": []string{"payment", "senior"}})

	tests := []struct {
		name, token string
		want        meJSON
	}{
		{"admin", adminToken, meJSON{Role: "admin", Name: "admin", Queues: all}},
		{"editor", editor.Token, meJSON{Role: "editor", Name: "Erin", TokenID: editor.ID, Queues: all}},
		{"unscoped agent", agent.Token, meJSON{Role: "agent", Name: "Bob", TokenID: agent.ID, Queues: all}},
		{"scoped agent", scoped.Token, meJSON{Role: "agent", Name: "Alice", TokenID: scoped.ID, Queues: []string{"payment", "senior"}, Scoped: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.do(request{method: "GET", path: "/v1/me", token: tt.token})
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			var got meJSON
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
			assert.Equal(t, tt.want, got)

			// Exactly these fields: never the token, nor its hash.
			var fields map[string]any
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &fields))
			keys := make([]string, 0, len(fields))
			for k := range fields {
				keys = append(keys, k)
			}
			assert.ElementsMatch(t, []string{"role", "name", "token_id", "queues", "scoped"}, keys)
			assert.NotContains(t, rec.Body.String(), tt.token)
		})
	}
}

func TestMeRefusesWhoIsNotStaff(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{postgres: true, anonymous: true, secret: userSecret})
	revoked := e.mint(map[string]any{"role": "agent", "name": "Gone", "queues": []string{"payment"}})
	e.json(request{method: "GET", path: "/v1/me", token: revoked.Token}, http.StatusOK, nil)
	e.json(request{method: "DELETE", path: "/v1/tokens/" + itoa(revoked.ID), token: adminToken}, http.StatusNoContent, nil)
	conv := e.start("")

	tests := []struct {
		name, token string
		status      int
		code        string
	}{
		{"no token", "", http.StatusUnauthorized, "unauthenticated"},
		{"a revoked token", revoked.Token, http.StatusUnauthorized, "unauthenticated"},
		{"an end user's token", userToken(t, "u1"), http.StatusForbidden, "forbidden"},
		{"a conversation token", conv.Token, http.StatusForbidden, "forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.do(request{method: "GET", path: "/v1/me", token: tt.token})
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			assert.Equal(t, tt.code, decodeError(t, rec).Error.Code)
		})
	}
}
