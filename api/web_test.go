package api_test

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWebPagesAndAssets(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		path, contentType string
		frameable         bool
	}{
		{"/", "text/html", false},
		{"/chat", "text/html", true},
		{"/widget.js", "text/javascript", false},
		{"/assets/api.js", "text/javascript", false},
		{"/assets/base.css", "text/css", false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := e.do(request{method: "GET", path: tt.path})
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			h := rec.Header()
			assert.Contains(t, h.Get("Content-Type"), tt.contentType)
			assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
			assert.Equal(t, "no-referrer", h.Get("Referrer-Policy"))
			assert.Equal(t, "no-cache", h.Get("Cache-Control"))
			csp := h.Get("Content-Security-Policy")
			require.NotEmpty(t, csp)
			assert.NotContains(t, csp, "unsafe-inline")
			assert.NotContains(t, csp, "unsafe-eval")
			if tt.contentType == "text/html" {
				assert.Contains(t, csp, "script-src 'self'")
				assert.Contains(t, csp, "require-trusted-types-for 'script'")
				assert.Contains(t, csp, "connect-src 'self'")
				assert.Equal(t, "same-origin", h.Get("Cross-Origin-Opener-Policy"))
				assert.NotContains(t, rec.Body.String(), "<script>", "no inline script: the CSP would block it")
				assert.NotContains(t, rec.Body.String(), "style=", "no inline style: the CSP would block it")
			}
			if tt.frameable {
				assert.Contains(t, csp, "frame-ancestors *")
				assert.Empty(t, h.Get("X-Frame-Options"))
			} else {
				assert.Contains(t, csp, "frame-ancestors 'none'")
				assert.Equal(t, "DENY", h.Get("X-Frame-Options"))
			}

			etag := h.Get("ETag")
			require.NotEmpty(t, etag)
			again := e.do(request{method: "GET", path: tt.path, header: http.Header{"If-None-Match": {etag}}})
			assert.Equal(t, http.StatusNotModified, again.Code)
			assert.Empty(t, again.Body.String())
			weak := e.do(request{method: "GET", path: tt.path, header: http.Header{"If-None-Match": {`"other", W/` + etag}}})
			assert.Equal(t, http.StatusNotModified, weak.Code, "a weak validator in a list matches too")
			stale := e.do(request{method: "GET", path: tt.path, header: http.Header{"If-None-Match": {`"stale"`}}})
			assert.Equal(t, http.StatusOK, stale.Code)
		})
	}
}

func TestWidgetLoaderMayBeLoadedByOtherSites(t *testing.T) {
	e := newEnv(t)
	rec := e.do(request{method: "GET", path: "/widget.js"})
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "cross-origin", rec.Header().Get("Cross-Origin-Resource-Policy"))
	rec = e.do(request{method: "GET", path: "/assets/chat.js"})
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "same-origin", rec.Header().Get("Cross-Origin-Resource-Policy"))
}

func TestUnknownAssetsAre404(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{"/assets/nope.js", "/assets/index.html", "/assets/..%2fweb.go", "/assets/", "/web.go"} {
		t.Run(p, func(t *testing.T) {
			rec := e.do(request{method: "GET", path: p, header: http.Header{"Accept-Language": {"zh-CN"}}})
			assert.Equal(t, http.StatusNotFound, rec.Code)
			assert.Equal(t, "not_found", decodeError(t, rec).Error.Code)
		})
	}
}

// TestPagesNeverParseHTML keeps the rule that lets the CSP demand Trusted Types: no script
// assigns HTML. A page that did would break in the browser; this says where, earlier.
func TestPagesNeverParseHTML(t *testing.T) {
	e := newEnv(t)
	entries, err := os.ReadDir("web")
	require.NoError(t, err)
	n := 0
	for _, entry := range entries {
		name := entry.Name()
		if !strings.HasSuffix(name, ".js") {
			continue
		}
		n++
		rec := e.do(request{method: "GET", path: "/assets/" + name})
		require.Equal(t, http.StatusOK, rec.Code, name)
		src := rec.Body.String()
		for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"} {
			assert.False(t, strings.Contains(src, sink), "%s uses %s", name, sink)
		}
	}
	assert.GreaterOrEqual(t, n, 6, "the scripts were found")
}
