package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// ListenerName is the application_name of the listener's connection, so that an operator
// can tell it apart in pg_stat_activity (and a test can find it).
const ListenerName = "faqbot listener"

// Listener holds one dedicated connection that LISTENs to a few channels and rings the
// subscribers of each notification. A notification is a doorbell, not a message: whoever is
// rung reads the tables, which stay the truth. So the Listener may drop what a slow
// subscriber has not taken yet (its doorbell is already ringing), and when it loses its
// connection it reconnects with backoff and then rings every subscriber, since notifications
// sent in between are gone.
type Listener struct {
	url      string
	channels map[string]bool
	log      *slog.Logger

	// MinBackoff and MaxBackoff bound the wait between reconnection attempts; Keepalive is
	// how long the connection may stay quiet before it is checked with a ping (a silently
	// dropped connection would otherwise wait forever). Set them before Start.
	MinBackoff, MaxBackoff, Keepalive time.Duration

	mu   sync.Mutex
	subs map[string]map[string]map[*subscription]struct{} // channel -> key -> subscriptions

	cancel context.CancelFunc
	done   chan struct{}
}

type subscription struct {
	bell chan struct{}
}

// Defaults of a Listener.
const (
	DefaultMinBackoff = 50 * time.Millisecond
	DefaultMaxBackoff = 5 * time.Second
	DefaultKeepalive  = 30 * time.Second
	pingTimeout       = 5 * time.Second
)

// NewListener returns a listener of channels on the database at url; Start connects it.
func NewListener(url string, log *slog.Logger, channels ...string) *Listener {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l := &Listener{
		url: url, channels: map[string]bool{}, log: log,
		MinBackoff: DefaultMinBackoff, MaxBackoff: DefaultMaxBackoff, Keepalive: DefaultKeepalive,
		subs: map[string]map[string]map[*subscription]struct{}{},
	}
	for _, c := range channels {
		l.channels[c] = true
	}
	return l
}

// Subscribe returns a doorbell that rings after each notification on channel whose payload's
// key (what comes before the first space) is key, or after every notification on channel
// when key is empty; it also rings when the listener (re)connects. The doorbell holds one
// ring: a subscriber that has not taken it yet loses nothing by missing the next one. The
// returned func ends the subscription and may be called more than once. channel must be one
// the listener was made for.
func (l *Listener) Subscribe(channel, key string) (<-chan struct{}, func()) {
	if !l.channels[channel] {
		panic(fmt.Sprintf("postgres: the listener does not listen to channel %q", channel))
	}
	s := &subscription{bell: make(chan struct{}, 1)}
	l.mu.Lock()
	byKey := l.subs[channel]
	if byKey == nil {
		byKey = map[string]map[*subscription]struct{}{}
		l.subs[channel] = byKey
	}
	if byKey[key] == nil {
		byKey[key] = map[*subscription]struct{}{}
	}
	byKey[key][s] = struct{}{}
	l.mu.Unlock()

	var once sync.Once
	return s.bell, func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			delete(byKey[key], s)
			if len(byKey[key]) == 0 {
				delete(byKey, key)
			}
		})
	}
}

// Start connects and listens in the background until Close.
func (l *Listener) Start(ctx context.Context) {
	ctx, l.cancel = context.WithCancel(ctx)
	l.done = make(chan struct{})
	go func() {
		defer close(l.done)
		l.run(ctx)
	}()
}

// Close stops listening and closes the connection; it waits until both are done.
func (l *Listener) Close() {
	if l.cancel == nil {
		return
	}
	l.cancel()
	<-l.done
}

func (l *Listener) run(ctx context.Context) {
	delay := l.MinBackoff
	for {
		conn, err := l.connect(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			l.log.Warn("cannot listen for database notifications; live events fall back to polling until it can",
				"retry_in", delay.String(), "error", err.Error())
			if !sleep(ctx, jitter(delay)) {
				return
			}
			delay = min(2*delay, l.MaxBackoff)
			continue
		}
		since := time.Now()
		l.log.Info("listening for database notifications", "channels", len(l.channels))
		// Whatever happened while nobody listened was not announced to us.
		l.ringAll()
		err = l.receive(ctx, conn)
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), pingTimeout)
		_ = conn.Close(closeCtx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		l.log.Warn("lost the connection that listens for database notifications; reconnecting", "error", err.Error())
		if time.Since(since) > l.MaxBackoff {
			delay = l.MinBackoff // it was a working connection, not a flapping one
		}
		if !sleep(ctx, jitter(delay)) {
			return
		}
		delay = min(2*delay, l.MaxBackoff)
	}
}

// connect opens the connection and LISTENs to every channel.
func (l *Listener) connect(ctx context.Context) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(l.url)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = connectTimeout
	}
	if _, set := cfg.RuntimeParams["application_name"]; !set {
		cfg.RuntimeParams["application_name"] = ListenerName
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", describe(cfg), err)
	}
	for c := range l.channels {
		if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{c}.Sanitize()); err != nil {
			_ = conn.Close(context.WithoutCancel(ctx))
			return nil, fmt.Errorf("listen to %s: %w", c, err)
		}
	}
	return conn, nil
}

// receive dispatches notifications until the connection fails or ctx ends. A quiet
// connection is pinged every Keepalive, so one that died without a word is noticed.
func (l *Listener) receive(ctx context.Context, conn *pgx.Conn) error {
	for {
		wait, cancel := context.WithTimeout(ctx, l.Keepalive)
		n, err := conn.WaitForNotification(wait)
		quiet := wait.Err() != nil
		cancel()
		switch {
		case err == nil:
			l.dispatch(n.Channel, n.Payload)
			continue
		case ctx.Err() != nil:
			return ctx.Err()
		case !quiet || !errors.Is(err, context.DeadlineExceeded):
			return err
		}
		ping, cancel := context.WithTimeout(ctx, pingTimeout)
		err = conn.Ping(ping)
		cancel()
		if err != nil {
			return fmt.Errorf("ping: %w", err)
		}
	}
}

func (l *Listener) dispatch(channel, payload string) {
	key, _, _ := strings.Cut(payload, " ")
	l.mu.Lock()
	defer l.mu.Unlock()
	byKey := l.subs[channel]
	for s := range byKey[""] {
		ring(s.bell)
	}
	if key != "" {
		for s := range byKey[key] {
			ring(s.bell)
		}
	}
}

func (l *Listener) ringAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, byKey := range l.subs {
		for _, subs := range byKey {
			for s := range subs {
				ring(s.bell)
			}
		}
	}
}

// ring never blocks: a bell already ringing needs no second ring.
func ring(bell chan struct{}) {
	select {
	case bell <- struct{}{}:
	default:
	}
}

// jitter spreads the reconnections of many replicas after a database restart.
func jitter(d time.Duration) time.Duration {
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
