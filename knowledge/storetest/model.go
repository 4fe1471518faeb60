package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/knowledge"
)

func testEnsureModel(t *testing.T, s knowledge.Store) {
	ctx := ctxFor(t)
	require.NoError(t, s.EnsureModel(ctx, testModel), "an empty store records the first model")
	require.NoError(t, s.EnsureModel(ctx, testModel), "the same model again")
	tests := []struct {
		name string
		m    knowledge.EmbeddingModel
	}{
		{"another name", knowledge.EmbeddingModel{Name: "other", Dimensions: testModel.Dimensions}},
		{"another dimension", knowledge.EmbeddingModel{Name: testModel.Name, Dimensions: 8}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.ErrorIs(t, s.EnsureModel(ctx, tc.m), knowledge.ErrModelMismatch)
		})
	}
	a := newArticle("", "en", "general", knowledge.StatusPublished, "Three dimensions?", "No.")
	assert.ErrorIs(t, s.CreateArticle(ctx, &a, chunked(a, []float32{1, 2, 3})), knowledge.ErrModelMismatch,
		"vectors of another dimension are refused once a model is recorded")
	n, err := s.CountArticles(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)

	_, err = s.Search(ctx, query([]string{"x"}, []float32{1, 0, 0}, ""))
	if err == nil {
		t.Log("a query vector of another dimension found nothing to compare with")
	} else {
		assert.ErrorIs(t, err, knowledge.ErrModelMismatch)
	}
}

// testEnsureModelUnrecorded covers vectors written before any model was recorded: a model of
// another dimension must not be recorded over them.
func testEnsureModelUnrecorded(t *testing.T, s knowledge.Store) {
	ctx := ctxFor(t)
	a := newArticle("", "en", "general", knowledge.StatusPublished, "Early article", "Written before the model.")
	a = create(t, s, a, chunked(a, []float32{1, 0, 0}))
	assert.ErrorIs(t, s.EnsureModel(ctx, testModel), knowledge.ErrModelMismatch)
	require.NoError(t, s.EnsureModel(ctx, knowledge.EmbeddingModel{Name: "three", Dimensions: 3}))
	hits, err := s.Search(ctx, query([]string{"early"}, []float32{1, 0, 0}, "en"))
	require.NoError(t, err)
	require.Len(t, hits, 1)
	assert.InDelta(t, 1.0, hits[0].Similarity, Tolerance)
}

// rechunk embeds every chunk of an article with the same 8-dimensional vector, derived from
// its id, so a search can tell which articles were re-embedded.
func rechunk(calls *int) func(ctx context.Context, batch []knowledge.Article) ([][]knowledge.Chunk, error) {
	return func(ctx context.Context, batch []knowledge.Article) ([][]knowledge.Chunk, error) {
		*calls++
		out := make([][]knowledge.Chunk, len(batch))
		for i, a := range batch {
			v := make([]float32, 8)
			v[int(a.ID)%8] = 1
			out[i] = knowledge.ChunkArticle(a)
			for j := range out[i] {
				out[i][j].Embedding = v
			}
		}
		return out, nil
	}
}

var model8 = knowledge.EmbeddingModel{Name: "storetest-8d", Dimensions: 8}

func loadForReindex(t *testing.T, s knowledge.Store) []knowledge.Article {
	ctx := ctxFor(t)
	require.NoError(t, s.EnsureModel(ctx, testModel))
	var out []knowledge.Article
	for i, q := range []string{"How do I reset my password?", "How do I withdraw money?", "Why is my stream lagging?"} {
		status := knowledge.StatusPublished
		if i == 2 {
			status = knowledge.StatusDraft
		}
		a := newArticle("", "en", "general", status, q, "Answer "+q)
		out = append(out, create(t, s, a, chunked(a, axis(i, 0), axis(i, 1))))
	}
	return out
}

func testReindex(t *testing.T, s knowledge.Store) {
	ctx := ctxFor(t)
	articles := loadForReindex(t, s)
	calls := 0
	n, err := s.Reindex(ctx, model8, rechunk(&calls))
	require.NoError(t, err)
	assert.Equal(t, len(articles), n, "every article of any status")
	assert.Positive(t, calls)

	require.NoError(t, s.EnsureModel(ctx, model8), "the new model is recorded")
	assert.ErrorIs(t, s.EnsureModel(ctx, testModel), knowledge.ErrModelMismatch)

	// Each published article is now found by its own axis, with its lexical side intact.
	for _, a := range articles[:2] {
		v := make([]float32, 8)
		v[int(a.ID)%8] = 1
		hits, err := s.Search(ctx, query(knowledge.Tokenize(a.Question), v, "en"))
		require.NoError(t, err)
		require.NotEmpty(t, hits)
		assert.Equal(t, a.ID, hits[0].Article.ID)
		assert.Equal(t, 1, hits[0].VectorRank)
		assert.Equal(t, 1, hits[0].LexicalRank)
		assert.InDelta(t, 1.0, hits[0].Similarity, Tolerance)
		assert.Equal(t, a.Version, hits[0].Article.Version, "re-embedding is not an edit")
	}
	// Writes now take the new dimension only.
	a := newArticle("", "en", "general", knowledge.StatusPublished, "After reindex", "Eight dimensions.")
	assert.ErrorIs(t, s.CreateArticle(ctx, &a, chunked(a, axis(0, 0))), knowledge.ErrModelMismatch)
	require.NoError(t, s.CreateArticle(ctx, &a, chunked(a, []float32{0, 0, 0, 0, 0, 0, 0, 1})))
}

func testReindexFailure(t *testing.T, s knowledge.Store) {
	ctx := ctxFor(t)
	articles := loadForReindex(t, s)
	boom := errors.New("embedding server down")
	tests := []struct {
		name  string
		chunk func(ctx context.Context, batch []knowledge.Article) ([][]knowledge.Chunk, error)
		want  error
	}{
		{"the chunk function fails", func(ctx context.Context, batch []knowledge.Article) ([][]knowledge.Chunk, error) {
			return nil, boom
		}, boom},
		{"too few chunk lists", func(ctx context.Context, batch []knowledge.Article) ([][]knowledge.Chunk, error) {
			return make([][]knowledge.Chunk, len(batch)-1), nil
		}, nil},
		{"vectors of another dimension than the new model", func(ctx context.Context, batch []knowledge.Article) ([][]knowledge.Chunk, error) {
			out := make([][]knowledge.Chunk, len(batch))
			for i, a := range batch {
				out[i] = chunked(a, axis(0, 0))
			}
			return out, nil
		}, knowledge.ErrModelMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Reindex(ctx, model8, tc.chunk)
			require.Error(t, err)
			if tc.want != nil {
				assert.ErrorIs(t, err, tc.want)
			}
			require.NoError(t, s.EnsureModel(ctx, testModel), "the old model is still recorded")
			hits, err := s.Search(ctx, query(knowledge.Tokenize(articles[0].Question), axis(0, 0), "en"))
			require.NoError(t, err)
			require.NotEmpty(t, hits)
			assert.Equal(t, articles[0].ID, hits[0].Article.ID, "the old vectors still answer")
			assert.Equal(t, 1, hits[0].VectorRank)
		})
	}
}
