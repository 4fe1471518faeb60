package postgres_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	ipg "github.com/faqbot/faqbot/internal/postgres"
	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/postgres"
	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
)

func TestProbeExplain(t *testing.T) {
	ctx := context.Background()
	name := os.Getenv("PROBE_DB")
	if name == "" { t.Skip() }
	pool, err := ipg.Connect(ctx, "postgres://postgres@127.0.0.1:5432/"+name+"?sslmode=disable")
	if err != nil { t.Fatal(err) }
	text := os.Getenv("PROBE_Q")
	v, _ := knowledge.NewLocalEmbedder(256).Embed(ctx, []string{text})
	p := knowledge.DefaultSearchParams()
	args := pgx.NamedArgs{"vec": pgvector.NewVector(v[0]), "category": "", "vchunks": 80, "perside": 40,
		"terms": knowledge.Tokenize(text), "maxterms": 16, "k1": p.K1, "b": p.B, "budget1": 500, "budget2": 4000, "rrfk": p.RRFK,
		"vw": 1.0, "lw": 1.0, "lang": "en", "bonus": p.LanguageBonus, "lim": 10}
	if os.Getenv("PROBE_NOTERMS") != "" { args["terms"] = []string{} }
	rows, err := pool.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+postgres.SearchSQL, args)
	if err != nil { t.Fatal(err) }
	for rows.Next() { var s string; rows.Scan(&s); fmt.Println(s) }
	if rows.Err() != nil { t.Fatal(rows.Err()) }
}
