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

func TestProbeSearch(t *testing.T) {
	ctx := context.Background()
	name := os.Getenv("PROBE_DB")
	if name == "" { t.Skip() }
	url := "postgres://postgres@127.0.0.1:5432/"+name+"?sslmode=disable"
	if m := os.Getenv("PROBE_PLANMODE"); m != "" { url += "&plan_cache_mode=" + m }
	pool, err := ipg.Connect(ctx, url)
	if err != nil { t.Fatal(err) }
	var n int
	pool.QueryRow(ctx, "select count(*) from articles").Scan(&n)
	gen := newCorpusGen(1)
	arts := make([]knowledge.Article, n)
	for i := range arts { arts[i] = gen.article(i) }
	qg := newCorpusGen(2)
	db := &benchDB{pool: pool, store: postgres.New(pool)}
	var texts []string
	for i := 0; i < 300; i++ { q, l := qg.query(arts); texts = append(texts, q); db.queries = append(db.queries, benchQuery{text: q, lang: l}) }
	vecs, _ := knowledge.NewLocalEmbedder(256).Embed(ctx, texts)
	for i := range db.queries { db.queries[i].vector = vecs[i]; db.queries[i].terms = knowledge.Tokenize(texts[i]) }
	measure := func(name string, op func(q benchQuery) error) {
		for _, q := range db.queries[:50] { if err := op(q); err != nil { t.Fatal(err) } }
		var took []time.Duration
		for r := 0; r < 3; r++ {
		for _, q := range db.queries {
			s := time.Now()
			if err := op(q); err != nil { t.Fatal(err) }
			took = append(took, time.Since(s))
		}
		}
		slices.Sort(took)
		fmt.Printf("%-12s p50 %v p90 %v p99 %v\n", name, took[len(took)/2], took[len(took)*9/10], took[len(took)*99/100])
	}
	if os.Getenv("PROBE_EXPLAIN") != "" {
		q := db.searchQuery(db.queries[0])
		fmt.Println(db.queries[0].text)
		_ = q
	}
	measure("hybrid", func(q benchQuery) error { _, err := db.store.Search(ctx, db.searchQuery(q)); return err })
	measure("vector", func(q benchQuery) error { _, err := vectorOnly(ctx, nil, pool, q.vector); return err })
	measure("lexonly", func(q benchQuery) error { sq := db.searchQuery(q); sq.Vector = nil; _, err := db.store.Search(ctx, sq); return err })
	measure("veconly", func(q benchQuery) error { sq := db.searchQuery(q); sq.Terms = nil; _, err := db.store.Search(ctx, sq); return err })
}
