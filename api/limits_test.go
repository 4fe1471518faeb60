package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/api"
)

func TestBodyLimits(t *testing.T) {
	e := newEnv(t, func(c *api.Config, _ *api.Deps) { c.MaxBodyBytes, c.MaxImportBytes = 2<<10, 64<<10 })
	csv := func(size int) string {
		var b strings.Builder
		b.WriteString("question,answer,language\n")
		for i := 0; b.Len() < size; i++ {
			b.WriteString("Question " + itoa(int64(i)) + "?," + strings.Repeat("a", 200) + ",en\n")
		}
		return b.String()
	}
	article := func(size int) string {
		return `{"question":"q","language":"en","answer":"` + strings.Repeat("a", size) + `"}`
	}
	tests := []struct {
		name   string
		req    request
		status int
	}{
		{"small JSON", request{method: "POST", path: "/v1/articles", body: article(1 << 10)}, 201},
		{"JSON over the limit", request{method: "POST", path: "/v1/articles", body: article(3 << 10)}, 413},
		{"JSON over the limit, streamed", request{method: "POST", path: "/v1/articles", body: article(3 << 10), chunked: true}, 413},
		{"import over the JSON limit", request{method: "POST", path: "/v1/articles/import", contentType: "text/csv", body: csv(16 << 10)}, 200},
		{"import over the JSON limit, streamed", request{method: "POST", path: "/v1/articles/import", contentType: "text/csv", body: csv(16 << 10), chunked: true}, 200},
		{"import over its limit", request{method: "POST", path: "/v1/articles/import", contentType: "text/csv", body: csv(80 << 10)}, 413},
		{"import over its limit, streamed", request{method: "POST", path: "/v1/articles/import", contentType: "text/csv", body: csv(80 << 10), chunked: true}, 413},
		{"multipart over its limit, streamed", func() request {
			r := multipartImport(t, "file", "big.csv", csv(80<<10))
			r.chunked = true
			return r
		}(), 413},
		{"JSON import over its limit, streamed", request{method: "POST", path: "/v1/articles/import", body: "[" + strings.Repeat(`{"question":"q","answer":"a","language":"en"},`, 2000) + "{}]", chunked: true}, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(e.allArticles())
			tt.req.token = e.editor
			rec := e.do(tt.req)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			if tt.status == http.StatusRequestEntityTooLarge {
				got := decodeError(t, rec)
				assert.Equal(t, "too_large", got.Error.Code)
				assert.Contains(t, got.Error.Message, "limit")
				assert.Len(t, e.allArticles(), before, "nothing of a cut body is written")
			}
		})
	}
}
