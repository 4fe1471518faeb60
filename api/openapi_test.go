package api_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/assert/yaml"
	"github.com/stretchr/testify/require"
)

func loadOpenAPI(t *testing.T) (map[string]any, string) {
	t.Helper()
	e := newEnv(t)
	rec := e.do(request{method: "GET", path: "/openapi.yaml"})
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Header().Get("Content-Type"), "yaml")
	var doc map[string]any
	require.NoError(t, yaml.Unmarshal(rec.Body.Bytes(), &doc), "the contract is valid YAML")
	return doc, rec.Body.String()
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	assert.Regexp(t, `^3\.0\.\d+$`, doc["openapi"])
	paths, ok := doc["paths"].(map[string]any)
	require.True(t, ok, "paths is a map")

	e := newEnv(t)
	routes := e.srv.Routes()
	require.NotEmpty(t, routes)
	for _, r := range routes {
		method, path, _ := strings.Cut(r, " ")
		item, ok := paths[path].(map[string]any)
		if !assert.True(t, ok, "%s is not in openapi.yaml", path) {
			continue
		}
		op, ok := item[strings.ToLower(method)].(map[string]any)
		if assert.True(t, ok, "%s has no %s operation in openapi.yaml", path, method) {
			assert.NotEmpty(t, op["responses"], "%s %s lists its responses", method, path)
		}
	}

	// The contract is the whole of DESIGN §4, also what later issues implement.
	for _, p := range []string{
		"/v1/conversations", "/v1/conversations/{id}/messages", "/v1/conversations/{id}/events",
		"/v1/conversations/{id}/handoff", "/v1/tickets/{number}", "/v1/tickets/{number}/rating",
		"/v1/insights/gaps", "/v1/tickets", "/v1/tickets/claim", "/v1/tickets/{number}/messages",
		"/v1/tickets/{number}/transfer", "/v1/tickets/{number}/resolve", "/v1/agent/events",
		"/v1/webhooks", "/v1/webhooks/{id}", "/v1/chat/completions",
	} {
		assert.Contains(t, paths, p)
	}
}

func TestOpenAPIIsConsistent(t *testing.T) {
	doc, raw := loadOpenAPI(t)
	components, ok := doc["components"].(map[string]any)
	require.True(t, ok)

	// Every $ref points at a defined component.
	refs := regexp.MustCompile(`\$ref: "#/components/([A-Za-z]+)/([A-Za-z]+)"`).FindAllStringSubmatch(raw, -1)
	require.NotEmpty(t, refs)
	for _, m := range refs {
		section, _ := components[m[1]].(map[string]any)
		assert.Contains(t, section, m[2], "$ref %s/%s is not defined", m[1], m[2])
	}
	assert.NotContains(t, raw, "\t", "YAML is indented with spaces")

	methods := map[string]bool{"get": true, "put": true, "post": true, "delete": true, "patch": true, "head": true, "options": true, "trace": true}
	params := regexp.MustCompile(`\{([a-z_]+)\}`)
	for path, item := range doc["paths"].(map[string]any) {
		ops := item.(map[string]any)
		declared := pathParams(ops["parameters"], components)
		for key, v := range ops {
			if key == "parameters" {
				continue
			}
			require.True(t, methods[key], "%s: %q is not an HTTP method", path, key)
			op := v.(map[string]any)
			responses, ok := op["responses"].(map[string]any)
			require.True(t, ok, "%s %s has responses", key, path)
			for code := range responses {
				assert.Regexp(t, `^[1-5]\d\d$`, code, "%s %s: response codes are quoted strings", key, path)
			}
			got := map[string]bool{}
			for p := range declared {
				got[p] = true
			}
			for p := range pathParams(op["parameters"], components) {
				got[p] = true
			}
			for _, m := range params.FindAllStringSubmatch(path, -1) {
				assert.True(t, got[m[1]], "%s %s: path parameter %q is not declared", key, path, m[1])
			}
		}
	}
}

// pathParams collects the names of the in: path parameters of a parameter list.
func pathParams(list any, components map[string]any) map[string]bool {
	out := map[string]bool{}
	items, _ := list.([]any)
	for _, it := range items {
		p, _ := it.(map[string]any)
		if ref, ok := p["$ref"].(string); ok {
			name := strings.TrimPrefix(ref, "#/components/parameters/")
			p, _ = components["parameters"].(map[string]any)[name].(map[string]any)
		}
		if p["in"] == "path" {
			out[p["name"].(string)] = true
		}
	}
	return out
}
