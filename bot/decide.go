package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/faqbot/faqbot/bot/sentiment"
	"github.com/faqbot/faqbot/handoff"
	"github.com/faqbot/faqbot/knowledge"
)

// toBot decides and writes the bot's reply: hand over, ask back, or answer.
func (t *turn) toBot(ctx context.Context, onDelta func(string) error) (Reply, error) {
	e := t.e
	q, err := e.condenser.Condense(ctx, t.history, t.user.Text)
	if err != nil {
		e.log.Warn("condense failed; using the message as it is", "err", err)
		q = Query{Text: t.user.Text, Focus: t.user.Text}
	}
	search := q.Text
	if q.Context != "" {
		search = q.Focus
	}
	res, err := e.retriever.Search(ctx, knowledge.SearchRequest{Query: clipRunes(search, knowledge.MaxQueryLen), TopK: e.cfg.TopK, Language: t.lang})
	if err != nil {
		return Reply{}, fmt.Errorf("retrieve: %w", err)
	}
	if q.Context != "" && preferContext(res.Candidates, q.Context) {
		res.Confidence = knowledge.Confidence(res.Candidates)
	}
	trend := sentiment.TrendOf(t.moodWindow())
	out := &Outcome{ConversationID: t.conv.ID, State: StateBot, LowStreak: t.conv.LowStreak,
		HumanAsks: t.conv.HumanAsks, Language: t.lang, UserMessageID: t.user.ID, UserQuery: q.Text,
		UserSentiment: t.refinedMood}
	t.user.Query = q.Text
	reply := Reply{User: t.user}
	msg := &Message{ConversationID: t.conv.ID, Role: RoleBot, Confidence: &res.Confidence}
	confident := res.Confidence >= e.cfg.Threshold && len(res.Candidates) > 0

	trigger, reason := t.handoverTrigger(trend, confident, res)
	if trigger == "" && confident {
		ans, err := t.answer(ctx, q, res, onDelta)
		if err != nil {
			return Reply{}, err
		}
		if ans.Grounded && ans.Text != "" {
			msg.Decision, msg.Text, msg.Citations = DecisionAnswer, ans.Text, ans.Citations
			msg.Reason = fmt.Sprintf("matched %q with confidence %.2f", res.Candidates[0].Article.Title, res.Confidence)
			out.LowStreak = 0
		} else {
			confident = false
			trigger, reason = t.handoverTrigger(trend, false, res)
		}
	}
	if msg.Decision == "" && trigger == "" {
		// Low confidence for the first time: ask back with the likely questions.
		msg.Decision = DecisionClarify
		msg.Suggestions = suggestions(res.Candidates, t.lang, 3)
		msg.Text = textClarify(t.lang, msg.Suggestions)
		msg.Reason = fmt.Sprintf("confidence %.2f is below %.2f; asking the user to choose", res.Confidence, e.cfg.Threshold)
		out.LowStreak = t.conv.LowStreak + 1
	}
	if trigger != "" {
		ticket, ahead := t.openTicket(ctx, trigger, reason, q, res, trend)
		msg.Decision, msg.Reason = DecisionHandoff, reason
		msg.Text = textHandoff(t.lang, ticket.Number, ahead, e.cfg.Policy.ExpectedWait(ahead))
		if confident && trigger != handoff.TriggerUserRequest {
			msg.Text += textInterimHelp(t.lang, res.Candidates[0].Article.Title)
			msg.Citations = []Citation{{ArticleID: res.Candidates[0].Article.ID, Title: res.Candidates[0].Article.Title}}
		}
		out.Ticket, out.State, out.LowStreak = ticket, StateQueued, 0
		ref := ticket.Ref()
		reply.Ticket = &ref
	}
	if msg.Decision != DecisionAnswer && onDelta != nil {
		if err := onDelta(msg.Text); err != nil {
			return Reply{}, err
		}
	}
	out.Reply = msg
	out.Gap = t.turnGap(msg.Decision, trigger, q.Text, res.Confidence, out.Ticket)
	if err := e.store.FinishTurn(ctx, out); err != nil {
		return Reply{}, err
	}
	reply.Message, reply.Decision, reply.Reason = msg, msg.Decision, msg.Reason
	reply.State, reply.Suggestions = out.State, msg.Suggestions
	return reply, nil
}

// handoverTrigger applies DESIGN §3 in order of severity; "" means the bot may go on.
func (t *turn) handoverTrigger(trend sentiment.Trend, confident bool, res knowledge.SearchResult) (handoff.Trigger, string) {
	if p := highRisk.match(t.user.Text); p != "" {
		return handoff.TriggerHighRisk, fmt.Sprintf("high-risk topic (%q): a human must handle it", p)
	}
	if p := humanRequest.match(t.user.Text); p != "" {
		return handoff.TriggerUserRequest, fmt.Sprintf("the user asked for a human (%q)", p)
	}
	if t.mood.Label == sentiment.LabelAngry {
		return handoff.TriggerAngry, "the user is angry" + signals(t.mood.Signals)
	}
	if trend.Worsening {
		return handoff.TriggerWorsening, fmt.Sprintf("the user's mood is getting worse (%d negative turns in a row)", trend.NegativeStreak)
	}
	if !confident && t.conv.LowStreak >= 1 {
		return handoff.TriggerLowConfidence, fmt.Sprintf("the bot was not confident on two turns in a row (confidence %.2f)", res.Confidence)
	}
	return "", ""
}

func signals(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return " (" + strings.Join(s, ", ") + ")"
}

// answer asks the answerer, and falls back to the extractive answer if it fails: the user
// never gets silence.
func (t *turn) answer(ctx context.Context, q Query, res knowledge.SearchResult, onDelta func(string) error) (Answer, error) {
	in := AnswerInput{Question: q.Text, Language: t.lang, History: t.history, Articles: articlesOf(res.Candidates)}
	streamed := false
	forward := onDelta
	if onDelta != nil {
		forward = func(s string) error { streamed = true; return onDelta(s) }
	}
	ans, err := t.e.answerer.Answer(ctx, in, forward)
	if err == nil {
		return ans, nil
	}
	if ctx.Err() != nil {
		return Answer{}, ctx.Err()
	}
	t.e.log.Warn("answerer failed; falling back to the extractive answer", "err", err)
	fallback := forward
	if streamed {
		// The client already has part of the failed answer; send the rest as a fresh reply.
		fallback = func(s string) error { return onDelta("\n\n" + s) }
	}
	return Extractive{}.Answer(ctx, in, fallback)
}

// openTicket builds the ticket and counts who is ahead of it.
func (t *turn) openTicket(ctx context.Context, trigger handoff.Trigger, reason string, q Query, res knowledge.SearchResult, trend sentiment.Trend) (*handoff.Ticket, int) {
	e := t.e
	category := ""
	if len(res.Candidates) > 0 && res.Confidence >= e.cfg.Threshold/2 {
		category = res.Candidates[0].Article.Category
	}
	ticket := e.cfg.Policy.Open(handoff.OpenRequest{
		ConversationID: t.conv.ID,
		OwnerID:        t.conv.OwnerID,
		Category:       category,
		Trigger:        trigger,
		Reason:         reason,
		Urgent:         urgent.match(t.user.Text) != "",
		Angry:          t.mood.Label == sentiment.LabelAngry || trend.Worsening,
		Repeated:       t.conv.HumanAsks > 0,
		Question:       q.Text,
		Summary:        t.summary(),
		SentimentTrail: t.sentimentTrail(),
		Candidates:     ticketCandidates(res.Candidates),
		Language:       t.lang,
	}, e.now())
	ahead, err := e.tickets.Ahead(ctx, ticket)
	if err != nil {
		e.log.Warn("count tickets ahead", "err", err)
	}
	return &ticket, ahead
}

// moodWindow is the sentiment of the user's messages in the memory window, this one last.
func (t *turn) moodWindow() []sentiment.Result {
	var w []sentiment.Result
	for _, m := range t.history {
		if m.Role == RoleUser && m.Sentiment != nil {
			w = append(w, sentiment.Result{Label: sentiment.Label(m.Sentiment.Label), Score: m.Sentiment.Score})
		}
	}
	w = append(w, t.mood)
	if len(w) > t.e.cfg.Window {
		w = w[len(w)-t.e.cfg.Window:]
	}
	return w
}

func (t *turn) sentimentTrail() []handoff.SentimentPoint {
	var trail []handoff.SentimentPoint
	for _, m := range append(slices.Clone(t.history), t.user) {
		if m.Role == RoleUser && m.Sentiment != nil {
			trail = append(trail, handoff.SentimentPoint{Label: m.Sentiment.Label, Score: m.Sentiment.Score, At: m.CreatedAt})
		}
	}
	return trail
}

// summary condenses the memory window for the agent: who said what, each line clipped.
func (t *turn) summary() string {
	var b strings.Builder
	for _, m := range append(slices.Clone(t.history), t.user) {
		who := map[Role]string{RoleUser: "User", RoleBot: "Bot", RoleAgent: "Agent", RoleSystem: "System"}[m.Role]
		fmt.Fprintf(&b, "%s: %s\n", who, clipRunes(strings.Join(strings.Fields(m.Text), " "), 200))
	}
	return strings.TrimSpace(b.String())
}

// nearTie is how close (in exact similarity) two candidates must be for the context of a
// follow-up to choose between them.
const nearTie = 0.1

// preferContext reorders the candidates that are nearly as good as the best one by how much of
// the borrowed context they cover: "and how do I delete it?" after a question about the
// account prefers deleting the account over deleting a video. It reports whether the best
// candidate changed.
func preferContext(cands []knowledge.Candidate, context string) bool {
	if len(cands) < 2 {
		return false
	}
	terms := knowledge.Tokenize(context)
	n := 1
	for n < len(cands) && cands[n].Match >= cands[0].Match-nearTie {
		n++
	}
	if n == 1 || len(terms) == 0 {
		return false
	}
	coverage := func(c knowledge.Candidate) int {
		have := make(map[string]bool)
		for _, term := range knowledge.Tokenize(c.Article.Title + " " + c.Article.Question + " " + strings.Join(c.Article.SimilarQuestions, " ")) {
			have[term] = true
		}
		k := 0
		for _, term := range terms {
			if have[term] {
				k++
			}
		}
		return k
	}
	before := cands[0].Article.ID
	slices.SortStableFunc(cands[:n], func(a, b knowledge.Candidate) int { return coverage(b) - coverage(a) })
	return cands[0].Article.ID != before
}

func suggestions(cands []knowledge.Candidate, lang string, n int) []string {
	var out []string
	for _, c := range cands {
		if len(out) == n {
			break
		}
		if c.Article.Language == lang && !slices.Contains(out, c.Article.Question) {
			out = append(out, c.Article.Question)
		}
	}
	return out
}

func articlesOf(cands []knowledge.Candidate) []knowledge.Article {
	out := make([]knowledge.Article, len(cands))
	for i, c := range cands {
		out[i] = c.Article
	}
	return out
}

func ticketCandidates(cands []knowledge.Candidate) []handoff.Candidate {
	out := make([]handoff.Candidate, 0, min(3, len(cands)))
	for i, c := range cands {
		if i == 3 {
			break
		}
		out = append(out, handoff.Candidate{ArticleID: c.Article.ID, Title: c.Article.Title,
			Answer: clipRunes(c.Article.Answer, 2000), Score: c.Score})
	}
	return out
}

func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
