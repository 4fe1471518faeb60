package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/faqbot/faqbot/bot/sentiment"
	"github.com/faqbot/faqbot/handoff"
)

// MaxReasonLen bounds the reason a user may give when asking for a human.
const MaxReasonLen = 500

// RequestHandoff opens a ticket because the user asked for a human (the chat's "talk to a
// person" button). A conversation that already has an open ticket gets that ticket back.
func (e *Engine) RequestHandoff(ctx context.Context, conv Conversation, userReason string) (Reply, error) {
	userReason = strings.TrimSpace(userReason)
	if !utf8.ValidString(userReason) || utf8.RuneCountInString(userReason) > MaxReasonLen {
		return Reply{}, fmt.Errorf("%w: reason must be valid UTF-8 of at most %d characters", ErrInvalid, MaxReasonLen)
	}
	if open, err := e.tickets.OpenTicketFor(ctx, conv.ID); err == nil {
		ref := open.Ref()
		return Reply{Decision: DecisionQueued, Reason: "a ticket is already open", State: conv.State, Ticket: &ref}, nil
	} else if !errors.Is(err, handoff.ErrNotFound) {
		return Reply{}, err
	}
	history, err := e.store.Recent(ctx, conv.ID, 2*e.cfg.Window-1)
	if err != nil {
		return Reply{}, err
	}
	lang := conv.Language
	if lang == "" {
		lang = "en"
	}
	reason := "the user asked for a human"
	if userReason != "" {
		reason += ": " + userReason
	}
	t := &turn{e: e, conv: conv, history: history, lang: lang, mood: sentiment.Result{Label: sentiment.LabelNeutral}}
	if n := len(history); n > 0 {
		t.user, t.history = history[n-1], history[:n-1]
	}
	question := lastUserQuery(history)
	ticket := e.cfg.Policy.Open(handoff.OpenRequest{
		ConversationID: conv.ID, OwnerID: conv.OwnerID, Trigger: handoff.TriggerUserRequest, Reason: reason,
		Question: question, Summary: t.summary(), SentimentTrail: t.sentimentTrail(), Language: lang,
		Repeated: conv.HumanAsks > 0,
	}, e.now())
	ahead, err := e.tickets.Ahead(ctx, ticket)
	if err != nil {
		return Reply{}, err
	}
	msg := &Message{ConversationID: conv.ID, Role: RoleBot, Decision: DecisionHandoff, Reason: reason,
		Text: textHandoff(lang, ticket.Number, ahead, e.cfg.Policy.ExpectedWait(ahead))}
	out := &Outcome{ConversationID: conv.ID, Reply: msg, State: StateQueued, LowStreak: 0,
		HumanAsks: conv.HumanAsks, Language: conv.Language, Ticket: &ticket,
		Gap: ticketGap(GapHandoff, ticket)}
	if err := e.store.FinishTurn(ctx, out); err != nil {
		return Reply{}, err
	}
	ref := ticket.Ref()
	return Reply{Message: msg, Decision: DecisionHandoff, Reason: reason, State: StateQueued, Ticket: &ref}, nil
}

// TicketStatus is what a user may see of their ticket.
type TicketStatus struct {
	Ticket handoff.Ticket
	Place  *handoff.Place // nil unless queued
}

// Ticket looks a ticket up by number for its owner; anyone else's is ErrNotFound.
func (e *Engine) Ticket(ctx context.Context, number, ownerID string) (TicketStatus, error) {
	n, ok := handoff.NormalizeNumber(number)
	if !ok {
		return TicketStatus{}, ErrNotFound
	}
	t, err := e.tickets.Ticket(ctx, n)
	if errors.Is(err, handoff.ErrNotFound) || (err == nil && t.OwnerID != ownerID) {
		return TicketStatus{}, ErrNotFound
	}
	if err != nil {
		return TicketStatus{}, err
	}
	st := TicketStatus{Ticket: t}
	if t.Status == handoff.StatusQueued {
		ahead, err := e.tickets.Ahead(ctx, t)
		if err != nil {
			return TicketStatus{}, err
		}
		st.Place = &handoff.Place{Position: ahead + 1, ExpectedWait: e.cfg.Policy.ExpectedWait(ahead)}
	}
	return st, nil
}
