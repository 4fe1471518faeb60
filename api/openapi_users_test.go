package api_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOpenAPIDescribesTheUserRoutes is TestOpenAPIDescribesEveryRoute for a server with the
// dialogue engine, which serves the end users' routes.
func TestOpenAPIDescribesTheUserRoutes(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	paths, ok := doc["paths"].(map[string]any)
	require.True(t, ok)
	routes := newUserEnv(t, userEnvOptions{secret: userSecret}).srv.Routes()
	n := 0
	for _, r := range routes {
		method, path, _ := strings.Cut(r, " ")
		if !strings.HasPrefix(path, "/v1/conversations") && !strings.HasPrefix(path, "/v1/tickets") && path != "/v1/chat/completions" {
			continue
		}
		n++
		item, ok := paths[path].(map[string]any)
		if assert.True(t, ok, "%s is not in openapi.yaml", path) {
			assert.Contains(t, item, strings.ToLower(method), "%s %s", method, path)
		}
	}
	// 8 of end users, 5 of agents working tickets, 2 of agent assist.
	assert.Equal(t, 15, n, "the end users' and the agents' ticket routes are registered")
}
