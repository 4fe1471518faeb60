package memory_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/memory"
)

func article(ext, question string) *knowledge.Article {
	return &knowledge.Article{
		ExternalID: ext, Title: question, Question: question, Answer: "answer to " + question,
		SimilarQuestions: []string{}, Tags: []string{}, Category: "general", Language: "en",
		Status: knowledge.StatusPublished,
	}
}

func chunksOf(terms ...[]string) []knowledge.Chunk {
	out := make([]knowledge.Chunk, len(terms))
	for i, t := range terms {
		out[i] = knowledge.Chunk{Ordinal: i, Kind: knowledge.ChunkQuestion, Text: fmt.Sprint(t), Terms: t, Length: len(t),
			Embedding: []float32{1, float32(i)}}
	}
	return out
}

func TestCreateGetUpdateDelete(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	a := article("x1", "how do I pay")
	require.NoError(t, s.CreateArticle(ctx, a, chunksOf([]string{"pay"})))
	assert.Equal(t, int64(1), a.ID)
	assert.Equal(t, 1, a.Version)
	assert.False(t, a.CreatedAt.IsZero())

	got, err := s.GetArticle(ctx, a.ID)
	require.NoError(t, err)
	assert.Equal(t, *a, got)

	dup := article("x1", "another")
	assert.ErrorIs(t, s.CreateArticle(ctx, dup, nil), knowledge.ErrConflict)

	edit := got
	edit.Answer = "new answer"
	require.NoError(t, s.UpdateArticle(ctx, &edit, nil))
	assert.Equal(t, 2, edit.Version)
	assert.Equal(t, got.CreatedAt, edit.CreatedAt)

	staleEdit := got // still version 1
	assert.ErrorIs(t, s.UpdateArticle(ctx, &staleEdit, nil), knowledge.ErrConflict)
	missing := got
	missing.ID = 99
	assert.ErrorIs(t, s.UpdateArticle(ctx, &missing, nil), knowledge.ErrNotFound)

	hist, err := s.History(ctx, a.ID)
	require.NoError(t, err)
	require.Len(t, hist, 1)
	assert.Equal(t, 1, hist[0].Version)
	assert.Equal(t, "answer to how do I pay", hist[0].Answer)

	assert.ErrorIs(t, s.DeleteArticle(ctx, a.ID, 1), knowledge.ErrConflict)
	require.NoError(t, s.DeleteArticle(ctx, a.ID, 2))
	_, err = s.GetArticle(ctx, a.ID)
	assert.ErrorIs(t, err, knowledge.ErrNotFound)
	_, err = s.History(ctx, a.ID)
	assert.ErrorIs(t, err, knowledge.ErrNotFound)
	assert.ErrorIs(t, s.DeleteArticle(ctx, a.ID, 0), knowledge.ErrNotFound)

	// The external id is free again once its article is gone.
	require.NoError(t, s.CreateArticle(ctx, article("x1", "again"), nil))
}

func TestReturnsCopies(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	a := article("", "q")
	a.Tags = []string{"t1"}
	require.NoError(t, s.CreateArticle(ctx, a, nil))
	a.Tags[0] = "changed by caller"

	got, err := s.GetArticle(ctx, a.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"t1"}, got.Tags)
	got.Tags[0] = "changed by reader"

	again, err := s.GetArticle(ctx, a.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"t1"}, again.Tags)
}

func TestListArticles(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	for i := range 7 {
		a := article("", fmt.Sprintf("Question %d about Refunds", i))
		if i%2 == 1 {
			a.Status = knowledge.StatusDraft
		}
		if i == 6 {
			a.Language = "zh"
		}
		require.NoError(t, s.CreateArticle(ctx, a, nil))
	}
	ids := func(as []knowledge.Article) []int64 {
		out := []int64{}
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	tests := []struct {
		name string
		f    knowledge.ListFilter
		want []int64
		more bool
	}{
		{"first page", knowledge.ListFilter{Limit: 3}, []int64{1, 2, 3}, true},
		{"next page", knowledge.ListFilter{Limit: 3, AfterID: 3}, []int64{4, 5, 6}, true},
		{"last page exactly full", knowledge.ListFilter{Limit: 1, AfterID: 6}, []int64{7}, false},
		{"status", knowledge.ListFilter{Limit: 10, Status: knowledge.StatusDraft}, []int64{2, 4, 6}, false},
		{"language", knowledge.ListFilter{Limit: 10, Language: "zh"}, []int64{7}, false},
		{"query is case-insensitive", knowledge.ListFilter{Limit: 10, Query: "QUESTION 3 ABOUT refunds"}, []int64{4}, false},
		{"category", knowledge.ListFilter{Limit: 10, Category: "payment"}, []int64{}, false},
		{"filter and page", knowledge.ListFilter{Limit: 2, Status: knowledge.StatusPublished, AfterID: 1}, []int64{3, 5}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, more, err := s.ListArticles(ctx, tt.f)
			require.NoError(t, err)
			assert.Equal(t, tt.want, ids(got))
			assert.Equal(t, tt.more, more)
		})
	}
	_, _, err := s.ListArticles(ctx, knowledge.ListFilter{})
	assert.ErrorIs(t, err, knowledge.ErrInvalid)
}

func TestUpsertArticles(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	require.NoError(t, s.EnsureModel(ctx, knowledge.EmbeddingModel{Name: "m", Dimensions: 2}))
	first := article("a", "first")
	require.NoError(t, s.CreateArticle(ctx, first, chunksOf([]string{"first"})))

	res, err := s.UpsertArticles(ctx, []knowledge.ArticleChunks{
		{Article: article("a", "first, edited"), Chunks: chunksOf([]string{"edited"})},
		{Article: article("b", "second"), Chunks: chunksOf([]string{"second"})},
		{Article: article("", "third"), Chunks: nil},
	})
	require.NoError(t, err)
	assert.Equal(t, []knowledge.UpsertResult{{ID: 1}, {ID: 2, Created: true}, {ID: 3, Created: true}}, res)
	got, err := s.GetArticle(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, "first, edited", got.Question)
	assert.Equal(t, 2, got.Version)

	t.Run("all or nothing", func(t *testing.T) {
		bad := []knowledge.ArticleChunks{
			{Article: article("c", "would be created"), Chunks: nil},
			{Article: article("a", "wrong dimension"), Chunks: []knowledge.Chunk{{Embedding: []float32{1, 2, 3}}}},
		}
		_, err := s.UpsertArticles(ctx, bad)
		assert.ErrorIs(t, err, knowledge.ErrModelMismatch)
		n, err := s.CountArticles(ctx)
		require.NoError(t, err)
		assert.Equal(t, 3, n)
	})
	t.Run("duplicate external id in one call", func(t *testing.T) {
		_, err := s.UpsertArticles(ctx, []knowledge.ArticleChunks{
			{Article: article("d", "one")}, {Article: article("d", "two")},
		})
		assert.ErrorIs(t, err, knowledge.ErrConflict)
		n, err := s.CountArticles(ctx)
		require.NoError(t, err)
		assert.Equal(t, 3, n)
	})
}

func TestEnsureModelAndReindex(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	m1 := knowledge.EmbeddingModel{Name: "one", Dimensions: 2}
	m2 := knowledge.EmbeddingModel{Name: "two", Dimensions: 3}
	require.NoError(t, s.EnsureModel(ctx, m1))
	require.NoError(t, s.EnsureModel(ctx, m1))
	assert.ErrorIs(t, s.EnsureModel(ctx, m2), knowledge.ErrModelMismatch)
	require.NoError(t, s.CreateArticle(ctx, article("", "alpha"), chunksOf([]string{"alpha"})))
	require.NoError(t, s.CreateArticle(ctx, article("", "beta"), chunksOf([]string{"beta"})))

	var seen []int64
	n, err := s.Reindex(ctx, m2, func(_ context.Context, batch []knowledge.Article) ([][]knowledge.Chunk, error) {
		out := make([][]knowledge.Chunk, len(batch))
		for i, a := range batch {
			seen = append(seen, a.ID)
			out[i] = []knowledge.Chunk{{Kind: knowledge.ChunkQuestion, Text: a.Question, Terms: []string{"new"}, Length: 1,
				Embedding: []float32{0, 0, 1}}}
		}
		return out, nil
	})
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Equal(t, []int64{1, 2}, seen)
	require.NoError(t, s.EnsureModel(ctx, m2))
	assert.ErrorIs(t, s.EnsureModel(ctx, m1), knowledge.ErrModelMismatch)

	hits, err := s.Search(ctx, knowledge.SearchQuery{Vector: []float32{0, 0, 1}, Terms: []string{"alpha", "new"},
		Limit: 5, PerSide: 5, MaxTerms: 8, K1: 1.2, B: 0.75, RRFK: 60, VectorWeight: 1, LexicalWeight: 1})
	require.NoError(t, err)
	require.Len(t, hits, 2)
	assert.InDelta(t, 1.0, hits[0].Similarity, 1e-9)
	assert.Positive(t, hits[0].LexicalScore, "the old term 'alpha' is gone, the new one matches")

	_, err = s.Reindex(ctx, m1, func(context.Context, []knowledge.Article) ([][]knowledge.Chunk, error) {
		return nil, knowledge.ErrInvalid
	})
	assert.ErrorIs(t, err, knowledge.ErrInvalid)
	require.NoError(t, s.EnsureModel(ctx, m2), "a failed reindex changes nothing")
}

func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				a := article(fmt.Sprintf("w%d-%d", w, i), "question")
				assert.NoError(t, s.CreateArticle(ctx, a, chunksOf([]string{"question"})))
				_, err := s.Search(ctx, knowledge.SearchQuery{Vector: []float32{1, 0}, Terms: []string{"question"},
					Limit: 3, PerSide: 3, K1: 1.2, B: 0.75, RRFK: 60, VectorWeight: 1, LexicalWeight: 1})
				assert.NoError(t, err)
				_, _, err = s.ListArticles(ctx, knowledge.ListFilter{Limit: 5})
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	n, err := s.CountArticles(ctx)
	require.NoError(t, err)
	assert.Equal(t, 100, n)
}
