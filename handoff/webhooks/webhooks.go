// Package webhooks sends the ticket event log to URLs that admins register (DESIGN §4
// "Admins"), at least once, signed, with retries and dead letters.
//
// The outbox is the ticket event log itself: every ticket change writes its event in the
// transaction of the change (handoff.Store), so nothing is announced that did not happen and
// nothing that happened is missed. A Worker tails that log (handoff.Store.EventsAfter) with a
// cursor kept in this package's Store, fans every event out into one Delivery per active
// webhook (unique per webhook and event, so a relay that runs twice duplicates nothing),
// claims due deliveries as short leases (FOR UPDATE SKIP LOCKED on PostgreSQL, so several
// replicas can run workers), sends them through a client that refuses internal addresses, and
// reschedules failures with exponential backoff and jitter until the retry window (24 h)
// closes; then the delivery is dead and admins see it.
package webhooks

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/faqbot/faqbot/handoff"
)

// The error kinds are the handoff domain's: webhooks belong to it, and the API's error table
// maps those already.
var (
	ErrNotFound = handoff.ErrNotFound
	ErrConflict = handoff.ErrConflict
	ErrInvalid  = handoff.ErrInvalid
)

// FieldError is an ErrInvalid that names the field of the input that is wrong.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return "webhook " + e.Field + ": " + e.Reason }

func (e *FieldError) Unwrap() error { return ErrInvalid }

func invalid(field, reason string) error { return &FieldError{Field: field, Reason: reason} }

// Bounds of a webhook's fields.
const (
	MaxURLLength    = 2048
	MinSecretLength = 16
	MaxSecretLength = 256
)

// Webhook is a URL that receives the ticket events, and the secret deliveries are signed with.
type Webhook struct {
	ID  int64
	URL string
	// Secret keys the HMAC of every delivery. It is stored as it is (a receiver checks the
	// signature with it, so a hash would not do) and never listed.
	Secret string
	// Events are the event types delivered (see EventTypes); empty: all of them.
	Events []string
	// Active is false once an admin removed the webhook: it gets no new deliveries, and its
	// deliveries (dead letters included) stay readable.
	Active    bool
	CreatedAt time.Time
	RemovedAt time.Time // zero while active
}

// Wants reports whether the webhook takes events of type t.
func (w *Webhook) Wants(t string) bool {
	return len(w.Events) == 0 || slices.Contains(w.Events, t)
}

// Validate checks a webhook before it is stored and names the first field that is wrong. It
// checks the shape of the URL only; which addresses may be reached is Policy's business.
func (w *Webhook) Validate() error {
	if err := checkURL(w.URL); err != nil {
		return err
	}
	switch n := len(w.Secret); {
	case n < MinSecretLength || n > MaxSecretLength:
		return invalid("secret", fmt.Sprintf("must have %d to %d bytes, got %d", MinSecretLength, MaxSecretLength, n))
	case !printable(w.Secret):
		return invalid("secret", "must be printable ASCII without spaces")
	}
	seen := map[string]bool{}
	for i, e := range w.Events {
		field := fmt.Sprintf("events[%d]", i)
		switch {
		case !slices.Contains(EventTypes(), e):
			return invalid(field, fmt.Sprintf("unknown event type %q; known: %s", clip(e), strings.Join(EventTypes(), ", ")))
		case seen[e]:
			return invalid(field, fmt.Sprintf("%q is listed twice", e))
		}
		seen[e] = true
	}
	return nil
}

// checkURL refuses what is not an absolute http(s) URL a server can be reached at.
func checkURL(raw string) error {
	switch {
	case raw == "":
		return invalid("url", "is empty")
	case len(raw) > MaxURLLength:
		return invalid("url", fmt.Sprintf("is longer than %d bytes", MaxURLLength))
	case !utf8.ValidString(raw) || strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return invalid("url", "contains spaces or control characters")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return invalid("url", "is not a URL")
	}
	switch {
	case u.Scheme == "":
		return invalid("url", "must be absolute, starting with https:// or http://")
	case u.Scheme != "http" && u.Scheme != "https":
		return invalid("url", fmt.Sprintf("must start with https:// or http://, got %q", clip(u.Scheme+":")))
	case u.Opaque != "" || u.Host == "" || u.Hostname() == "":
		return invalid("url", "must be absolute, with a host")
	case u.User != nil:
		return invalid("url", "must not carry a user name or password; the signature authenticates deliveries")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return invalid("url", "must not have a #fragment")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return invalid("url", fmt.Sprintf("port %q is not 1 to 65535", clip(p)))
		}
	}
	return nil
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// clip shortens a value echoed in an error message.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}

// Status is where a delivery is.
type Status string

const (
	StatusPending   Status = "pending"   // waiting for its next attempt (or being attempted)
	StatusDelivered Status = "delivered" // a receiver answered 2xx
	StatusDead      Status = "dead"      // the retry window closed, or the webhook was removed
)

// ParseStatus reads a status filter; "" is every status.
func ParseStatus(s string) (Status, error) {
	switch st := Status(s); st {
	case "", StatusPending, StatusDelivered, StatusDead:
		return st, nil
	}
	return "", invalid("status", fmt.Sprintf("must be pending, delivered or dead, got %q", clip(s)))
}

// Delivery is one event on its way to one webhook.
type Delivery struct {
	ID        int64
	WebhookID int64
	EventID   int64 // the ticket event's id: receivers deduplicate by it
	EventType string
	// Payload is the body sent, the same bytes on every attempt.
	Payload  []byte
	Status   Status
	Attempts int
	// NextAt is when a pending delivery is next due; while an attempt runs, when its lease ends.
	NextAt time.Time
	// Deadline closes the retry window: a failed attempt at or after it makes the delivery dead.
	Deadline       time.Time
	LastStatusCode int // 0 when no HTTP answer came (refused, timed out)
	LastError      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Event is a ticket event ready to fan out: its id, type and the body every webhook gets.
type Event struct {
	ID      int64
	Type    string
	Payload []byte
}

// Claim is a delivery taken for one attempt, with what it takes to send it. The attempt is
// a lease: it ends at Delivery.NextAt, after which another worker may take the delivery.
type Claim struct {
	Delivery
	URL    string
	Secret string
}

// Outcome is how an attempt ended. ID, Attempt and LeaseUntil name the claim (a worker whose
// lease lapsed cannot overwrite a later attempt).
type Outcome struct {
	ID         int64
	Attempt    int       // the claim's Attempts
	LeaseUntil time.Time // the claim's NextAt
	At         time.Time
	Status     Status    // delivered, pending (to retry at NextAt) or dead
	NextAt     time.Time // pending only
	StatusCode int
	Error      string
}

// DeliveryQuery selects a webhook's deliveries, oldest first.
type DeliveryQuery struct {
	WebhookID int64
	Status    Status // "" for all
	AfterID   int64
	Limit     int
}

// Store keeps webhooks, their deliveries and the relay's cursor. Implementations:
// handoff/webhooks/memory and handoff/webhooks/postgres; both pass handoff/webhooks/storetest.
type Store interface {
	// CreateWebhook validates and stores w (active), setting its ID.
	CreateWebhook(ctx context.Context, w *Webhook) error
	// Webhook returns the webhook with this id, removed or not.
	Webhook(ctx context.Context, id int64) (Webhook, error)
	// ListWebhooks returns up to limit active webhooks with an id above afterID, by id, and
	// whether more follow.
	ListWebhooks(ctx context.Context, afterID int64, limit int) ([]Webhook, bool, error)
	// RemoveWebhook deactivates the webhook at at and makes its pending deliveries dead
	// ("webhook removed"), at once. Removing twice keeps the first time; an unknown id is
	// ErrNotFound.
	RemoveWebhook(ctx context.Context, id int64, at time.Time) error

	// Cursor is the id of the last ticket event the relay has fanned out (0 at first).
	Cursor(ctx context.Context) (int64, error)
	// Fanout records, at once, one pending delivery (due at now, dead after deadline) of each
	// event to each active webhook that wants its type, skipping pairs that exist already,
	// and moves the cursor to cursor unless it is further already. It returns how many
	// deliveries it created.
	Fanout(ctx context.Context, events []Event, cursor int64, now, deadline time.Time) (int, error)

	// Claim takes up to limit pending deliveries of active webhooks due at now, oldest due
	// first, counts an attempt on each and leases them until now+lease. Of concurrent claims,
	// each delivery goes to one.
	Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Claim, error)
	// Finish records an attempt's outcome. When the claim no longer holds (the lease lapsed
	// and another attempt began, the webhook was removed, an admin retried), it changes
	// nothing and is ErrConflict.
	Finish(ctx context.Context, o Outcome) (Delivery, error)
	// Deliveries lists a webhook's deliveries q selects, by id, and whether more follow; an
	// unknown webhook is ErrNotFound.
	Deliveries(ctx context.Context, q DeliveryQuery) ([]Delivery, bool, error)
	// Retry makes a dead delivery of an active webhook pending again, due at now, with a new
	// window ending at deadline. A delivery not dead, or of a removed webhook, is
	// ErrConflict; one of another webhook ErrNotFound.
	Retry(ctx context.Context, webhookID, deliveryID int64, now, deadline time.Time) (Delivery, error)
	// Prune deletes delivered deliveries last updated before before, and returns how many.
	Prune(ctx context.Context, before time.Time) (int, error)
}

// CheckOutcome refuses an outcome no store should record.
func CheckOutcome(o Outcome) error {
	switch {
	case o.Status != StatusDelivered && o.Status != StatusPending && o.Status != StatusDead:
		return invalid("status", fmt.Sprintf("unknown outcome %q", o.Status))
	case o.Status == StatusPending && o.NextAt.IsZero():
		return invalid("next_at", "a retry needs a time")
	case o.StatusCode < 0 || o.StatusCode > 999:
		return invalid("status_code", fmt.Sprintf("%d is not an HTTP status", o.StatusCode))
	}
	return nil
}

// MaxErrorLength bounds a delivery's LastError, in bytes.
const MaxErrorLength = 500

// TrimError makes s fit LastError: valid UTF-8, no NUL, at most MaxErrorLength bytes.
func TrimError(s string) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
	if len(s) <= MaxErrorLength {
		return s
	}
	cut := MaxErrorLength - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// RemovedError is the LastError of the deliveries a removed webhook left pending.
const RemovedError = "webhook removed before delivery"

// The stores' errors, worded once.

// LostClaim: an attempt ended after its claim stopped holding.
func LostClaim(id int64) error {
	return fmt.Errorf("delivery %d is no longer held by this attempt (its lease lapsed, or it was retried or its webhook removed): %w", id, ErrConflict)
}

// NoDelivery: the webhook has no delivery with this id.
func NoDelivery(webhookID, deliveryID int64) error {
	return fmt.Errorf("webhook %d has no delivery %d: %w", webhookID, deliveryID, ErrNotFound)
}

// Removed: the webhook was removed, so nothing more is sent to it.
func Removed(webhookID int64) error {
	return fmt.Errorf("webhook %d was removed; register it again to receive events: %w", webhookID, ErrConflict)
}

// NotDead: only dead deliveries are retried by hand.
func NotDead(deliveryID int64, st Status) error {
	return fmt.Errorf("delivery %d is %s, not dead; only dead deliveries can be retried: %w", deliveryID, st, ErrConflict)
}
