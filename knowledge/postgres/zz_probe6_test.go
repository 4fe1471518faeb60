package postgres_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	ipg "github.com/faqbot/faqbot/internal/postgres"
	"github.com/faqbot/faqbot/knowledge"
	"github.com/pgvector/pgvector-go"
)

func TestProbeBare(t *testing.T) {
	ctx := context.Background()
	pool, err := ipg.Connect(ctx, "postgres://postgres@127.0.0.1:5432/"+os.Getenv("PROBE_DB")+"?sslmode=disable")
	if err != nil { t.Fatal(err) }
	v, _ := knowledge.NewLocalEmbedder(256).Embed(ctx, []string{os.Getenv("PROBE_Q")})
	for _, q := range []string{
		"EXPLAIN (ANALYZE, BUFFERS) SELECT article_id, embedding <=> $1 AS dist FROM chunks WHERE published ORDER BY embedding <=> $1 LIMIT 10",
		"EXPLAIN (ANALYZE, BUFFERS) SELECT article_id, embedding <=> $1 AS dist FROM chunks WHERE published ORDER BY embedding <=> $1 LIMIT 80",
		"EXPLAIN (ANALYZE, BUFFERS) SELECT article_id, embedding <=> $1 AS dist FROM chunks WHERE published AND embedding IS NOT NULL ORDER BY embedding <=> $1 LIMIT 80",
		"EXPLAIN (ANALYZE, BUFFERS) SELECT article_id, embedding <=> $1 AS dist FROM chunks WHERE published ORDER BY embedding <=> $1 LIMIT 100",
		"EXPLAIN (ANALYZE, BUFFERS) SELECT article_id, embedding <=> $1 AS dist FROM chunks WHERE published ORDER BY embedding <=> $1 LIMIT 101",
	} {
		rows, err := pool.Query(ctx, q, pgvector.NewVector(v[0]))
		if err != nil { t.Fatal(err) }
		for rows.Next() { var s string; rows.Scan(&s); if len(s) > 140 { s = s[:140] }; fmt.Println(s) }
		fmt.Println()
	}
}
