package api

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

// The web pages are plain files embedded in the binary: no build step, no CDN, nothing for an
// operator to deploy besides faqbot itself.
//
//go:embed web
var webFiles embed.FS

// webPages are the pages a browser opens, by route. A page is served only when its file is
// in api/web, so a page under construction simply is not there yet.
var webPages = []struct {
	route, file string
	// embeddable pages may be framed by any site: /chat is the widget's frame, which the
	// host app's page embeds through widget.js.
	embeddable bool
}{
	{"/", "index.html", false},
	{"/chat", "chat.html", true},
	{"/agent", "agent.html", false},
	{"/kb", "kb.html", false},
}

// Content-Security-Policy of the pages. Nothing but our own files runs or loads: no inline
// script or style, no eval, no plugins, no <base> tricks; images only from us or data: URLs
// (so an article's Markdown cannot make readers' browsers call out); Trusted Types make any
// HTML-parsing DOM sink (innerHTML and friends) throw, so text can only ever become text.
//
// The chat frame may be framed by any site ("frame-ancestors *"): it holds no credential of
// its own (the host page hands it the user's token by postMessage), and the browser keeps a
// framed page's storage apart per top-level site, so a stranger framing it sees nothing.
// Everything else refuses to be framed. A host page that embeds widget.js needs in its own
// CSP: script-src <faqbot origin> (for widget.js) and frame-src <faqbot origin> (the chat
// frame); widget.js styles its elements through the CSSOM, which style-src does not govern,
// and makes no request of its own (the frame does, to its own origin).
const (
	cspCommon = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"font-src 'self'; connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; " +
		"object-src 'none'; require-trusted-types-for 'script'; trusted-types 'none'"
	cspPage       = cspCommon + "; frame-ancestors 'none'"
	cspEmbeddable = cspCommon + "; frame-ancestors *"
	// cspAsset is for scripts, styles and images: they are never documents.
	cspAsset = "default-src 'none'; frame-ancestors 'none'"
)

// webAsset is one embedded file, read once at start with its validator.
type webAsset struct {
	body        []byte
	contentType string
	etag        string
}

var webContentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".ico":  "image/x-icon",
	".json": "application/json",
}

// loadWebAssets reads every embedded file whose type we serve, by base name. The folder is
// flat: one namespace under /assets.
func loadWebAssets() map[string]webAsset {
	out := map[string]webAsset{}
	entries, err := fs.ReadDir(webFiles, "web")
	if err != nil {
		panic("api: the embedded web folder is missing: " + err.Error())
	}
	for _, e := range entries {
		ct, ok := webContentTypes[path.Ext(e.Name())]
		if e.IsDir() || !ok {
			continue
		}
		body, err := webFiles.ReadFile("web/" + e.Name())
		if err != nil {
			panic("api: read embedded " + e.Name() + ": " + err.Error())
		}
		sum := sha256.Sum256(body)
		out[e.Name()] = webAsset{body: body, contentType: ct, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`}
	}
	return out
}

var msgNoAsset = text{"no such file: %s", "没有这个文件：%s"}

// webRoutes serves the pages, the widget loader and the assets they load.
func (s *Server) webRoutes() {
	assets := loadWebAssets()
	e := s.echo
	for _, p := range webPages {
		a, ok := assets[p.file]
		if !ok {
			continue
		}
		csp := cspPage
		if p.embeddable {
			csp = cspEmbeddable
		}
		e.GET(p.route, func(c echo.Context) error { return serveAsset(c, a, csp) })
	}
	if a, ok := assets["widget.js"]; ok {
		e.GET("/widget.js", func(c echo.Context) error {
			// Host pages on other sites load it with a script tag.
			c.Response().Header().Set("Cross-Origin-Resource-Policy", "cross-origin")
			return serveAsset(c, a, cspAsset)
		})
	}
	e.GET("/assets/:file", func(c echo.Context) error {
		name := c.Param("file")
		a, ok := assets[name]
		if !ok || strings.HasSuffix(name, ".html") {
			return newError(http.StatusNotFound, codeNotFound, msgNoAsset, clip(name))
		}
		c.Response().Header().Set("Cross-Origin-Resource-Policy", "same-origin")
		return serveAsset(c, a, cspAsset)
	})
}

// serveAsset writes a with the security headers and an ETag. Files are not fingerprinted, so
// browsers revalidate every time (no-cache) and get a 304 while the file is unchanged: a
// new release shows at once, and an unchanged page costs a round trip, not a download.
func serveAsset(c echo.Context, a webAsset, csp string) error {
	h := c.Response().Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	h.Set(echo.HeaderCacheControl, "no-cache")
	h.Set("ETag", a.etag)
	if csp != cspEmbeddable {
		h.Set("X-Frame-Options", "DENY")
	}
	if strings.HasPrefix(a.contentType, "text/html") {
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
	}
	if etagMatches(c.Request().Header.Get("If-None-Match"), a.etag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, a.contentType, a.body)
}

// etagMatches reads If-None-Match: a list of entity tags, weak or strong, or "*".
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}
