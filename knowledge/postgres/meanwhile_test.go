package postgres_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/internal/postgres/pgtest"
	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/demo"
	"github.com/faqbot/faqbot/knowledge/postgres"
)

// handingOver records what the store hands over while it waits on PostgreSQL.
type handingOver struct {
	knowledge.Store
	likely []int64
}

func (h *handingOver) Search(ctx context.Context, q knowledge.SearchQuery) ([]knowledge.Hit, error) {
	h.likely = nil
	inner := q.Meanwhile
	q.Meanwhile = func(arts []*knowledge.Article) {
		for _, a := range arts {
			h.likely = append(h.likely, a.ID)
		}
		inner(arts)
	}
	return h.Store.Search(ctx, q)
}

// TestRerankStartsWhileTheDatabaseWorks: once their texts are cached, the lexical side's best
// candidates reach the service's rerank before the HNSW scan answers, and most of them are
// among the candidates the service returns.
func TestRerankStartsWhileTheDatabaseWorks(t *testing.T) {
	ctx := context.Background()
	store := &handingOver{Store: postgres.New(pgtest.New(t))}
	svc := knowledge.NewService(store, knowledge.NewLocalEmbedder(knowledge.DefaultLocalDimensions), knowledge.DefaultSearchParams())
	require.NoError(t, svc.EnsureModel(ctx))
	articles, err := demo.Articles()
	require.NoError(t, err)
	rows := make([]knowledge.ImportRow, len(articles))
	for i, a := range articles {
		rows[i] = knowledge.ImportRow{Row: i + 1, Article: a}
	}
	_, err = svc.Import(ctx, rows)
	require.NoError(t, err)

	for _, question := range []string{"How do I reset my password?", "收不到验证码怎么办"} {
		first, err := svc.Search(ctx, knowledge.SearchRequest{Query: question, TopK: 5})
		require.NoError(t, err)
		again, err := svc.Search(ctx, knowledge.SearchRequest{Query: question, TopK: 5})
		require.NoError(t, err)
		assert.Equal(t, first, again, "%q: the same answer, prepared or not", question)
		require.NotEmpty(t, store.likely, "%q: the cached lexical candidates were handed over", question)
		assert.Contains(t, store.likely, again.Candidates[0].Article.ID, "%q: the best candidate was among them", question)
	}
}
