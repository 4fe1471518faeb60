package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/faqbot/faqbot/handoff"
)

// The agents' workflow. Each change and its event are one statement (or one transaction), so
// the event log holds exactly the changes that committed.

// List implements handoff.Store. The statement is built for the filters given, so that each
// shape gets a plan of its own: one status and one queue read tickets_list_idx in order.
func (s *Store) List(ctx context.Context, q handoff.ListQuery) ([]handoff.Ticket, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	statuses := []string{string(handoff.StatusQueued), string(handoff.StatusAssigned)}
	if len(q.Statuses) > 0 {
		statuses = statuses[:0]
		for _, st := range q.Statuses {
			statuses = append(statuses, string(st))
		}
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	where = append(where, matchAny("status", statuses, arg))
	if len(q.Queues) > 0 {
		where = append(where, matchAny("queue", q.Queues, arg))
	}
	if c := q.After; c != nil {
		where = append(where, fmt.Sprintf("(priority, due_at, id) > (%s, %s, %s)",
			arg(int(c.Priority)), arg(clock(c.DueAt)), arg(c.ID)))
	}
	sql := "SELECT " + ticketColumns + " FROM tickets WHERE " + strings.Join(where, " AND ") +
		" ORDER BY priority, due_at, id LIMIT " + arg(q.Limit)
	rows, _ := s.pool.Query(ctx, sql, args...)
	got, err := pgx.CollectRows(rows, pgx.RowToStructByName[ticketRow])
	if err != nil {
		return nil, dbError(err, "list tickets")
	}
	out := make([]handoff.Ticket, len(got))
	for i, r := range got {
		out[i] = r.ticket()
	}
	return out, nil
}

// matchAny is column = the one value, or column = ANY of several: the planner reads an
// equality as one range of an index, where ANY may make it sort.
func matchAny(column string, values []string, arg func(any) string) string {
	if len(values) == 1 {
		return column + " = " + arg(values[0])
	}
	return column + " = ANY(" + arg(values) + ")"
}

// claim takes the head of the line and writes the event in one statement. SKIP LOCKED lets
// concurrent claimers step over each other's rows instead of queueing behind them; a row
// another claimer took and committed meanwhile fails the status check on its new version and
// is stepped over too. %s is the queue filter.
const claim = `WITH next AS (
	SELECT id FROM tickets WHERE status = 'queued'%s
	ORDER BY priority, due_at, id LIMIT 1 FOR UPDATE SKIP LOCKED
), up AS (
	UPDATE tickets t SET status = 'assigned', assigned_to = $1, lease_until = $2, updated_at = $3
	FROM next WHERE t.id = next.id
	RETURNING %s
), ev AS (
	INSERT INTO ticket_events (ticket_id, at, actor, kind, detail)
	SELECT id, $3, $1::text, 'claimed', jsonb_build_object('agent', $1::text, 'lease_until', $4::text) FROM up
)
SELECT %s FROM up`

var (
	claimAny   = fmt.Sprintf(claim, "", selectList("t."), strings.Join(columns, ", "))
	claimOne   = fmt.Sprintf(claim, " AND queue = $5", selectList("t."), strings.Join(columns, ", "))
	claimAmong = fmt.Sprintf(claim, " AND queue = ANY($5)", selectList("t."), strings.Join(columns, ", "))
)

// Claim implements handoff.Store.
func (s *Store) Claim(ctx context.Context, q handoff.ClaimRequest) (handoff.Ticket, error) {
	if err := q.Validate(); err != nil {
		return handoff.Ticket{}, err
	}
	now := clock(q.Now)
	lease := clock(now.Add(q.LeaseOrDefault()))
	args := []any{q.Agent, lease, now, handoff.DetailTime(lease)}
	sql := claimAny
	switch len(q.Queues) {
	case 0:
	case 1:
		sql, args = claimOne, append(args, q.Queues[0])
	default:
		sql, args = claimAmong, append(args, q.Queues)
	}
	rows, _ := s.pool.Query(ctx, sql, args...)
	t, err := oneTicket(rows)
	if errors.Is(err, pgx.ErrNoRows) {
		return handoff.Ticket{}, fmt.Errorf("claim for %s: %w", q.Agent, handoff.ErrNoneWaiting)
	}
	if err != nil {
		return handoff.Ticket{}, dbError(err, "claim for %s", q.Agent)
	}
	return t, nil
}

// current is what a change checks of the row it has locked.
type current struct {
	ID         int64  `db:"id"`
	Status     string `db:"status"`
	Queue      string `db:"queue"`
	AssignedTo string `db:"assigned_to"`
}

// change locks the ticket's row, lets check refuse the change, then runs stmt (which returns
// the changed ticket) in the same transaction: the check and the write are one step, and a
// refusal says exactly why.
func (s *Store) change(ctx context.Context, number, what string, check func(current) error, stmt string, args ...any) (handoff.Ticket, error) {
	var t handoff.Ticket
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, "SELECT id, status, queue, assigned_to FROM tickets WHERE number = $1 FOR UPDATE", number)
		cur, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[current])
		if err != nil {
			return lookupError(err, "ticket %q", number)
		}
		if err := check(cur); err != nil {
			return err
		}
		rows, _ = tx.Query(ctx, stmt, append([]any{cur.ID}, args...)...)
		if t, err = oneTicket(rows); err != nil {
			return dbError(err, "%s ticket %s", what, number)
		}
		return nil
	})
	return t, err
}

// respond assigns the locked ticket to the agent, renews the lease, sets the first response
// once and writes the event.
var respond = `WITH up AS (
	UPDATE tickets t SET status = 'assigned', assigned_to = $2, lease_until = $4, updated_at = $3,
		first_response_at = coalesce(t.first_response_at, $3)
	FROM (SELECT first_response_at IS NULL AS first FROM tickets WHERE id = $1) old
	WHERE t.id = $1
	RETURNING ` + selectList("t.") + `, old.first
), ev AS (
	INSERT INTO ticket_events (ticket_id, at, actor, kind, detail)
	SELECT id, $3, $2::text, 'replied', jsonb_build_object('agent', $2::text, 'first', first::text) FROM up
)
SELECT ` + strings.Join(columns, ", ") + ` FROM up`

// Respond implements handoff.Store.
func (s *Store) Respond(ctx context.Context, number, agent string, now, leaseUntil time.Time) (handoff.Ticket, error) {
	if err := handoff.CheckRespond(agent, now, leaseUntil); err != nil {
		return handoff.Ticket{}, err
	}
	return s.change(ctx, number, "reply to", func(cur current) error {
		switch {
		case !isOpen(cur.Status):
			return fmt.Errorf("reply to ticket %s, which is %s: %w", number, cur.Status, handoff.ErrAlreadyResolved)
		case cur.Status == string(handoff.StatusAssigned) && cur.AssignedTo != agent:
			return fmt.Errorf("reply to ticket %s as %s: %w", number, agent, handoff.ErrAssignedElsewhere)
		}
		return nil
	}, respond, agent, clock(now), clock(leaseUntil))
}

// transfer puts the locked ticket in the line of another queue and writes the event.
var transfer = `WITH old AS (
	SELECT queue FROM tickets WHERE id = $1
), up AS (
	UPDATE tickets t SET queue = $3, status = 'queued', assigned_to = '', lease_until = NULL, updated_at = $4
	WHERE t.id = $1
	RETURNING ` + selectList("t.") + `
), ev AS (
	INSERT INTO ticket_events (ticket_id, at, actor, kind, detail)
	SELECT up.id, $4, $2::text, 'transferred', jsonb_build_object('from', old.queue, 'to', $3::text) FROM up, old
)
SELECT ` + strings.Join(columns, ", ") + ` FROM up`

// Transfer implements handoff.Store.
func (s *Store) Transfer(ctx context.Context, number, actor, queue string, now time.Time) (handoff.Ticket, error) {
	if err := handoff.CheckTransfer(actor, queue, now); err != nil {
		return handoff.Ticket{}, err
	}
	return s.change(ctx, number, "transfer", func(cur current) error {
		switch {
		case !isOpen(cur.Status):
			return fmt.Errorf("transfer ticket %s, which is %s: %w", number, cur.Status, handoff.ErrAlreadyResolved)
		case cur.Queue == queue:
			return fmt.Errorf("transfer: queue: ticket %s is in %s already: %w", number, queue, handoff.ErrInvalid)
		}
		return nil
	}, transfer, actor, queue, clock(now))
}

// The sweeps. Each selects its rows with FOR UPDATE SKIP LOCKED: a row an agent is changing
// right now is left for the next sweep (its change may well make it no longer due), and
// sweepers on several replicas never wait for each other nor sweep a row twice. They work in
// batches of sweepBatch rows, one transaction each, until a batch comes back short: a backlog
// (the first sweep after an outage) never becomes one long transaction. The UPDATE names its
// rows by id as an array too, so that it reaches them through the primary key whatever the
// planner guesses of the batch's size, instead of joining it to a read of the whole table.
// %[1]s and %[2]s are the changed rows' select lists (sweepSQL).

var release = sweepSQL(`WITH due AS (
	SELECT id, assigned_to FROM tickets WHERE status = 'assigned' AND lease_until < $1
	LIMIT %[3]d FOR UPDATE SKIP LOCKED
), up AS (
	UPDATE tickets t SET status = 'queued', assigned_to = '', lease_until = NULL, updated_at = $1
	FROM due WHERE t.id = due.id AND t.id = ANY (ARRAY(SELECT id FROM due))
	RETURNING %[1]s, due.assigned_to AS agent
), ev AS (
	INSERT INTO ticket_events (ticket_id, at, actor, kind, detail)
	SELECT id, $1, $2::text, 'released', jsonb_build_object('agent', agent) FROM up ORDER BY id
)
SELECT %[2]s FROM up ORDER BY id`)

// ReleaseLapsed implements handoff.Store; tickets_lease_idx finds the lapsed leases.
func (s *Store) ReleaseLapsed(ctx context.Context, now time.Time) ([]handoff.Ticket, error) {
	if now.IsZero() {
		return nil, fmt.Errorf("release: now is not set: %w", handoff.ErrInvalid)
	}
	return s.sweep(ctx, "release lapsed leases", release, clock(now), handoff.ActorBot)
}

// breach raises each due ticket one tier; $2 and $3 hold each tier's new due time, as a time
// and as the event's text.
var breach = sweepSQL(`WITH due AS (
	SELECT id, priority FROM tickets
	WHERE status IN ('queued', 'assigned') AND first_response_at IS NULL AND due_at < $1
		AND (breached_at IS NULL OR breached_at < due_at)
	LIMIT %[3]d FOR UPDATE SKIP LOCKED
), up AS (
	UPDATE tickets t SET priority = greatest(due.priority - 1, 1),
		due_at = ($2::timestamptz[])[greatest(due.priority - 1, 1)], breached_at = $1, updated_at = $1
	FROM due WHERE t.id = due.id AND t.id = ANY (ARRAY(SELECT id FROM due))
	RETURNING %[1]s, due.priority AS old_priority
), ev AS (
	INSERT INTO ticket_events (ticket_id, at, actor, kind, detail)
	SELECT id, $1, $4::text, 'breached', jsonb_build_object('from', 'P' || old_priority, 'to', 'P' || priority,
		'due_at', ($3::text[])[priority]) FROM up ORDER BY id
)
SELECT %[2]s FROM up ORDER BY id`)

// SweepBreached implements handoff.Store; tickets_unanswered_idx finds the overdue tickets.
func (s *Store) SweepBreached(ctx context.Context, now time.Time, sla map[handoff.Priority]time.Duration) ([]handoff.Ticket, error) {
	if err := handoff.CheckSweep(now, sla); err != nil {
		return nil, err
	}
	now = clock(now)
	dues := make([]time.Time, 3)
	texts := make([]string, 3)
	for i, p := range []handoff.Priority{handoff.P1, handoff.P2, handoff.P3} {
		dues[i] = clock(now.Add(sla[p]))
		texts[i] = handoff.DetailTime(dues[i])
	}
	return s.sweep(ctx, "sweep breached tickets", breach, now, dues, texts, handoff.ActorBot)
}

var closeUnrated = sweepSQL(`WITH due AS (
	SELECT id FROM tickets t
	WHERE status = 'resolved' AND resolved_at < $1
		AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.ticket_id = t.id)
	LIMIT %[3]d FOR UPDATE SKIP LOCKED
), up AS (
	UPDATE tickets t SET status = 'closed', closed_at = $2, updated_at = $2
	FROM due WHERE t.id = due.id AND t.id = ANY (ARRAY(SELECT id FROM due))
	RETURNING %[1]s
), ev AS (
	INSERT INTO ticket_events (ticket_id, at, actor, kind, detail)
	SELECT id, $2, $3::text, 'closed', jsonb_build_object('reason', 'unrated') FROM up ORDER BY id
)
SELECT %[2]s FROM up ORDER BY id`)

// CloseUnrated implements handoff.Store; tickets_resolved_idx finds the candidates. A rating
// racing the close either locks the row first (the close skips it) or finds it closed.
func (s *Store) CloseUnrated(ctx context.Context, before time.Time) ([]handoff.Ticket, error) {
	if before.IsZero() {
		return nil, fmt.Errorf("close unrated: before is not set: %w", handoff.ErrInvalid)
	}
	return s.sweep(ctx, "close unrated tickets", closeUnrated, clock(before), now(), handoff.ActorBot)
}

const sweepBatch = 500

// sweepSQL fills a sweep's select lists and batch size.
func sweepSQL(stmt string) string {
	return fmt.Sprintf(stmt, selectList("t."), strings.Join(columns, ", "), sweepBatch)
}

func (s *Store) sweep(ctx context.Context, what, sql string, args ...any) ([]handoff.Ticket, error) {
	out := []handoff.Ticket{}
	for {
		rows, _ := s.pool.Query(ctx, sql, args...)
		got, err := pgx.CollectRows(rows, pgx.RowToStructByName[ticketRow])
		if err != nil {
			// The batches before this one are done and recorded; the next sweep goes on.
			return out, dbError(err, "%s", what)
		}
		for _, r := range got {
			out = append(out, r.ticket())
		}
		if len(got) < sweepBatch {
			slices.SortFunc(out, func(a, b handoff.Ticket) int { return cmp.Compare(a.ID, b.ID) })
			return out, nil
		}
	}
}

func isOpen(status string) bool {
	return status == string(handoff.StatusQueued) || status == string(handoff.StatusAssigned)
}
