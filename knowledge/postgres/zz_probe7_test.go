package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	ipg "github.com/faqbot/faqbot/internal/postgres"
	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/postgres"
	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
)

func walk(n map[string]any, f func(map[string]any)) {
	f(n)
	if ps, ok := n["Plans"].([]any); ok { for _, p := range ps { walk(p.(map[string]any), f) } }
}

func TestProbeLevels(t *testing.T) {
	ctx := context.Background()
	name := os.Getenv("PROBE_DB")
	if name == "" { t.Skip() }
	pool, err := ipg.Connect(ctx, "postgres://postgres@127.0.0.1:5432/"+name+"?sslmode=disable&plan_cache_mode=force_generic_plan")
	if err != nil { t.Fatal(err) }
	var n int
	pool.QueryRow(ctx, "select count(*) from articles").Scan(&n)
	gen := newCorpusGen(1)
	arts := make([]knowledge.Article, n)
	for i := range arts { arts[i] = gen.article(i) }
	qg := newCorpusGen(2)
	b1, b2 := 500, 4000
	fmt.Sscan(os.Getenv("PROBE_B1"), &b1); fmt.Sscan(os.Getenv("PROBE_B2"), &b2)
	for i := 0; i < 40; i++ {
		text, lang := qg.query(arts)
		v, _ := knowledge.NewLocalEmbedder(256).Embed(ctx, []string{text})
		p := knowledge.DefaultSearchParams()
		args := pgx.NamedArgs{"vec": pgvector.NewVector(v[0]), "category": "", "vchunks": 80, "perside": 40,
			"terms": knowledge.Tokenize(text), "maxterms": 16, "k1": p.K1, "b": p.B, "budget1": b1, "budget2": b2, "rrfk": p.RRFK,
			"vw": 1.0, "lw": 1.0, "lang": lang, "bonus": p.LanguageBonus, "lim": 10}
		var out []map[string]any
		var raw string
		if err := pool.QueryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+postgres.SearchSQL, args).Scan(&raw); err != nil { t.Fatal(err) }
		json.Unmarshal([]byte(raw), &out)
		plan := out[0]["Plan"].(map[string]any)
		line := fmt.Sprintf("%6.2fms ", out[0]["Execution Time"].(float64))
		walk(plan, func(m map[string]any) {
			if cte, ok := m["Subplan Name"].(string); ok && (cte == "CTE lex1" || cte == "CTE lex2" || cte == "CTE lex3") {
				line += fmt.Sprintf(" %s %5.0f rows %6.2fms", cte[4:], m["Actual Rows"], m["Actual Total Time"])
			}
		})
		fmt.Println(line, " ", text)
	}
}
