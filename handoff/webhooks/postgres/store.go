// Package postgres is the webhooks.Store on PostgreSQL (migration 009_webhooks.sql).
package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/faqbot/faqbot/handoff/webhooks"
	"github.com/faqbot/faqbot/internal/postgres"
)

var _ webhooks.Store = (*Store)(nil)

// Store is a webhooks.Store on a pgx pool. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
}

// New returns a store on pool, whose database internal/postgres.Migrate has brought up to date.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

var kinds = postgres.Kinds{
	NotFound: webhooks.ErrNotFound, Conflict: webhooks.ErrConflict, Invalid: webhooks.ErrInvalid,
	Constraints: map[string]string{"webhook_deliveries_once": "the event has a delivery to this webhook already"},
	MissingRef:  "the webhook does not exist",
}

// wrap is kinds.Wrap that keeps nil nil, for the last statement of a transaction.
func wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	return kinds.Wrap(err, what)
}

func clock(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

type webhookRow struct {
	ID        int64      `db:"id"`
	URL       string     `db:"url"`
	Secret    string     `db:"secret"`
	Events    []string   `db:"events"`
	Active    bool       `db:"active"`
	CreatedAt time.Time  `db:"created_at"`
	RemovedAt *time.Time `db:"removed_at"`
}

func (r webhookRow) webhook() webhooks.Webhook {
	w := webhooks.Webhook{ID: r.ID, URL: r.URL, Secret: r.Secret, Events: r.Events, Active: r.Active,
		CreatedAt: r.CreatedAt.UTC()}
	if w.Events == nil {
		w.Events = []string{}
	}
	if r.RemovedAt != nil {
		w.RemovedAt = r.RemovedAt.UTC()
	}
	return w
}

const webhookColumns = `id, url, secret, events, active, created_at, removed_at`

func (s *Store) CreateWebhook(ctx context.Context, w *webhooks.Webhook) error {
	if err := w.Validate(); err != nil {
		return err
	}
	events := w.Events
	if events == nil {
		events = []string{}
	}
	w.CreatedAt = clock(w.CreatedAt)
	err := s.pool.QueryRow(ctx,
		`INSERT INTO webhooks (url, secret, events, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		w.URL, w.Secret, events, w.CreatedAt).Scan(&w.ID)
	if err != nil {
		return kinds.Wrap(err, "create webhook")
	}
	w.Active, w.RemovedAt, w.Events = true, time.Time{}, append([]string{}, events...)
	return nil
}

func (s *Store) Webhook(ctx context.Context, id int64) (webhooks.Webhook, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = $1`, id)
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[webhookRow])
	if err != nil {
		return webhooks.Webhook{}, kinds.Lookup(err, fmt.Sprintf("webhook %d", id))
	}
	return r.webhook(), nil
}

func (s *Store) ListWebhooks(ctx context.Context, afterID int64, limit int) ([]webhooks.Webhook, bool, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+webhookColumns+` FROM webhooks
		WHERE active AND id > $1 ORDER BY id LIMIT $2`, afterID, limit+1)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[webhookRow])
	if err != nil {
		return nil, false, kinds.Wrap(err, "list webhooks")
	}
	more := len(list) > limit
	if more {
		list = list[:limit]
	}
	out := make([]webhooks.Webhook, len(list))
	for i, r := range list {
		out[i] = r.webhook()
	}
	return out, more, nil
}

func (s *Store) RemoveWebhook(ctx context.Context, id int64, at time.Time) error {
	at = clock(at)
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var active bool
		err := tx.QueryRow(ctx, `SELECT active FROM webhooks WHERE id = $1 FOR UPDATE`, id).Scan(&active)
		if err != nil {
			return kinds.Wrap(err, fmt.Sprintf("webhook %d", id))
		}
		if !active {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE webhooks SET active = false, removed_at = $2 WHERE id = $1`, id, at); err != nil {
			return kinds.Wrap(err, "remove webhook")
		}
		// An attempt in flight loses its claim here (its Finish conflicts): once removed,
		// the webhook's undelivered events are dead letters, whatever the attempt does.
		_, err = tx.Exec(ctx, `UPDATE webhook_deliveries SET status = 'dead', last_error = $2, updated_at = $3
			WHERE webhook_id = $1 AND status = 'pending'`, id, webhooks.RemovedError, at)
		return wrap(err, "end the removed webhook's deliveries")
	})
}

func (s *Store) Cursor(ctx context.Context) (int64, error) {
	var c int64
	if err := s.pool.QueryRow(ctx, `SELECT last_event_id FROM webhook_relay`).Scan(&c); err != nil {
		return 0, kinds.Wrap(err, "read the relay cursor")
	}
	return c, nil
}

func (s *Store) Fanout(ctx context.Context, events []webhooks.Event, cursor int64, now, deadline time.Time) (int, error) {
	ids := make([]int64, len(events))
	types := make([]string, len(events))
	payloads := make([]string, len(events))
	for i, e := range events {
		ids[i], types[i], payloads[i] = e.ID, e.Type, string(e.Payload)
	}
	var n int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Webhooks with no filter take every type; the others the types they list.
		tag, err := tx.Exec(ctx, `
			INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, payload, status, next_at, deadline, created_at, updated_at)
			SELECT w.id, e.id, e.type, e.payload, 'pending', $4, $5, $4, $4
			FROM unnest($1::bigint[], $2::text[], $3::text[]) WITH ORDINALITY AS e (id, type, payload, ord)
			JOIN webhooks w ON w.active AND (cardinality(w.events) = 0 OR e.type = ANY (w.events))
			ORDER BY e.ord, w.id
			ON CONFLICT ON CONSTRAINT webhook_deliveries_once DO NOTHING`,
			ids, types, payloads, clock(now), clock(deadline))
		if err != nil {
			return kinds.Wrap(err, "fan out ticket events")
		}
		n = tag.RowsAffected()
		// Never backwards: a relay behind another (a hole it still waits at) keeps the
		// further cursor.
		_, err = tx.Exec(ctx, `UPDATE webhook_relay SET last_event_id = greatest(last_event_id, $1)`, cursor)
		return wrap(err, "move the relay cursor")
	})
	return int(n), err
}

type deliveryRow struct {
	ID             int64     `db:"id"`
	WebhookID      int64     `db:"webhook_id"`
	EventID        int64     `db:"event_id"`
	EventType      string    `db:"event_type"`
	Payload        string    `db:"payload"`
	Status         string    `db:"status"`
	Attempts       int       `db:"attempts"`
	NextAt         time.Time `db:"next_at"`
	Deadline       time.Time `db:"deadline"`
	LastStatusCode int       `db:"last_status_code"`
	LastError      string    `db:"last_error"`
	CreatedAt      time.Time `db:"created_at"`
	UpdatedAt      time.Time `db:"updated_at"`
}

func (r deliveryRow) delivery() webhooks.Delivery {
	return webhooks.Delivery{
		ID: r.ID, WebhookID: r.WebhookID, EventID: r.EventID, EventType: r.EventType,
		Payload: []byte(r.Payload), Status: webhooks.Status(r.Status), Attempts: r.Attempts,
		NextAt: r.NextAt.UTC(), Deadline: r.Deadline.UTC(), LastStatusCode: r.LastStatusCode,
		LastError: r.LastError, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

const deliveryColumns = `id, webhook_id, event_id, event_type, payload, status, attempts, next_at, deadline,
	last_status_code, last_error, created_at, updated_at`

func qualified(prefix string) string {
	return prefix + `id, ` + prefix + `webhook_id, ` + prefix + `event_id, ` + prefix + `event_type, ` +
		prefix + `payload, ` + prefix + `status, ` + prefix + `attempts, ` + prefix + `next_at, ` +
		prefix + `deadline, ` + prefix + `last_status_code, ` + prefix + `last_error, ` +
		prefix + `created_at, ` + prefix + `updated_at`
}

type claimRow struct {
	deliveryRow
	URL    string `db:"url"`
	Secret string `db:"secret"`
}

func (s *Store) Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]webhooks.Claim, error) {
	now = clock(now)
	// SKIP LOCKED: concurrent claims take disjoint rows without waiting for each other; the
	// lease (next_at moved ahead) keeps the rows away from later claims once this commits.
	rows, _ := s.pool.Query(ctx, `
		WITH due AS (
			SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id AND w.active
			WHERE d.status = 'pending' AND d.next_at <= $1
			ORDER BY d.next_at, d.id
			LIMIT $3
			FOR UPDATE OF d SKIP LOCKED
		)
		UPDATE webhook_deliveries d SET attempts = d.attempts + 1, next_at = $2
		FROM due, webhooks w
		WHERE d.id = due.id AND w.id = d.webhook_id
		RETURNING `+qualified("d.")+`, w.url, w.secret`,
		now, clock(now.Add(lease)), limit)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[claimRow])
	if err != nil {
		return nil, kinds.Wrap(err, "claim deliveries")
	}
	out := make([]webhooks.Claim, len(list))
	for i, r := range list {
		out[i] = webhooks.Claim{Delivery: r.delivery(), URL: r.URL, Secret: r.Secret}
	}
	// RETURNING comes in no particular order; callers get the claim order.
	sortClaims(out)
	return out, nil
}

func (s *Store) Finish(ctx context.Context, o webhooks.Outcome) (webhooks.Delivery, error) {
	if err := webhooks.CheckOutcome(o); err != nil {
		return webhooks.Delivery{}, err
	}
	var next any
	if o.Status == webhooks.StatusPending {
		next = clock(o.NextAt)
	}
	// The claim is named by its attempt and lease: any later claim, retry or removal has
	// changed one of them, or the status.
	rows, _ := s.pool.Query(ctx, `
		UPDATE webhook_deliveries SET status = $4, next_at = coalesce($5, next_at),
			last_status_code = $6, last_error = $7, updated_at = $8
		WHERE id = $1 AND status = 'pending' AND attempts = $2 AND next_at = $3
		RETURNING `+deliveryColumns,
		o.ID, o.Attempt, clock(o.LeaseUntil), string(o.Status), next, o.StatusCode,
		webhooks.TrimError(o.Error), clock(o.At))
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[deliveryRow])
	if errors.Is(err, pgx.ErrNoRows) {
		var exists bool
		if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE id = $1)`, o.ID).Scan(&exists); err != nil {
			return webhooks.Delivery{}, kinds.Wrap(err, "finish delivery")
		}
		if !exists {
			return webhooks.Delivery{}, fmt.Errorf("delivery %d: %w", o.ID, webhooks.ErrNotFound)
		}
		return webhooks.Delivery{}, webhooks.LostClaim(o.ID)
	}
	if err != nil {
		return webhooks.Delivery{}, kinds.Wrap(err, "finish delivery")
	}
	return r.delivery(), nil
}

func (s *Store) Deliveries(ctx context.Context, q webhooks.DeliveryQuery) ([]webhooks.Delivery, bool, error) {
	if _, err := s.Webhook(ctx, q.WebhookID); err != nil {
		return nil, false, err
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries
		WHERE webhook_id = $1 AND id > $2 AND ($3 = '' OR status = $3)
		ORDER BY id LIMIT $4`, q.WebhookID, q.AfterID, string(q.Status), q.Limit+1)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[deliveryRow])
	if err != nil {
		return nil, false, kinds.Wrap(err, "list deliveries")
	}
	more := len(list) > q.Limit
	if more {
		list = list[:q.Limit]
	}
	out := make([]webhooks.Delivery, len(list))
	for i, r := range list {
		out[i] = r.delivery()
	}
	return out, more, nil
}

func (s *Store) Retry(ctx context.Context, webhookID, deliveryID int64, now, deadline time.Time) (webhooks.Delivery, error) {
	var out webhooks.Delivery
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// The webhook's row lock orders this against a concurrent removal.
		var active bool
		err := tx.QueryRow(ctx, `SELECT active FROM webhooks WHERE id = $1 FOR SHARE`, webhookID).Scan(&active)
		if err != nil {
			return kinds.Wrap(err, fmt.Sprintf("webhook %d", webhookID))
		}
		rows, _ := tx.Query(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries
			WHERE id = $1 AND webhook_id = $2 FOR UPDATE`, deliveryID, webhookID)
		r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[deliveryRow])
		if errors.Is(err, pgx.ErrNoRows) {
			return webhooks.NoDelivery(webhookID, deliveryID)
		}
		if err != nil {
			return kinds.Wrap(err, "retry delivery")
		}
		switch {
		case !active:
			return webhooks.Removed(webhookID)
		case r.Status != string(webhooks.StatusDead):
			return webhooks.NotDead(deliveryID, webhooks.Status(r.Status))
		}
		rows, _ = tx.Query(ctx, `UPDATE webhook_deliveries SET status = 'pending', next_at = $2, deadline = $3, updated_at = $2
			WHERE id = $1 RETURNING `+deliveryColumns, deliveryID, clock(now), clock(deadline))
		r, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[deliveryRow])
		if err != nil {
			return kinds.Wrap(err, "retry delivery")
		}
		out = r.delivery()
		return nil
	})
	return out, err
}

func (s *Store) Prune(ctx context.Context, before time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM webhook_deliveries WHERE status = 'delivered' AND updated_at < $1`, clock(before))
	if err != nil {
		return 0, kinds.Wrap(err, "prune deliveries")
	}
	return int(tag.RowsAffected()), nil
}

func sortClaims(cs []webhooks.Claim) {
	slices.SortFunc(cs, func(a, b webhooks.Claim) int {
		return cmp.Or(a.NextAt.Compare(b.NextAt), cmp.Compare(a.ID, b.ID))
	})
}
