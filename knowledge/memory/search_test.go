package memory_test

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/memory"
)

// corpus: four published articles and one draft, two chunks each (N = 10, total length 30).
func searchCorpus(t *testing.T) *memory.Store {
	t.Helper()
	ctx := context.Background()
	s := memory.New()
	add := func(lang, category string, status knowledge.Status, c ...knowledge.Chunk) {
		a := article("", c[0].Text)
		a.Language, a.Category, a.Status = lang, category, status
		for i := range c {
			c[i].Ordinal = i
		}
		require.NoError(t, s.CreateArticle(ctx, a, c))
	}
	ch := func(kind knowledge.ChunkKind, text string, length int, vec []float32, terms ...string) knowledge.Chunk {
		return knowledge.Chunk{Kind: kind, Text: text, Terms: terms, Length: length, Embedding: vec}
	}
	// id 1
	add("en", "payment", knowledge.StatusPublished,
		ch(knowledge.ChunkQuestion, "refund card", 2, []float32{1, 0, 0}, "refund", "card"),
		ch(knowledge.ChunkAnswer, "long answer", 6, []float32{0, 1, 0}, "refund", "money", "bank"))
	// id 2
	add("zh", "payment", knowledge.StatusPublished,
		ch(knowledge.ChunkQuestion, "退款", 3, []float32{0.8, 0.6, 0}, "退", "款", "退款"),
		ch(knowledge.ChunkAnswer, "refund answer", 4, []float32{0, 0, 1}, "refund", "bank"))
	// id 3
	add("en", "account", knowledge.StatusPublished,
		ch(knowledge.ChunkQuestion, "password", 1, []float32{0, 0, 1}, "password"),
		ch(knowledge.ChunkSimilar, "card password", 2, []float32{0.6, 0.8, 0}, "card", "password"))
	// id 4: a draft that still counts for N, avgLen and df
	add("en", "payment", knowledge.StatusDraft,
		ch(knowledge.ChunkQuestion, "refund card", 2, []float32{1, 0, 0}, "refund", "card"),
		ch(knowledge.ChunkAnswer, "x", 4, []float32{1, 0, 0}, "x"))
	// id 5
	add("en", "payment", knowledge.StatusPublished,
		ch(knowledge.ChunkQuestion, "bank", 2, []float32{-1, 0, 0}, "bank", "money"),
		ch(knowledge.ChunkAnswer, "y", 4, []float32{0, -1, 0}, "y"))
	return s
}

func TestSearchFollowsTheSpec(t *testing.T) {
	ctx := context.Background()
	s := searchCorpus(t)
	const k1, b, n, avg = 1.2, 0.75, 10.0, 3.0
	idf := func(df float64) float64 { return math.Log(1 + (n-df+0.5)/(df+0.5)) }
	w := func(length float64) float64 { return (k1 + 1) / (1 + k1*(1-b+b*length/avg)) }

	q := knowledge.SearchQuery{
		Vector: []float32{1, 0, 0}, Terms: []string{"refund", "card", "refund", "unknown"}, Language: "en",
		Limit: 10, PerSide: 10, MaxTerms: 8, K1: k1, B: b, RRFK: 60, VectorWeight: 1, LexicalWeight: 2,
		LanguageBonus: 0.001,
	}
	hits, err := s.Search(ctx, q)
	require.NoError(t, err)
	require.Len(t, hits, 4, "the draft never shows")

	byID := map[int64]knowledge.Hit{}
	for _, h := range hits {
		byID[h.Article.ID] = h
	}
	// refund: df 4 (1q, 1a, 2a, 4q); card: df 3 (1q, 3s, 4q).
	assert.InDelta(t, (idf(4)+idf(3))*w(2), byID[1].LexicalScore, 1e-12)
	assert.InDelta(t, idf(4)*w(4), byID[2].LexicalScore, 1e-12)
	assert.InDelta(t, idf(3)*w(2), byID[3].LexicalScore, 1e-12)
	assert.Zero(t, byID[5].LexicalScore)
	assert.Zero(t, byID[5].LexicalRank)

	// Vector ranks: 1 (sim 1), 2 (0.8), 3 (0.6), 5 (0, its best chunk is orthogonal).
	assert.Equal(t, []int{1, 2, 3, 4}, []int{byID[1].VectorRank, byID[2].VectorRank, byID[3].VectorRank, byID[5].VectorRank})
	assert.InDelta(t, 0.8, byID[2].Similarity, 1e-6)
	// Lexical ranks: 1 then 3 (idf(3)*w(2) > idf(4)*w(4)) then 2.
	assert.Equal(t, []int{1, 2, 3}, []int{byID[1].LexicalRank, byID[3].LexicalRank, byID[2].LexicalRank})

	want := map[int64]float64{
		1: 1/61.0 + 2/61.0 + 0.001,
		2: 1/62.0 + 2/63.0,
		3: 1/63.0 + 2/62.0 + 0.001,
		5: 1/64.0 + 0.001,
	}
	for id, f := range want {
		assert.InDelta(t, f, byID[id].Fused, 1e-12, "article %d", id)
	}
	assert.Equal(t, []int64{1, 3, 2, 5}, []int64{hits[0].Article.ID, hits[1].Article.ID, hits[2].Article.ID, hits[3].Article.ID})
	assert.Equal(t, knowledge.ChunkQuestion, byID[1].ChunkKind)
	assert.Equal(t, "card password", byID[3].ChunkText, "best chunk by similarity")
}

func TestSearchOptions(t *testing.T) {
	ctx := context.Background()
	s := searchCorpus(t)
	base := knowledge.SearchQuery{Limit: 10, PerSide: 10, MaxTerms: 8, K1: 1.2, B: 0.75, RRFK: 60,
		VectorWeight: 1, LexicalWeight: 1}
	ids := func(hits []knowledge.Hit) []int64 {
		out := []int64{}
		for _, h := range hits {
			out = append(out, h.Article.ID)
		}
		return out
	}
	tests := []struct {
		name string
		edit func(q *knowledge.SearchQuery)
		want []int64
	}{
		{"lexical only, ties by lower id", func(q *knowledge.SearchQuery) { q.Terms = []string{"money"} }, []int64{5, 1}},
		{"category filter", func(q *knowledge.SearchQuery) { q.Terms = []string{"card"}; q.Category = "account" }, []int64{3}},
		{"max terms keeps the rarest", func(q *knowledge.SearchQuery) {
			q.Terms = []string{"refund", "password"}
			q.MaxTerms = 1
		}, []int64{3}},
		{"per side cuts candidates", func(q *knowledge.SearchQuery) {
			q.Vector = []float32{0, 0, 1}
			q.PerSide = 1
		}, []int64{2}},
		{"limit", func(q *knowledge.SearchQuery) { q.Vector = []float32{1, 0, 0}; q.Limit = 2 }, []int64{1, 2}},
		{"language bonus breaks a tie", func(q *knowledge.SearchQuery) {
			q.Terms = []string{"money"}
			q.Language = "en"
			q.LanguageBonus = 0.01
		}, []int64{5, 1}},
		{"no matching term", func(q *knowledge.SearchQuery) { q.Terms = []string{"nothing"} }, []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := base
			tt.edit(&q)
			hits, err := s.Search(ctx, q)
			require.NoError(t, err)
			assert.Equal(t, tt.want, ids(hits))
		})
	}

	t.Run("bad input", func(t *testing.T) {
		q := base
		q.Limit = 0
		_, err := s.Search(ctx, q)
		assert.ErrorIs(t, err, knowledge.ErrInvalid)
		q = base
		q.Vector = []float32{1, 0}
		_, err = s.Search(ctx, q)
		assert.ErrorIs(t, err, knowledge.ErrModelMismatch)
	})
}
