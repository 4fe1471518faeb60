package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/faqbot/faqbot/internal/auth"
	"github.com/faqbot/faqbot/internal/postgres"
	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/imports"
)

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, _, err := parseConfig("migrate", args, getenv, stderr, nil)
	if err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return errors.New("migrate needs DATABASE_URL (or --database-url)")
	}
	if err := postgres.Migrate(ctx, cfg.DatabaseURL); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "database is up to date")
	return nil
}

// runImport imports files into the database; without one it checks the files and saves nothing.
func runImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, files, err := parseConfig("import", args, getenv, stderr, nil)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return errors.New("import needs at least one file: faqbot import FILE...")
	}
	cfg.DemoData = false
	log := newLogger(cfg, stderr)
	a, err := openApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.checkModel(ctx); err != nil {
		return err
	}
	if a.pool == nil {
		fmt.Fprintln(stdout, "no DATABASE_URL: checking the files only, nothing is saved")
	}
	failed := 0
	for _, name := range files {
		report, err := importFile(ctx, a.knowledge, name)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Fprintf(stdout, "%s: %d created, %d updated, %d failed\n", name, report.Created, report.Updated, len(report.Failed))
		for _, f := range report.Failed {
			fmt.Fprintf(stdout, "  row %d: %s\n", f.Row, f.Error)
		}
		failed += len(report.Failed)
	}
	if failed > 0 {
		return fmt.Errorf("%d rows were not imported", failed)
	}
	return nil
}

func importFile(ctx context.Context, svc *knowledge.Service, name string) (knowledge.ImportReport, error) {
	format, err := imports.FormatForFilename(name)
	if err != nil {
		return knowledge.ImportReport{}, err
	}
	f, err := os.Open(name)
	if err != nil {
		return knowledge.ImportReport{}, err
	}
	defer f.Close()
	rows, err := imports.Parse(format, f)
	if err != nil {
		return knowledge.ImportReport{}, err
	}
	return svc.Import(ctx, rows)
}

func runReindex(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, _, err := parseConfig("reindex", args, getenv, stderr, nil)
	if err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return errors.New("reindex needs DATABASE_URL: the in-memory store is rebuilt at every start")
	}
	cfg.DemoData = false
	a, err := openApp(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer a.Close()
	n, err := a.knowledge.Reindex(ctx)
	if err != nil {
		return err
	}
	m := a.knowledge.Model()
	fmt.Fprintf(stdout, "re-embedded %d articles with %s (%d dimensions)\n", n, m.Name, m.Dimensions)
	return nil
}

func runToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: faqbot token create --role editor|agent [--name NAME] [--queues Q1,Q2]")
	}
	var role, name, queueList string
	cfg, _, err := parseConfig("token create", args[1:], getenv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&role, "role", "", "editor or agent")
		fs.StringVar(&name, "name", "", "who or what the token is for")
		fs.StringVar(&queueList, "queues", "", "agent tokens: the ticket queues the agent works, comma-separated (default: every queue)")
	})
	if err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return errors.New("token create needs DATABASE_URL: a token minted into the in-memory store vanishes when this command exits")
	}
	if name == "" {
		name = role
	}
	cfg.DemoData = false
	a, err := openApp(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer a.Close()
	queues, err := tokenQueues(queueList, a.bot.Queues())
	if err != nil {
		return err
	}
	plain, tok, err := a.auth.Mint(ctx, auth.Role(role), name, queues...)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s token %q (id %d) — shown once, keep it safe:\n%s\n", tok.Role, tok.Name, tok.ID, plain)
	if len(tok.Queues) > 0 {
		fmt.Fprintf(stdout, "limited to the queues %s\n", strings.Join(tok.Queues, ", "))
	}
	return nil
}

// tokenQueues reads --queues: names separated by commas, each one of the configured queues.
func tokenQueues(list string, configured []string) ([]string, error) {
	var out []string
	for _, q := range strings.Split(list, ",") {
		q = strings.TrimSpace(q)
		if q == "" {
			continue
		}
		if !slices.Contains(configured, q) {
			return nil, fmt.Errorf("--queues: %q is not a queue; the queues are %s", q, strings.Join(configured, ", "))
		}
		out = append(out, q)
	}
	return out, nil
}

// evalSets finds the FAQ sets in dir: every folder with faqs.jsonl and queries.jsonl.
func evalSets(dir string) ([][2]string, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "*", "faqs.jsonl"))
	if err != nil {
		return nil, err
	}
	var sets [][2]string
	for _, faqs := range matches {
		queries := filepath.Join(filepath.Dir(faqs), "queries.jsonl")
		if _, err := os.Stat(queries); err == nil {
			sets = append(sets, [2]string{faqs, queries})
		}
	}
	if len(sets) == 0 {
		return nil, fmt.Errorf("no FAQ sets (folders with faqs.jsonl and queries.jsonl) in %s", dir)
	}
	return sets, nil
}
