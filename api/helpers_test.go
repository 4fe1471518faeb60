package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/api"
	"github.com/faqbot/faqbot/internal/auth"
	authmemory "github.com/faqbot/faqbot/internal/auth/memory"
	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/memory"
)

const adminToken = "test-admin-token-0123456789abcdef"

// testDims keeps the local embedder cheap in tests.
const testDims = 64

// env is a server over real services and in-memory stores, with a token per role.
type env struct {
	t       testing.TB
	srv     *api.Server
	store   knowledge.Store
	logs    *syncBuffer
	editor  string
	agent   string
	revoked string
}

type envOption func(*api.Config, *api.Deps)

func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	return newEnvWithStore(t, memory.New(), opts...)
}

func newEnvWithStore(t testing.TB, store knowledge.Store, opts ...envOption) *env {
	t.Helper()
	logs := &syncBuffer{}
	authSvc := auth.NewService(authmemory.New(), adminToken)
	cfg := api.Config{RateLimit: -1}
	deps := api.Deps{
		Logger:    slog.New(slog.NewJSONHandler(logs, nil)),
		Knowledge: knowledge.NewService(store, knowledge.NewLocalEmbedder(testDims), knowledge.DefaultSearchParams()),
		Auth:      authSvc,
	}
	for _, o := range opts {
		o(&cfg, &deps)
	}
	e := &env{t: t, srv: api.New(cfg, deps), store: store, logs: logs}
	ctx := context.Background()
	var err error
	e.editor, _, err = authSvc.Mint(ctx, auth.RoleEditor, "editor")
	require.NoError(t, err)
	e.agent, _, err = authSvc.Mint(ctx, auth.RoleAgent, "agent")
	require.NoError(t, err)
	var tok auth.Token
	e.revoked, tok, err = authSvc.Mint(ctx, auth.RoleEditor, "former editor")
	require.NoError(t, err)
	require.NoError(t, authSvc.Revoke(ctx, tok.ID))
	return e
}

// request is one call; an empty contentType with a body means application/json.
type request struct {
	method, path string
	token        string
	contentType  string
	body         any // string, []byte or a value encoded as JSON
	header       http.Header
	remoteAddr   string
	// chunked hides the body's length, as a streaming client does, so only reading it can
	// find out that it is too large.
	chunked bool
	ctx     context.Context
}

func (e *env) do(r request) *httptest.ResponseRecorder {
	e.t.Helper()
	var body io.Reader
	switch b := r.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(e.t, err)
		body = bytes.NewReader(raw)
	}
	if r.chunked && body != nil {
		body = io.MultiReader(body)
	}
	req := httptest.NewRequest(r.method, r.path, body)
	if r.body != nil {
		ct := r.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	if r.remoteAddr != "" {
		req.RemoteAddr = r.remoteAddr
	}
	if r.ctx != nil {
		req = req.WithContext(r.ctx)
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return rec
}

// json calls and decodes the JSON answer, requiring status.
func (e *env) json(r request, status int, out any) {
	e.t.Helper()
	rec := e.do(r)
	require.Equal(e.t, status, rec.Code, "%s %s: %s", r.method, r.path, rec.Body.String())
	if out != nil {
		require.NoError(e.t, json.Unmarshal(rec.Body.Bytes(), out), rec.Body.String())
	}
}

// apiError is the error body of the contract.
type apiError struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		Field     string `json:"field"`
		RequestID string `json:"request_id"`
	} `json:"error"`
}

func decodeError(t testing.TB, rec *httptest.ResponseRecorder) apiError {
	t.Helper()
	var e apiError
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e), "error body: %s", rec.Body.String())
	require.NotEmpty(t, e.Error.Code, "error body: %s", rec.Body.String())
	return e
}

// article is an article as the API returns it.
type article struct {
	ID               int64    `json:"id"`
	ExternalID       string   `json:"external_id"`
	Title            string   `json:"title"`
	Question         string   `json:"question"`
	Answer           string   `json:"answer"`
	SimilarQuestions []string `json:"similar_questions"`
	Category         string   `json:"category"`
	Tags             []string `json:"tags"`
	Language         string   `json:"language"`
	Status           string   `json:"status"`
	Version          int      `json:"version"`
	CreatedAt        string   `json:"created_at"`
	UpdatedAt        string   `json:"updated_at"`
}

type articleList struct {
	Items      []article `json:"items"`
	NextCursor *string   `json:"next_cursor"`
}

func (e *env) createArticle(body map[string]any) article {
	e.t.Helper()
	var a article
	e.json(request{method: "POST", path: "/v1/articles", token: e.editor, body: body}, http.StatusCreated, &a)
	return a
}

// allArticles pages through every article, so a test can see that nothing changed.
func (e *env) allArticles() []article {
	e.t.Helper()
	var out []article
	path := "/v1/articles?limit=200"
	for range 100 {
		var page articleList
		e.json(request{method: "GET", path: path, token: e.editor}, http.StatusOK, &page)
		out = append(out, page.Items...)
		if page.NextCursor == nil {
			return out
		}
		path = "/v1/articles?limit=200&cursor=" + *page.NextCursor
	}
	e.t.Fatal("paging does not end")
	return nil
}

func published(question, answer, lang string) map[string]any {
	return map[string]any{"question": question, "answer": answer, "language": lang, "status": "published"}
}

// syncBuffer collects logs written from the handler goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// records are the JSON log lines with the given message.
func (b *syncBuffer) records(msg string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(b.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
