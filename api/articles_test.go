package api_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestArticles(t *testing.T) {
	articleScenario(t, newEnv(t))
}

// articleScenario drives the article routes end to end; it runs over every store.
func articleScenario(t *testing.T, e *env) {
	t.Run("create", func(t *testing.T) {
		rec := e.do(request{method: "POST", path: "/v1/articles", token: e.editor, body: map[string]any{
			"external_id": "pay-1", "question": "  如何提现？ ", "answer": "我的 > 钱包 > 提现。",
			"similar_questions": []string{"钱怎么提不出来", "提现要多久"}, "category": "Payment",
			"tags": []string{"wallet"}, "language": "zh",
		}})
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		var a article
		require.NoError(t, jsonUnmarshal(rec.Body.Bytes(), &a))
		assert.Equal(t, "/v1/articles/"+strconv.FormatInt(a.ID, 10), rec.Header().Get("Location"))
		assert.Equal(t, "如何提现？", a.Question, "trimmed")
		assert.Equal(t, "如何提现？", a.Title, "the title defaults to the question")
		assert.Equal(t, "payment", a.Category, "lower-cased")
		assert.Equal(t, "draft", a.Status, "the default status")
		assert.Equal(t, 1, a.Version)
		assert.Equal(t, []string{"钱怎么提不出来", "提现要多久"}, a.SimilarQuestions)
		assert.NotEmpty(t, a.CreatedAt)
	})

	id := e.allArticles()[0].ID
	path := "/v1/articles/" + strconv.FormatInt(id, 10)

	t.Run("get", func(t *testing.T) {
		var a article
		e.json(request{method: "GET", path: path, token: e.editor}, http.StatusOK, &a)
		assert.Equal(t, "pay-1", a.ExternalID)
		assert.Equal(t, []string{"wallet"}, a.Tags)
	})

	t.Run("update and history", func(t *testing.T) {
		var a article
		e.json(request{method: "PUT", path: path, token: e.editor, body: map[string]any{
			"external_id": "pay-1", "question": "如何提现？", "answer": "我的 > 钱包 > 提现，1-3 个工作日到账。",
			"category": "payment", "language": "zh", "status": "published", "version": 1,
		}}, http.StatusOK, &a)
		assert.Equal(t, 2, a.Version)
		assert.Equal(t, "published", a.Status)
		assert.Empty(t, a.SimilarQuestions, "PUT replaces the whole article")

		var history articleList
		e.json(request{method: "GET", path: path + "/versions", token: e.editor}, http.StatusOK, &history)
		require.Len(t, history.Items, 1)
		assert.Equal(t, 1, history.Items[0].Version)
		assert.Equal(t, "我的 > 钱包 > 提现。", history.Items[0].Answer)
	})

	t.Run("stale update", func(t *testing.T) {
		rec := e.do(request{method: "PUT", path: path, token: e.editor, body: map[string]any{
			"question": "如何提现？", "answer": "old edit", "language": "zh", "version": 1,
		}})
		require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
		got := decodeError(t, rec)
		assert.Equal(t, "conflict", got.Error.Code)
		assert.Contains(t, got.Error.Message, "version 1")
		assert.Contains(t, got.Error.Message, "version 2")
		assert.Contains(t, got.Error.Message, "reload")
	})

	t.Run("taken external_id", func(t *testing.T) {
		other := e.createArticle(map[string]any{"external_id": "acct-1", "question": "How do I reset my password?", "answer": "Me > Settings > Password.", "language": "en", "status": "published"})
		rec := e.do(request{method: "PUT", path: "/v1/articles/" + strconv.FormatInt(other.ID, 10), token: e.editor, body: map[string]any{
			"external_id": "pay-1", "question": "x", "answer": "y", "language": "en", "version": 1,
		}})
		require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
		assert.Contains(t, decodeError(t, rec).Error.Message, `external_id "pay-1" is already used`)

		rec = e.do(request{method: "POST", path: "/v1/articles", token: e.editor, body: map[string]any{
			"external_id": "pay-1", "question": "x", "answer": "y", "language": "en",
		}})
		require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
		assert.Contains(t, decodeError(t, rec).Error.Message, `external_id "pay-1" is already used`)
	})

	t.Run("search", func(t *testing.T) {
		var res searchResult
		e.json(request{method: "POST", path: "/v1/search", token: e.editor, body: map[string]any{"query": "钱怎么提现"}}, http.StatusOK, &res)
		require.NotEmpty(t, res.Candidates)
		top := res.Candidates[0]
		assert.Equal(t, id, top.ArticleID)
		assert.Equal(t, "pay-1", top.ExternalID)
		assert.Equal(t, "payment", top.Category)
		assert.Equal(t, "zh", top.Language)
		assert.Positive(t, top.Score)
		assert.Equal(t, "zh", res.Language, "detected from the query")
		assert.GreaterOrEqual(t, res.Confidence, 0.0)
		assert.LessOrEqual(t, res.Confidence, 1.0)
	})

	t.Run("stale delete", func(t *testing.T) {
		rec := e.do(request{method: "DELETE", path: path + "?version=1", token: e.editor})
		require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
		assert.Contains(t, decodeError(t, rec).Error.Message, "reload")
		e.json(request{method: "GET", path: path, token: e.editor}, http.StatusOK, nil)
	})

	t.Run("delete", func(t *testing.T) {
		rec := e.do(request{method: "DELETE", path: path + "?version=2", token: e.editor})
		require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
		for _, p := range []string{path, path + "/versions"} {
			rec = e.do(request{method: "GET", path: p, token: e.editor})
			require.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())
			got := decodeError(t, rec)
			assert.Equal(t, "not_found", got.Error.Code)
			assert.Contains(t, got.Error.Message, fmt.Sprintf("article %d not found", id))
		}
		rec = e.do(request{method: "PUT", path: path, token: e.editor, body: map[string]any{"question": "q", "answer": "a", "language": "en", "version": 2}})
		assert.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())
		rec = e.do(request{method: "DELETE", path: path, token: e.editor})
		assert.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())
	})

	t.Run("list pages and filters", func(t *testing.T) {
		for i := range 5 {
			lang, status := "en", "published"
			if i%2 == 1 {
				lang, status = "zh", "draft"
			}
			e.createArticle(map[string]any{"question": fmt.Sprintf("Question number %d", i), "answer": "a", "language": lang, "status": status, "category": "tech"})
		}
		all := e.allArticles()
		require.Len(t, all, 6)

		var ids []int64
		next := "/v1/articles?limit=4"
		pages := 0
		for next != "" {
			var page articleList
			e.json(request{method: "GET", path: next, token: e.editor}, http.StatusOK, &page)
			pages++
			for _, a := range page.Items {
				ids = append(ids, a.ID)
			}
			next = ""
			if page.NextCursor != nil {
				require.Len(t, page.Items, 4, "only the last page is short")
				next = "/v1/articles?limit=4&cursor=" + *page.NextCursor
			}
		}
		assert.Equal(t, 2, pages)
		for i := 1; i < len(ids); i++ {
			assert.Greater(t, ids[i], ids[i-1], "ordered by id, no repeats")
		}
		assert.Len(t, ids, 6)

		tests := []struct {
			query string
			want  int
		}{
			{"status=draft", 2},
			{"status=PUBLISHED", 4},
			{"language=zh", 2},
			{"category=tech", 5},
			{"category=tech&language=en&status=published", 3},
			{"q=question+NUMBER", 5},
			{"q=reset", 1},
			{"q=nothing-like-this", 0},
		}
		for _, tt := range tests {
			var page articleList
			e.json(request{method: "GET", path: "/v1/articles?" + tt.query, token: e.editor}, http.StatusOK, &page)
			assert.Len(t, page.Items, tt.want, tt.query)
			assert.Nil(t, page.NextCursor, tt.query)
			assert.NotNil(t, page.Items, "items is [] rather than null when empty")
		}
	})
}

type searchResult struct {
	Candidates []struct {
		ArticleID  int64   `json:"article_id"`
		ExternalID string  `json:"external_id"`
		Title      string  `json:"title"`
		Question   string  `json:"question"`
		Category   string  `json:"category"`
		Language   string  `json:"language"`
		Score      float64 `json:"score"`
	} `json:"candidates"`
	Confidence float64 `json:"confidence"`
	Language   string  `json:"language"`
}

func TestSearchTopK(t *testing.T) {
	e := newEnv(t)
	for i := range 8 {
		e.createArticle(published(fmt.Sprintf("How do I top up coins, way %d?", i), "Me > Wallet > Top up.", "en"))
	}
	e.createArticle(map[string]any{"question": "How do I top up coins as a draft?", "answer": "x", "language": "en"})
	tests := []struct {
		body map[string]any
		want int
	}{
		{map[string]any{"query": "top up coins"}, 5},
		{map[string]any{"query": "top up coins", "top_k": 2}, 2},
		{map[string]any{"query": "top up coins", "top_k": 50}, 8},
	}
	for _, tt := range tests {
		var res searchResult
		e.json(request{method: "POST", path: "/v1/search", token: e.editor, body: tt.body}, http.StatusOK, &res)
		assert.Len(t, res.Candidates, tt.want, "%v", tt.body)
		for _, c := range res.Candidates {
			assert.NotContains(t, c.Question, "draft", "only published articles answer")
		}
		assert.Equal(t, "en", res.Language)
	}
}

func TestArticleIDs(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{"/v1/articles/0", "/v1/articles/-3", "/v1/articles/abc", "/v1/articles/99999999999999999999"} {
		rec := e.do(request{method: "GET", path: p, token: e.editor})
		require.Equal(t, http.StatusBadRequest, rec.Code, p)
		got := decodeError(t, rec)
		assert.Equal(t, "id", got.Error.Field, p)
		assert.Contains(t, got.Error.Message, "positive integer", p)
	}
	rec := e.do(request{method: "DELETE", path: "/v1/articles/1?version=x", token: e.editor})
	require.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Equal(t, "version", decodeError(t, rec).Error.Field)
}

func TestListParameters(t *testing.T) {
	e := newEnv(t)
	e.createArticle(published("q", "a", "en"))
	tests := []struct {
		query string
		field string
	}{
		{"limit=0", "limit"},
		{"limit=201", "limit"},
		{"limit=ten", "limit"},
		{"cursor=bm9wZQ", "cursor"},
		{"cursor=%25%25", "cursor"},
		{"cursor=" + strings.Repeat("A", 100), "cursor"},
		{"status=deleted", "status"},
		{"language=klingon", "language"},
		{"q=" + strings.Repeat("x", 201), "q"},
	}
	for _, tt := range tests {
		t.Run(tt.query[:min(len(tt.query), 20)], func(t *testing.T) {
			rec := e.do(request{method: "GET", path: "/v1/articles?" + tt.query, token: e.editor})
			require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
			assert.Equal(t, tt.field, decodeError(t, rec).Error.Field)
		})
	}
}

// FuzzArticleCursor: whatever the cursor, the answer is a page or a 400, never a failure.
func FuzzArticleCursor(f *testing.F) {
	for _, s := range []string{"", "azE6MQ", "azE6MDE", "azE6LTE", "azE6OTIyMzM3MjAzNjg1NDc3NTgwOA", "%00", "////", "azE6"} {
		f.Add(s)
	}
	shared := newEnv(f)
	shared.createArticle(published("q", "a", "en"))
	f.Fuzz(func(t *testing.T, cursor string) {
		e := *shared
		e.t = t
		rec := e.do(request{method: "GET", path: "/v1/articles?cursor=" + urlQueryEscape(cursor), token: e.editor})
		if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
			t.Fatalf("cursor %q: status %d: %s", cursor, rec.Code, rec.Body.String())
		}
	})
}
