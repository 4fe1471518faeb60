package postgres_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	ipg "github.com/faqbot/faqbot/internal/postgres"
	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/postgres"
	"github.com/jackc/pgx/v5"
)

// Loads a probe database kept between runs.
func TestProbeLoad(t *testing.T) {
	ctx := context.Background()
	name := os.Getenv("PROBE_DB")
	n, _ := strconv.Atoi(os.Getenv("PROBE_N"))
	if name == "" { t.Skip() }
	admin, err := pgx.Connect(ctx, "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
	if err != nil { t.Fatal(err) }
	admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil { t.Fatal(err) }
	url := "postgres://postgres@127.0.0.1:5432/"+name+"?sslmode=disable"
	if err := ipg.Migrate(ctx, url); err != nil { t.Fatal(err) }
	pool, err := ipg.Connect(ctx, url)
	if err != nil { t.Fatal(err) }
	if err := postgres.New(pool).EnsureModel(ctx, knowledge.EmbeddingModel{Name: "local-ngram-v1", Dimensions: 256}); err != nil { t.Fatal(err) }
	svc := knowledge.NewService(postgres.New(pool), knowledge.NewLocalEmbedder(256), knowledge.DefaultSearchParams())
	gen := newCorpusGen(1)
	start := time.Now()
	for done := 0; done < n; {
		rows := make([]knowledge.ImportRow, 0, min(10000, n-done))
		for len(rows) < cap(rows) {
			rows = append(rows, knowledge.ImportRow{Row: done + 1, Article: gen.article(done)})
			done++
		}
		if _, err := svc.Import(ctx, rows); err != nil { t.Fatal(err) }
	}
	t.Logf("loaded in %v", time.Since(start))
	pool.Exec(ctx, "VACUUM ANALYZE")
}
