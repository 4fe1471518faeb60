package memory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/handoff"
)

var _ bot.InsightStore = (*Store)(nil)

// addGap stores a copy of g, setting its ID and CreatedAt; s.mu is held.
func (s *Store) addGap(conversationID string, g *bot.Gap) {
	g.ID, g.CreatedAt = int64(len(s.gaps))+1, now()
	if conversationID != "" {
		g.ConversationID = conversationID
	}
	c := *g
	if g.Confidence != nil {
		v := *g.Confidence
		c.Confidence = &v
	}
	s.gaps = append(s.gaps, c)
}

// RecordGap implements bot.InsightStore.
func (s *Store) RecordGap(ctx context.Context, g *bot.Gap) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := g.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if g.ConversationID != "" {
		if _, ok := s.convs[strings.ToLower(g.ConversationID)]; !ok {
			return notFound(g.ConversationID)
		}
		g.ConversationID = strings.ToLower(g.ConversationID)
	}
	s.addGap(g.ConversationID, g)
	return nil
}

// Gaps implements bot.InsightStore.
func (s *Store) Gaps(ctx context.Context, q bot.GapQuery) ([]bot.Gap, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []bot.Gap
	// Ids grow with time, so walking back from the newest gives the stores' order.
	for i := len(s.gaps) - 1; i >= 0 && len(out) < q.Limit; i-- {
		g := s.gaps[i]
		if in(g.CreatedAt, q.Since, q.Until) && (q.Language == "" || g.Language == q.Language) {
			if g.Confidence != nil {
				v := *g.Confidence
				g.Confidence = &v
			}
			out = append(out, g)
		}
	}
	slices.SortStableFunc(out, func(a, b bot.Gap) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return int(b.ID - a.ID)
	})
	return out, nil
}

// Summary implements bot.InsightStore. It walks everything it holds, which is fine at the
// sizes a memory store holds; the PostgreSQL store reads its window through indexes.
func (s *Store) Summary(ctx context.Context, q bot.SummaryQuery) (bot.Summary, error) {
	if err := q.Validate(); err != nil {
		return bot.Summary{}, err
	}
	// Tickets first: FinishTurn takes s.mu and then the ticket store's lock, never the reverse.
	tickets, err := allTickets(ctx, s.tickets)
	if err != nil {
		return bot.Summary{}, err
	}
	sum := bot.Summary{Since: q.Since, Until: q.Until, Handoffs: map[handoff.Trigger]int{},
		FirstResponse: map[handoff.Priority]bot.Times{}, Resolution: map[handoff.Priority]bot.Times{},
		OpenTickets: map[string]bot.QueueLoad{}, Gaps: map[bot.GapReason]int{}}
	handed := map[string]bool{}
	firsts := map[handoff.Priority][]float64{}
	resolutions := map[handoff.Priority][]float64{}
	for _, t := range tickets {
		handed[t.ConversationID] = true
		switch t.Status {
		case handoff.StatusQueued, handoff.StatusAssigned:
			load := sum.OpenTickets[t.Queue]
			if t.Status == handoff.StatusQueued {
				load.Queued++
			} else {
				load.Assigned++
			}
			sum.OpenTickets[t.Queue] = load
		}
		r, err := s.tickets.Rating(ctx, t.Number)
		switch {
		case err == nil:
			if in(r.CreatedAt, q.Since, q.Until) {
				sum.CSAT.Ratings++
				sum.CSAT.Sum += r.Score
				sum.CSAT.Distribution[r.Score-1]++
			}
		case !errors.Is(err, handoff.ErrNotFound):
			return bot.Summary{}, fmt.Errorf("summary: rating of ticket %s: %w", t.Number, err)
		}
		if !in(t.CreatedAt, q.Since, q.Until) {
			continue
		}
		sum.Handoffs[t.Trigger]++
		fr := sum.FirstResponse[t.Priority]
		fr.Tickets++
		responded := !t.FirstResponseAt.IsZero()
		if responded {
			fr.Measured++
			firsts[t.Priority] = append(firsts[t.Priority], seconds(t.FirstResponseAt.Sub(t.CreatedAt)))
		}
		if responded || !t.BreachedAt.IsZero() || t.DueAt.Before(q.Now) {
			fr.SLAKnown++
			if responded && !t.FirstResponseAt.After(t.DueAt) && t.BreachedAt.IsZero() {
				fr.WithinSLA++
			}
		}
		sum.FirstResponse[t.Priority] = fr
		res := sum.Resolution[t.Priority]
		res.Tickets++
		if !t.ResolvedAt.IsZero() {
			res.Measured++
			resolutions[t.Priority] = append(resolutions[t.Priority], seconds(t.ResolvedAt.Sub(t.CreatedAt)))
		}
		sum.Resolution[t.Priority] = res
	}
	percentiles(sum.FirstResponse, firsts)
	percentiles(sum.Resolution, resolutions)

	s.mu.RLock()
	defer s.mu.RUnlock()
	for id, cv := range s.convs {
		if !in(cv.c.CreatedAt, q.Since, q.Until) {
			continue
		}
		asked, answered := false, false
		for _, m := range cv.messages {
			asked = asked || m.Role == bot.RoleUser
			answered = answered || (m.Role == bot.RoleBot && m.Decision == bot.DecisionAnswer)
		}
		if asked {
			sum.Conversations++
			if answered && !handed[id] {
				sum.AnsweredByBot++
			}
		}
	}
	for _, g := range s.gaps {
		if in(g.CreatedAt, q.Since, q.Until) {
			sum.Gaps[g.Reason]++
		}
	}
	return sum, nil
}

// allTickets reads every ticket of any status, page by page.
func allTickets(ctx context.Context, store handoff.Store) ([]handoff.Ticket, error) {
	q := handoff.ListQuery{Limit: handoff.MaxListLimit, Statuses: []handoff.Status{
		handoff.StatusQueued, handoff.StatusAssigned, handoff.StatusResolved, handoff.StatusClosed}}
	var out []handoff.Ticket
	for {
		page, err := store.List(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("summary: list tickets: %w", err)
		}
		out = append(out, page...)
		if len(page) < q.Limit {
			return out, nil
		}
		c := handoff.CursorOf(page[len(page)-1])
		q.After = &c
	}
}

func percentiles(times map[handoff.Priority]bot.Times, values map[handoff.Priority][]float64) {
	for p, v := range values {
		slices.Sort(v)
		t := times[p]
		t.P50, t.P90 = bot.Percentile(v, 0.5), bot.Percentile(v, 0.9)
		times[p] = t
	}
}

func seconds(d time.Duration) float64 { return d.Seconds() }

// in reports whether t is in [since, until).
func in(t, since, until time.Time) bool { return !t.Before(since) && t.Before(until) }
