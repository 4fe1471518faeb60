package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/faqbot/faqbot/bot"
	botmemory "github.com/faqbot/faqbot/bot/memory"
	botpg "github.com/faqbot/faqbot/bot/postgres"
	"github.com/faqbot/faqbot/bot/sentiment"
	"github.com/faqbot/faqbot/handoff"
	handoffmemory "github.com/faqbot/faqbot/handoff/memory"
	handoffpg "github.com/faqbot/faqbot/handoff/postgres"
	"github.com/faqbot/faqbot/handoff/webhooks"
	whmemory "github.com/faqbot/faqbot/handoff/webhooks/memory"
	whpg "github.com/faqbot/faqbot/handoff/webhooks/postgres"
	"github.com/faqbot/faqbot/internal/auth"
	authmemory "github.com/faqbot/faqbot/internal/auth/memory"
	authpg "github.com/faqbot/faqbot/internal/auth/postgres"
	"github.com/faqbot/faqbot/internal/llm"
	"github.com/faqbot/faqbot/internal/postgres"
	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/demo"
	"github.com/faqbot/faqbot/knowledge/memory"
	knowledgepg "github.com/faqbot/faqbot/knowledge/postgres"
)

// The OpenAI-compatible embedder is a knowledge.Embedder; internal/llm cannot say so itself
// because it imports nothing of ours.
var _ knowledge.Embedder = (*llm.Embedder)(nil)

// app holds the wired services of one process.
type app struct {
	cfg       config
	log       *slog.Logger
	pool      *pgxpool.Pool // nil on the in-memory store
	llm       *llm.Client   // nil without an OpenAI-compatible server
	knowledge *knowledge.Service
	auth      *auth.Service
	bot       *bot.Engine
	// webhooks is the admins' registry; webhookWorker sends the ticket events to it.
	webhooks      *webhooks.Service
	webhookWorker *webhooks.Worker
	// warmSearch loads the PostgreSQL store's in-process lexical index; nil on memory.
	warmSearch func(context.Context) error
}

// openApp connects the stores and builds the services. With no database it runs on memory
// and says so loudly, because nothing will survive a restart.
func openApp(ctx context.Context, cfg config, log *slog.Logger) (*app, error) {
	a := &app{cfg: cfg, log: log}
	if cfg.OpenAIKey != "" {
		a.llm = llm.New(llm.Config{
			APIKey:              cfg.OpenAIKey,
			BaseURL:             cfg.OpenAIBaseURL,
			ChatModel:           cfg.ChatModel,
			EmbeddingModel:      cfg.EmbeddingModel,
			EmbeddingDimensions: cfg.EmbeddingDims,
			Timeout:             cfg.LLMTimeout,
		}, log)
	}
	embedder, err := a.embedder(ctx)
	if err != nil {
		return nil, err
	}

	var (
		articles knowledge.Store
		tokens   auth.Store
		convs    bot.Store
		tickets  handoff.Store
	)
	if cfg.DatabaseURL == "" {
		log.Warn("NO DATABASE: running on an in-memory store; nothing persists across restarts. Set DATABASE_URL to keep data.")
		articles = memory.New()
		tokens = authmemory.New()
		// The bot's memory store writes a handoff's ticket into this very store, in the same
		// critical section as the reply.
		ticketStore := handoffmemory.New()
		convs, tickets = botmemory.New(ticketStore), ticketStore
	} else {
		if err := postgres.Migrate(ctx, cfg.DatabaseURL); err != nil {
			return nil, fmt.Errorf("migrate database: %w", err)
		}
		pool, err := postgres.Connect(ctx, cfg.DatabaseURL)
		if err != nil {
			return nil, fmt.Errorf("connect to database: %w", err)
		}
		a.pool = pool
		kstore := knowledgepg.New(pool)
		articles, a.warmSearch = kstore, kstore.Warm
		tokens = authpg.New(pool)
		convs, tickets = botpg.New(pool), handoffpg.New(pool)
	}
	a.knowledge = knowledge.NewService(articles, embedder, knowledge.DefaultSearchParams())
	a.auth = auth.NewService(tokens, cfg.AdminToken)
	a.openWebhooks(tickets)
	deps := bot.Deps{
		Store:     convs,
		Tickets:   tickets,
		Retriever: a.knowledge,
		Logger:    log,
	}
	if a.llm != nil {
		// Grounded answers and rewritten follow-ups; when the model fails the engine falls
		// back to the extractive answer and the heuristic rewrite, never to silence.
		deps.Answerer = bot.NewLLMAnswerer(a.llm, log)
		deps.Condenser = bot.NewLLMCondenser(a.llm, bot.HeuristicCondenser{})
		deps.Sentiment = sentiment.NewLLM(a.llm, sentiment.NewLexicon(), sentiment.WithLogger(log))
	}
	botCfg := bot.DefaultConfig()
	if botCfg.Policy, err = cfg.policy(); err != nil {
		return nil, err // Validate has refused it already; kept for callers that skip it
	}
	botCfg.TurnKeyTTL = cfg.IdempotencyTTL
	a.bot = bot.NewEngine(botCfg, deps)
	return a, nil
}

// openWebhooks wires the webhook registry and the worker that tails the ticket event log
// into it, on the store the tickets live in.
func (a *app) openWebhooks(tickets handoff.Store) {
	var store webhooks.Store = whmemory.New()
	if a.pool != nil {
		store = whpg.New(a.pool)
	}
	allow, _ := webhooks.ParseAllow(a.cfg.WebhookAllow) // config.Validate has refused a bad list
	policy := webhooks.Policy{Allow: allow}
	a.webhooks = webhooks.NewService(store, policy)
	cfg := webhooks.WorkerConfig{}.Defaults()
	a.webhookWorker = webhooks.NewWorker(store, tickets, policy.Client(cfg.Timeout), cfg, a.log)
}

func (a *app) embedder(ctx context.Context) (knowledge.Embedder, error) {
	if !a.cfg.useOpenAIEmbedder() {
		return knowledge.NewLocalEmbedder(a.cfg.LocalDims), nil
	}
	e := a.llm.Embedder()
	if e.Dimensions() == 0 {
		if err := e.Probe(ctx); err != nil {
			return nil, fmt.Errorf("ask the embedding server for its dimension (or set FAQBOT_EMBEDDING_DIMENSIONS): %w", err)
		}
	}
	return e, nil
}

// checkModel refuses to serve vectors of another embedding model.
func (a *app) checkModel(ctx context.Context) error {
	err := a.knowledge.EnsureModel(ctx)
	if errors.Is(err, knowledge.ErrModelMismatch) {
		return fmt.Errorf("%w: the database holds vectors of another embedding model than %s (%d dimensions); run `faqbot reindex` with the new settings first",
			err, a.knowledge.Model().Name, a.knowledge.Model().Dimensions)
	}
	return err
}

// loadDemo fills an empty store with the bundled demo knowledge base.
func (a *app) loadDemo(ctx context.Context) error {
	if !a.cfg.DemoData {
		return nil
	}
	n, err := a.knowledge.Count(ctx)
	if err != nil || n > 0 {
		return err
	}
	articles, err := demo.Articles()
	if err != nil {
		return fmt.Errorf("demo knowledge base: %w", err)
	}
	rows := make([]knowledge.ImportRow, len(articles))
	for i, art := range articles {
		rows[i] = knowledge.ImportRow{Row: i + 1, Article: art}
	}
	report, err := a.knowledge.Import(ctx, rows)
	if err != nil {
		return fmt.Errorf("load demo knowledge base: %w", err)
	}
	if len(report.Failed) > 0 {
		return fmt.Errorf("demo knowledge base: row %d: %s", report.Failed[0].Row, report.Failed[0].Error)
	}
	a.log.Info("loaded the demo knowledge base into the empty store", "articles", report.Created)
	return nil
}

// ready reports whether the process can serve: the database answers.
func (a *app) ready(ctx context.Context) error {
	if a.pool == nil {
		return nil
	}
	if err := a.pool.Ping(ctx); err != nil {
		return fmt.Errorf("database unreachable: %w", err)
	}
	return nil
}

func (a *app) Close() {
	if a.pool != nil {
		a.pool.Close()
	}
}
