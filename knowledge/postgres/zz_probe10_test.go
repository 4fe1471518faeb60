package postgres_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	ipg "github.com/faqbot/faqbot/internal/postgres"
	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/postgres"
)

func TestProbeBounded(t *testing.T) {
	ctx := context.Background()
	name := os.Getenv("PROBE_DB")
	if name == "" { t.Skip() }
	pool, err := ipg.Connect(ctx, "postgres://postgres@127.0.0.1:5432/"+name+"?sslmode=disable")
	if err != nil { t.Fatal(err) }
	var n int
	pool.QueryRow(ctx, "select count(*) from articles").Scan(&n)
	gen := newCorpusGen(1)
	arts := make([]knowledge.Article, n)
	for i := range arts { arts[i] = gen.article(i) }
	qg := newCorpusGen(2)
	var qs []benchQuery
	var texts []string
	for i := 0; i < 300; i++ { q, l := qg.query(arts); texts = append(texts, q); qs = append(qs, benchQuery{text: q, lang: l}) }
	vecs, _ := knowledge.NewLocalEmbedder(256).Embed(ctx, texts)
	for i := range qs { qs[i].vector = vecs[i]; qs[i].terms = knowledge.Tokenize(texts[i]) }
	exact := postgres.WithBudgets(postgres.New(pool), 1<<30, 1<<30)
	for _, b := range [][2]int{{300, 1500}, {500, 3000}, {150, 800}} {
		db := &benchDB{pool: pool, store: postgres.WithBudgets(postgres.New(pool), b[0], b[1]), queries: qs}
		var took []time.Duration
		for _, q := range qs[:30] { db.store.Search(ctx, db.searchQuery(q)) }
		for r := 0; r < 2; r++ {
			for _, q := range qs {
				s := time.Now()
				if _, err := db.store.Search(ctx, db.searchQuery(q)); err != nil { t.Fatal(err) }
				took = append(took, time.Since(s))
			}
		}
		slices.Sort(took)
		// agreement with exact on top-10, lexical-only and hybrid
		var sameLex, sameHyb, tot float64
		if os.Getenv("PROBE_AGREE") != "" {
			for _, q := range qs[:60] {
				sq := db.searchQuery(q)
				a, _ := db.store.Search(ctx, sq)
				e, _ := exact.Search(ctx, sq)
				for i := range e { if i < len(a) && a[i].Article.ID == e[i].Article.ID { sameHyb++ } }
				sq.Vector = nil
				a, _ = db.store.Search(ctx, sq)
				e, _ = exact.Search(ctx, sq)
				for i := range e { if i < len(a) && a[i].Article.ID == e[i].Article.ID { sameLex++ } }
				tot += 10
			}
		}
		fmt.Printf("%s budgets %v: p50 %v p90 %v p99 %v  same-place hybrid %.3f lexical %.3f\n", name, b, took[len(took)/2], took[len(took)*9/10], took[len(took)*99/100], sameHyb/tot, sameLex/tot)
	}
}
