// Package handoff holds the tickets a conversation becomes when a human must take over: their
// numbers, queues, priorities and SLA due times, and (issue 4) the agents' workflow.
package handoff

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// The closed set of error kinds of the handoff domain.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	ErrInvalid  = errors.New("invalid")
)

// Status is where a ticket is in its life.
type Status string

const (
	StatusQueued   Status = "queued"
	StatusAssigned Status = "assigned"
	StatusResolved Status = "resolved"
	StatusClosed   Status = "closed"
)

// Priority is P1 (most urgent) to P3.
type Priority int

const (
	P1 Priority = 1 // high risk: account stolen, fraud, charged twice, personal safety
	P2 Priority = 2 // urgent: payment failed, live stream broken
	P3 Priority = 3 // normal
)

func (p Priority) String() string {
	switch p {
	case P1:
		return "P1"
	case P2:
		return "P2"
	default:
		return "P3"
	}
}

// Trigger says why the bot handed over, as a code; Ticket.Reason says it in words.
type Trigger string

const (
	TriggerUserRequest   Trigger = "user_request"
	TriggerAngry         Trigger = "angry"
	TriggerWorsening     Trigger = "worsening_sentiment"
	TriggerLowConfidence Trigger = "low_confidence"
	TriggerHighRisk      Trigger = "high_risk"
)

// SentimentPoint is one user message's mood, for the agent's view of how the chat went.
type SentimentPoint struct {
	Label string    `json:"label"`
	Score float64   `json:"score"`
	At    time.Time `json:"at"`
}

// Candidate is an answer the bot considered, offered to the agent.
type Candidate struct {
	ArticleID int64   `json:"article_id"`
	Title     string  `json:"title"`
	Answer    string  `json:"answer"`
	Score     float64 `json:"score"`
}

// Ticket is one handoff of a conversation to humans.
type Ticket struct {
	ID             int64
	Number         string // short, readable, not guessable: see NewNumber
	ConversationID string
	OwnerID        string // the end user the conversation belongs to
	Status         Status
	Priority       Priority
	Queue          string
	Category       string
	Trigger        Trigger
	Reason         string // the trigger in words an agent understands
	Question       string // the user's question, standalone (after rewriting)
	Summary        string // the last turns, condensed
	SentimentTrail []SentimentPoint
	Candidates     []Candidate
	Language       string
	CreatedAt      time.Time
	DueAt          time.Time // first response is due by then (SLA)
	AssignedTo     string
	UpdatedAt      time.Time
	ResolvedAt     time.Time // zero until an agent resolves the ticket
	// LeaseUntil is when an assigned ticket goes back to its queue unless its agent acts
	// (claims are leases: a silent agent strands nobody). Zero unless assigned.
	LeaseUntil time.Time
	// FirstResponseAt is when an agent first replied; zero until then. The SLA (DueAt) is
	// about this moment.
	FirstResponseAt time.Time
	// BreachedAt is when the sweeper last found the ticket past DueAt without a first
	// response; zero if it never was.
	BreachedAt time.Time
	ClosedAt   time.Time // zero until rated, or closed unrated after the timeout
}

// Ref is what a user sees of a ticket.
type Ref struct {
	Number   string `json:"number"`
	Status   Status `json:"status"`
	Priority string `json:"priority"`
	Queue    string `json:"queue"`
}

// Ref returns the user's view of t.
func (t Ticket) Ref() Ref {
	return Ref{Number: t.Number, Status: t.Status, Priority: t.Priority.String(), Queue: t.Queue}
}

// Place is a queued ticket's position and the expected wait.
type Place struct {
	Position     int // 1 = next to be picked up
	ExpectedWait time.Duration
}

// Store keeps tickets. Implementations: handoff/memory and handoff/postgres; both pass
// handoff/storetest. The bot creates tickets through its own store in the same transaction
// as the reply (bot/postgres calls handoff/postgres.InsertTicket with its transaction).
type Store interface {
	// InsertTicket stores t, setting ID, and records its creation as an event. A duplicate
	// Number is ErrConflict, and so is a second open (queued or assigned) ticket of a
	// conversation.
	InsertTicket(ctx context.Context, t *Ticket) error
	// Ticket returns the ticket with this number.
	Ticket(ctx context.Context, number string) (Ticket, error)
	// OpenTicketFor returns the conversation's ticket that is queued or assigned.
	OpenTicketFor(ctx context.Context, conversationID string) (Ticket, error)
	// ResolvedTicketFor returns the conversation's latest ticket that is resolved and waits for
	// its rating (rating it closes it); none is ErrNotFound. A user who answers the rating
	// prompt in the chat ("5") rates this one.
	ResolvedTicketFor(ctx context.Context, conversationID string) (Ticket, error)
	// Ahead counts the queued tickets of t's queue that will be picked before t: higher
	// priority, or the same priority and an earlier due time (then earlier id).
	Ahead(ctx context.Context, t Ticket) (int, error)
	// Escalate raises a queued ticket's priority by one tier (not past P1), moves its due time
	// to now + the new tier's SLA if that is sooner, and records why. A ticket that is no
	// longer queued is ErrConflict.
	Escalate(ctx context.Context, number string, dueAt time.Time, reason string) (Ticket, error)
	// Events returns the ticket's history, oldest first.
	Events(ctx context.Context, number string) ([]Event, error)
	// Resolve moves a queued or assigned ticket to resolved, sets ResolvedAt and records the
	// event under actor. A resolved or closed ticket is ErrAlreadyResolved (an ErrConflict).
	Resolve(ctx context.Context, number, actor string) (Ticket, error)
	// Rate stores the owner's rating of a resolved ticket, closes the ticket and records the
	// event, all at once. Another owner's ticket is ErrNotFound, exactly like an unknown one;
	// a ticket not resolved yet is ErrNotResolved, a second rating ErrAlreadyRated (both
	// ErrConflict); a bad score or comment is ErrInvalid naming the field. Of concurrent
	// ratings of one ticket, exactly one succeeds.
	Rate(ctx context.Context, number, ownerID string, score int, comment string) (Rating, error)
	// Rating returns the ticket's rating; a ticket without one is ErrNotFound.
	Rating(ctx context.Context, number string) (Rating, error)

	// The agents' workflow (issue 4). Every change below records its event in the same
	// transaction, so the event log (and everything that tails it: agents' streams,
	// webhooks) never misses or invents a change.

	// List returns the tickets q selects in the order agents work them: priority, then due
	// time, then id. It reads at most q.Limit rows after q.After. A bad query is ErrInvalid
	// naming the field (ListQuery.Validate).
	List(ctx context.Context, q ListQuery) ([]Ticket, error)
	// Claim assigns the first queued ticket of q.Queues (all queues when empty), in List
	// order, to q.Agent with a lease until q.Now+q.Lease and records EventClaimed. Of
	// concurrent claims, each ticket goes to exactly one (FOR UPDATE SKIP LOCKED); none
	// waiting is ErrNoneWaiting (an ErrNotFound).
	Claim(ctx context.Context, q ClaimRequest) (Ticket, error)
	// Respond records an agent's reply: a queued ticket becomes assigned to agent (replying
	// claims it), the lease is renewed to leaseUntil, FirstResponseAt is set if unset and
	// EventReplied recorded. A ticket assigned to another agent is ErrAssignedElsewhere; a
	// resolved or closed one ErrAlreadyResolved (both ErrConflict).
	Respond(ctx context.Context, number, agent string, now, leaseUntil time.Time) (Ticket, error)
	// Transfer moves a queued or assigned ticket to queue: it waits there again (queued, no
	// assignee, no lease) and EventTransferred records from and to. A resolved or closed
	// ticket is ErrAlreadyResolved; the same queue is ErrInvalid. The caller checks that the
	// queue exists.
	Transfer(ctx context.Context, number, actor, queue string, now time.Time) (Ticket, error)
	// ReleaseLapsed returns every assigned ticket whose lease ended before now to its queue
	// (queued, no assignee) with EventReleased, and returns them.
	ReleaseLapsed(ctx context.Context, now time.Time) ([]Ticket, error)
	// SweepBreached finds the tickets without a first response (queued, or assigned and not
	// answered yet) whose DueAt is before now and that were not marked since that DueAt; each
	// rises one tier (P1 stays P1), gets DueAt = now + sla[new priority] and BreachedAt =
	// now, and EventBreached records from and to. It returns them.
	SweepBreached(ctx context.Context, now time.Time, sla map[Priority]time.Duration) ([]Ticket, error)
	// CloseUnrated closes resolved tickets resolved before `before` that were never rated
	// (EventClosed, actor ActorBot) and returns them.
	CloseUnrated(ctx context.Context, before time.Time) ([]Ticket, error)
	// EventsAfter returns events of all tickets with ID > afterID, oldest first, at most
	// limit, each with its ticket's Number and the Queue of that moment: the feed that
	// agents' streams and the webhook relay tail. It never hands out an event while one
	// with a smaller ID may still commit (PostgreSQL numbers events before their
	// transactions commit, in another order; its store waits briefly for such a gap, else
	// returns the events before it), so a reader that keeps the last ID it got misses
	// nothing. Ids may have holes (rolled back changes). A bad afterID or a limit outside 1
	// to MaxEventsLimit is ErrInvalid.
	EventsAfter(ctx context.Context, afterID int64, limit int) ([]Event, error)
}

// ErrNoneWaiting: no queued ticket in the queues asked for (the API answers 204).
var ErrNoneWaiting = fmt.Errorf("no ticket is waiting: %w", ErrNotFound)

// ErrAssignedElsewhere: another agent holds the ticket.
var ErrAssignedElsewhere = fmt.Errorf("the ticket is assigned to another agent: %w", ErrConflict)

// DefaultLease is how long a claim lasts without the agent acting (issue 4: 5 minutes).
const DefaultLease = 5 * time.Minute

// ListQuery selects tickets for an agent's list.
type ListQuery struct {
	Queues   []string // empty: every queue
	Statuses []Status // empty: queued and assigned
	After    *ListCursor
	Limit    int // 1 to 200
}

// ListCursor is the position of the last ticket of a page in List order.
type ListCursor struct {
	Priority Priority
	DueAt    time.Time
	ID       int64
}

// CursorOf returns the cursor that continues a list after t.
func CursorOf(t Ticket) ListCursor { return ListCursor{Priority: t.Priority, DueAt: t.DueAt, ID: t.ID} }

// ClaimRequest asks for the next ticket of some queues.
type ClaimRequest struct {
	Queues []string // empty: every queue
	Agent  string   // the agent's name, as the history shows it (CheckActor's rules)
	Now    time.Time
	Lease  time.Duration // DefaultLease when 0
}

// EventKind names what happened to a ticket.
type EventKind string

const (
	EventCreated   EventKind = "created"
	EventEscalated EventKind = "escalated"
	EventResolved  EventKind = "resolved"
	EventRated     EventKind = "rated"
	// The agents' workflow.
	EventClaimed     EventKind = "claimed"     // detail: agent, lease_until
	EventReplied     EventKind = "replied"     // detail: agent, first ("true" on the first reply)
	EventTransferred EventKind = "transferred" // detail: from, to
	EventReleased    EventKind = "released"    // detail: agent (whose lease lapsed)
	EventBreached    EventKind = "breached"    // detail: from, to (priorities), due_at
	EventClosed      EventKind = "closed"      // detail: reason
)

// ActorBot is the actor of what the bot does to a ticket; agents act under their names.
const ActorBot = "bot"

// ActorUser is the actor of what the ticket's owner does (rating it); the ticket names the
// owner already, and the history an agent reads should not repeat a host app's user id.
const ActorUser = "user"

// Event is one entry of a ticket's history. Detail holds the facts of the kind, as strings
// (for EventCreated: trigger, priority, queue, reason; for EventEscalated: from, to, reason;
// for EventResolved: from, the status it left; for EventRated: score).
type Event struct {
	ID       int64
	TicketID int64
	// Number is the ticket's, filled in by EventsAfter; Queue is the queue the ticket was in right
	// after the event (for a transfer, the one it went to), so a reader decides who may see an
	// event by where the ticket was then, not where it is when the reader gets there.
	Number string
	Queue  string
	At     time.Time
	Actor  string
	Kind   EventKind
	Detail map[string]string
}

// Validate checks a ticket before it is stored and names the first field that is wrong. It
// holds the stores to the same rules, so the in-memory store refuses what PostgreSQL would.
func (t *Ticket) Validate() error {
	texts := []struct{ field, value string }{
		{"number", t.Number}, {"owner_id", t.OwnerID}, {"queue", t.Queue}, {"category", t.Category},
		{"trigger", string(t.Trigger)}, {"reason", t.Reason}, {"question", t.Question},
		{"summary", t.Summary}, {"language", t.Language}, {"assigned_to", t.AssignedTo},
	}
	for _, f := range texts {
		if err := checkText(f.field, f.value); err != nil {
			return err
		}
	}
	switch {
	case t.Number == "" || len(t.Number) > 32:
		return invalid("number", "must have 1 to 32 characters")
	case len(t.ConversationID) != 36 || uuid.Validate(t.ConversationID) != nil:
		return invalid("conversation_id", "must be a UUID")
	case t.OwnerID == "":
		return invalid("owner_id", "is empty")
	case t.Status != StatusQueued && t.Status != StatusAssigned && t.Status != StatusResolved && t.Status != StatusClosed:
		return invalid("status", fmt.Sprintf("unknown status %q", t.Status))
	case t.Priority < P1 || t.Priority > P3:
		return invalid("priority", fmt.Sprintf("must be 1 to 3, got %d", t.Priority))
	case t.Queue == "":
		return invalid("queue", "is empty")
	case t.DueAt.IsZero():
		return invalid("due_at", "is not set")
	}
	for i, p := range t.SentimentTrail {
		if err := checkText(fmt.Sprintf("sentiment_trail[%d].label", i), p.Label); err != nil {
			return err
		}
		if math.IsNaN(p.Score) || math.IsInf(p.Score, 0) {
			return invalid(fmt.Sprintf("sentiment_trail[%d].score", i), "is not a finite number")
		}
	}
	for i, c := range t.Candidates {
		if err := checkText(fmt.Sprintf("candidates[%d].title", i), c.Title); err != nil {
			return err
		}
		if err := checkText(fmt.Sprintf("candidates[%d].answer", i), c.Answer); err != nil {
			return err
		}
		if math.IsNaN(c.Score) || math.IsInf(c.Score, 0) {
			return invalid(fmt.Sprintf("candidates[%d].score", i), "is not a finite number")
		}
	}
	return nil
}

// checkText refuses what PostgreSQL cannot store in text or jsonb: invalid UTF-8 and NUL.
func checkText(field, s string) error {
	if !utf8.ValidString(s) {
		return invalid(field, "is not valid UTF-8")
	}
	if strings.IndexByte(s, 0) >= 0 {
		return invalid(field, "contains a NUL character")
	}
	return nil
}

func invalid(field, reason string) error {
	return fmt.Errorf("ticket %s: %s: %w", field, reason, ErrInvalid)
}

// Bounds of the workflow calls' inputs.
const (
	MaxListLimit   = 200  // tickets per List page (DESIGN §4: lists take at most 200)
	MaxEventsLimit = 1000 // events per EventsAfter call
	MaxQueueLen    = 64   // characters of a queue name
)

// Validate checks a list query and names the first field that is wrong.
func (q ListQuery) Validate() error {
	if q.Limit < 1 || q.Limit > MaxListLimit {
		return workflowInvalid("list", "limit", fmt.Sprintf("must be 1 to %d, got %d", MaxListLimit, q.Limit))
	}
	if err := checkQueues("list", q.Queues); err != nil {
		return err
	}
	for i, st := range q.Statuses {
		if !st.valid() {
			return workflowInvalid("list", fmt.Sprintf("statuses[%d]", i), fmt.Sprintf("unknown status %q", st))
		}
	}
	if c := q.After; c != nil {
		switch {
		case c.Priority < P1 || c.Priority > P3:
			return workflowInvalid("list", "cursor.priority", fmt.Sprintf("must be 1 to 3, got %d", c.Priority))
		case c.DueAt.IsZero():
			return workflowInvalid("list", "cursor.due_at", "is not set")
		case c.ID < 1:
			return workflowInvalid("list", "cursor.id", fmt.Sprintf("must be positive, got %d", c.ID))
		}
	}
	return nil
}

// Validate checks a claim and names the first field that is wrong.
func (r ClaimRequest) Validate() error {
	if err := checkName("claim", "agent", r.Agent); err != nil {
		return err
	}
	switch {
	case r.Now.IsZero():
		return workflowInvalid("claim", "now", "is not set")
	case r.Lease < 0:
		return workflowInvalid("claim", "lease", fmt.Sprintf("must not be negative, got %v", r.Lease))
	}
	return checkQueues("claim", r.Queues)
}

// LeaseOrDefault is the claim's lease, DefaultLease when none was asked for.
func (r ClaimRequest) LeaseOrDefault() time.Duration {
	if r.Lease == 0 {
		return DefaultLease
	}
	return r.Lease
}

// CheckRespond checks Respond's input: the agent's name, and a lease that ends after now.
func CheckRespond(agent string, now, leaseUntil time.Time) error {
	if err := checkName("respond", "agent", agent); err != nil {
		return err
	}
	switch {
	case now.IsZero():
		return workflowInvalid("respond", "now", "is not set")
	case !leaseUntil.After(now):
		return workflowInvalid("respond", "lease_until", "must be after now")
	}
	return nil
}

// CheckTransfer checks Transfer's input: who moves the ticket, and where to.
func CheckTransfer(actor, queue string, now time.Time) error {
	if err := checkName("transfer", "actor", actor); err != nil {
		return err
	}
	if err := checkQueue("transfer", "queue", queue); err != nil {
		return err
	}
	if now.IsZero() {
		return workflowInvalid("transfer", "now", "is not set")
	}
	return nil
}

// CheckSweep checks SweepBreached's input: a positive SLA for every priority, since a
// breached ticket gets a new due time from its new tier's.
func CheckSweep(now time.Time, sla map[Priority]time.Duration) error {
	if now.IsZero() {
		return workflowInvalid("sweep", "now", "is not set")
	}
	for _, p := range []Priority{P1, P2, P3} {
		if sla[p] <= 0 {
			return workflowInvalid("sweep", "sla", fmt.Sprintf("%s has no positive SLA", p))
		}
	}
	return nil
}

// CheckEventsAfter checks where a feed reader is and how much it asks for.
func CheckEventsAfter(afterID int64, limit int) error {
	switch {
	case afterID < 0:
		return workflowInvalid("events", "after", fmt.Sprintf("must not be negative, got %d", afterID))
	case limit < 1 || limit > MaxEventsLimit:
		return workflowInvalid("events", "limit", fmt.Sprintf("must be 1 to %d, got %d", MaxEventsLimit, limit))
	}
	return nil
}

// DetailTime writes an instant into an event's detail: UTC, in the microseconds the stores
// keep, so the detail and the ticket's field read the same.
func DetailTime(t time.Time) string {
	return t.UTC().Truncate(time.Microsecond).Format("2006-01-02T15:04:05.999999Z07:00")
}

func (s Status) valid() bool {
	return s == StatusQueued || s == StatusAssigned || s == StatusResolved || s == StatusClosed
}

func checkQueues(op string, queues []string) error {
	for i, q := range queues {
		if err := checkQueue(op, fmt.Sprintf("queues[%d]", i), q); err != nil {
			return err
		}
	}
	return nil
}

func checkQueue(op, field, q string) error {
	switch {
	case strings.TrimSpace(q) == "":
		return workflowInvalid(op, field, "is empty")
	case !utf8.ValidString(q):
		return workflowInvalid(op, field, "is not valid UTF-8")
	case utf8.RuneCountInString(q) > MaxQueueLen:
		return workflowInvalid(op, field, fmt.Sprintf("is longer than %d characters", MaxQueueLen))
	}
	if c, bad := controlChar(q, false); bad {
		return workflowInvalid(op, field, fmt.Sprintf("contains a control character (U+%04X)", c))
	}
	return nil
}

// checkName holds an agent's name to CheckActor's rules, naming the call and the field.
func checkName(op, field, name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return workflowInvalid(op, field, "is empty")
	case !utf8.ValidString(name):
		return workflowInvalid(op, field, "is not valid UTF-8")
	case utf8.RuneCountInString(name) > MaxActorLen:
		return workflowInvalid(op, field, fmt.Sprintf("is longer than %d characters", MaxActorLen))
	}
	if c, bad := controlChar(name, false); bad {
		return workflowInvalid(op, field, fmt.Sprintf("contains a control character (U+%04X)", c))
	}
	return nil
}

func workflowInvalid(op, field, reason string) error {
	return fmt.Errorf("%s: %s %s: %w", op, field, reason, ErrInvalid)
}
