package knowledge_test

import (
	"context"
	"testing"

	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/demo"
	"github.com/faqbot/faqbot/knowledge/memory"
)

// BenchmarkServiceSearch is the service's search over the demo knowledge base in memory: the
// embedding, the store and the rerank, whose article features are cached after the first
// pass. It shows what the service adds to a store's search.
func BenchmarkServiceSearch(b *testing.B) {
	ctx := context.Background()
	articles, err := demo.Articles()
	if err != nil {
		b.Fatal(err)
	}
	svc := knowledge.NewService(memory.New(), knowledge.NewLocalEmbedder(0), knowledge.DefaultSearchParams())
	if err := svc.EnsureModel(ctx); err != nil {
		b.Fatal(err)
	}
	rows := make([]knowledge.ImportRow, len(articles))
	for i, a := range articles {
		a.Status = knowledge.StatusPublished
		rows[i] = knowledge.ImportRow{Row: i + 1, Article: a}
	}
	if _, err := svc.Import(ctx, rows); err != nil {
		b.Fatal(err)
	}
	questions := []string{"How do I reset my password?", "花呗怎么还款", "my live stream keeps lagging",
		"为什么我的视频审核不通过", "how much does an ad campaign cost", "提现多久到账"}
	for _, q := range questions {
		if _, err := svc.Search(ctx, knowledge.SearchRequest{Query: q, TopK: 10}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := svc.Search(ctx, knowledge.SearchRequest{Query: questions[i%len(questions)], TopK: 10}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
