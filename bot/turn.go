package bot

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/faqbot/faqbot/bot/sentiment"
	"github.com/faqbot/faqbot/handoff"
	"github.com/faqbot/faqbot/knowledge"
)

// Reply is the outcome of one user message, as the API returns it.
type Reply struct {
	User        Message
	Message     *Message // nil when an agent owns the conversation
	Decision    Decision
	Reason      string
	State       State
	Ticket      *handoff.Ref
	Suggestions []string
}

// Handle runs one turn: the user's message is stored first; then, unless a human owns the
// conversation, the bot rewrites it, retrieves, scores and answers, asks back, or hands over.
// idemKey, when not empty, makes a retried request return the stored reply. onDelta, when
// not nil, receives the reply text as it is produced.
func (e *Engine) Handle(ctx context.Context, conv Conversation, text, idemKey string, onDelta func(string) error) (Reply, error) {
	text, err := e.checkText(text)
	if err != nil {
		return Reply{}, err
	}
	mood, err := e.offline.Analyze(ctx, text)
	if err != nil {
		return Reply{}, err
	}
	user := &Message{ConversationID: conv.ID, Role: RoleUser, Text: text,
		Sentiment: &Sentiment{Label: string(mood.Label), Score: mood.Score}}
	sum := sha256.Sum256([]byte(text))
	key := TurnKey{Key: idemKey, BodyHash: sum[:]}
	prior, err := e.store.BeginTurn(ctx, user, key)
	if err != nil {
		return Reply{}, err
	}
	if prior != nil {
		if !prior.Done && e.now().Sub(prior.User.CreatedAt) > e.cfg.StaleTurn {
			// The request that stored this message died before answering it (a crash, a
			// timeout): answer it now rather than refusing every retry.
			e.log.Warn("resuming an abandoned turn", "conversation", conv.ID, "message", prior.User.ID)
			return e.continueTurn(ctx, conv, prior.User, onDelta)
		}
		return e.replay(ctx, conv, *prior, key)
	}
	return e.continueTurn(ctx, conv, *user, onDelta)
}

// continueTurn answers a stored user message.
func (e *Engine) continueTurn(ctx context.Context, conv Conversation, user Message, onDelta func(string) error) (Reply, error) {
	lang := knowledge.DetectLanguage(user.Text)
	if lang == "other" {
		lang = conv.Language
		if lang == "" {
			lang = "en"
		}
	}
	t := &turn{e: e, conv: conv, user: user, lang: lang}
	if user.Sentiment != nil {
		t.mood = sentiment.Result{Label: sentiment.Label(user.Sentiment.Label), Score: user.Sentiment.Score}
	}
	if e.sentiment != e.offline {
		// A configured classifier (an LLM) refines the offline mood; it falls back on its own.
		if mood, err := e.sentiment.Analyze(ctx, user.Text); err == nil && mood.Label.Valid() {
			t.mood = mood
			t.user.Sentiment = &Sentiment{Label: string(mood.Label), Score: mood.Score}
			t.refinedMood = t.user.Sentiment
		}
	}
	// The window counts this turn: the user's message and the 6 turns before it.
	recent, err := e.store.Recent(ctx, conv.ID, 2*e.cfg.Window-1)
	if err != nil {
		return Reply{}, err
	}
	t.history = recent
	for i, m := range t.history {
		if m.ID == user.ID {
			t.history = t.history[:i]
			break
		}
	}
	if conv.State == StateQueued || conv.State == StateAgent {
		ticket, err := e.tickets.OpenTicketFor(ctx, conv.ID)
		if err == nil {
			return t.toHuman(ctx, ticket)
		}
		if !errors.Is(err, handoff.ErrNotFound) {
			return Reply{}, err
		}
		// The state says a human owns the chat but no ticket is open (a resolve that did not
		// finish writing the conversation): the bot takes the message rather than nobody.
		e.log.Warn("conversation has no open ticket; the bot answers", "conversation", conv.ID, "state", conv.State)
	}
	if conv.State == StateResolved {
		// The chat has just asked for a rating: a bare score answers it.
		if score, ok := ratingScore(user.Text); ok {
			if reply, handled, err := t.rateInChat(ctx, score); handled || err != nil {
				return reply, err
			}
		}
	}
	return t.toBot(ctx, onDelta)
}

// checkText rejects what cannot be a chat message, naming the problem.
func (e *Engine) checkText(text string) (string, error) {
	if len(text) > e.cfg.MaxMessageLen {
		return "", fmt.Errorf("%w: text is %d bytes, at most %d allowed", ErrTooLarge, len(text), e.cfg.MaxMessageLen)
	}
	if !utf8.ValidString(text) {
		return "", fmt.Errorf("%w: text is not valid UTF-8", ErrInvalid)
	}
	for _, r := range text {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return "", fmt.Errorf("%w: text contains a control character (U+%04X)", ErrInvalid, r)
		}
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return "", fmt.Errorf("%w: text must not be empty", ErrInvalid)
	}
	return text, nil
}

// replay answers a retried request from what the first one stored.
func (e *Engine) replay(ctx context.Context, conv Conversation, prior Turn, key TurnKey) (Reply, error) {
	deadline := e.now().Add(e.cfg.TurnWait)
	for !prior.Done {
		if e.now().After(deadline) {
			return Reply{}, ErrTurnInProgress
		}
		select {
		case <-ctx.Done():
			return Reply{}, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		again, err := e.store.BeginTurn(ctx, &Message{ConversationID: conv.ID, Role: RoleUser, Text: prior.User.Text}, key)
		if err != nil {
			return Reply{}, err
		}
		if again != nil {
			prior = *again
		}
	}
	fresh, err := e.store.Conversation(ctx, conv.ID, conv.OwnerID)
	if err != nil {
		return Reply{}, err
	}
	r := Reply{User: prior.User, Message: prior.Reply, State: fresh.State,
		Decision: DecisionQueued, Reason: "an agent is handling this conversation"}
	if prior.Reply != nil {
		r.Decision, r.Reason, r.Suggestions = prior.Reply.Decision, prior.Reply.Reason, prior.Reply.Suggestions
	}
	if t, err := e.tickets.OpenTicketFor(ctx, conv.ID); err == nil {
		ref := t.Ref()
		r.Ticket = &ref
	} else if !errors.Is(err, handoff.ErrNotFound) {
		return Reply{}, err
	}
	return r, nil
}

// turn is the state of one bot turn while it is decided.
type turn struct {
	e       *Engine
	conv    Conversation
	user    Message
	history []Message
	lang    string
	mood    sentiment.Result
	// refinedMood is the classifier's verdict when it differs from the offline one stored
	// with the message; FinishTurn writes it onto the message.
	refinedMood *Sentiment
}

// toHuman handles a message while a ticket is open: the bot does not answer; while the ticket
// waits, it tells the user their place, and a renewed call for a human raises the priority.
func (t *turn) toHuman(ctx context.Context, ticket handoff.Ticket) (Reply, error) {
	e := t.e
	// State stays empty: an agent may claim or resolve the ticket while this message is handled.
	out := &Outcome{ConversationID: t.conv.ID, LowStreak: t.conv.LowStreak,
		HumanAsks: t.conv.HumanAsks, Language: t.lang, UserMessageID: t.user.ID, UserSentiment: t.refinedMood}
	ref := ticket.Ref()
	reply := Reply{User: t.user, Decision: DecisionQueued, State: t.conv.State, Ticket: &ref}
	if t.conv.State == StateAgent {
		reply.Reason = "an agent is handling this conversation"
		if err := e.store.FinishTurn(ctx, out); err != nil {
			return Reply{}, err
		}
		return reply, nil
	}
	reply.Reason = "waiting for an agent"
	var extra string
	if humanRequest.match(t.user.Text) != "" || t.mood.Label == sentiment.LabelAngry {
		out.HumanAsks++
		if ticket.Priority > handoff.P1 {
			sla := e.cfg.Policy.SLA[ticket.Priority-1]
			due := minTime(ticket.DueAt, e.now().Add(sla))
			if raised, err := e.tickets.Escalate(ctx, ticket.Number, due, "the user asked for a human again while waiting"); err == nil {
				ticket = raised
				ref := ticket.Ref()
				reply.Ticket = &ref
				extra = textEscalated(t.lang) + " "
				reply.Reason = "waiting for an agent; priority raised because the user asked again"
			} else {
				e.log.Warn("escalate ticket", "ticket", ticket.Number, "err", err)
			}
		}
	}
	ahead, err := e.tickets.Ahead(ctx, ticket)
	if err != nil {
		return Reply{}, err
	}
	msg := &Message{ConversationID: t.conv.ID, Role: RoleBot, Decision: DecisionQueued, Reason: reply.Reason,
		Text: extra + textQueued(t.lang, ticket.Number, ahead, e.cfg.Policy.ExpectedWait(ahead))}
	out.Reply = msg
	if err := e.store.FinishTurn(ctx, out); err != nil {
		return Reply{}, err
	}
	reply.Message = msg
	return reply, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
