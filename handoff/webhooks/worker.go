package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/faqbot/faqbot/handoff"
)

// EventSource is the ticket event log the relay tails (handoff.Store has it).
type EventSource interface {
	EventsAfter(ctx context.Context, afterID int64, limit int) ([]handoff.Event, error)
}

// WorkerConfig tunes a Worker; zero values take the defaults.
type WorkerConfig struct {
	Interval    time.Duration // between steps of Run (default 1 s)
	Batch       int           // events read per page, deliveries sent per step (default 100)
	Pages       int           // pages of events read per step at most (default 10)
	Concurrency int           // attempts sent at once (default 8)
	Timeout     time.Duration // of one attempt, connecting included (default 10 s)
	// Lease is how long a claimed delivery is hidden from other workers; it must outlast an
	// attempt (default Timeout + 1 min). A worker that dies mid-attempt delays it by this.
	Lease time.Duration
	// Retention is how long delivered deliveries are kept (default 7 days); dead ones stay.
	Retention time.Duration
	Backoff   Backoff
}

// Defaults returns c with the defaults in place of its zero values.
func (c WorkerConfig) Defaults() WorkerConfig { return c.withDefaults() }

func (c WorkerConfig) withDefaults() WorkerConfig {
	if c.Interval <= 0 {
		c.Interval = time.Second
	}
	if c.Batch <= 0 {
		c.Batch = 100
	}
	c.Batch = min(c.Batch, handoff.MaxEventsLimit)
	if c.Pages <= 0 {
		c.Pages = 10
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 8
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Lease <= c.Timeout {
		c.Lease = c.Timeout + time.Minute
	}
	if c.Retention <= 0 {
		c.Retention = 7 * 24 * time.Hour
	}
	c.Backoff = c.Backoff.withDefaults()
	return c
}

// Worker relays the ticket event log into deliveries and sends them. Run it in every
// replica: the store shares the work out.
type Worker struct {
	store  Store
	events EventSource
	client *http.Client
	cfg    WorkerConfig
	log    *slog.Logger

	mu     sync.Mutex // one Step at a time per worker
	pruned time.Time  // when Step last pruned delivered deliveries
}

// NewWorker returns a worker; client should come from Policy.Client (nil: a client of the
// empty policy, which refuses every internal address).
func NewWorker(store Store, events EventSource, client *http.Client, cfg WorkerConfig, log *slog.Logger) *Worker {
	cfg = cfg.withDefaults()
	if client == nil {
		client = Policy{}.Client(cfg.Timeout)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Worker{store: store, events: events, client: client, cfg: cfg, log: log}
}

// Run steps every Interval until ctx ends. Attempts in flight when it ends are not recorded:
// their leases lapse and another worker sends them again (at least once).
func (w *Worker) Run(ctx context.Context) error {
	t := time.NewTicker(w.cfg.Interval)
	defer t.Stop()
	for {
		if _, err := w.Step(ctx, time.Now()); err != nil && ctx.Err() == nil {
			w.log.Warn("webhooks: step failed", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// StepResult counts what one step did.
type StepResult struct {
	Events    int // ticket events read
	Enqueued  int // deliveries created
	Delivered int
	Retrying  int
	Dead      int
	Lost      int // attempts whose claim had lapsed when they ended
}

// Step relays new events into deliveries, then sends the deliveries due at now. Tests call
// it with a fake clock; Run calls it with the real one.
func (w *Worker) Step(ctx context.Context, now time.Time) (StepResult, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var res StepResult
	// A relay that fails (the feed is down) does not hold up what is already queued.
	var errs []error
	if err := w.relay(ctx, now, &res); err != nil {
		errs = append(errs, fmt.Errorf("relay ticket events: %w", err))
	}
	if err := w.dispatch(ctx, now, &res); err != nil {
		errs = append(errs, fmt.Errorf("send deliveries: %w", err))
	}
	if len(errs) > 0 {
		return res, errors.Join(errs...)
	}
	if now.Sub(w.pruned) >= time.Hour {
		if _, err := w.store.Prune(ctx, now.Add(-w.cfg.Retention)); err != nil {
			return res, fmt.Errorf("prune delivered deliveries: %w", err)
		}
		w.pruned = now
	}
	return res, nil
}

// relay fans out the events after the cursor, a page at a time, and moves the cursor to the
// last event of each page. The feed never hands out an event while one with a smaller id may
// still commit (handoff.Store.EventsAfter), so a cursor at the last event read misses nothing.
// Fanout writes the deliveries and the cursor at once; a relay that runs again, here or in
// another replica, finds the deliveries there and adds nothing.
func (w *Worker) relay(ctx context.Context, now time.Time, res *StepResult) error {
	after, err := w.store.Cursor(ctx)
	if err != nil {
		return err
	}
	for range w.cfg.Pages {
		page, err := w.events.EventsAfter(ctx, after, w.cfg.Batch)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		out := make([]Event, 0, len(page))
		for _, e := range page {
			if e.ID <= after {
				return fmt.Errorf("the event feed went back from %d to %d", after, e.ID)
			}
			after = e.ID
			ev, err := EventOf(e)
			if err != nil {
				return err
			}
			out = append(out, ev)
		}
		n, err := w.store.Fanout(ctx, out, after, now, now.Add(w.cfg.Backoff.Window))
		if err != nil {
			return err
		}
		res.Events += len(page)
		res.Enqueued += n
		if len(page) < w.cfg.Batch {
			return nil
		}
	}
	return nil
}

// dispatch sends the deliveries due, up to Batch, in rounds of Concurrency: each round is
// claimed just before it is sent, so a lease (Timeout plus a margin) covers its attempts
// however long the step runs. Later rounds take the time as it has moved since now.
func (w *Worker) dispatch(ctx context.Context, now time.Time, res *StepResult) error {
	start := time.Now()
	for sent := 0; sent < w.cfg.Batch && ctx.Err() == nil; {
		at := now
		if sent > 0 {
			at = now.Add(time.Since(start))
		}
		claims, err := w.store.Claim(ctx, at, w.cfg.Lease, min(w.cfg.Concurrency, w.cfg.Batch-sent))
		if err != nil || len(claims) == 0 {
			return err
		}
		if err := w.sendAll(ctx, claims, at, res); err != nil {
			return err
		}
		sent += len(claims)
	}
	return nil
}

// sendAll makes one attempt of each claim at once and records the outcomes.
func (w *Worker) sendAll(ctx context.Context, claims []Claim, now time.Time, res *StepResult) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, c := range claims {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o, ok := w.attempt(ctx, c, now)
			if !ok {
				return // shutting down: the lease lapses and the attempt is made again
			}
			_, err := w.store.Finish(ctx, o)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, ErrConflict):
				res.Lost++
				w.log.Info("webhooks: an attempt ended after its claim", "delivery", c.ID, "error", err.Error())
			case err != nil:
				errs = append(errs, err)
			case o.Status == StatusDelivered:
				res.Delivered++
			case o.Status == StatusDead:
				res.Dead++
				w.log.Warn("webhooks: delivery dead after its retry window", "delivery", c.ID,
					"webhook", c.WebhookID, "event", c.EventID, "attempts", c.Attempts, "error", o.Error)
			default:
				res.Retrying++
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// attempt sends one claimed delivery and says what follows; ok is false when ctx ended
// during the attempt, whose outcome then says nothing about the receiver.
func (w *Worker) attempt(ctx context.Context, c Claim, now time.Time) (Outcome, bool) {
	o := Outcome{ID: c.ID, Attempt: c.Attempts, LeaseUntil: c.NextAt, At: now}
	code, err := w.send(ctx, c, now)
	if ctx.Err() != nil {
		return o, false
	}
	o.StatusCode = code
	if err == nil {
		o.Status = StatusDelivered
		return o, true
	}
	o.Error = TrimError(err.Error())
	next, dead := w.cfg.Backoff.After(c.Attempts, now, c.Deadline)
	if dead {
		o.Status = StatusDead
	} else {
		o.Status, o.NextAt = StatusPending, next
	}
	return o, true
}

// send POSTs the payload, signed at now; a 2xx answer is a delivery.
func (w *Worker) send(ctx context.Context, c Claim, now time.Time) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(c.Payload))
	if err != nil {
		return 0, fmt.Errorf("build the request: %w", err)
	}
	ts := now.Unix()
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "faqbot-webhooks/1")
	h.Set(HeaderEventID, strconv.FormatInt(c.EventID, 10))
	h.Set(HeaderEventType, c.EventType)
	h.Set(HeaderDeliveryID, strconv.FormatInt(c.ID, 10))
	h.Set(HeaderAttempt, strconv.Itoa(c.Attempts))
	h.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	h.Set(HeaderSignature, Sign(c.Secret, ts, c.Payload))
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, describe(err, w.cfg.Timeout)
	}
	defer resp.Body.Close()
	// A little of the body says why a receiver refused; the rest is drained (bounded) so
	// the connection can be reused.
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, nil
	}
	msg := fmt.Sprintf("the receiver answered %s", resp.Status)
	if s := strings.TrimSpace(strings.ToValidUTF8(string(head), "")); s != "" && utf8.ValidString(s) {
		msg += ": " + s
	}
	return resp.StatusCode, errors.New(msg)
}

// describe words a failed request for the admin reading the dead letter.
func describe(err error, timeout time.Duration) error {
	var refused *RefusedError
	switch {
	case errors.As(err, &refused):
		return refused
	case isTimeout(err):
		return fmt.Errorf("the receiver did not answer within %s", timeout)
	}
	return err
}
