package demo_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/demo"
)

// upsertStore records what an import writes; the rest of knowledge.Store is not used here.
type upsertStore struct {
	knowledge.Store
	written []knowledge.ArticleChunks
}

func (s *upsertStore) UpsertArticles(_ context.Context, items []knowledge.ArticleChunks) ([]knowledge.UpsertResult, error) {
	s.written = append(s.written, items...)
	out := make([]knowledge.UpsertResult, len(items))
	for i := range items {
		out[i] = knowledge.UpsertResult{ID: int64(i + 1), Created: true}
	}
	return out, nil
}

type constEmbedder struct{}

func (constEmbedder) Model() string   { return "const" }
func (constEmbedder) Dimensions() int { return 2 }
func (constEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = []float32{1, 0}
	}
	return out, nil
}

// The first run loads the demo through the same Import path editors use; not one row may fail.
func TestArticlesImportCleanly(t *testing.T) {
	articles, err := demo.Articles()
	require.NoError(t, err)
	rows := make([]knowledge.ImportRow, len(articles))
	for i, a := range articles {
		rows[i] = knowledge.ImportRow{Row: i + 1, Article: a}
	}
	store := &upsertStore{}
	svc := knowledge.NewService(store, constEmbedder{}, knowledge.DefaultSearchParams())

	report, err := svc.Import(context.Background(), rows)
	require.NoError(t, err)
	assert.Empty(t, report.Failed)
	assert.Equal(t, len(articles), report.Created)
	require.Len(t, store.written, len(articles))
	for _, item := range store.written {
		// question + 2..5 similar questions + answer
		assert.GreaterOrEqual(t, len(item.Chunks), 4, item.Article.ExternalID)
	}
}
