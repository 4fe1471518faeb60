package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/faqbot/faqbot/handoff"
)

// The agents' side of a handoff (issue 4): listing, claiming and working tickets, and the
// sweeps that keep queues moving when nobody acts. Every change to a ticket goes through the
// ticket store first, which holds the checks that must be atomic (one claim per ticket, one
// resolve); what the user reads in the chat follows.

// Agent is who works tickets: the name the ticket's history and the chat show, and the
// queues the deployment gives them (empty: every queue).
type Agent struct {
	Name   string
	Queues []string
}

// sees reports whether the agent works queue.
func (a Agent) sees(queue string) bool {
	return len(a.Queues) == 0 || slices.Contains(a.Queues, queue)
}

// QueueProblem says what is wrong with a queue an agent named.
type QueueProblem string

const (
	QueueUnknown  QueueProblem = "unknown"   // not one of the configured queues
	QueueNotYours QueueProblem = "not_yours" // configured, but the agent's token does not cover it
	QueueSame     QueueProblem = "same"      // a transfer to the queue the ticket is in
)

// QueueError is a queue an agent may not use here. It is an ErrInvalid; Valid lists the
// queues that would do, so the agent can pick one.
type QueueError struct {
	Field   string // "queue" or "queues"
	Queue   string
	Problem QueueProblem
	Valid   []string
}

func (e *QueueError) Error() string {
	switch e.Problem {
	case QueueNotYours:
		return fmt.Sprintf("%s: %q is not one of your queues (%s)", e.Field, e.Queue, strings.Join(e.Valid, ", "))
	case QueueSame:
		return fmt.Sprintf("%s: the ticket is in %q already", e.Field, e.Queue)
	}
	return fmt.Sprintf("%s: %q is not a queue; the queues are %s", e.Field, e.Queue, strings.Join(e.Valid, ", "))
}

func (e *QueueError) Unwrap() error { return ErrInvalid }

// AssignedError: another agent holds the ticket. It is an ErrConflict and names the holder,
// so the agent knows whom to ask.
type AssignedError struct {
	Number, Agent string
}

func (e *AssignedError) Error() string {
	return fmt.Sprintf("ticket %s is assigned to %s", e.Number, e.Agent)
}

func (e *AssignedError) Unwrap() []error { return []error{ErrConflict, handoff.ErrAssignedElsewhere} }

// Queues lists the configured queues, sorted.
func (e *Engine) Queues() []string { return e.cfg.Policy.Queues() }

// TicketQuery selects an agent's list of tickets.
type TicketQuery struct {
	Queue    string           // "" : every queue the agent works
	Statuses []handoff.Status // empty: queued and assigned
	After    *handoff.ListCursor
	Limit    int // 1 to handoff.MaxListLimit
}

// TicketPage is one page of a list; More says whether another follows.
type TicketPage struct {
	Tickets []handoff.Ticket
	More    bool
}

// ListTickets returns the tickets of the agent's queues in the order they are worked:
// priority, then due time. A queue that is not configured or not the agent's is a
// *QueueError.
func (e *Engine) ListTickets(ctx context.Context, a Agent, q TicketQuery) (TicketPage, error) {
	if q.Limit < 1 || q.Limit > handoff.MaxListLimit {
		return TicketPage{}, invalid("list", "limit", fmt.Sprintf("must be 1 to %d, got %d", handoff.MaxListLimit, q.Limit))
	}
	queues := a.Queues
	if q.Queue != "" {
		if err := e.checkAgentQueue(a, "queue", q.Queue); err != nil {
			return TicketPage{}, err
		}
		queues = []string{q.Queue}
	}
	lq := handoff.ListQuery{Queues: queues, Statuses: q.Statuses, After: q.After, Limit: q.Limit}
	if q.Limit < handoff.MaxListLimit {
		lq.Limit = q.Limit + 1 // one row beyond the page tells whether another follows
	}
	list, err := e.tickets.List(ctx, lq)
	if err != nil {
		return TicketPage{}, ticketKind(err)
	}
	page := TicketPage{Tickets: list}
	if len(list) > q.Limit {
		page.Tickets, page.More = list[:q.Limit], true
	} else if len(list) == q.Limit && lq.Limit == q.Limit {
		// A full page of the largest size: look one ticket further.
		c := handoff.CursorOf(list[len(list)-1])
		lq.After, lq.Limit = &c, 1
		next, err := e.tickets.List(ctx, lq)
		if err != nil {
			return TicketPage{}, ticketKind(err)
		}
		page.More = len(next) > 0
	}
	return page, nil
}

// ClaimTicket gives the agent the next waiting ticket of queues (all of the agent's when
// none are named) for a lease, and tells the user an agent joined. None waiting is
// handoff.ErrNoneWaiting (an ErrNotFound).
func (e *Engine) ClaimTicket(ctx context.Context, a Agent, queues []string) (handoff.Ticket, error) {
	for _, q := range queues {
		if err := e.checkAgentQueue(a, "queues", q); err != nil {
			return handoff.Ticket{}, err
		}
	}
	if len(queues) == 0 {
		queues = a.Queues
	}
	t, err := e.tickets.Claim(ctx, handoff.ClaimRequest{Queues: queues, Agent: a.Name, Now: e.now(), Lease: e.cfg.Policy.Lease})
	if err != nil {
		return handoff.Ticket{}, ticketKind(err)
	}
	// The ticket is the agent's now. Failing the request over the notice would make the
	// agent claim again and hold two; the first reply sets the chat's state anyway.
	if _, err := e.notify(ctx, t, StateAgent, func(lang string) *Message {
		return &Message{Role: RoleSystem, Text: textAgentJoined(lang, a.Name),
			Reason: fmt.Sprintf("ticket %s claimed by %s", t.Number, a.Name)}
	}); err != nil {
		e.log.Error("ticket claimed, but telling the user failed", "ticket", t.Number, "agent", a.Name, "err", err)
	}
	return t, nil
}

// TicketView is everything an agent needs to work a ticket.
type TicketView struct {
	Ticket     handoff.Ticket
	Transcript []Message // the whole conversation, oldest first
	Events     []handoff.Event
}

// transcriptPage is how many messages one read of a transcript takes.
const transcriptPage = 500

// ViewTicket returns the ticket with its conversation and history. A malformed or unknown
// number and a ticket outside the agent's queues are ErrNotFound alike.
func (e *Engine) ViewTicket(ctx context.Context, a Agent, number string) (TicketView, error) {
	t, err := e.agentTicket(ctx, a, number)
	if err != nil {
		return TicketView{}, err
	}
	v := TicketView{Ticket: t}
	for after := int64(0); ; {
		page, err := e.store.Messages(ctx, t.ConversationID, after, transcriptPage)
		if err != nil {
			return TicketView{}, fmt.Errorf("transcript of ticket %s: %w", t.Number, err)
		}
		v.Transcript = append(v.Transcript, page...)
		if len(page) < transcriptPage {
			break
		}
		after = page[len(page)-1].Seq
	}
	if v.Events, err = e.tickets.Events(ctx, t.Number); err != nil {
		return TicketView{}, ticketKind(err)
	}
	return v, nil
}

// AgentReply writes the agent's reply into the user's chat. A queued ticket becomes the
// agent's (replying claims it); the lease is renewed. The text is checked as a user's
// message is (ErrInvalid, ErrTooLarge) before anything is written. A ticket another agent
// holds is an *AssignedError; a resolved or closed one handoff.ErrAlreadyResolved (both
// ErrConflict).
func (e *Engine) AgentReply(ctx context.Context, a Agent, number, text string) (Message, handoff.Ticket, error) {
	text, err := e.checkText(text)
	if err != nil {
		return Message{}, handoff.Ticket{}, err
	}
	t, err := e.agentTicket(ctx, a, number)
	if err != nil {
		return Message{}, handoff.Ticket{}, err
	}
	if err := heldByOther(t, a); err != nil {
		return Message{}, handoff.Ticket{}, err
	}
	now := e.now()
	replied, err := e.tickets.Respond(ctx, t.Number, a.Name, now, now.Add(e.lease()))
	if err != nil {
		return Message{}, handoff.Ticket{}, e.holderKind(ctx, t.Number, err)
	}
	t = replied
	msg, err := e.notify(ctx, t, StateAgent, func(string) *Message {
		return &Message{Role: RoleAgent, Author: a.Name, Text: text}
	})
	if err != nil {
		return Message{}, handoff.Ticket{}, fmt.Errorf("ticket %s took the reply, but writing it into the chat failed: %w", t.Number, err)
	}
	return *msg, t, nil
}

// TransferTicket moves the ticket to another configured queue, where it waits again, and
// tells the user. Any agent may send a ticket to any queue, also one outside their own: that
// is what a transfer is for.
func (e *Engine) TransferTicket(ctx context.Context, a Agent, number, queue string) (handoff.Ticket, error) {
	queue = strings.TrimSpace(queue)
	if !e.cfg.Policy.HasQueue(queue) {
		return handoff.Ticket{}, &QueueError{Field: "queue", Queue: queue, Problem: QueueUnknown, Valid: e.Queues()}
	}
	t, err := e.agentTicket(ctx, a, number)
	if err != nil {
		return handoff.Ticket{}, err
	}
	if err := heldByOther(t, a); err != nil {
		return handoff.Ticket{}, err
	}
	if t.Queue == queue && isOpen(t.Status) {
		return handoff.Ticket{}, &QueueError{Field: "queue", Queue: queue, Problem: QueueSame}
	}
	t, err = e.tickets.Transfer(ctx, t.Number, a.Name, queue, e.now())
	if err != nil {
		return handoff.Ticket{}, ticketKind(err)
	}
	// Done: a retry would now be refused as a transfer to the same queue, so a failed notice
	// is logged, not returned.
	if err := e.tellQueued(ctx, t, fmt.Sprintf("ticket %s transferred to %s by %s", t.Number, queue, a.Name), textTransferred); err != nil {
		e.log.Error("ticket transferred, but telling the user failed", "ticket", t.Number, "err", err)
	}
	return t, nil
}

// AgentResolve resolves a ticket of the agent's queues (see ResolveTicket); a ticket another
// agent holds is an *AssignedError.
func (e *Engine) AgentResolve(ctx context.Context, a Agent, number string) (handoff.Ticket, error) {
	t, err := e.agentTicket(ctx, a, number)
	if err != nil {
		return handoff.Ticket{}, err
	}
	if err := heldByOther(t, a); err != nil {
		return handoff.Ticket{}, err
	}
	return e.ResolveTicket(ctx, t.Number, a.Name)
}

// SweepReport says what one sweep changed.
type SweepReport struct {
	Released []handoff.Ticket // leases that lapsed: back in their queues
	Breached []handoff.Ticket // past their SLA without a first response: raised one tier
	Closed   []handoff.Ticket // resolved long ago and never rated
	// ExpiredKeys counts the Idempotency-Keys deleted for being older than Config.TurnKeyTTL.
	ExpiredKeys int
}

// Sweep does what nobody else does when time passes: tickets whose agent went silent go
// back to their queue (and their user is told), tickets past their SLA rise one tier,
// resolved tickets nobody rated are closed after Policy.CloseUnratedAfter, and
// Idempotency-Keys older than Config.TurnKeyTTL are deleted (one batch per sweep, see
// ExpireTurnKeysBatch). Each step runs even when another fails; the errors are joined. Every
// replica may sweep: the ticket store changes each ticket once, the bot store deletes each
// key once, and only what changed is reported.
func (e *Engine) Sweep(ctx context.Context, now time.Time) (SweepReport, error) {
	var (
		r    SweepReport
		errs []error
		err  error
	)
	if r.Released, err = e.tickets.ReleaseLapsed(ctx, now); err != nil {
		errs = append(errs, fmt.Errorf("release lapsed claims: %w", err))
	}
	for _, t := range r.Released {
		reason := fmt.Sprintf("ticket %s back in queue %s: the agent's claim lapsed", t.Number, t.Queue)
		if err := e.tellQueued(ctx, t, reason, textReleased); err != nil {
			errs = append(errs, fmt.Errorf("tell the user of released ticket %s: %w", t.Number, err))
		}
	}
	if r.Breached, err = e.tickets.SweepBreached(ctx, now, e.cfg.Policy.SLA); err != nil {
		errs = append(errs, fmt.Errorf("mark breached tickets: %w", err))
	}
	age := e.cfg.Policy.CloseUnratedAfter
	if age <= 0 {
		age = handoff.DefaultCloseUnratedAfter
	}
	if r.Closed, err = e.tickets.CloseUnrated(ctx, now.Add(-age)); err != nil {
		errs = append(errs, fmt.Errorf("close unrated tickets: %w", err))
	}
	if r.ExpiredKeys, err = e.store.ExpireTurnKeys(ctx, now.Add(-e.turnKeyTTL())); err != nil {
		errs = append(errs, fmt.Errorf("expire idempotency keys: %w", err))
	}
	return r, errors.Join(errs...)
}

// turnKeyTTL is Config.TurnKeyTTL, but never shorter than StaleTurn: until a turn counts as
// abandoned it may still be running, and deleting its key would let a retry store the
// message a second time.
func (e *Engine) turnKeyTTL() time.Duration {
	ttl := e.cfg.TurnKeyTTL
	if ttl <= 0 {
		ttl = DefaultTurnKeyTTL
	}
	return max(ttl, e.cfg.StaleTurn)
}

// DefaultSweepInterval is how often RunSweeps sweeps unless told otherwise.
const DefaultSweepInterval = 10 * time.Second

// RunSweeps sweeps at once and then every interval until ctx is done. Failures are logged
// and the next sweep tries again: a database that is away for a while must not stop it.
func (e *Engine) RunSweeps(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = DefaultSweepInterval
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		r, err := e.Sweep(ctx, e.now())
		if err != nil && ctx.Err() == nil {
			e.log.Error("sweep", "err", err)
		}
		if n := len(r.Released) + len(r.Breached) + len(r.Closed) + r.ExpiredKeys; n > 0 {
			e.log.Info("swept", "released", len(r.Released), "breached", len(r.Breached), "closed_unrated", len(r.Closed),
				"expired_keys", r.ExpiredKeys)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// agentTicket loads a ticket the agent may work. What the agent may not see reads exactly
// like what does not exist.
func (e *Engine) agentTicket(ctx context.Context, a Agent, number string) (handoff.Ticket, error) {
	n, ok := handoff.NormalizeNumber(number)
	if !ok {
		return handoff.Ticket{}, fmt.Errorf("ticket %q: %w", number, ErrNotFound)
	}
	t, err := e.tickets.Ticket(ctx, n)
	if err != nil {
		return handoff.Ticket{}, ticketKind(err)
	}
	if !a.sees(t.Queue) {
		return handoff.Ticket{}, fmt.Errorf("ticket %q: %w", number, ErrNotFound)
	}
	return t, nil
}

// checkAgentQueue checks a queue the agent named to work from.
func (e *Engine) checkAgentQueue(a Agent, field, queue string) error {
	if !e.cfg.Policy.HasQueue(queue) {
		return &QueueError{Field: field, Queue: queue, Problem: QueueUnknown, Valid: e.Queues()}
	}
	if !a.sees(queue) {
		return &QueueError{Field: field, Queue: queue, Problem: QueueNotYours, Valid: slices.Clone(a.Queues)}
	}
	return nil
}

// heldByOther refuses to act on a ticket another agent holds. The store checks replies
// atomically as well; for transfer and resolve this check is the guard.
func heldByOther(t handoff.Ticket, a Agent) error {
	if t.Status == handoff.StatusAssigned && t.AssignedTo != a.Name {
		return &AssignedError{Number: t.Number, Agent: t.AssignedTo}
	}
	return nil
}

// holderKind words a store's refusal; an ErrAssignedElsewhere (another agent claimed the
// ticket between our read and the write) names the new holder.
func (e *Engine) holderKind(ctx context.Context, number string, err error) error {
	if errors.Is(err, handoff.ErrAssignedElsewhere) {
		if t, terr := e.tickets.Ticket(ctx, number); terr == nil && t.AssignedTo != "" {
			return &AssignedError{Number: number, Agent: t.AssignedTo}
		}
	}
	return ticketKind(err)
}

func (e *Engine) lease() time.Duration {
	if e.cfg.Policy.Lease > 0 {
		return e.cfg.Policy.Lease
	}
	return handoff.DefaultLease
}

func isOpen(s handoff.Status) bool { return s == handoff.StatusQueued || s == handoff.StatusAssigned }

// notify writes the message build returns into the ticket's conversation and sets its state,
// in one write. The counters are written back as they are: they belong to the user's turns.
func (e *Engine) notify(ctx context.Context, t handoff.Ticket, state State, build func(lang string) *Message) (*Message, error) {
	conv, err := e.store.Conversation(ctx, t.ConversationID, t.OwnerID)
	if err != nil {
		return nil, fmt.Errorf("conversation of ticket %s: %w", t.Number, err)
	}
	lang := conv.Language
	if lang == "" {
		lang = t.Language
	}
	msg := build(lang)
	msg.ConversationID = conv.ID
	out := &Outcome{ConversationID: conv.ID, Reply: msg, State: state, LowStreak: conv.LowStreak, HumanAsks: conv.HumanAsks}
	if err := e.store.FinishTurn(ctx, out); err != nil {
		return nil, err
	}
	return msg, nil
}

// tellQueued tells the user their ticket waits again, with their place and the wait.
func (e *Engine) tellQueued(ctx context.Context, t handoff.Ticket, reason string, say func(lang, queue string, ahead int, wait time.Duration) string) error {
	ahead, err := e.tickets.Ahead(ctx, t)
	if err != nil {
		return err
	}
	_, err = e.notify(ctx, t, StateQueued, func(lang string) *Message {
		return &Message{Role: RoleSystem, Reason: reason, Text: say(lang, t.Queue, ahead, e.cfg.Policy.ExpectedWait(ahead))}
	})
	return err
}

// The agents' notices in the user's chat.

func textAgentJoined(lang, agent string) string {
	if lang == "zh" {
		return fmt.Sprintf("人工客服 %s 已接入，会在这里直接回复你。", agent)
	}
	return fmt.Sprintf("%s from our support team has joined the chat and will reply right here.", agent)
}

func textTransferred(lang, queue string, ahead int, wait time.Duration) string {
	if lang == "zh" {
		return fmt.Sprintf("你的问题已转交给%s处理。%s，预计等待约 %s。", queueZH(queue), placeZH(ahead), durationZH(wait))
	}
	return fmt.Sprintf("Your ticket has been passed to our %s team. %s; the expected wait is about %s.", queueEN(queue), placeEN(ahead), durationEN(wait))
}

func textReleased(lang, _ string, ahead int, wait time.Duration) string {
	if lang == "zh" {
		return fmt.Sprintf("客服暂时离开了，你的工单已重新排队。%s，预计等待约 %s。", placeZH(ahead), durationZH(wait))
	}
	return fmt.Sprintf("The agent had to step away, so your ticket is back in the queue. %s; the expected wait is about %s.", placeEN(ahead), durationEN(wait))
}

// queueZH names the default queues as a Chinese-speaking user knows the teams.
func queueZH(queue string) string {
	names := map[string]string{
		"account": "账号", "payment": "支付", "content": "内容", "live": "直播", "ads": "广告",
		"tech": "技术", "general": "综合", "senior": "高级",
	}
	if n, ok := names[queue]; ok {
		return n + "客服组"
	}
	return "「" + queue + "」客服组"
}

func queueEN(queue string) string {
	if queue == "senior" {
		return "senior support"
	}
	return queue
}
