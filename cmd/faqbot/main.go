// Command faqbot serves the FAQ chatbot and runs its maintenance tasks.
//
//	faqbot [serve]            serve the HTTP API (the default)
//	faqbot migrate            apply database migrations
//	faqbot import FILE...     import articles (JSON, JSONL, CSV, Markdown)
//	faqbot reindex            re-embed every article after an embedding model change
//	faqbot eval               retrieval quality on labeled sets
//	faqbot token create --role editor|agent --name NAME
//	faqbot healthcheck        ask the local server's /healthz (container health checks)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "faqbot:", err)
		}
		os.Exit(1)
	}
}

const usageText = `faqbot — an FAQ chatbot with human handoff

Usage:
  faqbot [serve] [flags]        serve the HTTP API (default)
  faqbot migrate                apply database migrations (needs DATABASE_URL)
  faqbot import FILE...         import articles from .json .jsonl .csv .md files
  faqbot reindex                re-embed all articles after an embedding model change
  faqbot eval [--dir DIR | --faqs F --queries Q]
                                retrieval quality on labeled sets
  faqbot token create --role editor|agent [--name NAME]
                                mint an API token (printed once)
  faqbot healthcheck            exit 0 when the local server answers /healthz

Every command takes the configuration flags; run "faqbot serve -h" to list them.
`

// run is main without the process: an end-to-end test calls it with its own arguments,
// environment and output.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return runServe(ctx, args, getenv, stderr, nil)
	case "migrate":
		return runMigrate(ctx, args, getenv, stdout, stderr)
	case "import":
		return runImport(ctx, args, getenv, stdout, stderr)
	case "reindex":
		return runReindex(ctx, args, getenv, stdout, stderr)
	case "eval":
		return runEval(ctx, args, getenv, stdout, stderr)
	case "token":
		return runToken(ctx, args, getenv, stdout, stderr)
	case "healthcheck":
		return runHealthcheck(ctx, args, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usageText)
		return nil
	default:
		fmt.Fprint(stderr, usageText)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// parseConfig reads the shared configuration flags plus any the command adds in extra.
func parseConfig(name string, args []string, getenv func(string) string, stderr io.Writer, extra func(*flag.FlagSet)) (config, []string, error) {
	fs := flag.NewFlagSet("faqbot "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := defaultConfig()
	envErr := registerConfigFlags(fs, &cfg, getenv)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return config{}, nil, err
	}
	if err := envErr(); err != nil {
		return config{}, nil, err
	}
	if err := cfg.Validate(); err != nil {
		return config{}, nil, err
	}
	return cfg, fs.Args(), nil
}
