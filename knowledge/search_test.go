package knowledge_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/memory"
)

func searchService(t *testing.T) *knowledge.Service {
	t.Helper()
	ctx := context.Background()
	svc := knowledge.NewService(memory.New(), knowledge.NewLocalEmbedder(0), knowledge.DefaultSearchParams())
	require.NoError(t, svc.EnsureModel(ctx))
	articles := []knowledge.Article{
		{ExternalID: "pin", Title: "Change your PIN", Question: "How do I change my card PIN?",
			Answer: "Open Cards, choose the card, then Change PIN.", Category: "payment", Language: "en"},
		{ExternalID: "declined", Title: "Declined payments", Question: "Why was my card payment declined?",
			SimilarQuestions: []string{"card not working in shop"}, Answer: "Check the balance and whether the card is frozen.",
			Category: "payment", Language: "en"},
		{ExternalID: "refund", Title: "Refunds", Question: "Where is my refund?", Answer: "Refunds take 5 working days.",
			Category: "payment", Language: "en"},
		{ExternalID: "repay", Title: "花呗还款", Question: "花呗怎么还款", Answer: "在花呗页面点击还款。", Category: "payment", Language: "zh"},
		{ExternalID: "live", Title: "直播卡顿", Question: "直播一直卡顿怎么办", Answer: "请检查网络后重新进入直播间。", Category: "live", Language: "zh"},
		{ExternalID: "draft", Title: "Draft", Question: "How do I change my card PIN quickly?", Answer: "Not yet.",
			Category: "payment", Language: "en", Status: knowledge.StatusDraft},
	}
	rows := make([]knowledge.ImportRow, len(articles))
	for i, a := range articles {
		if a.Status == "" {
			a.Status = knowledge.StatusPublished
		}
		rows[i] = knowledge.ImportRow{Row: i + 1, Article: a}
	}
	rep, err := svc.Import(ctx, rows)
	require.NoError(t, err)
	require.Empty(t, rep.Failed)
	return svc
}

func TestServiceSearch(t *testing.T) {
	ctx := context.Background()
	svc := searchService(t)
	tests := []struct {
		name     string
		req      knowledge.SearchRequest
		wantTop  string
		wantLang string
	}{
		{"paraphrase with inflections", knowledge.SearchRequest{Query: "my payments keep getting declined", TopK: 3}, "declined", "en"},
		{"similar question counts", knowledge.SearchRequest{Query: "the card is not working in the shop", TopK: 3}, "declined", "en"},
		{"chinese paraphrase", knowledge.SearchRequest{Query: "花呗如何还钱", TopK: 3}, "repay", "zh"},
		{"category filter", knowledge.SearchRequest{Query: "怎么办", TopK: 3, Category: "live"}, "live", "zh"},
		{"drafts never answer", knowledge.SearchRequest{Query: "How do I change my card PIN quickly?", TopK: 5}, "pin", "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := svc.Search(ctx, tt.req)
			require.NoError(t, err)
			require.NotEmpty(t, res.Candidates)
			assert.LessOrEqual(t, len(res.Candidates), tt.req.TopK)
			assert.Equal(t, tt.wantTop, res.Candidates[0].Article.ExternalID)
			assert.Equal(t, tt.wantLang, res.Language)
			for i, c := range res.Candidates {
				assert.NotEqual(t, "draft", c.Article.ExternalID)
				assert.GreaterOrEqual(t, c.Match, 0.0)
				assert.LessOrEqual(t, c.Match, 1.0+1e-9)
				if i > 0 {
					assert.GreaterOrEqual(t, res.Candidates[i-1].Score, c.Score, "sorted by score")
				}
				if tt.req.Category != "" {
					assert.Equal(t, tt.req.Category, c.Article.Category)
				}
			}
			assert.Equal(t, knowledge.Confidence(res.Candidates), res.Confidence)
		})
	}
}

func TestServiceSearchConfidence(t *testing.T) {
	ctx := context.Background()
	svc := searchService(t)
	exact, err := svc.Search(ctx, knowledge.SearchRequest{Query: "Where is my refund?", TopK: 5})
	require.NoError(t, err)
	unrelated, err := svc.Search(ctx, knowledge.SearchRequest{Query: "what is the weather like in Paris tomorrow", TopK: 5})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, exact.Confidence, knowledge.DefaultConfidenceThreshold, "a question asked word for word")
	assert.Less(t, unrelated.Confidence, knowledge.DefaultConfidenceThreshold, "a question the articles do not cover")
	assert.Greater(t, exact.Confidence, unrelated.Confidence)
}
