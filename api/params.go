package api

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// Paging of every list (DESIGN §4).
const (
	defaultLimit = 50
	maxLimit     = 200
)

// page is a list request's position: the keyset cursor is the last id of the page before.
type page struct {
	limit   int
	afterID int64
}

func pageOf(c echo.Context) (page, error) {
	p := page{limit: defaultLimit}
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			return page{}, invalid("limit", msgBadLimit, maxLimit, clip(s))
		}
		p.limit = n
	}
	if s := c.QueryParam("cursor"); s != "" {
		id, ok := decodeCursor(s)
		if !ok {
			return page{}, invalid("cursor", msgBadCursor)
		}
		p.afterID = id
	}
	return p, nil
}

// cursorPrefix marks our cursors, so a stray number or an old format is refused, not misread.
const cursorPrefix = "k1:"

// encodeCursor makes the opaque cursor after id. It is not secret: a forged one only moves
// the page, and what a caller may see is decided by the query, not by the cursor.
func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(id, 10)))
}

func decodeCursor(s string) (int64, bool) {
	if len(s) > 64 {
		return 0, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, false
	}
	digits, ok := strings.CutPrefix(string(raw), cursorPrefix)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(digits, 10, 64)
	// Only the canonical spelling is ours: no sign, no leading zeros.
	if err != nil || id < 1 || strconv.FormatInt(id, 10) != digits {
		return 0, false
	}
	return id, true
}

// nextCursor is the cursor of the page after items, or "" on the last page.
func nextCursor(more bool, lastID int64) string {
	if !more {
		return ""
	}
	return encodeCursor(lastID)
}

// pathID reads a positive integer path parameter.
func pathID(c echo.Context, name string) (int64, error) {
	s := c.Param(name)
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 {
		return 0, invalid(name, msgBadID, name, clip(s))
	}
	return id, nil
}

// maxFilterLen bounds free-text query parameters.
const maxFilterLen = 200

func queryText(c echo.Context, name string) (string, error) {
	s := strings.TrimSpace(c.QueryParam(name))
	if !utf8.ValidString(s) {
		return "", invalid(name, msgDomain, name+": is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > maxFilterLen {
		return "", invalid(name, msgTooLong, name, n, maxFilterLen)
	}
	return s, nil
}

// clip shortens a value before it is echoed in a message, by runes so that Chinese text is
// never cut inside a character, and never echoes invalid UTF-8.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}

func noContent(c echo.Context) error { return c.NoContent(http.StatusNoContent) }
