package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/faqbot/faqbot/handoff"
)

// ResolveTicket ends the human part of a ticket: the ticket is resolved under actor (the
// agent's name), the conversation goes back to the bot (StateResolved: the user's next
// message is the bot's again) and the chat asks the user for a rating. An unknown or
// malformed number is ErrNotFound; a ticket resolved before is ErrConflict.
//
// The ticket is written first: it holds the check that only one agent resolves it. The
// conversation's notice and state follow in one write of their own; should that one fail,
// the error says so and the ticket stays resolved.
func (e *Engine) ResolveTicket(ctx context.Context, number, actor string) (handoff.Ticket, error) {
	n, ok := handoff.NormalizeNumber(number)
	if !ok {
		return handoff.Ticket{}, fmt.Errorf("ticket %q: %w", number, ErrNotFound)
	}
	t, err := e.tickets.Ticket(ctx, n)
	if err != nil {
		return handoff.Ticket{}, ticketKind(err)
	}
	conv, err := e.store.Conversation(ctx, t.ConversationID, t.OwnerID)
	if err != nil {
		return handoff.Ticket{}, fmt.Errorf("conversation of ticket %s: %w", n, err)
	}
	resolved, err := e.tickets.Resolve(ctx, n, actor)
	if err != nil {
		return handoff.Ticket{}, ticketKind(err)
	}
	lang := conv.Language
	if lang == "" {
		lang = t.Language
	}
	// The counters belonged to the ticket that just ended: a user who asked for a human then
	// is not "asking again" when they need one next time.
	out := &Outcome{ConversationID: conv.ID, State: StateResolved, Reply: &Message{
		ConversationID: conv.ID, Role: RoleSystem, Text: textRateUs(lang),
		Reason: fmt.Sprintf("ticket %s resolved by %s", n, actor),
	}}
	if err := e.store.FinishTurn(ctx, out); err != nil {
		return handoff.Ticket{}, fmt.Errorf("ticket %s is resolved, but telling conversation %s failed: %w", n, conv.ID, err)
	}
	return resolved, nil
}

// RateTicket stores ownerID's rating of their resolved ticket, which closes it. The number
// may be typed as users type it (see handoff.NormalizeNumber); a malformed or unknown one
// and another user's ticket are ErrNotFound alike. A ticket not resolved yet or rated before
// is ErrConflict (handoff.ErrNotResolved, handoff.ErrAlreadyRated); a score outside 1 to 5
// or a bad comment is ErrInvalid naming the field. The comment is trimmed.
func (e *Engine) RateTicket(ctx context.Context, number, ownerID string, score int, comment string) (handoff.Rating, error) {
	n, ok := handoff.NormalizeNumber(number)
	if !ok {
		return handoff.Rating{}, fmt.Errorf("ticket %q: %w", number, ErrNotFound)
	}
	r, err := e.tickets.Rate(ctx, n, ownerID, score, strings.TrimSpace(comment))
	if err != nil {
		return handoff.Rating{}, ticketKind(err)
	}
	if score <= BadRating {
		e.recordBadRating(ctx, n, score)
	}
	return r, nil
}

// ticketKind adds the bot's kind to the ticket store's, so callers of the engine can rely on
// the bot's kinds alone and still tell the ticket's reasons apart.
func ticketKind(err error) error {
	for _, k := range []struct{ from, to error }{
		{handoff.ErrNotFound, ErrNotFound}, {handoff.ErrConflict, ErrConflict}, {handoff.ErrInvalid, ErrInvalid},
	} {
		if errors.Is(err, k.from) {
			return fmt.Errorf("%w: %w", k.to, err)
		}
	}
	return err
}

// textRateUs is the notice that ends an agent's part of the chat.
func textRateUs(lang string) string {
	if lang == "zh" {
		return "问题已解决，请为本次服务打分（1-5 分）"
	}
	return "Your ticket has been resolved. How did we do? Please rate us from 1 to 5."
}
