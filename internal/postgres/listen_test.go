package postgres_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/internal/postgres"
	"github.com/faqbot/faqbot/internal/postgres/pgtest"
)

// waitLimit bounds every wait for a notification: a failure, not a measurement.
const waitLimit = 10 * time.Second

func listenConn(t *testing.T, url string, channels ...string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	for _, c := range channels {
		_, err := conn.Exec(ctx, "LISTEN "+c)
		require.NoError(t, err)
	}
	return conn
}

func nextNotification(t *testing.T, conn *pgx.Conn) *pgconn.Notification {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	n, err := conn.WaitForNotification(ctx)
	require.NoError(t, err, "no notification came")
	return n
}

func insertConversation(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	var id string
	err := pool.QueryRow(context.Background(), `INSERT INTO conversations (owner_id, state, created_at, updated_at)
		VALUES ('u', 'bot', now(), now()) RETURNING id::text`).Scan(&id)
	require.NoError(t, err)
	return id
}

func insertMessage(t *testing.T, q interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}, conv string, seq int) {
	t.Helper()
	_, err := q.Exec(context.Background(), `INSERT INTO messages (conversation_id, seq, role, text, created_at)
		VALUES ($1, $2, 'user', 'hi', now())`, conv, seq)
	require.NoError(t, err)
}

// TestTriggersNotifyAtCommit checks migration 008: each write announces itself on its
// channel with the payload the API filters on, at commit, and a rollback announces nothing.
func TestTriggersNotifyAtCommit(t *testing.T) {
	ctx := context.Background()
	url, pool := database(t)
	conn := listenConn(t, url, "faqbot_tickets", "faqbot_messages", "faqbot_states")

	conv := insertConversation(t, pool)
	// A rolled-back message is never announced: the next notification is the committed one.
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	insertMessage(t, tx, conv, 1)
	require.NoError(t, tx.Rollback(ctx))
	insertMessage(t, pool, conv, 1)
	n := nextNotification(t, conn)
	assert.Equal(t, "faqbot_messages", n.Channel)
	assert.Equal(t, conv+" 1", n.Payload)

	// Only a change of state is announced, not other updates of the conversation.
	_, err = pool.Exec(ctx, "UPDATE conversations SET low_streak = 1, state = 'bot' WHERE id = $1", conv)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, "UPDATE conversations SET state = 'queued' WHERE id = $1", conv)
	require.NoError(t, err)
	n = nextNotification(t, conn)
	assert.Equal(t, "faqbot_states", n.Channel)
	assert.Equal(t, conv+" queued", n.Payload)

	var ticket, event int64
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO tickets (number, conversation_id, owner_id, status, priority,
		queue, created_at, due_at, updated_at) VALUES ('T-1', $1, 'u', 'queued', 3, 'general', now(), now(), now())
		RETURNING id`, conv).Scan(&ticket))
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO ticket_events (ticket_id, at, actor, kind)
		VALUES ($1, now(), 'bot', 'created') RETURNING id`, ticket).Scan(&event))
	n = nextNotification(t, conn)
	assert.Equal(t, "faqbot_tickets", n.Channel)
	assert.Equal(t, strconv.FormatInt(event, 10), n.Payload)

	// Notifications of one transaction arrive after its commit, in order.
	tx, err = pool.Begin(ctx)
	require.NoError(t, err)
	insertMessage(t, tx, conv, 2)
	_, err = tx.Exec(ctx, "UPDATE conversations SET state = 'agent' WHERE id = $1", conv)
	require.NoError(t, err)
	require.NoError(t, tx.Commit(ctx))
	assert.Equal(t, conv+" 2", nextNotification(t, conn).Payload)
	assert.Equal(t, conv+" agent", nextNotification(t, conn).Payload)
}

// newListener returns a listener not started yet: subscribe first, so the ring of the first
// connection is seen.
func newListener(t *testing.T, url string) *postgres.Listener {
	t.Helper()
	l := postgres.NewListener(url, nil, "faqbot_messages", "faqbot_tickets")
	l.MinBackoff, l.MaxBackoff = 10*time.Millisecond, 100*time.Millisecond
	t.Cleanup(l.Close)
	return l
}

func rung(t *testing.T, bell <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-bell:
	case <-time.After(waitLimit):
		t.Fatalf("%s: the doorbell did not ring", what)
	}
}

func silent(t *testing.T, bell <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-bell:
		t.Fatalf("%s: the doorbell rang", what)
	default:
	}
}

// database is a fresh database's URL and a pool on it: notifications stay in their database.
func database(t *testing.T) (string, *pgxpool.Pool) {
	t.Helper()
	url := pgtest.URL(t)
	pool, err := postgres.Connect(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return url, pool
}

func notify(t *testing.T, pool *pgxpool.Pool, channel, payload string) {
	t.Helper()
	_, err := pool.Exec(context.Background(), "SELECT pg_notify($1, $2)", channel, payload)
	require.NoError(t, err)
}

func TestListenerRingsBySubscriptionKey(t *testing.T) {
	url, pool := database(t)
	l := newListener(t, url)
	all, endAll := l.Subscribe("faqbot_messages", "")
	defer endAll()
	mine, endMine := l.Subscribe("faqbot_messages", "conv-a")
	defer endMine()
	tickets, endTickets := l.Subscribe("faqbot_tickets", "")
	defer endTickets()
	l.Start(context.Background())
	rung(t, all, "connected")
	rung(t, mine, "connected")
	rung(t, tickets, "connected")

	notify(t, pool, "faqbot_messages", "conv-b 1")
	rung(t, all, "any key")
	// Notifications are dispatched in order, so once the next one rang, conv-b's is done.
	notify(t, pool, "faqbot_messages", "conv-a 2")
	rung(t, all, "any key")
	rung(t, mine, "its key")
	silent(t, mine, "conv-b's message")
	silent(t, tickets, "another channel")

	notify(t, pool, "faqbot_tickets", "17")
	rung(t, tickets, "a ticket event")

	// An ended subscription is not rung, and ending it twice is harmless.
	endMine()
	endMine()
	notify(t, pool, "faqbot_messages", "conv-a 3")
	rung(t, all, "any key")
	silent(t, mine, "after the end")

	assert.Panics(t, func() { l.Subscribe("faqbot_other", "") }, "a channel nobody listens to")
}

func TestListenerNeverWaitsForASlowSubscriber(t *testing.T) {
	url, pool := database(t)
	l := newListener(t, url)
	slow, endSlow := l.Subscribe("faqbot_messages", "") // never read
	defer endSlow()
	fast, endFast := l.Subscribe("faqbot_messages", "")
	defer endFast()
	l.Start(context.Background())
	rung(t, slow, "connected")
	rung(t, fast, "connected")

	for i := range 50 {
		notify(t, pool, "faqbot_messages", "c "+strconv.Itoa(i))
		rung(t, fast, "notification "+strconv.Itoa(i))
	}
	// The slow one holds a single ring: it reads the tables once and is up to date.
	rung(t, slow, "the slow subscriber")
	silent(t, slow, "the slow subscriber, once read")
}

func TestListenerReconnectsAfterTheConnectionDrops(t *testing.T) {
	ctx := context.Background()
	url, pool := database(t)
	l := newListener(t, url)
	bell, end := l.Subscribe("faqbot_tickets", "")
	defer end()
	l.Start(ctx)
	rung(t, bell, "connected")

	for round := range 2 {
		// Terminated and gone (the call waits up to 5 s for the backend to exit), so nothing
		// can come from the old connection any more.
		var killed int
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000))
			FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`,
			postgres.ListenerName).Scan(&killed))
		require.Equal(t, 1, killed, "round %d: the listener's one connection", round)
		// Notifications sent meanwhile were lost, so the listener rings everybody once it
		// listens again...
		rung(t, bell, "reconnected")
		// ...and then the bell rings for what comes next.
		silent(t, bell, "drained")
		notify(t, pool, "faqbot_tickets", "after")
		rung(t, bell, "a notification after the reconnection")
	}
}

func TestListenerCloseEndsItsConnection(t *testing.T) {
	ctx := context.Background()
	url, pool := database(t)
	l := postgres.NewListener(url, nil, "faqbot_tickets")
	bell, end := l.Subscribe("faqbot_tickets", "")
	defer end()
	l.Start(ctx)
	rung(t, bell, "connected")
	l.Close()
	l.Close()
	// The backend exits just after the client said goodbye.
	assert.Eventually(t, func() bool {
		var n int
		err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE application_name = $1 AND datname = current_database()`, postgres.ListenerName).Scan(&n)
		return err == nil && n == 0
	}, waitLimit, 10*time.Millisecond, "no connection is left behind")
}
