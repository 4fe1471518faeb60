package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/internal/postgres/pgtest"
)

// server is one faqbot process booted by run() on port 0.
type server struct {
	base string
	stop func() error
	logs *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func boot(t *testing.T, env map[string]string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan string, 1)
	done := make(chan error, 1)
	logs := &syncBuffer{}
	go func() {
		done <- runServe(ctx, []string{"--addr", "127.0.0.1:0", "--log-format", "text"}, envOf(env), logs,
			func(addr string) { addrs <- addr })
	}()
	select {
	case addr := <-addrs:
		var once sync.Once
		var stopErr error
		stop := func() error {
			once.Do(func() { cancel(); stopErr = <-done })
			return stopErr
		}
		s := &server{base: "http://" + addr, logs: logs, stop: stop}
		t.Cleanup(func() { _ = s.stop() })
		return s
	case err := <-done:
		cancel()
		t.Fatalf("server did not start: %v\n%s", err, logs.String())
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatalf("server did not start in time\n%s", logs.String())
	}
	return nil
}

func (s *server) do(t *testing.T, method, path, token, contentType, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, s.base+path, strings.NewReader(body))
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	if len(raw) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		require.NoError(t, json.Unmarshal(raw, &out), string(raw))
	}
	return resp.StatusCode, out
}

func topTitle(t *testing.T, res map[string]any) string {
	t.Helper()
	cands, ok := res["candidates"].([]any)
	require.True(t, ok, "candidates in %v", res)
	require.NotEmpty(t, cands)
	return cands[0].(map[string]any)["title"].(string)
}

func TestDemoModeServesTheDemoKnowledgeBase(t *testing.T) {
	const admin = "test-admin-token"
	s := boot(t, map[string]string{"FAQBOT_ADMIN_TOKEN": admin})
	assert.Contains(t, s.logs.String(), "NO DATABASE", "the in-memory mode is said loudly")

	status, _ := s.do(t, "GET", "/healthz", "", "", "")
	assert.Equal(t, http.StatusOK, status)
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"healthcheck", "--addr", strings.TrimPrefix(s.base, "http://")}, envOf(nil), &out, io.Discard))
	assert.Equal(t, "ok\n", out.String())
	status, _ = s.do(t, "GET", "/readyz", "", "", "")
	assert.Equal(t, http.StatusOK, status)

	status, page := s.do(t, "GET", "/v1/articles?limit=200", admin, "", "")
	require.Equal(t, http.StatusOK, status)
	assert.GreaterOrEqual(t, len(page["items"].([]any)), 40, "the demo knowledge base is loaded")

	for _, q := range []string{"验证码收不到怎么办", "I forgot my password"} {
		status, res := s.do(t, "POST", "/v1/search", admin, "application/json", `{"query":"`+q+`"}`)
		require.Equal(t, http.StatusOK, status, q)
		assert.NotEmpty(t, topTitle(t, res), q)
		assert.Contains(t, []any{"zh", "en"}, res["language"])
	}
	require.NoError(t, s.stop())
	err := run(context.Background(), []string{"healthcheck", "--addr", strings.TrimPrefix(s.base, "http://")}, envOf(nil), io.Discard, io.Discard)
	assert.Error(t, err, "a stopped server is unhealthy")
}

func TestPostgresModePersistsAndRefusesAnotherModel(t *testing.T) {
	const admin = "pg-admin-token"
	env := map[string]string{"DATABASE_URL": pgtest.URL(t), "FAQBOT_ADMIN_TOKEN": admin, "FAQBOT_DEMO_DATA": "false"}
	s := boot(t, env)

	status, minted := s.do(t, "POST", "/v1/tokens", admin, "application/json", `{"role":"editor","name":"alice"}`)
	require.Equal(t, http.StatusCreated, status, minted)
	editor := minted["token"].(string)

	csv := "external_id,question,answer,language,status,category\n" +
		"kb-1,How do I withdraw my creator earnings?,Open Me > Wallet > Withdraw.,en,published,payment\n" +
		"kb-2,直播推流失败怎么办,检查网络后在直播设置中重新推流。,zh,published,live\n"
	status, report := s.do(t, "POST", "/v1/articles/import", editor, "text/csv", csv)
	require.Equal(t, http.StatusOK, status, report)
	assert.EqualValues(t, 2, report["created"])
	require.NoError(t, s.stop())

	// Restart on the same database: the articles and the editor token are still there.
	s = boot(t, env)
	status, res := s.do(t, "POST", "/v1/search", editor, "application/json", `{"query":"withdraw earnings"}`)
	require.Equal(t, http.StatusOK, status, res)
	assert.Contains(t, topTitle(t, res), "withdraw")
	require.NoError(t, s.stop())

	// Another embedding dimension must not mix with the stored vectors.
	env["FAQBOT_LOCAL_DIMENSIONS"] = "64"
	err := runServe(context.Background(), []string{"--addr", "127.0.0.1:0"}, envOf(env), io.Discard, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "faqbot reindex")

	// reindex moves the store to the new model, after which the server starts.
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"reindex"}, envOf(env), &out, io.Discard))
	assert.Contains(t, out.String(), "re-embedded 2 articles")
	s = boot(t, env)
	status, res = s.do(t, "POST", "/v1/search", editor, "application/json", `{"query":"直播推流失败"}`)
	require.Equal(t, http.StatusOK, status, res)
	assert.Contains(t, topTitle(t, res), "直播")
}
