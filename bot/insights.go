package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/faqbot/faqbot/handoff"
	"github.com/faqbot/faqbot/knowledge"
)

// InsightStore keeps the knowledge gaps and computes the numbers people ask for. The bot
// stores implement it next to Store (bot/memory, bot/postgres; both pass bot/storetest):
// the engine finds it on its Store. PostgreSQL computes the summary in SQL, so every replica
// reports the same numbers.
type InsightStore interface {
	// RecordGap stores a gap outside a turn (a bad rating), setting ID and CreatedAt.
	RecordGap(ctx context.Context, g *Gap) error
	// Gaps returns the gaps created in [q.Since, q.Until) of q.Language (any when empty),
	// newest first (then highest ID first), at most q.Limit.
	Gaps(ctx context.Context, q GapQuery) ([]Gap, error)
	// Summary computes the numbers of q's window (see Summary).
	Summary(ctx context.Context, q SummaryQuery) (Summary, error)
}

// ErrNoInsights: the engine's store keeps no insights.
var ErrNoInsights = errors.New("this store keeps no insights")

// Bounds of the insight queries.
const (
	// MaxGapRows bounds the gaps one grouping reads: the newest of the window. Grouping is
	// linear in it; a report says when the window held more.
	MaxGapRows = 5000
	// MaxInsightWindow bounds a window, so a typo in a date cannot make a scan of years.
	MaxInsightWindow = 366 * 24 * time.Hour
)

// GapQuery selects gaps.
type GapQuery struct {
	Since, Until time.Time // [Since, Until)
	Language     string    // "" for any
	Limit        int       // 1 to MaxGapRows+1
}

// Validate names the first field that is wrong.
func (q GapQuery) Validate() error {
	if err := checkWindow(q.Since, q.Until); err != nil {
		return err
	}
	if q.Language != "" && !knowledge.Languages[q.Language] {
		return invalid("gaps", "language", fmt.Sprintf("unknown language %q", clipRunes(q.Language, 20)))
	}
	if q.Limit < 1 || q.Limit > MaxGapRows+1 {
		return invalid("gaps", "limit", fmt.Sprintf("must be 1 to %d, got %d", MaxGapRows+1, q.Limit))
	}
	return nil
}

func checkWindow(since, until time.Time) error {
	switch {
	case since.IsZero():
		return invalid("window", "since", "is not set")
	case until.IsZero():
		return invalid("window", "until", "is not set")
	case !since.Before(until):
		return invalid("window", "since", "must be before until")
	case until.Sub(since) > MaxInsightWindow:
		return invalid("window", "since", fmt.Sprintf("the window is longer than %d days", int(MaxInsightWindow.Hours()/24)))
	}
	return nil
}

// GapReport is the grouped gaps of a window.
type GapReport struct {
	Groups []GapGroup
	// Scanned is how many gaps were grouped; Truncated says the window held more than
	// MaxGapRows, of which the newest were grouped.
	Scanned   int
	Truncated bool
}

// KnowledgeGaps groups the gaps of q's window (q.Limit is the engine's: MaxGapRows) and
// returns at most groups of them, the most asked first.
func (e *Engine) KnowledgeGaps(ctx context.Context, q GapQuery, groups int) (GapReport, error) {
	is, err := e.insights()
	if err != nil {
		return GapReport{}, err
	}
	q.Limit = MaxGapRows + 1
	if err := q.Validate(); err != nil {
		return GapReport{}, err
	}
	if groups < 1 {
		return GapReport{}, invalid("gaps", "limit", fmt.Sprintf("must be at least 1, got %d", groups))
	}
	gaps, err := is.Gaps(ctx, q)
	if err != nil {
		return GapReport{}, err
	}
	r := GapReport{Truncated: len(gaps) > MaxGapRows}
	gaps = gaps[:min(len(gaps), MaxGapRows)]
	r.Scanned = len(gaps)
	r.Groups = GroupGaps(gaps)
	r.Groups = r.Groups[:min(len(r.Groups), groups)]
	return r, nil
}

// SummaryQuery is the window of a summary. Now is when SLA outcomes are judged (a ticket
// still waiting past its due time has missed it); zero means the engine's clock.
type SummaryQuery struct {
	Since, Until time.Time // [Since, Until)
	Now          time.Time
}

// Validate names the first field that is wrong.
func (q SummaryQuery) Validate() error {
	if err := checkWindow(q.Since, q.Until); err != nil {
		return err
	}
	if q.Now.IsZero() {
		return invalid("summary", "now", "is not set")
	}
	return nil
}

// Summary is what support leads ask about a window: how much the bot handled alone, why
// people needed humans, how fast humans were, and how happy users were.
//
// Conversations started in the window count when the user wrote at least one message; one
// was answered by the bot when the bot answered at least once and it never had a ticket.
// Handoffs, first-response and resolution times are of the tickets created in the window,
// by their priority now; CSAT is of the ratings given in the window; open tickets and gaps
// by reason: open tickets are counted now, whatever the window.
type Summary struct {
	Since, Until  time.Time
	Conversations int
	AnsweredByBot int
	Handoffs      map[handoff.Trigger]int
	FirstResponse map[handoff.Priority]Times
	Resolution    map[handoff.Priority]Times
	CSAT          CSAT
	OpenTickets   map[string]QueueLoad // by queue
	Gaps          map[GapReason]int
}

// DeflectionRate is the share of conversations the bot answered without a human (0 without
// conversations).
func (s Summary) DeflectionRate() float64 {
	if s.Conversations == 0 {
		return 0
	}
	return float64(s.AnsweredByBot) / float64(s.Conversations)
}

// Times are the durations of one priority's tickets (first response or resolution), in
// seconds from the ticket's creation. Percentiles interpolate linearly between the two
// nearest values (PostgreSQL's percentile_cont); nil without any measured ticket.
type Times struct {
	Tickets  int // tickets of the priority created in the window
	Measured int // of them, responded (or resolved)
	P50, P90 *float64
	// SLAKnown counts the tickets whose SLA outcome is known: responded, marked breached, or
	// past their due time without a response. WithinSLA counts those responded by their due
	// time and never breached. First response only: the policy sets no resolution SLA.
	SLAKnown, WithinSLA int
}

// WithinSLAShare is WithinSLA of SLAKnown, or nil when no outcome is known yet.
func (t Times) WithinSLAShare() *float64 {
	if t.SLAKnown == 0 {
		return nil
	}
	v := float64(t.WithinSLA) / float64(t.SLAKnown)
	return &v
}

// CSAT is the ratings given in a window.
type CSAT struct {
	Ratings      int
	Sum          int
	Distribution [handoff.MaxScore]int // Distribution[s-1] ratings of score s
}

// Average is the mean score, or nil without ratings.
func (c CSAT) Average() *float64 {
	if c.Ratings == 0 {
		return nil
	}
	v := float64(c.Sum) / float64(c.Ratings)
	return &v
}

// QueueLoad is a queue's open tickets now.
type QueueLoad struct {
	Queued, Assigned int
}

// Summary computes the numbers of q's window; a zero q.Now is the engine's clock.
func (e *Engine) Summary(ctx context.Context, q SummaryQuery) (Summary, error) {
	is, err := e.insights()
	if err != nil {
		return Summary{}, err
	}
	if q.Now.IsZero() {
		q.Now = e.now()
	}
	if err := q.Validate(); err != nil {
		return Summary{}, err
	}
	return is.Summary(ctx, q)
}

func (e *Engine) insights() (InsightStore, error) {
	is, ok := e.store.(InsightStore)
	if !ok {
		return nil, ErrNoInsights
	}
	return is, nil
}

// Percentile is PostgreSQL's percentile_cont of sorted values: linear interpolation at
// position p*(n-1). The memory store uses it so both stores report the same numbers.
func Percentile(sorted []float64, p float64) *float64 {
	if len(sorted) == 0 {
		return nil
	}
	pos := p * float64(len(sorted)-1)
	lo := int(pos)
	v := sorted[lo]
	if lo+1 < len(sorted) {
		v += (pos - float64(lo)) * (sorted[lo+1] - sorted[lo])
	}
	return &v
}
