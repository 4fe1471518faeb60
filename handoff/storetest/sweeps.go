package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/handoff"
)

// The sweeps act on every ticket of the store. Their tests run one at a time (see Run) and
// each in an era of its own, decades before base, so none of them touches another's
// tickets, nor those of the parallel subtests (all around base):
//   - acrossEra: the due times of the claims across every queue, the earliest in any store,
//     so those tickets head the joint line;
//   - breachEra: the due times the breach sweep passes, after acrossEra (the across test's
//     leftovers may be swept, which that test no longer looks at);
//   - leaseEra: the leases the lease sweep sees lapse (every other claim leases from base);
//   - closeEra: the resolutions the close of unrated tickets finds old enough.
var (
	acrossEra = time.Date(1971, 1, 1, 0, 0, 0, 0, time.UTC)
	breachEra = time.Date(1975, 1, 1, 0, 0, 0, 0, time.UTC)
	leaseEra  = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	closeEra  = time.Date(1985, 1, 1, 0, 0, 0, 0, time.UTC)
)

// only keeps the tickets of ts that are among mine, in order.
func only(ts []handoff.Ticket, mine ...handoff.Ticket) []handoff.Ticket {
	var out []handoff.Ticket
	for _, t := range ts {
		if slices.ContainsFunc(mine, func(m handoff.Ticket) bool { return m.Number == t.Number }) {
			out = append(out, t)
		}
	}
	return out
}

func testAcrossQueues(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	x := ticketIn(t, h, newQueue(), handoff.P1, acrossEra, handoff.StatusQueued)
	y := ticketIn(t, h, newQueue(), handoff.P1, acrossEra.Add(time.Hour), handoff.StatusQueued)
	z := ticketIn(t, h, newQueue(), handoff.P2, acrossEra.Add(-time.Hour), handoff.StatusQueued)

	// No queues is every queue; the cursor skips to just before x.
	got, err := h.Store.List(ctx, handoff.ListQuery{Limit: 2,
		After: &handoff.ListCursor{Priority: handoff.P1, DueAt: acrossEra.Add(-time.Second), ID: 1}})
	require.NoError(t, err)
	assert.Equal(t, numbers([]handoff.Ticket{x, y}), numbers(got))

	for _, want := range []handoff.Ticket{x, y} {
		got, err := h.Store.Claim(ctx, handoff.ClaimRequest{Agent: "agent-any", Now: base})
		require.NoError(t, err)
		assert.Equal(t, want.Number, got.Number, "the head of every queue's joint line")
	}
	got, err = h.Store.List(ctx, handoff.ListQuery{Statuses: []handoff.Status{handoff.StatusAssigned}, Limit: 2,
		After: &handoff.ListCursor{Priority: handoff.P1, DueAt: acrossEra.Add(-time.Second), ID: 1}})
	require.NoError(t, err)
	assert.Equal(t, numbers([]handoff.Ticket{x, y}), numbers(got), "now assigned")
	got, err = h.Store.List(ctx, handoff.ListQuery{Queues: []string{z.Queue}, Limit: 10})
	require.NoError(t, err)
	assert.Equal(t, numbers([]handoff.Ticket{z}), numbers(got), "a P2 waits behind every P1")
}

func testSweepBreached(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	sla := handoff.DefaultPolicy().SLA
	q := newQueue()
	p3 := ticketIn(t, h, q, handoff.P3, breachEra, handoff.StatusQueued)
	p1 := ticketIn(t, h, q, handoff.P1, breachEra, handoff.StatusQueued)
	held := ticketIn(t, h, q, handoff.P2, breachEra, handoff.StatusAssigned) // claimed, not answered
	answered := queued(h.NewConversation(t, "u-sweep"), q, handoff.P3, breachEra)
	answered.Status, answered.AssignedTo, answered.FirstResponseAt = handoff.StatusAssigned, "agent-0", breachEra.Add(-time.Second)
	answered = insert(t, h.Store, answered)
	later := ticketIn(t, h, q, handoff.P3, breachEra.Add(time.Hour), handoff.StatusQueued)
	done := ticketIn(t, h, q, handoff.P3, breachEra, handoff.StatusResolved)
	mine := []handoff.Ticket{p3, p1, held, answered, later, done}

	_, err := h.Store.SweepBreached(ctx, breachEra.Add(time.Minute), map[handoff.Priority]time.Duration{handoff.P1: time.Second})
	require.ErrorIs(t, err, handoff.ErrInvalid, "an SLA for every priority")
	assert.Contains(t, err.Error(), "sla")
	assertUnchanged(t, h, p3, 1, "refused sweep")

	now := breachEra.Add(time.Minute)
	swept, err := h.Store.SweepBreached(ctx, now, sla)
	require.NoError(t, err)
	swept = only(swept, mine...)
	require.Equal(t, numbers([]handoff.Ticket{p3, p1, held}), numbers(swept), "the unanswered open tickets past due")
	for i, want := range []struct {
		from, to handoff.Priority
	}{{handoff.P3, handoff.P2}, {handoff.P1, handoff.P1}, {handoff.P2, handoff.P1}} {
		got := swept[i]
		assert.Equal(t, want.to, got.Priority, "one tier up, P1 stays")
		assert.Equal(t, micro(now.Add(sla[want.to])), got.DueAt, "due again by the new tier's SLA")
		assert.Equal(t, micro(now), got.BreachedAt)
		assert.Equal(t, micro(now), got.UpdatedAt)
		stored, err := h.Store.Ticket(ctx, got.Number)
		require.NoError(t, err)
		assertSameTicket(t, got, stored)
		e, n := lastEvent(t, h, got.Number)
		assert.Equal(t, 2, n)
		assert.Equal(t, handoff.EventBreached, e.Kind)
		assert.Equal(t, handoff.ActorBot, e.Actor)
		assert.Equal(t, micro(now), e.At)
		assert.Equal(t, map[string]string{"from": want.from.String(), "to": want.to.String(),
			"due_at": handoff.DetailTime(got.DueAt)}, e.Detail)
	}
	assert.Equal(t, handoff.StatusAssigned, swept[2].Status, "the holder keeps it")
	assert.Equal(t, "agent-0", swept[2].AssignedTo)
	for _, tk := range []handoff.Ticket{answered, later, done} {
		assertUnchanged(t, h, tk, 1, "not breached: "+tk.Number)
	}

	// Before the new due times nothing is swept again; past P1's 30 s, the P1s are.
	swept, err = h.Store.SweepBreached(ctx, now.Add(20*time.Second), sla)
	require.NoError(t, err)
	assert.Empty(t, only(swept, mine...), "not marked twice for one due time")
	again := now.Add(31 * time.Second)
	swept, err = h.Store.SweepBreached(ctx, again, sla)
	require.NoError(t, err)
	swept = only(swept, mine...)
	assert.Equal(t, numbers([]handoff.Ticket{p1, held}), numbers(swept), "breached again")
	for _, got := range swept {
		assert.Equal(t, handoff.P1, got.Priority)
		assert.Equal(t, micro(again.Add(sla[handoff.P1])), got.DueAt)
		assert.Equal(t, micro(again), got.BreachedAt)
	}

	// An answer ends the SLA's watch.
	_, err = h.Store.Respond(ctx, p3.Number, "agent-1", again, again.Add(time.Minute))
	require.NoError(t, err)
	swept, err = h.Store.SweepBreached(ctx, breachEra.Add(time.Hour+time.Minute), sla)
	require.NoError(t, err)
	assert.NotContains(t, numbers(only(swept, mine...)), p3.Number, "answered")
	assert.Contains(t, numbers(only(swept, mine...)), later.Number, "due by now")
}

func testReleaseLapsed(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	q := newQueue()
	short := ticketIn(t, h, q, handoff.P1, base, handoff.StatusQueued)
	long := ticketIn(t, h, q, handoff.P2, base, handoff.StatusQueued)
	renewed := ticketIn(t, h, q, handoff.P3, base, handoff.StatusQueued)
	unleased := ticketIn(t, h, q, handoff.P3, base, handoff.StatusAssigned) // stored assigned, no lease
	mine := []handoff.Ticket{short, long, renewed, unleased}
	for _, lease := range []time.Duration{5 * time.Minute, 20 * time.Minute, 5 * time.Minute} {
		_, err := h.Store.Claim(ctx, handoff.ClaimRequest{Queues: []string{q}, Agent: "agent-dead", Now: leaseEra, Lease: lease})
		require.NoError(t, err)
	}
	// Acting renews the lease: the agent answered at +4 min, for 5 more.
	_, err := h.Store.Respond(ctx, renewed.Number, "agent-dead", leaseEra.Add(4*time.Minute), leaseEra.Add(9*time.Minute))
	require.NoError(t, err)

	_, err = h.Store.ReleaseLapsed(ctx, time.Time{})
	assert.ErrorIs(t, err, handoff.ErrInvalid, "no time")

	now := leaseEra.Add(6 * time.Minute)
	released, err := h.Store.ReleaseLapsed(ctx, now)
	require.NoError(t, err)
	released = only(released, mine...)
	require.Equal(t, numbers([]handoff.Ticket{short}), numbers(released))
	got := released[0]
	assert.Equal(t, handoff.StatusQueued, got.Status, "back in its queue")
	assert.Empty(t, got.AssignedTo)
	assert.True(t, got.LeaseUntil.IsZero())
	assert.Equal(t, micro(now), got.UpdatedAt)
	assert.True(t, got.DueAt.Equal(short.DueAt), "its place in the line stays")
	e, _ := lastEvent(t, h, short.Number)
	assert.Equal(t, handoff.EventReleased, e.Kind)
	assert.Equal(t, handoff.ActorBot, e.Actor)
	assert.Equal(t, micro(now), e.At)
	assert.Equal(t, map[string]string{"agent": "agent-dead"}, e.Detail)

	released, err = h.Store.ReleaseLapsed(ctx, now)
	require.NoError(t, err)
	assert.Empty(t, only(released, mine...), "released once")
	for _, tk := range []handoff.Ticket{long, renewed} {
		stored, err := h.Store.Ticket(ctx, tk.Number)
		require.NoError(t, err)
		assert.Equal(t, "agent-dead", stored.AssignedTo, "a lease still running")
	}

	// Someone else takes the released ticket; later the rest lapse, the unleased one never.
	got, err = h.Store.Claim(ctx, handoff.ClaimRequest{Queues: []string{q}, Agent: "agent-alive", Now: now, Lease: 2 * time.Hour})
	require.NoError(t, err)
	assert.Equal(t, short.Number, got.Number)
	released, err = h.Store.ReleaseLapsed(ctx, leaseEra.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, numbers([]handoff.Ticket{long, renewed}), numbers(only(released, mine...)))
	assertUnchanged(t, h, unleased, 1, "no lease, no lapse")
}

func testCloseUnrated(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	resolvedAt := func(at time.Time) handoff.Ticket {
		tk := queued(h.NewConversation(t, "u-close"), newQueue(), handoff.P3, base)
		tk.OwnerID, tk.Status, tk.ResolvedAt = "u-close", handoff.StatusResolved, at
		return insert(t, h.Store, tk)
	}
	old := resolvedAt(closeEra)
	rated := resolvedAt(closeEra)
	young := resolvedAt(closeEra.Add(2 * time.Hour))
	open := ticketIn(t, h, newQueue(), handoff.P3, base, handoff.StatusQueued)
	mine := []handoff.Ticket{old, rated, young, open}
	_, err := h.Store.Rate(ctx, rated.Number, "u-close", 4, "")
	require.NoError(t, err)
	rated, err = h.Store.Ticket(ctx, rated.Number)
	require.NoError(t, err)
	assert.False(t, rated.ClosedAt.IsZero(), "rating dates the close")

	_, err = h.Store.CloseUnrated(ctx, time.Time{})
	assert.ErrorIs(t, err, handoff.ErrInvalid, "no time")

	before := time.Now().Add(-time.Second)
	closed, err := h.Store.CloseUnrated(ctx, closeEra.Add(time.Hour))
	require.NoError(t, err)
	closed = only(closed, mine...)
	require.Equal(t, numbers([]handoff.Ticket{old}), numbers(closed))
	got := closed[0]
	assert.Equal(t, handoff.StatusClosed, got.Status)
	assert.True(t, got.ClosedAt.After(before), "closed now: %v", got.ClosedAt)
	assert.True(t, got.UpdatedAt.Equal(got.ClosedAt))
	assert.True(t, got.ResolvedAt.Equal(old.ResolvedAt), "resolved_at stays")
	e, n := lastEvent(t, h, old.Number)
	assert.Equal(t, 2, n)
	assert.Equal(t, handoff.EventClosed, e.Kind)
	assert.Equal(t, handoff.ActorBot, e.Actor)
	assert.True(t, e.At.Equal(got.ClosedAt))
	assert.Equal(t, map[string]string{"reason": "unrated"}, e.Detail)

	closed, err = h.Store.CloseUnrated(ctx, closeEra.Add(time.Hour))
	require.NoError(t, err)
	assert.Empty(t, only(closed, mine...), "closed once")
	assertUnchanged(t, h, rated, 2, "rated")
	assertUnchanged(t, h, young, 1, "too young")
	assertUnchanged(t, h, open, 1, "still open")

	_, err = h.Store.Rate(ctx, old.Number, "u-close", 5, "")
	assert.ErrorIs(t, err, handoff.ErrConflict, "too late to rate")
	assert.NotErrorIs(t, err, handoff.ErrAlreadyRated)
}
