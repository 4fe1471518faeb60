package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/faqbot/faqbot/handoff"
	"github.com/faqbot/faqbot/knowledge"
)

// GapReason says why a question counts as a knowledge gap (DESIGN §3).
type GapReason string

const (
	GapLowConfidence GapReason = "low_confidence" // the bot asked back: no article fit well enough
	GapHandoff       GapReason = "handoff"        // a human had to take over
	GapBadRating     GapReason = "bad_rating"     // the user rated the ticket 1 or 2
)

// GapReasons lists the reasons in the order reports show them.
var GapReasons = []GapReason{GapLowConfidence, GapHandoff, GapBadRating}

// BadRating is the highest score that counts as a bad rating.
const BadRating = 2

// MaxGapQuestionLen bounds a gap's question, in characters: the same bound as an article's
// question, since editors turn gaps into articles.
const MaxGapQuestionLen = knowledge.MaxQuestionLen

// Gap is one question the knowledge base did not serve well: kept so editors see what to
// write next. A turn writes its gap with its outcome (Outcome.Gap); a bad rating writes one
// of its own.
type Gap struct {
	ID             int64
	ConversationID string
	Question       string // the standalone question, as the bot understood it
	Language       string
	Reason         GapReason
	// Detail is the handoff's trigger, or the score of a bad rating.
	Detail       string
	TicketNumber string   // the ticket of a handoff or of a bad rating; "" otherwise
	Confidence   *float64 // the bot's confidence, when the bot answered the question
	CreatedAt    time.Time
}

// Validate checks a gap before it is stored and names the first field that is wrong.
func (g *Gap) Validate() error {
	switch g.Reason {
	case GapLowConfidence, GapHandoff, GapBadRating:
	default:
		return invalid("gap", "reason", fmt.Sprintf("unknown reason %q", g.Reason))
	}
	if g.ConversationID != "" && !ValidID(g.ConversationID) {
		return invalid("gap", "conversation_id", "must be a UUID")
	}
	if strings.TrimSpace(g.Question) == "" {
		return invalid("gap", "question", "is empty")
	}
	if n := utf8.RuneCountInString(g.Question); n > MaxGapQuestionLen {
		return invalid("gap", "question", fmt.Sprintf("is %d characters long, at most %d allowed", n, MaxGapQuestionLen))
	}
	texts := []struct{ field, value string }{
		{"question", g.Question}, {"language", g.Language}, {"detail", g.Detail}, {"ticket_number", g.TicketNumber},
	}
	for _, f := range texts {
		if err := checkText("gap", f.field, f.value); err != nil {
			return err
		}
	}
	if g.Confidence != nil && !finite(*g.Confidence) {
		return invalid("gap", "confidence", "is not a finite number")
	}
	return nil
}

// newGap is the gap of a question, or nil when the question says nothing an article could
// answer ("转人工" alone): such a row would only add noise to the editors' list.
func newGap(reason GapReason, conversationID, question, lang string) *Gap {
	question = clipRunes(strings.Join(strings.Fields(question), " "), MaxGapQuestionLen-1)
	if len(contentTerms(question)) == 0 {
		return nil
	}
	return &Gap{ConversationID: conversationID, Question: question, Language: lang, Reason: reason}
}

// handoffGap is the gap of a handoff. When the user only asked for a human ("转人工", "let me
// talk to a person"), the question that was not answered is the one before.
func handoffGap(conversationID, text, query, lang string, trigger handoff.Trigger, history []Message) *Gap {
	question := query
	if trigger == handoff.TriggerUserRequest && !saysMoreThanAskingForHuman(text) {
		question = lastUserQuery(history)
	}
	g := newGap(GapHandoff, conversationID, question, lang)
	if g != nil {
		g.Detail = string(trigger)
	}
	return g
}

// saysMoreThanAskingForHuman reports whether text asks something besides a human.
func saysMoreThanAskingForHuman(text string) bool {
	rest := " " + wordsOnly(fold(text)) + " "
	for _, p := range humanRequest.zh {
		rest = strings.ReplaceAll(rest, p, " ")
	}
	for _, p := range humanRequest.en {
		rest = strings.ReplaceAll(rest, " "+p+" ", " ")
	}
	for t := range contentTerms(rest) {
		if !humanWords[t] {
			return true
		}
	}
	return false
}

// humanWords are what people add around a request for a human.
var humanWords = func() map[string]bool {
	m := map[string]bool{}
	for t := range contentTerms("talk speak chat person people human agent real transfer connect now 人工 真人 客服 转 找 接") {
		m[t] = true
	}
	return m
}()

// turnGap is the gap a bot turn leaves, if any: asking back means no article fit; a handoff
// means a human had to step in.
func (t *turn) turnGap(decision Decision, trigger handoff.Trigger, query string, confidence float64, ticket *handoff.Ticket) *Gap {
	var g *Gap
	switch {
	case decision == DecisionClarify:
		g = newGap(GapLowConfidence, t.conv.ID, query, t.lang)
	case decision == DecisionHandoff && ticket != nil:
		g = handoffGap(t.conv.ID, t.user.Text, query, t.lang, trigger, t.history)
		if g != nil {
			g.TicketNumber = ticket.Number
		}
	}
	if g != nil {
		g.Confidence = &confidence
	}
	return g
}

// ticketGap is the gap of a ticket's question: a handoff the user asked for with the button,
// or a bad rating. Nil when the ticket has no question worth a row.
func ticketGap(reason GapReason, t handoff.Ticket) *Gap {
	if t.Trigger == handoff.TriggerUserRequest && !saysMoreThanAskingForHuman(t.Question) {
		return nil
	}
	g := newGap(reason, t.ConversationID, t.Question, t.Language)
	if g != nil {
		g.TicketNumber = t.Number
		g.Detail = string(t.Trigger)
	}
	return g
}

// recordBadRating keeps the question of a ticket rated 1 or 2 as a gap. The rating is the
// user's and is stored already; a gap that cannot be written is logged, never an error the
// user sees.
func (e *Engine) recordBadRating(ctx context.Context, number string, score int) {
	is, err := e.insights()
	if err != nil {
		return
	}
	t, err := e.tickets.Ticket(ctx, number)
	if err != nil {
		e.log.Warn("bad rating: read the ticket for its gap", "ticket", number, "err", err)
		return
	}
	g := ticketGap(GapBadRating, t)
	if g == nil {
		return
	}
	g.Detail = strconv.Itoa(score)
	if err := is.RecordGap(ctx, g); err != nil {
		e.log.Warn("bad rating: record the gap", "ticket", number, "err", err)
	}
}
