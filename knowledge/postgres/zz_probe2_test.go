package postgres_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	ipg "github.com/faqbot/faqbot/internal/postgres"
	"github.com/faqbot/faqbot/knowledge"
	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
)

func TestProbeRecall(t *testing.T) {
	ctx := context.Background()
	name := os.Getenv("PROBE_DB")
	if name == "" { t.Skip() }
	url := "postgres://postgres@127.0.0.1:5432/"+name+"?sslmode=disable"
	pool, err := ipg.Connect(ctx, url)
	if err != nil { t.Fatal(err) }
	// queries about the articles
	var n int
	pool.QueryRow(ctx, "select count(*) from articles").Scan(&n)
	gen := newCorpusGen(1)
	arts := make([]knowledge.Article, n)
	for i := range arts { arts[i] = gen.article(i) }
	qg := newCorpusGen(2)
	var texts []string
	for i := 0; i < 200; i++ { q, _ := qg.query(arts); texts = append(texts, q) }
	vecs, _ := knowledge.NewLocalEmbedder(256).Embed(ctx, texts)
	exact := make([][]nearest, len(vecs))
	for i, v := range vecs {
		pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			tx.Exec(ctx, "SET LOCAL enable_indexscan = off")
			exact[i], err = vectorOnly(ctx, tx, nil, v)
			return err
		})
	}
	for _, cfg := range []string{"m=16, ef_construction=64", "m=16, ef_construction=32", "m=12, ef_construction=40", "m=8, ef_construction=32", "m=10, ef_construction=20"} {
		pool.Exec(ctx, "DROP INDEX IF EXISTS px")
		start := time.Now()
		if _, err := pool.Exec(ctx, "CREATE INDEX px ON chunks USING hnsw (embedding vector_cosine_ops) WITH ("+cfg+") WHERE published"); err != nil { t.Fatal(err) }
		build := time.Since(start)
		line := fmt.Sprintf("%-28s build %6.1fs:", cfg, build.Seconds())
		for _, ef := range []int{40, 64, 100, 150, 200} {
			hits := 0.0
			start := time.Now()
			for i, v := range vecs {
				pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					tx.Exec(ctx, fmt.Sprintf("SET LOCAL hnsw.ef_search = %d", ef))
					got, err := vectorOnly(ctx, tx, nil, v)
					hits += overlap(got, exact[i])
					return err
				})
			}
			line += fmt.Sprintf("  ef%d %.3f %4.1fms", ef, hits/float64(10*len(vecs)), float64(time.Since(start).Microseconds())/1000/float64(len(vecs)))
		}
		t.Log(line)
	}
	pool.Exec(ctx, "DROP INDEX IF EXISTS px")
}
var _ = pgvector.NewVector
