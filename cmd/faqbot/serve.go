package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/faqbot/faqbot/api"
)

// runServe serves until ctx is done. onListen, when set, is told the bound address (tests
// listen on port 0).
func runServe(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer, onListen func(addr string)) error {
	cfg, rest, err := parseConfig("serve", args, getenv, stderr, nil)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("serve takes no arguments, got %q", rest)
	}
	log := newLogger(cfg, stderr)
	if cfg.AdminToken == "" && cfg.DatabaseURL == "" {
		// The demo must be usable by an editor at once; the token lives as long as the process.
		cfg.AdminToken = "fqb_admin_" + randomString(24)
		fmt.Fprintf(stderr, "\n  Demo admin token for this run (set FAQBOT_ADMIN_TOKEN to choose one):\n    %s\n\n", cfg.AdminToken)
	} else if cfg.AdminToken == "" {
		log.Warn("FAQBOT_ADMIN_TOKEN is not set: admin routes (minting editor and agent tokens) refuse every request")
	}
	log.Info("starting faqbot", "config", cfg.String())

	a, err := openApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.checkModel(ctx); err != nil {
		return err
	}
	if err := a.loadDemo(ctx); err != nil {
		return err
	}
	if a.warmSearch != nil {
		// Loaded now, the lexical index does not slow down the first user's search (about a
		// second per 30,000 articles); should this fail, that first search loads it instead.
		start := time.Now()
		if err := a.warmSearch(ctx); err != nil {
			a.log.Warn("could not load the search index at start; the first search will", "err", err)
		} else {
			a.log.Info("search index loaded", "took", time.Since(start).Round(time.Millisecond))
		}
	}
	// The ticket sweeper outlives ctx until HTTP has shut down (deferred calls run in reverse:
	// this one before a.Close), so the pool closes under no worker.
	sweepCtx, stopSweeps := context.WithCancel(context.WithoutCancel(ctx))
	sweepsDone := make(chan struct{})
	go func() {
		defer close(sweepsDone)
		a.bot.RunSweeps(sweepCtx, cfg.SweepInterval)
	}()
	defer func() { stopSweeps(); <-sweepsDone }()
	// The webhook worker likewise: it stops after HTTP and before the pool. Attempts it cuts
	// short are sent again by a replica (or by the next start) once their leases lapse.
	hooksCtx, stopHooks := context.WithCancel(context.WithoutCancel(ctx))
	hooksDone := make(chan struct{})
	go func() {
		defer close(hooksDone)
		_ = a.webhookWorker.Run(hooksCtx)
	}()
	defer func() { stopHooks(); <-hooksDone }()
	// Live events across replicas; stopped after HTTP and before the pool, like the workers.
	notifier, stopListening := a.listen()
	defer stopListening()

	handler := api.New(api.Config{
		AdminToken:     cfg.AdminToken,
		MaxBodyBytes:   cfg.MaxBodyBytes,
		MaxImportBytes: cfg.MaxImportBytes,
		RateLimit:      cfg.RateLimit,
		RateBurst:      cfg.RateBurst,
		RequestTimeout: cfg.RequestTimeout,
		TrustProxy:     cfg.TrustProxy,
		UserSecret:     cfg.UserSecret,
		Anonymous:      cfg.anonymousAllowed(),
	}, api.Deps{
		Logger:    log,
		Knowledge: a.knowledge,
		Auth:      a.auth,
		Bot:       a.bot,
		Ready:     a.ready,
		Notifier:  notifier,
		Webhooks:  a.webhooks,
	})

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		// No WriteTimeout: server-sent event streams stay open; non-streaming routes are
		// bounded by the API's own request timeout.
	}
	// Shutdown waits for handlers to return; event streams return only when told to.
	srv.RegisterOnShutdown(handler.CloseStreams)
	addr := ln.Addr().String()
	log.Info("listening", "url", "http://"+displayAddr(addr))
	if onListen != nil {
		onListen(addr)
	}

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// displayAddr turns ":8080" or "[::]:8080" into something a person can click.
func displayAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

func randomString(n int) string { return base64.RawURLEncoding.EncodeToString(randomBytes(n)) }

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return b
}
