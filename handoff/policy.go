package handoff

import (
	"crypto/rand"
	"fmt"
	"slices"
	"time"
)

// Policy decides a new ticket's queue, priority and due time. The defaults follow how large
// consumer apps run support; all of it is configuration.
type Policy struct {
	SLA         map[Priority]time.Duration
	QueueFor    map[string]string // article category -> queue
	SeniorQueue string
	// AvgHandle is the expected handling time per ticket ahead, for the user's expected wait.
	AvgHandle time.Duration
	// Lease is how long a claim lasts without the agent acting (DefaultLease when 0).
	Lease time.Duration
	// CloseUnratedAfter is how long a resolved ticket waits for its rating before the sweeper
	// closes it (DefaultCloseUnratedAfter when 0).
	CloseUnratedAfter time.Duration
}

// DefaultCloseUnratedAfter: a week is long enough for a user to come back and rate.
const DefaultCloseUnratedAfter = 7 * 24 * time.Hour

// DefaultPolicy returns P1 30 s, P2 5 min, P3 2 h; each category its own queue; angry users
// to "senior".
func DefaultPolicy() Policy {
	return Policy{
		SLA: map[Priority]time.Duration{P1: 30 * time.Second, P2: 5 * time.Minute, P3: 2 * time.Hour},
		QueueFor: map[string]string{
			"account": "account", "payment": "payment", "content": "content", "live": "live",
			"ads": "ads", "tech": "tech", "general": "general",
		},
		SeniorQueue:       "senior",
		AvgHandle:         3 * time.Minute,
		Lease:             DefaultLease,
		CloseUnratedAfter: DefaultCloseUnratedAfter,
	}
}

// Queues lists every queue a ticket can be routed to, sorted: the targets of QueueFor, the
// fallback queue and the senior queue. Agents' transfers and tokens are checked against it.
func (p Policy) Queues() []string {
	out := []string{p.fallbackQueue()}
	for _, q := range p.QueueFor {
		if q != "" {
			out = append(out, q)
		}
	}
	if p.SeniorQueue != "" {
		out = append(out, p.SeniorQueue)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// HasQueue reports whether q is one of Queues.
func (p Policy) HasQueue(q string) bool { return slices.Contains(p.Queues(), q) }

// fallbackQueue takes the tickets whose category maps to no queue.
func (p Policy) fallbackQueue() string {
	if q := p.QueueFor["general"]; q != "" {
		return q
	}
	return "general"
}

// OpenRequest is what the bot knows when it hands over.
type OpenRequest struct {
	ConversationID string
	OwnerID        string
	Category       string  // from the matched articles; "" when unknown
	Trigger        Trigger // why
	Reason         string  // in words
	Urgent         bool    // payment failed, live stream broken: at least P2
	Angry          bool    // raises one tier and routes to the senior queue
	Repeated       bool    // the user keeps asking for a human: raises one tier
	Question       string
	Summary        string
	SentimentTrail []SentimentPoint
	Candidates     []Candidate
	Language       string
}

// Open builds a new queued ticket; the caller stores it.
func (p Policy) Open(r OpenRequest, now time.Time) Ticket {
	prio := P3
	switch {
	case r.Trigger == TriggerHighRisk:
		prio = P1
	case r.Urgent:
		prio = P2
	}
	if r.Angry {
		prio = raise(prio)
	}
	if r.Repeated {
		prio = raise(prio)
	}
	queue := p.QueueFor[r.Category]
	if queue == "" {
		queue = p.fallbackQueue()
	}
	if r.Angry && p.SeniorQueue != "" {
		queue = p.SeniorQueue
	}
	category := r.Category
	if category == "" {
		category = "general"
	}
	return Ticket{
		Number:         NewNumber(),
		ConversationID: r.ConversationID,
		OwnerID:        r.OwnerID,
		Status:         StatusQueued,
		Priority:       prio,
		Queue:          queue,
		Category:       category,
		Trigger:        r.Trigger,
		Reason:         r.Reason,
		Question:       r.Question,
		Summary:        r.Summary,
		SentimentTrail: r.SentimentTrail,
		Candidates:     r.Candidates,
		Language:       r.Language,
		CreatedAt:      now,
		UpdatedAt:      now,
		DueAt:          now.Add(p.SLA[prio]),
	}
}

// ExpectedWait estimates the wait of a ticket with n tickets ahead of it.
func (p Policy) ExpectedWait(ahead int) time.Duration {
	return time.Duration(ahead+1) * p.AvgHandle
}

func raise(p Priority) Priority {
	if p > P1 {
		return p - 1
	}
	return P1
}

// numberAlphabet is Crockford's base32 without the letters people mishear on the phone
// (no I, L, O, U), so "8KQ3-M7XD" can be read aloud and typed back.
const numberAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewNumber returns a ticket number of 8 random characters (40 bits) in two groups: short
// enough to read over the phone, and not guessable from anyone else's.
func NewNumber() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	out := make([]byte, 0, 9)
	for i, x := range b {
		if i == 4 {
			out = append(out, '-')
		}
		out = append(out, numberAlphabet[int(x)%len(numberAlphabet)])
	}
	return string(out)
}

// NormalizeNumber accepts what a user types back: lowercase, spaces, no dash, and the letters
// Crockford maps to digits (O->0, I/L->1).
func NormalizeNumber(s string) (string, bool) {
	var out []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-' || c == ' ':
			continue
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		}
		switch c {
		case 'O':
			c = '0'
		case 'I', 'L':
			c = '1'
		}
		if !isNumberChar(c) {
			return "", false
		}
		out = append(out, c)
	}
	if len(out) != 8 {
		return "", false
	}
	return string(out[:4]) + "-" + string(out[4:]), true
}

func isNumberChar(c byte) bool {
	for i := 0; i < len(numberAlphabet); i++ {
		if numberAlphabet[i] == c {
			return true
		}
	}
	return false
}
