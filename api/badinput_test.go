package api_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/api"
)

// TestBadInputChangesNothing sends the bad requests of issue #2 to a server holding two
// articles: each gets a 4xx naming the problem, and the articles are as they were.
func TestBadInputChangesNothing(t *testing.T) {
	e := newEnv(t, func(cfg *api.Config, _ *api.Deps) { cfg.MaxImportBytes = 4 << 20 })
	e.createArticle(map[string]any{"external_id": "kept-1", "question": "How do I withdraw?", "answer": "Wallet > Withdraw.", "language": "en", "status": "published"})
	e.createArticle(map[string]any{"external_id": "kept-2", "question": "如何注销账号？", "answer": "我 > 设置 > 账号与安全 > 注销。", "language": "zh", "status": "published"})
	before := e.allArticles()
	first := "/v1/articles/" + itoa(before[0].ID)
	megabyte := strings.Repeat("a", 1_000_000)

	tests := []struct {
		name    string
		req     request
		status  int
		field   string
		mention string
	}{
		// Bodies.
		{"body over the limit", request{method: "POST", path: "/v1/articles", body: `{"question":"` + strings.Repeat("x", api.DefaultMaxBodyBytes) + `"}`}, 413, "", "limit"},
		{"wrong content type", request{method: "POST", path: "/v1/articles", body: "question=x", contentType: "text/plain"}, 415, "", "application/json"},
		{"another charset", request{method: "POST", path: "/v1/articles", body: `{}`, contentType: "application/json; charset=latin1"}, 415, "", `"latin1"`},
		{"no content type", request{method: "POST", path: "/v1/articles", body: []byte(`{}`), header: http.Header{"Content-Type": {""}}}, 415, "", "application/json"},
		{"empty body", request{method: "POST", path: "/v1/articles", body: " "}, 400, "", "empty"},
		{"invalid UTF-8", request{method: "POST", path: "/v1/articles", body: "{\"question\":\"\xff\xfe\",\"answer\":\"a\",\"language\":\"en\"}"}, 400, "", "UTF-8"},
		{"malformed JSON", request{method: "POST", path: "/v1/articles", body: `{"question": }`}, 400, "", "malformed JSON"},
		{"two objects", request{method: "POST", path: "/v1/articles", body: `{"question":"q","answer":"a","language":"en"} {}`}, 400, "", "exactly one"},
		{"unknown field", request{method: "POST", path: "/v1/articles", body: `{"question":"q","answer":"a","language":"en","priority":1}`}, 400, "priority", `unknown field "priority"`},
		{"wrong type", request{method: "POST", path: "/v1/articles", body: `{"question":"q","answer":"a","language":"en","tags":"a,b"}`}, 400, "tags", "must be an array of strings"},
		{"wrong item type", request{method: "POST", path: "/v1/articles", body: `{"question":"q","answer":"a","language":"en","similar_questions":[1]}`}, 400, "similar_questions", "must be a string"},
		{"version on create", request{method: "POST", path: "/v1/articles", body: `{"question":"q","answer":"a","language":"en","version":3}`}, 400, "version", "set by the server"},
		// Article fields.
		{"empty question", request{method: "POST", path: "/v1/articles", body: map[string]any{"question": "", "answer": "a", "language": "en"}}, 400, "question", "must not be empty"},
		{"whitespace question", request{method: "POST", path: "/v1/articles", body: map[string]any{"question": " \t\n　", "answer": "a", "language": "en"}}, 400, "question", "must not be empty"},
		{"1 MB answer", request{method: "POST", path: "/v1/articles", body: map[string]any{"question": "q", "answer": megabyte, "language": "en"}}, 400, "answer", "at most 20000"},
		{"unknown language", request{method: "POST", path: "/v1/articles", body: map[string]any{"question": "q", "answer": "a", "language": "xx"}}, 400, "language", `"xx"`},
		{"unknown status", request{method: "POST", path: "/v1/articles", body: map[string]any{"question": "q", "answer": "a", "language": "en", "status": "live"}}, 400, "status", `"live"`},
		{"bad category", request{method: "POST", path: "/v1/articles", body: map[string]any{"question": "q", "answer": "a", "language": "en", "category": "支付"}}, 400, "category", "slug"},
		{"update without version", request{method: "PUT", path: first, body: map[string]any{"question": "changed", "answer": "a", "language": "en"}}, 400, "version", "required"},
		{"stale version", request{method: "PUT", path: first, body: map[string]any{"question": "changed", "answer": "a", "language": "en", "version": 7}}, 409, "", "reload"},
		{"update to an empty question", request{method: "PUT", path: first, body: map[string]any{"question": " ", "answer": "a", "language": "en", "version": 1}}, 400, "question", "must not be empty"},
		{"stale delete", request{method: "DELETE", path: first + "?version=9"}, 409, "", "reload"},
		// Search.
		{"search with an empty query", request{method: "POST", path: "/v1/search", body: map[string]any{"query": "  "}}, 400, "query", "must not be empty"},
		{"search without a query", request{method: "POST", path: "/v1/search", body: map[string]any{}}, 400, "query", "must not be empty"},
		{"top_k 0", request{method: "POST", path: "/v1/search", body: map[string]any{"query": "withdraw", "top_k": 0}}, 400, "top_k", "between 1 and 50"},
		{"top_k 10000", request{method: "POST", path: "/v1/search", body: map[string]any{"query": "withdraw", "top_k": 10000}}, 400, "top_k", "got 10000"},
		{"search in an unknown language", request{method: "POST", path: "/v1/search", body: map[string]any{"query": "withdraw", "language": "xx"}}, 400, "language", `"xx"`},
		// Imports.
		{"import over the limit", request{method: "POST", path: "/v1/articles/import", contentType: "text/csv", body: "question,answer,language\n" + strings.Repeat("q,"+strings.Repeat("a", 1000)+",en\n", 5000)}, 413, "", "limit"},
		{"import CSV missing a column", request{method: "POST", path: "/v1/articles/import", contentType: "text/csv", body: "question,answer\nq,a\n"}, 422, "", "language"},
		{"import of an unknown type", request{method: "POST", path: "/v1/articles/import", contentType: "application/xml", body: "<a/>"}, 415, "", "application/xml"},
		{"import without a type", request{method: "POST", path: "/v1/articles/import", body: []byte("[]"), header: http.Header{"Content-Type": {""}}}, 415, "", "Content-Type"},
		{"import not JSON", request{method: "POST", path: "/v1/articles/import", body: "this is not json"}, 422, "", "cannot be imported"},
		{"import of an unknown extension", multipartImport(t, "file", "faq.xlsx", "x"), 415, "", ".xlsx"},
		{"multipart without a file", multipartImport(t, "attachment", "faq.csv", "question,answer,language\nq,a,en\n"), 400, "file", `"file"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.token = e.editor
			rec := e.do(tt.req)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			got := decodeError(t, rec)
			assert.Equal(t, tt.field, got.Error.Field)
			assert.Contains(t, got.Error.Message, tt.mention)
			assert.NotEmpty(t, got.Error.RequestID)
			assert.Equal(t, rec.Header().Get("X-Request-Id"), got.Error.RequestID)
		})
	}
	assert.Equal(t, before, e.allArticles(), "no bad request changed what was saved")
}

// TestImportRowProblems: bad rows are reported by row and never stop the good ones.
func TestImportRowProblems(t *testing.T) {
	importRowProblems(t, newEnv(t))
}

func importRowProblems(t *testing.T, e *env) {
	csv := "external_id,question,answer,language\n" +
		"r-1,How do I log in?,Use the code we text you.,en\n" +
		"r-2,Bad \xff bytes,answer,en\n" +
		"r-3,Too long,\"" + strings.Repeat("a", 1_000_000) + "\",en\n" +
		"r-1,Same id again,answer,en\n" +
		"r-5,   ,answer,en\n" +
		"r-6,Fine too,answer,fr\n" +
		"r-7,Unknown language,answer,xx\n"
	var rep importReport
	e.json(request{method: "POST", path: "/v1/articles/import", token: e.editor, contentType: "text/csv", body: csv}, http.StatusOK, &rep)
	assert.Equal(t, 2, rep.Created)
	assert.Equal(t, 0, rep.Updated)
	mentions := map[int]string{3: "UTF-8", 4: "at most 20000", 5: "also used by row 2", 6: "must not be empty", 8: `"xx"`}
	require.Len(t, rep.Failed, len(mentions), "%+v", rep.Failed)
	for _, f := range rep.Failed {
		want, ok := mentions[f.Row]
		if assert.True(t, ok, "unexpected failed row %d: %s", f.Row, f.Error) {
			assert.Contains(t, f.Error, want, "row %d", f.Row)
		}
	}
	all := e.allArticles()
	require.Len(t, all, 2)
	assert.Equal(t, "r-1", all[0].ExternalID)
	assert.Equal(t, "How do I log in?", all[0].Question, "the first of two rows with one external_id wins")
}

type importReport struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
	Failed  []struct {
		Row   int    `json:"row"`
		Error string `json:"error"`
	} `json:"failed"`
}

func TestImportFormats(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name string
		req  request
	}{
		{"json", request{contentType: "application/json", body: `[{"external_id":"j-1","question":"JSON question?","answer":"a","language":"en"}]`}},
		{"ndjson", request{contentType: "application/x-ndjson", body: "{\"external_id\":\"n-1\",\"question\":\"NDJSON question?\",\"answer\":\"a\",\"language\":\"en\"}\n"}},
		{"csv with charset", request{contentType: "text/csv; charset=utf-8", body: "external_id,question,answer,language\nc-1,CSV question?,a,en\n"}},
		{"markdown", request{contentType: "text/markdown", body: "---\nlanguage: zh\ncategory: account\n---\n\n## 怎么改密码？ {#m-1}\n\n我 > 设置 > 密码。\n"}},
		{"multipart csv", multipartImport(t, "file", "faq.CSV", "external_id,question,answer,language\nf-1,Multipart question?,a,en\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.method, tt.req.path, tt.req.token = "POST", "/v1/articles/import", e.editor
			var rep importReport
			e.json(tt.req, http.StatusOK, &rep)
			assert.Equal(t, 1, rep.Created, "%+v", rep)
			assert.Empty(t, rep.Failed)
			assert.NotNil(t, rep.Failed, "failed is [] rather than null")

			e.json(tt.req, http.StatusOK, &rep)
			assert.Equal(t, 0, rep.Created, "a second import upserts by external_id")
			assert.Equal(t, 1, rep.Updated)
		})
	}
	assert.Len(t, e.allArticles(), len(tests))
}

func multipartImport(t *testing.T, field, filename, content string) request {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	require.NoError(t, w.WriteField("note", "uploaded from a test"))
	part, err := w.CreateFormFile(field, filename)
	require.NoError(t, err)
	_, err = part.Write([]byte(content))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return request{method: "POST", path: "/v1/articles/import", contentType: w.FormDataContentType(), body: buf.Bytes()}
}
