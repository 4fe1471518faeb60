package storetest

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/handoff"
)

func testInsertAndRead(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	conv := h.NewConversation(t, "u-read")
	tk := newTicket(conv, "u-read")
	require.NoError(t, h.Store.InsertTicket(ctx, &tk))
	assert.NotZero(t, tk.ID)
	assert.Equal(t, micro(base), tk.CreatedAt, "the caller's ticket carries the stored time")
	assert.Equal(t, micro(base.Add(5*time.Minute)), tk.DueAt, "P2: 5 minutes")

	want := tk
	want.SentimentTrail = slices.Clone(tk.SentimentTrail)
	for i := range want.SentimentTrail {
		want.SentimentTrail[i].At = want.SentimentTrail[i].At.UTC()
	}
	got, err := h.Store.Ticket(ctx, tk.Number)
	require.NoError(t, err)
	assertSameTicket(t, want, got)

	for _, id := range []string{conv, strings.ToUpper(conv)} {
		open, err := h.Store.OpenTicketFor(ctx, id)
		require.NoError(t, err, id)
		assertSameTicket(t, want, open, id)
	}
}

func testCopies(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	tk := newTicket(h.NewConversation(t, "u-copy"), "u-copy")
	require.NoError(t, h.Store.InsertTicket(ctx, &tk))
	tk.SentimentTrail[0].Label = "changed by the caller"
	tk.Candidates[0].Title = "changed by the caller"

	got, err := h.Store.Ticket(ctx, tk.Number)
	require.NoError(t, err)
	assert.Equal(t, "negative", got.SentimentTrail[0].Label)
	got.Candidates[0].Title = "changed by a reader"

	again, err := h.Store.Ticket(ctx, tk.Number)
	require.NoError(t, err)
	assert.Equal(t, "重复扣款", again.Candidates[0].Title)
}

func testEmptyLists(t *testing.T, h Harness) {
	tk := insert(t, h.Store, queued(h.NewConversation(t, "u-empty"), "general", handoff.P3, base))
	got, err := h.Store.Ticket(ctxFor(t), tk.Number)
	require.NoError(t, err)
	assert.NotNil(t, got.SentimentTrail)
	assert.Empty(t, got.SentimentTrail)
	assert.NotNil(t, got.Candidates)
	assert.Empty(t, got.Candidates)
}

func testNumberUnique(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	first := insert(t, h.Store, queued(h.NewConversation(t, "u-a"), "general", handoff.P3, base))
	other := h.NewConversation(t, "u-b")
	dup := queued(other, "general", handoff.P3, base)
	dup.Number = first.Number
	assert.ErrorIs(t, h.Store.InsertTicket(ctx, &dup), handoff.ErrConflict)

	got, err := h.Store.Ticket(ctx, first.Number)
	require.NoError(t, err)
	assert.Equal(t, first.ConversationID, got.ConversationID, "the first ticket keeps its number")
	_, err = h.Store.OpenTicketFor(ctx, other)
	assert.ErrorIs(t, err, handoff.ErrNotFound, "the refused ticket left nothing behind")
}

func testOneOpen(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	conv := h.NewConversation(t, "u-open")
	withStatus := func(st handoff.Status) handoff.Ticket {
		tk := queued(conv, "general", handoff.P3, base)
		tk.Status = st
		if st == handoff.StatusAssigned {
			tk.AssignedTo = "agent-1"
		}
		return tk
	}
	// Handled tickets do not count: a conversation can come back many times.
	insert(t, h.Store, withStatus(handoff.StatusResolved))
	insert(t, h.Store, withStatus(handoff.StatusClosed))
	_, err := h.Store.OpenTicketFor(ctx, conv)
	assert.ErrorIs(t, err, handoff.ErrNotFound, "resolved and closed tickets are not open")

	open := insert(t, h.Store, withStatus(handoff.StatusQueued))
	for _, st := range []handoff.Status{handoff.StatusQueued, handoff.StatusAssigned} {
		second := withStatus(st)
		assert.ErrorIs(t, h.Store.InsertTicket(ctx, &second), handoff.ErrConflict, st)
	}
	insert(t, h.Store, withStatus(handoff.StatusResolved))
	insert(t, h.Store, queued(h.NewConversation(t, "u-open"), "general", handoff.P3, base))

	got, err := h.Store.OpenTicketFor(ctx, conv)
	require.NoError(t, err)
	assert.Equal(t, open.Number, got.Number)
}

func testConcurrentOpen(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	conv := h.NewConversation(t, "u-race")
	const n = 10
	errs := make([]error, n)
	numbers := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		tk := queued(conv, "general", handoff.P3, base)
		numbers[i] = tk.Number
		wg.Go(func() { errs[i] = h.Store.InsertTicket(ctx, &tk) })
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		if err == nil {
			assert.Equal(t, -1, won, "only one insert may win")
			won = i
			continue
		}
		assert.ErrorIs(t, err, handoff.ErrConflict, label(i))
	}
	require.NotEqual(t, -1, won, "one insert wins")
	got, err := h.Store.OpenTicketFor(ctx, conv)
	require.NoError(t, err)
	assert.Equal(t, numbers[won], got.Number)
}

func testInvalid(t *testing.T, h Harness) {
	conv := h.NewConversation(t, "u-bad")
	cases := []struct {
		name   string
		change func(tk *handoff.Ticket)
	}{
		{"empty number", func(tk *handoff.Ticket) { tk.Number = "" }},
		{"overlong number", func(tk *handoff.Ticket) { tk.Number = strings.Repeat("A", 33) }},
		{"malformed conversation id", func(tk *handoff.Ticket) { tk.ConversationID = "conv-1" }},
		{"no owner", func(tk *handoff.Ticket) { tk.OwnerID = "" }},
		{"unknown status", func(tk *handoff.Ticket) { tk.Status = "open" }},
		{"priority 0", func(tk *handoff.Ticket) { tk.Priority = 0 }},
		{"priority 4", func(tk *handoff.Ticket) { tk.Priority = 4 }},
		{"no queue", func(tk *handoff.Ticket) { tk.Queue = "" }},
		{"no due time", func(tk *handoff.Ticket) { tk.DueAt = time.Time{} }},
		{"NUL in the summary", func(tk *handoff.Ticket) { tk.Summary = "a\x00b" }},
		{"invalid UTF-8 in the reason", func(tk *handoff.Ticket) { tk.Reason = "\xff\xfe" }},
		{"NUL in a candidate", func(tk *handoff.Ticket) {
			tk.Candidates = []handoff.Candidate{{Title: "x\x00"}}
		}},
		{"NaN score", func(tk *handoff.Ticket) {
			tk.SentimentTrail = []handoff.SentimentPoint{{Label: "angry", Score: nan(), At: base}}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := ctxFor(t)
			tk := queued(conv, "general", handoff.P3, base)
			tc.change(&tk)
			assert.ErrorIs(t, h.Store.InsertTicket(ctx, &tk), handoff.ErrInvalid)
			if tk.Number != "" {
				_, err := h.Store.Ticket(ctx, tk.Number)
				assert.ErrorIs(t, err, handoff.ErrNotFound, "nothing was stored")
			}
		})
	}
	_, err := h.Store.OpenTicketFor(ctxFor(t), conv)
	assert.ErrorIs(t, err, handoff.ErrNotFound, "no invalid ticket was stored")
}

func testNotFound(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	insert(t, h.Store, queued(h.NewConversation(t, "u-nf"), "general", handoff.P3, base))
	unknown := h.NewConversation(t, "u-nf")
	checks := map[string]func() error{
		"ticket":                 func() error { _, err := h.Store.Ticket(ctx, "ZZZZ-ZZZZ"); return err },
		"open ticket, no ticket": func() error { _, err := h.Store.OpenTicketFor(ctx, unknown); return err },
		"open ticket, no such conversation": func() error {
			_, err := h.Store.OpenTicketFor(ctx, "00000000-0000-4000-8000-000000000000")
			return err
		},
		"open ticket, malformed id": func() error { _, err := h.Store.OpenTicketFor(ctx, "not-a-uuid"); return err },
		"open ticket, empty id":     func() error { _, err := h.Store.OpenTicketFor(ctx, ""); return err },
		"events":                    func() error { _, err := h.Store.Events(ctx, "ZZZZ-ZZZZ"); return err },
		"escalate": func() error {
			_, err := h.Store.Escalate(ctx, "ZZZZ-ZZZZ", base, "asked again")
			return err
		},
		"resolve": func() error { _, err := h.Store.Resolve(ctx, "ZZZZ-ZZZZ", "agent-1"); return err },
		"rate":    func() error { _, err := h.Store.Rate(ctx, "ZZZZ-ZZZZ", "u-nf", 5, ""); return err },
		"rating":  func() error { _, err := h.Store.Rating(ctx, "ZZZZ-ZZZZ"); return err },
	}
	for name, call := range checks {
		assert.ErrorIs(t, call(), handoff.ErrNotFound, name)
	}
}

func testAhead(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	q := "line-" + handoff.NewNumber() // a queue of this test's own, in a store maybe shared
	specs := []struct {
		p   handoff.Priority
		due time.Duration
	}{
		{handoff.P2, 10 * time.Minute},
		{handoff.P1, time.Hour},
		{handoff.P2, 5 * time.Minute},
		{handoff.P2, 5 * time.Minute}, // same priority and due as the one before: the id decides
		{handoff.P3, 0},               // the earliest due time, but the lowest priority
		{handoff.P1, time.Hour},
	}
	var line []handoff.Ticket
	for _, s := range specs {
		line = append(line, insert(t, h.Store, queued(h.NewConversation(t, "u-line"), q, s.p, base.Add(s.due))))
	}
	// Neither another queue nor a ticket an agent holds is in the line.
	insert(t, h.Store, queued(h.NewConversation(t, "u-line"), "account", handoff.P1, base.Add(-time.Hour)))
	held := queued(h.NewConversation(t, "u-line"), q, handoff.P1, base.Add(-time.Hour))
	held.Status, held.AssignedTo = handoff.StatusAssigned, "agent-1"
	insert(t, h.Store, held)

	slices.SortFunc(line, func(a, b handoff.Ticket) int {
		switch {
		case a.Priority != b.Priority:
			return int(a.Priority) - int(b.Priority)
		case !a.DueAt.Equal(b.DueAt):
			return a.DueAt.Compare(b.DueAt)
		}
		return int(a.ID - b.ID)
	})
	for i, tk := range line {
		n, err := h.Store.Ahead(ctx, tk)
		require.NoError(t, err)
		assert.Equal(t, i, n, "ticket %s (P%d, due +%v, id %d)", tk.Number, tk.Priority, tk.DueAt.Sub(base), tk.ID)
	}
	// Ahead reads the ticket it is given: a not yet stored P1 waits behind the stored P1s only.
	fresh := queued(h.NewConversation(t, "u-line"), q, handoff.P1, base.Add(2*time.Hour))
	n, err := h.Store.Ahead(ctx, fresh)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
}

func testEscalate(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	tk := insert(t, h.Store, queued(h.NewConversation(t, "u-esc"), "general", handoff.P3, base.Add(2*time.Hour)))

	got, err := h.Store.Escalate(ctx, tk.Number, base.Add(5*time.Minute+123), "the user asked for a human again")
	require.NoError(t, err)
	assert.Equal(t, handoff.P2, got.Priority)
	assert.Equal(t, micro(base.Add(5*time.Minute)), got.DueAt, "the sooner due time wins")
	assert.True(t, got.UpdatedAt.After(tk.UpdatedAt), "updated_at moves")
	stored, err := h.Store.Ticket(ctx, tk.Number)
	require.NoError(t, err)
	assertSameTicket(t, got, stored)

	got, err = h.Store.Escalate(ctx, tk.Number, base.Add(time.Hour), "angry while waiting")
	require.NoError(t, err)
	assert.Equal(t, handoff.P1, got.Priority)
	assert.Equal(t, micro(base.Add(5*time.Minute)), got.DueAt, "a later due time does not push the ticket back")

	events, err := h.Store.Events(ctx, tk.Number)
	require.NoError(t, err)
	require.Len(t, events, 3)
	assert.Equal(t, handoff.EventCreated, events[0].Kind)
	for i, want := range []map[string]string{
		{"from": "P3", "to": "P2", "reason": "the user asked for a human again"},
		{"from": "P2", "to": "P1", "reason": "angry while waiting"},
	} {
		e := events[i+1]
		assert.Equal(t, handoff.EventEscalated, e.Kind)
		assert.Equal(t, handoff.ActorBot, e.Actor)
		assert.Equal(t, tk.ID, e.TicketID)
		assert.Equal(t, want, e.Detail)
		assert.Greater(t, e.ID, events[i].ID, "events are in order")
	}
	assert.True(t, events[2].At.Equal(got.UpdatedAt), "the event is dated like the change")
}

func testEscalateP1(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	tk := insert(t, h.Store, queued(h.NewConversation(t, "u-p1"), "general", handoff.P1, base.Add(30*time.Second)))
	got, err := h.Store.Escalate(ctx, tk.Number, base.Add(10*time.Second), "angry")
	require.NoError(t, err)
	assert.Equal(t, handoff.P1, got.Priority, "nothing is above P1")
	assert.Equal(t, micro(base.Add(10*time.Second)), got.DueAt)
	events, err := h.Store.Events(ctx, tk.Number)
	require.NoError(t, err)
	require.Len(t, events, 2)
	assert.Equal(t, map[string]string{"from": "P1", "to": "P1", "reason": "angry"}, events[1].Detail)
}

func testEscalateNotQueued(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	for _, st := range []handoff.Status{handoff.StatusAssigned, handoff.StatusResolved} {
		tk := queued(h.NewConversation(t, "u-nq"), "general", handoff.P3, base.Add(time.Hour))
		tk.Status = st
		tk = insert(t, h.Store, tk)
		_, err := h.Store.Escalate(ctx, tk.Number, base, "asked again")
		assert.ErrorIs(t, err, handoff.ErrConflict, st)
		got, err := h.Store.Ticket(ctx, tk.Number)
		require.NoError(t, err)
		assertSameTicket(t, tk, got, "unchanged")
		events, err := h.Store.Events(ctx, tk.Number)
		require.NoError(t, err)
		assert.Len(t, events, 1, "no escalation event")
	}
}

func testEscalateInvalid(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	tk := insert(t, h.Store, queued(h.NewConversation(t, "u-ei"), "general", handoff.P3, base.Add(time.Hour)))
	_, err := h.Store.Escalate(ctx, tk.Number, time.Time{}, "asked again")
	assert.ErrorIs(t, err, handoff.ErrInvalid, "no due time")
	_, err = h.Store.Escalate(ctx, tk.Number, base, "  ")
	assert.ErrorIs(t, err, handoff.ErrInvalid, "no reason")
	got, err := h.Store.Ticket(ctx, tk.Number)
	require.NoError(t, err)
	assertSameTicket(t, tk, got, "unchanged")
}

func testCreationEvent(t *testing.T, h Harness) {
	ctx := ctxFor(t)
	tk := newTicket(h.NewConversation(t, "u-ev"), "u-ev")
	require.NoError(t, h.Store.InsertTicket(ctx, &tk))
	events, err := h.Store.Events(ctx, tk.Number)
	require.NoError(t, err)
	require.Len(t, events, 1)
	e := events[0]
	assert.Equal(t, tk.ID, e.TicketID)
	assert.Equal(t, handoff.EventCreated, e.Kind)
	assert.Equal(t, handoff.ActorBot, e.Actor)
	assert.True(t, e.At.Equal(tk.CreatedAt), "dated like the ticket: %v", e.At)
	assert.Equal(t, map[string]string{
		"trigger": "angry", "priority": "P2", "queue": "payment", "reason": "the user is angry: 扣了两次钱",
	}, e.Detail)
}
