package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/faqbot/faqbot/internal/postgres/pgtest"
	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/postgres"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	pgxvec "github.com/pgvector/pgvector-go/pgx"
)

type tracer struct{}
type key struct{}
type startInfo struct{ t time.Time; sql string }

func (tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	return context.WithValue(ctx, key{}, startInfo{time.Now(), d.SQL})
}
func (tracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryEndData) {
	s := ctx.Value(key{}).(startInfo)
	if el := time.Since(s.t); el > 30*time.Millisecond {
		q := strings.Join(strings.Fields(s.sql), " ")
		if len(q) > 90 { q = q[:90] }
		fmt.Printf("TRACE %8.1fms %s\n", float64(el.Microseconds())/1000, q)
	}
}
func (tracer) TraceCopyFromStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceCopyFromStartData) context.Context {
	return context.WithValue(ctx, key{}, startInfo{time.Now(), "COPY " + d.TableName.Sanitize()})
}
func (tracer) TraceCopyFromEnd(ctx context.Context, _ *pgx.Conn, d pgx.TraceCopyFromEndData) {
	s := ctx.Value(key{}).(startInfo)
	fmt.Printf("TRACE %8.1fms %s\n", float64(time.Since(s.t).Microseconds())/1000, s.sql)
}

func TestProbeTrace(t *testing.T) {
	ctx := context.Background()
	cfg, _ := pgxpool.ParseConfig(pgtest.URL(t))
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error { return pgxvec.RegisterTypes(ctx, c) }
	cfg.ConnConfig.Tracer = tracer{}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil { t.Fatal(err) }
	defer pool.Close()
	gen := newCorpusGen(3)
	rows := make([]knowledge.ImportRow, 10000)
	for i := range rows {
		rows[i] = knowledge.ImportRow{Row: i + 1, Article: gen.article(i)}
	}
	svc := knowledge.NewService(postgres.New(pool), knowledge.NewLocalEmbedder(256), knowledge.DefaultSearchParams())
	if err := svc.EnsureModel(ctx); err != nil { t.Fatal(err) }
	for i := 0; i < 2; i++ {
		start := time.Now()
		if _, err := svc.Import(ctx, rows); err != nil { t.Fatal(err) }
		fmt.Printf("import %d: %v\n", i, time.Since(start))
	}
}
