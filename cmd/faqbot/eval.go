package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"path/filepath"

	"github.com/jackc/pgx/v5"

	"github.com/faqbot/faqbot/bot/sentiment"
	"github.com/faqbot/faqbot/internal/postgres"
	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/eval"
	"github.com/faqbot/faqbot/knowledge/memory"
	knowledgepg "github.com/faqbot/faqbot/knowledge/postgres"
)

// runEval measures retrieval on labeled FAQ sets, each loaded into a fresh store: memory by
// default, or a new PostgreSQL database (dropped afterwards) when DATABASE_URL is set.
func runEval(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var dir, faqs, queries string
	cfg, _, err := parseConfig("eval", args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&dir, "dir", "", "a folder of sets (each subfolder with faqs.jsonl and queries.jsonl)")
		fs.StringVar(&faqs, "faqs", "", "FAQ file (JSONL: id, question, answer)")
		fs.StringVar(&queries, "queries", "", "query file (JSONL: query, faq_id)")
	})
	if err != nil {
		return err
	}
	var sets [][2]string
	var emotionSets []string
	switch {
	case faqs != "" && queries != "":
		sets = [][2]string{{faqs, queries}}
	case faqs != "" || queries != "":
		return errors.New("eval needs both --faqs and --queries")
	default:
		if dir == "" {
			dir = "../shared/eval"
		}
		if sets, err = evalSets(dir); err != nil {
			return err
		}
		if emotionSets, err = filepath.Glob(filepath.Join(dir, "*", "emotion.jsonl")); err != nil {
			return err
		}
	}
	cfg.DemoData = false
	log := newLogger(cfg, stderr)
	probe := &app{cfg: cfg, log: log}
	embedder, err := probe.embedder(ctx)
	if err != nil {
		return err
	}
	for _, set := range sets {
		store, done, err := freshStore(ctx, cfg.DatabaseURL)
		if err != nil {
			return err
		}
		report, err := eval.Run(ctx, eval.Options{
			FAQs:     set[0],
			Queries:  set[1],
			Store:    store,
			Embedder: embedder,
			Params:   knowledge.DefaultSearchParams(),
		})
		done()
		if err != nil {
			return fmt.Errorf("%s: %w", set[0], err)
		}
		if err := report.WriteText(stdout); err != nil {
			return err
		}
		fmt.Fprintln(stdout)
	}
	lexicon := sentiment.NewLexicon()
	for _, path := range emotionSets {
		report, err := sentiment.Evaluate(ctx, lexicon, path)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		report.WriteText(stdout)
		fmt.Fprintln(stdout)
	}
	return nil
}

// freshStore returns an empty store and a function that disposes of it.
func freshStore(ctx context.Context, databaseURL string) (knowledge.Store, func(), error) {
	if databaseURL == "" {
		return memory.New(), func() {}, nil
	}
	name := "faqbot_eval_" + randomHex(6)
	admin, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return nil, nil, fmt.Errorf("connect to database: %w", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return nil, nil, fmt.Errorf("create eval database: %w", err)
	}
	drop := func() {
		c, err := pgx.Connect(context.Background(), databaseURL)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	}
	u, err := url.Parse(databaseURL)
	if err != nil {
		drop()
		return nil, nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	u.Path = "/" + name
	if err := postgres.Migrate(ctx, u.String()); err != nil {
		drop()
		return nil, nil, err
	}
	pool, err := postgres.Connect(ctx, u.String())
	if err != nil {
		drop()
		return nil, nil, err
	}
	return knowledgepg.New(pool), func() { pool.Close(); drop() }, nil
}
