package bot_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot"
	botmemory "github.com/faqbot/faqbot/bot/memory"
	botpg "github.com/faqbot/faqbot/bot/postgres"
	"github.com/faqbot/faqbot/handoff"
	handoffmemory "github.com/faqbot/faqbot/handoff/memory"
	handoffpg "github.com/faqbot/faqbot/handoff/postgres"
	"github.com/faqbot/faqbot/internal/postgres/pgtest"
	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/memory"
)

// fakeClock is the engine's clock in these tests: sweeps are about time passing.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// agentFixture runs the engine over the memory stores with a clock the test moves. The
// agents' workflow needs no articles: tickets are opened directly.
type agentFixture struct {
	engine  *bot.Engine
	store   bot.Store
	tickets handoff.Store
	clock   *fakeClock
	policy  handoff.Policy
}

func newAgentFixture(t *testing.T, tune func(*bot.Config)) agentFixture {
	t.Helper()
	tickets := handoffmemory.New()
	return agentFixtureOver(tune, botmemory.New(tickets), tickets)
}

// newAgentFixtureOnPostgres is newAgentFixture over a fresh PostgreSQL database.
func newAgentFixtureOnPostgres(t *testing.T, tune func(*bot.Config)) agentFixture {
	t.Helper()
	pool := pgtest.New(t)
	return agentFixtureOver(tune, botpg.New(pool), handoffpg.New(pool))
}

func agentFixtureOver(tune func(*bot.Config), store bot.Store, tickets handoff.Store) agentFixture {
	cfg := bot.DefaultConfig()
	if tune != nil {
		tune(&cfg)
	}
	clock := &fakeClock{t: time.Now().UTC().Truncate(time.Microsecond)}
	svc := knowledge.NewService(memory.New(), knowledge.NewLocalEmbedder(64), knowledge.DefaultSearchParams())
	e := bot.NewEngine(cfg, bot.Deps{Store: store, Tickets: tickets, Retriever: svc, Now: clock.now})
	return agentFixture{engine: e, store: store, tickets: tickets, clock: clock, policy: cfg.Policy}
}

// onEachStore runs test over the memory stores and over PostgreSQL: what agents do must
// come out the same on both.
func onEachStore(t *testing.T, tune func(*bot.Config), test func(t *testing.T, f agentFixture)) {
	t.Run("memory", func(t *testing.T) { test(t, newAgentFixture(t, tune)) })
	t.Run("postgres", func(t *testing.T) { test(t, newAgentFixtureOnPostgres(t, tune)) })
}

// open starts lang's conversation of owner and hands it over with a ticket in queue at prio,
// as the bot would.
func (f agentFixture) open(t *testing.T, owner, lang, queue string, prio handoff.Priority) (bot.Conversation, handoff.Ticket) {
	t.Helper()
	ctx := context.Background()
	c, err := f.engine.Start(ctx, owner, lang)
	require.NoError(t, err)
	now := f.clock.now()
	tk := handoff.Ticket{
		Number: handoff.NewNumber(), ConversationID: c.ID, OwnerID: owner, Status: handoff.StatusQueued,
		Priority: prio, Queue: queue, Category: queue, Trigger: handoff.TriggerUserRequest,
		Reason: "the user asked for a human", Question: "q", Language: lang,
		CreatedAt: now, UpdatedAt: now, DueAt: now.Add(f.policy.SLA[prio]),
	}
	require.NoError(t, f.tickets.InsertTicket(ctx, &tk))
	require.NoError(t, f.store.SetState(ctx, c.ID, bot.StateQueued))
	return c, tk
}

func (f agentFixture) messages(t *testing.T, c bot.Conversation) []bot.Message {
	t.Helper()
	msgs, err := f.engine.Transcript(context.Background(), c.ID, c.OwnerID, 0, 1000)
	require.NoError(t, err)
	return msgs
}

func (f agentFixture) conversation(t *testing.T, c bot.Conversation) bot.Conversation {
	t.Helper()
	got, err := f.engine.Conversation(context.Background(), c.ID, c.OwnerID)
	require.NoError(t, err)
	return got
}

func (f agentFixture) ticket(t *testing.T, number string) handoff.Ticket {
	t.Helper()
	tk, err := f.tickets.Ticket(context.Background(), number)
	require.NoError(t, err)
	return tk
}

var (
	alice = bot.Agent{Name: "alice"}
	bob   = bot.Agent{Name: "bob"}
)

func TestClaimTicketTakesTheMostUrgentAndTellsTheUser(t *testing.T) {
	onEachStore(t, nil, func(t *testing.T, f agentFixture) {
		ctx := context.Background()
		cNormal, normal := f.open(t, "u1", "en", "general", handoff.P3)
		cUrgent, urgent := f.open(t, "u2", "zh", "payment", handoff.P1)

		got, err := f.engine.ClaimTicket(ctx, alice, nil)
		require.NoError(t, err)
		assert.Equal(t, urgent.Number, got.Number, "P1 before P3")
		assert.Equal(t, handoff.StatusAssigned, got.Status)
		assert.Equal(t, "alice", got.AssignedTo)
		assert.Equal(t, f.clock.now().Add(handoff.DefaultLease), got.LeaseUntil, "a claim is a lease of the default 5 minutes")

		c := f.conversation(t, cUrgent)
		assert.Equal(t, bot.StateAgent, c.State)
		msgs := f.messages(t, c)
		require.NotEmpty(t, msgs)
		last := msgs[len(msgs)-1]
		assert.Equal(t, bot.RoleSystem, last.Role)
		assert.Equal(t, "人工客服 alice 已接入，会在这里直接回复你。", last.Text)

		got, err = f.engine.ClaimTicket(ctx, bob, nil)
		require.NoError(t, err)
		assert.Equal(t, normal.Number, got.Number)
		msgs = f.messages(t, cNormal)
		assert.Equal(t, "bob from our support team has joined the chat and will reply right here.", msgs[len(msgs)-1].Text)

		_, err = f.engine.ClaimTicket(ctx, bob, nil)
		require.ErrorIs(t, err, handoff.ErrNoneWaiting)
		assert.ErrorIs(t, err, bot.ErrNotFound)
	})
}

func TestConcurrentClaimsGiveEachTicketToOneAgent(t *testing.T) {
	ctx := context.Background()
	f := newAgentFixture(t, nil)
	const tickets, agents = 12, 6
	for i := range tickets {
		f.open(t, fmt.Sprintf("user %d", i), "en", "general", handoff.P3)
	}
	var (
		mu  sync.Mutex
		got = map[string]string{}
		wg  sync.WaitGroup
	)
	for i := range agents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := bot.Agent{Name: fmt.Sprintf("agent-%d", i)}
			for {
				tk, err := f.engine.ClaimTicket(ctx, a, nil)
				if errors.Is(err, handoff.ErrNoneWaiting) {
					return
				}
				if !assert.NoError(t, err) {
					return
				}
				mu.Lock()
				if prev, dup := got[tk.Number]; dup {
					t.Errorf("ticket %s went to %s and %s", tk.Number, prev, a.Name)
				}
				got[tk.Number] = a.Name
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	assert.Len(t, got, tickets, "every ticket was claimed once")
}

func TestClaimTicketQueues(t *testing.T) {
	ctx := context.Background()
	f := newAgentFixture(t, nil)
	_, pay := f.open(t, "u1", "en", "payment", handoff.P3)
	_, acct := f.open(t, "u2", "en", "account", handoff.P1)
	payDesk := bot.Agent{Name: "pay desk", Queues: []string{"payment", "senior"}}

	tests := []struct {
		name    string
		queues  []string
		problem bot.QueueProblem
		valid   []string
	}{
		{"unknown queue", []string{"payment", "vip"}, bot.QueueUnknown, f.engine.Queues()},
		{"not the agent's", []string{"account"}, bot.QueueNotYours, []string{"payment", "senior"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.engine.ClaimTicket(ctx, payDesk, tc.queues)
			require.ErrorIs(t, err, bot.ErrInvalid)
			var qe *bot.QueueError
			require.ErrorAs(t, err, &qe)
			assert.Equal(t, "queues", qe.Field)
			assert.Equal(t, tc.problem, qe.Problem)
			assert.Equal(t, tc.valid, qe.Valid)
		})
	}
	assert.Equal(t, handoff.StatusQueued, f.ticket(t, pay.Number).Status, "a refused claim claims nothing")

	got, err := f.engine.ClaimTicket(ctx, payDesk, nil)
	require.NoError(t, err)
	assert.Equal(t, pay.Number, got.Number, "the agent's own queues only, though the account ticket is more urgent")
	_, err = f.engine.ClaimTicket(ctx, payDesk, nil)
	assert.ErrorIs(t, err, handoff.ErrNoneWaiting)

	got, err = f.engine.ClaimTicket(ctx, alice, []string{"account"})
	require.NoError(t, err)
	assert.Equal(t, acct.Number, got.Number)
}

func TestAgentReplyReachesTheChat(t *testing.T) {
	onEachStore(t, nil, func(t *testing.T, f agentFixture) {
		ctx := context.Background()
		c, tk := f.open(t, "u1", "zh", "payment", handoff.P2)

		f.clock.advance(time.Minute)
		// Typed the way people read numbers out: lowercase, no dash.
		msg, got, err := f.engine.AgentReply(ctx, alice, strings.ToLower(strings.ReplaceAll(tk.Number, "-", "")), "  您好，我来帮您查一下扣款记录。 ")
		require.NoError(t, err)
		assert.Equal(t, bot.RoleAgent, msg.Role)
		assert.Equal(t, "alice", msg.Author)
		assert.Equal(t, "您好，我来帮您查一下扣款记录。", msg.Text, "trimmed like a user's message")
		assert.Equal(t, handoff.StatusAssigned, got.Status, "replying to a queued ticket claims it")
		assert.Equal(t, "alice", got.AssignedTo)
		assert.Equal(t, f.clock.now(), got.FirstResponseAt)
		assert.Equal(t, f.clock.now().Add(handoff.DefaultLease), got.LeaseUntil)

		c = f.conversation(t, c)
		assert.Equal(t, bot.StateAgent, c.State)
		msgs := f.messages(t, c)
		last := msgs[len(msgs)-1]
		assert.Equal(t, msg.ID, last.ID)
		assert.Equal(t, bot.RoleAgent, last.Role)
		assert.Equal(t, "alice", last.Author)

		// The lease is renewed by every reply.
		f.clock.advance(4 * time.Minute)
		_, got, err = f.engine.AgentReply(ctx, alice, tk.Number, "还在吗？")
		require.NoError(t, err)
		assert.Equal(t, f.clock.now().Add(handoff.DefaultLease), got.LeaseUntil)
		assert.Equal(t, f.clock.now().Add(-4*time.Minute), got.FirstResponseAt, "the first response stays the first")
	})
}

func TestAgentReplyRefusals(t *testing.T) {
	onEachStore(t, nil, func(t *testing.T, f agentFixture) {
		ctx := context.Background()
		c, tk := f.open(t, "u1", "en", "payment", handoff.P3)
		_, held := f.open(t, "u2", "en", "payment", handoff.P3)
		_, _, err := f.engine.AgentReply(ctx, bob, held.Number, "mine")
		require.NoError(t, err)
		_, done := f.open(t, "u3", "en", "payment", handoff.P3)
		_, err = f.engine.AgentResolve(ctx, alice, done.Number)
		require.NoError(t, err)
		before := len(f.messages(t, c))

		tests := []struct {
			name   string
			agent  bot.Agent
			number string
			text   string
			want   error
		}{
			{"empty", alice, tk.Number, " \n\t ", bot.ErrInvalid},
			{"too long", alice, tk.Number, strings.Repeat("长", 3000), bot.ErrTooLarge},
			{"invalid UTF-8", alice, tk.Number, "bad \xff byte", bot.ErrInvalid},
			{"control character", alice, tk.Number, "bell \a", bot.ErrInvalid},
			{"unknown number", alice, "0000-0000", "hi", bot.ErrNotFound},
			{"malformed number", alice, "not a number", "hi", bot.ErrNotFound},
			{"outside the agent's queues", bot.Agent{Name: "tech", Queues: []string{"tech"}}, tk.Number, "hi", bot.ErrNotFound},
			{"another agent's ticket", alice, held.Number, "hi", bot.ErrConflict},
			{"resolved ticket", alice, done.Number, "hi", handoff.ErrAlreadyResolved},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := f.engine.AgentReply(ctx, tc.agent, tc.number, tc.text)
				require.ErrorIs(t, err, tc.want)
			})
		}
		assert.Len(t, f.messages(t, c), before, "no refused reply reached the chat")
		assert.Equal(t, handoff.StatusQueued, f.ticket(t, tk.Number).Status, "no refused reply claimed the ticket")

		_, _, err = f.engine.AgentReply(ctx, alice, held.Number, "hi")
		var ae *bot.AssignedError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, "bob", ae.Agent, "the conflict names who holds the ticket")
		assert.Contains(t, err.Error(), "assigned to bob")
	})
}

func TestTransferTicket(t *testing.T) {
	onEachStore(t, nil, func(t *testing.T, f agentFixture) {
		ctx := context.Background()
		c, tk := f.open(t, "u1", "zh", "payment", handoff.P3)
		_, err := f.engine.ClaimTicket(ctx, alice, nil)
		require.NoError(t, err)

		_, err = f.engine.TransferTicket(ctx, alice, tk.Number, "vip")
		var qe *bot.QueueError
		require.ErrorAs(t, err, &qe)
		assert.Equal(t, bot.QueueUnknown, qe.Problem)
		assert.Equal(t, "queue", qe.Field)
		assert.Equal(t, []string{"account", "ads", "content", "general", "live", "payment", "senior", "tech"}, qe.Valid)
		assert.Contains(t, err.Error(), `"vip" is not a queue`)

		_, err = f.engine.TransferTicket(ctx, alice, tk.Number, "payment")
		require.ErrorAs(t, err, &qe)
		assert.Equal(t, bot.QueueSame, qe.Problem)

		_, err = f.engine.TransferTicket(ctx, bob, tk.Number, "senior")
		var ae *bot.AssignedError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, "alice", ae.Agent)
		assert.Equal(t, "payment", f.ticket(t, tk.Number).Queue, "refused transfers moved nothing")

		payDesk := bot.Agent{Name: "alice", Queues: []string{"payment"}}
		got, err := f.engine.TransferTicket(ctx, payDesk, tk.Number, "senior")
		require.NoError(t, err, "an agent may send a ticket out of their own queues")
		assert.Equal(t, "senior", got.Queue)
		assert.Equal(t, handoff.StatusQueued, got.Status)
		assert.Empty(t, got.AssignedTo)

		c = f.conversation(t, c)
		assert.Equal(t, bot.StateQueued, c.State)
		msgs := f.messages(t, c)
		assert.Equal(t, "你的问题已转交给高级客服组处理。你是下一位，预计等待约 3 分钟。", msgs[len(msgs)-1].Text)

		_, err = f.engine.ViewTicket(ctx, payDesk, tk.Number)
		assert.ErrorIs(t, err, bot.ErrNotFound, "once in another queue, the ticket is out of the agent's sight")

		events, err := f.tickets.Events(ctx, tk.Number)
		require.NoError(t, err)
		lastEvent := events[len(events)-1]
		assert.Equal(t, handoff.EventTransferred, lastEvent.Kind)
		assert.Equal(t, map[string]string{"from": "payment", "to": "senior"}, lastEvent.Detail)
	})
}

func TestAgentResolve(t *testing.T) {
	ctx := context.Background()
	f := newAgentFixture(t, nil)
	c, tk := f.open(t, "u1", "en", "tech", handoff.P3)
	_, err := f.engine.ClaimTicket(ctx, alice, nil)
	require.NoError(t, err)

	_, err = f.engine.AgentResolve(ctx, bob, tk.Number)
	var ae *bot.AssignedError
	require.ErrorAs(t, err, &ae, "bob may not resolve alice's ticket")

	got, err := f.engine.AgentResolve(ctx, alice, tk.Number)
	require.NoError(t, err)
	assert.Equal(t, handoff.StatusResolved, got.Status)
	assert.Equal(t, bot.StateResolved, f.conversation(t, c).State)

	_, err = f.engine.AgentResolve(ctx, alice, tk.Number)
	assert.ErrorIs(t, err, handoff.ErrAlreadyResolved, "a second resolve is a conflict")
}

func TestViewTicketHasTheWholeStory(t *testing.T) {
	onEachStore(t, nil, func(t *testing.T, f agentFixture) {
		ctx := context.Background()
		c, tk := f.open(t, "u1", "en", "payment", handoff.P2)
		for i := range 3 {
			require.NoError(t, f.store.AppendMessage(ctx, &bot.Message{ConversationID: c.ID, Role: bot.RoleUser, Text: fmt.Sprintf("message %d", i)}))
		}
		_, err := f.engine.ClaimTicket(ctx, alice, nil)
		require.NoError(t, err)
		_, _, err = f.engine.AgentReply(ctx, alice, tk.Number, "Hello, I'm on it.")
		require.NoError(t, err)

		v, err := f.engine.ViewTicket(ctx, alice, tk.Number)
		require.NoError(t, err)
		assert.Equal(t, tk.Number, v.Ticket.Number)
		require.Len(t, v.Transcript, 5)
		assert.Equal(t, "message 0", v.Transcript[0].Text)
		assert.Equal(t, bot.RoleSystem, v.Transcript[3].Role, "the joined notice")
		assert.Equal(t, bot.RoleAgent, v.Transcript[4].Role)
		var kinds []handoff.EventKind
		for _, e := range v.Events {
			kinds = append(kinds, e.Kind)
		}
		assert.Equal(t, []handoff.EventKind{handoff.EventCreated, handoff.EventClaimed, handoff.EventReplied}, kinds)

		for _, a := range []bot.Agent{{Name: "x", Queues: []string{"tech"}}} {
			_, err := f.engine.ViewTicket(ctx, a, tk.Number)
			assert.ErrorIs(t, err, bot.ErrNotFound)
		}
	})
}

func TestListTickets(t *testing.T) {
	ctx := context.Background()
	f := newAgentFixture(t, nil)
	_, p3 := f.open(t, "u1", "en", "payment", handoff.P3)
	_, p1 := f.open(t, "u2", "en", "account", handoff.P1)
	_, p2 := f.open(t, "u3", "en", "payment", handoff.P2)
	_, done := f.open(t, "u4", "en", "payment", handoff.P1)
	_, err := f.engine.AgentResolve(ctx, alice, done.Number)
	require.NoError(t, err)

	numbers := func(page bot.TicketPage) []string {
		var out []string
		for _, t := range page.Tickets {
			out = append(out, t.Number)
		}
		return out
	}
	page, err := f.engine.ListTickets(ctx, alice, bot.TicketQuery{Limit: 50})
	require.NoError(t, err)
	assert.Equal(t, []string{p1.Number, p2.Number, p3.Number}, numbers(page), "priority order; open tickets by default")
	assert.False(t, page.More)

	// Page by page.
	var all []string
	q := bot.TicketQuery{Limit: 2}
	for range 5 {
		page, err := f.engine.ListTickets(ctx, alice, q)
		require.NoError(t, err)
		all = append(all, numbers(page)...)
		if !page.More {
			break
		}
		c := handoff.CursorOf(page.Tickets[len(page.Tickets)-1])
		q.After = &c
	}
	assert.Equal(t, []string{p1.Number, p2.Number, p3.Number}, all)

	page, err = f.engine.ListTickets(ctx, alice, bot.TicketQuery{Queue: "payment", Limit: 50})
	require.NoError(t, err)
	assert.Equal(t, []string{p2.Number, p3.Number}, numbers(page))

	page, err = f.engine.ListTickets(ctx, alice, bot.TicketQuery{Statuses: []handoff.Status{handoff.StatusResolved}, Limit: 50})
	require.NoError(t, err)
	assert.Equal(t, []string{done.Number}, numbers(page))

	scoped := bot.Agent{Name: "acct", Queues: []string{"account"}}
	page, err = f.engine.ListTickets(ctx, scoped, bot.TicketQuery{Limit: 50})
	require.NoError(t, err)
	assert.Equal(t, []string{p1.Number}, numbers(page), "an agent lists its own queues only")

	for _, tc := range []struct {
		agent   bot.Agent
		queue   string
		problem bot.QueueProblem
	}{{alice, "vip", bot.QueueUnknown}, {scoped, "payment", bot.QueueNotYours}} {
		_, err = f.engine.ListTickets(ctx, tc.agent, bot.TicketQuery{Queue: tc.queue, Limit: 50})
		var qe *bot.QueueError
		require.ErrorAs(t, err, &qe, tc.queue)
		assert.Equal(t, tc.problem, qe.Problem)
		assert.Equal(t, "queue", qe.Field)
	}

	_, err = f.engine.ListTickets(ctx, alice, bot.TicketQuery{Limit: 0})
	assert.ErrorIs(t, err, bot.ErrInvalid)
}

func TestListTicketsFullPageOfTheLargestSize(t *testing.T) {
	ctx := context.Background()
	f := newAgentFixture(t, nil)
	insert := func(n int) {
		for range n {
			now := f.clock.now()
			tk := handoff.Ticket{Number: handoff.NewNumber(), ConversationID: uuid.NewString(), OwnerID: "u",
				Status: handoff.StatusQueued, Priority: handoff.P3, Queue: "general", Category: "general",
				Trigger: handoff.TriggerUserRequest, Reason: "r", CreatedAt: now, UpdatedAt: now, DueAt: now.Add(time.Hour)}
			require.NoError(t, f.tickets.InsertTicket(ctx, &tk))
		}
	}
	insert(handoff.MaxListLimit)
	page, err := f.engine.ListTickets(ctx, alice, bot.TicketQuery{Limit: handoff.MaxListLimit})
	require.NoError(t, err)
	assert.Len(t, page.Tickets, handoff.MaxListLimit)
	assert.False(t, page.More, "exactly a full page: nothing follows")

	insert(1)
	page, err = f.engine.ListTickets(ctx, alice, bot.TicketQuery{Limit: handoff.MaxListLimit})
	require.NoError(t, err)
	assert.Len(t, page.Tickets, handoff.MaxListLimit)
	assert.True(t, page.More)
}

func TestSweepReleasesLapsedClaims(t *testing.T) {
	onEachStore(t, nil, func(t *testing.T, f agentFixture) {
		ctx := context.Background()
		c, tk := f.open(t, "u1", "en", "payment", handoff.P3)
		_, err := f.engine.ClaimTicket(ctx, alice, nil)
		require.NoError(t, err)

		f.clock.advance(handoff.DefaultLease - time.Second)
		r, err := f.engine.Sweep(ctx, f.clock.now())
		require.NoError(t, err)
		assert.Empty(t, r.Released, "the lease still runs")

		f.clock.advance(2 * time.Second)
		r, err = f.engine.Sweep(ctx, f.clock.now())
		require.NoError(t, err)
		require.Len(t, r.Released, 1)
		assert.Equal(t, tk.Number, r.Released[0].Number)
		got := f.ticket(t, tk.Number)
		assert.Equal(t, handoff.StatusQueued, got.Status)
		assert.Empty(t, got.AssignedTo)

		c = f.conversation(t, c)
		assert.Equal(t, bot.StateQueued, c.State)
		msgs := f.messages(t, c)
		assert.Equal(t, "The agent had to step away, so your ticket is back in the queue. You're next in line; the expected wait is about 3 minutes.", msgs[len(msgs)-1].Text)

		r, err = f.engine.Sweep(ctx, f.clock.now())
		require.NoError(t, err)
		assert.Empty(t, r.Released, "released once")
		assert.Len(t, f.messages(t, c), len(msgs), "and told once")

		got, err = f.engine.ClaimTicket(ctx, bob, nil)
		require.NoError(t, err)
		assert.Equal(t, tk.Number, got.Number, "another agent can take it")
	})
}

func TestSweepRaisesBreachedTickets(t *testing.T) {
	onEachStore(t, nil, func(t *testing.T, f agentFixture) {
		ctx := context.Background()
		_, tk := f.open(t, "u1", "en", "payment", handoff.P3)
		_, answered := f.open(t, "u2", "en", "payment", handoff.P3)
		_, _, err := f.engine.AgentReply(ctx, alice, answered.Number, "hi")
		require.NoError(t, err)

		f.clock.advance(2*time.Hour + time.Second)
		now := f.clock.now()
		r, err := f.engine.Sweep(ctx, now)
		require.NoError(t, err)
		require.Len(t, r.Breached, 1, "only the ticket nobody answered")
		got := r.Breached[0]
		assert.Equal(t, tk.Number, got.Number)
		assert.Equal(t, handoff.P2, got.Priority, "one tier up")
		assert.Equal(t, now.Add(5*time.Minute), got.DueAt, "due by the new tier's SLA")
		assert.Equal(t, now, got.BreachedAt)

		r, err = f.engine.Sweep(ctx, now.Add(time.Second))
		require.NoError(t, err)
		assert.Empty(t, r.Breached, "marked once per due time")

		events, err := f.tickets.Events(ctx, tk.Number)
		require.NoError(t, err)
		assert.Equal(t, handoff.EventBreached, events[len(events)-1].Kind)
	})
}

func TestSweepClosesUnratedTickets(t *testing.T) {
	onEachStore(t, func(c *bot.Config) { c.Policy.CloseUnratedAfter = 24 * time.Hour }, func(t *testing.T, f agentFixture) {
		ctx := context.Background()
		_, tk := f.open(t, "u1", "en", "payment", handoff.P3)
		_, rated := f.open(t, "u2", "en", "payment", handoff.P3)
		for _, n := range []string{tk.Number, rated.Number} {
			_, err := f.engine.AgentResolve(ctx, alice, n)
			require.NoError(t, err)
		}
		_, err := f.engine.RateTicket(ctx, rated.Number, "u2", 5, "")
		require.NoError(t, err)

		// The memory store stamps resolutions with the wall clock; sweep relative to that.
		resolvedAt := f.ticket(t, tk.Number).ResolvedAt
		r, err := f.engine.Sweep(ctx, resolvedAt.Add(23*time.Hour))
		require.NoError(t, err)
		assert.Empty(t, r.Closed, "the configured day has not passed")

		r, err = f.engine.Sweep(ctx, resolvedAt.Add(24*time.Hour+time.Second))
		require.NoError(t, err)
		require.Len(t, r.Closed, 1, "the rated ticket is closed already")
		assert.Equal(t, tk.Number, r.Closed[0].Number)
		assert.Equal(t, handoff.StatusClosed, f.ticket(t, tk.Number).Status)
	})
}

func TestRunSweepsUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newAgentFixture(t, nil)
	_, tk := f.open(t, "u1", "en", "payment", handoff.P3)
	_, err := f.engine.ClaimTicket(ctx, alice, nil)
	require.NoError(t, err)
	f.clock.advance(time.Hour)

	done := make(chan struct{})
	go func() {
		defer close(done)
		f.engine.RunSweeps(ctx, time.Hour) // the first sweep runs at once
	}()
	require.Eventually(t, func() bool {
		return f.ticket(t, tk.Number).Status == handoff.StatusQueued
	}, 10*time.Second, 5*time.Millisecond, "the lapsed claim is released")
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("RunSweeps did not return after its context was cancelled")
	}
}
