package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/text/width"

	"github.com/faqbot/faqbot/handoff"
)

// ratingScore reads a reply to the rating prompt typed into the chat: a score of 1 to 5 alone,
// or with the unit people add ("5", "５", "5分", "4 星", "3 stars", "5/5", "给5分"). Anything
// longer is a question for the bot, not a rating.
func ratingScore(text string) (int, bool) {
	s := strings.ToLower(strings.TrimSpace(width.Fold.String(text)))
	s = strings.TrimPrefix(s, "给")
	s = strings.TrimPrefix(s, "打")
	s = strings.TrimSpace(strings.TrimRight(s, " !.。！~"))
	if s == "" || s[0] < '1' || s[0] > '5' {
		return 0, false
	}
	score := int(s[0] - '0')
	switch strings.TrimSpace(s[1:]) {
	case "", "分", "星", "颗星", "星星", "star", "stars", "/5", "out of 5":
		return score, true
	}
	return 0, false
}

// rateInChat records a score typed after the rating prompt as the rating of the
// conversation's resolved ticket and thanks the user. handled is false when there is no such
// ticket (the bot then treats the text as a question).
func (t *turn) rateInChat(ctx context.Context, score int) (reply Reply, handled bool, err error) {
	e := t.e
	ticket, err := e.tickets.ResolvedTicketFor(ctx, t.conv.ID)
	if errors.Is(err, handoff.ErrNotFound) {
		return Reply{}, false, nil
	}
	if err != nil {
		return Reply{}, false, err
	}
	if _, err := e.RateTicket(ctx, ticket.Number, t.conv.OwnerID, score, ""); err != nil {
		if errors.Is(err, ErrConflict) {
			return Reply{}, false, nil // rated a moment ago through the rating button
		}
		return Reply{}, false, err
	}
	reason := fmt.Sprintf("rating %d of ticket %s recorded", score, ticket.Number)
	msg := &Message{ConversationID: t.conv.ID, Role: RoleBot, Decision: DecisionAnswer, Reason: reason,
		Text: textThanksForRating(t.lang, score)}
	out := &Outcome{ConversationID: t.conv.ID, State: StateBot, Reply: msg, Language: t.lang,
		UserMessageID: t.user.ID, UserSentiment: t.refinedMood}
	if err := e.store.FinishTurn(ctx, out); err != nil {
		return Reply{}, true, err
	}
	return Reply{User: t.user, Message: msg, Decision: DecisionAnswer, Reason: reason, State: StateBot}, true, nil
}

func textThanksForRating(lang string, score int) string {
	low := score <= handoff.MinScore+1
	switch {
	case lang == "zh" && low:
		return fmt.Sprintf("已收到你的 %d 分评价。很抱歉这次没有帮到你，我们会认真改进。还有其他问题可以继续问我。", score)
	case lang == "zh":
		return fmt.Sprintf("感谢你的 %d 分评价！还有其他问题可以继续问我。", score)
	case low:
		return fmt.Sprintf("Thanks for your rating of %d. We're sorry we let you down and will work on it. Ask me anything else here.", score)
	default:
		return fmt.Sprintf("Thank you for rating us %d! Ask me anything else here.", score)
	}
}
