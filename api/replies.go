package api

import (
	"time"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/handoff"
)

// The end users' response shapes (DESIGN §4). They are ours, not the domain's, so a change
// in bot or handoff never changes the contract by accident.

type citationOut struct {
	ArticleID int64  `json:"article_id"`
	Title     string `json:"title"`
}

type sentimentOut struct {
	Label string  `json:"label"`
	Score float64 `json:"score"`
}

type messageOut struct {
	ID         int64         `json:"id"`
	Seq        int64         `json:"seq"`
	Role       string        `json:"role"`
	Text       string        `json:"text"`
	Author     string        `json:"author,omitempty"`
	Citations  []citationOut `json:"citations"`
	Confidence *float64      `json:"confidence,omitempty"`
	Sentiment  *sentimentOut `json:"sentiment,omitempty"`
	Decision   string        `json:"decision,omitempty"`
	// Suggestions are the likely questions of a clarifying reply.
	Suggestions []string  `json:"suggestions,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

type messageListOut struct {
	Items      []messageOut `json:"items"`
	NextCursor string       `json:"next_cursor,omitempty"`
}

func messageOf(m bot.Message) messageOut {
	out := messageOut{
		ID: m.ID, Seq: m.Seq, Role: string(m.Role), Text: m.Text, Author: m.Author,
		Citations: make([]citationOut, len(m.Citations)), Confidence: m.Confidence,
		Decision: string(m.Decision), Suggestions: m.Suggestions, CreatedAt: m.CreatedAt,
	}
	for i, c := range m.Citations {
		out.Citations[i] = citationOut{ArticleID: c.ArticleID, Title: c.Title}
	}
	if m.Sentiment != nil {
		out.Sentiment = &sentimentOut{Label: m.Sentiment.Label, Score: m.Sentiment.Score}
	}
	return out
}

type ticketRefOut struct {
	Number   string `json:"number"`
	Status   string `json:"status"`
	Priority string `json:"priority"`
	Queue    string `json:"queue"`
}

func ticketRefOf(r *handoff.Ref) *ticketRefOut {
	if r == nil {
		return nil
	}
	return &ticketRefOut{Number: r.Number, Status: string(r.Status), Priority: r.Priority, Queue: r.Queue}
}

// replyBody is the answer to a user's message. Message is the bot's reply, null when an agent
// owns the conversation; then UserMessage is the stored message, so the client can show it.
type replyBody struct {
	Message     *messageOut   `json:"message"`
	UserMessage *messageOut   `json:"user_message,omitempty"`
	Decision    string        `json:"decision"`
	Reason      string        `json:"reason"`
	State       string        `json:"state"`
	Ticket      *ticketRefOut `json:"ticket"`
	Suggestions []string      `json:"suggestions"`
}

func replyOut(r bot.Reply) replyBody {
	out := replyBody{
		Decision: string(r.Decision), Reason: r.Reason, State: string(r.State),
		Ticket: ticketRefOf(r.Ticket), Suggestions: nonNil(r.Suggestions),
	}
	if r.Message == nil {
		u := messageOf(r.User)
		out.UserMessage = &u
		return out
	}
	m := messageOf(*r.Message)
	// The reply carries the mood of the message it answers: that is what a client shows.
	m.Sentiment = nil
	if s := r.User.Sentiment; s != nil {
		m.Sentiment = &sentimentOut{Label: s.Label, Score: s.Score}
	}
	out.Message = &m
	return out
}

// ticketStatusOut is what an end user sees of their ticket. Position and the expected wait
// are null unless the ticket waits in a queue.
type ticketStatusOut struct {
	Number              string    `json:"number"`
	Status              string    `json:"status"`
	Priority            string    `json:"priority"`
	Queue               string    `json:"queue"`
	Position            *int      `json:"position"`
	ExpectedWaitSeconds *int64    `json:"expected_wait_seconds"`
	CreatedAt           time.Time `json:"created_at"`
	DueAt               time.Time `json:"due_at"`
}

func ticketStatusOf(st bot.TicketStatus) ticketStatusOut {
	t := st.Ticket
	out := ticketStatusOut{
		Number: t.Number, Status: string(t.Status), Priority: t.Priority.String(), Queue: t.Queue,
		CreatedAt: t.CreatedAt, DueAt: t.DueAt,
	}
	if st.Place != nil {
		pos, wait := st.Place.Position, int64(st.Place.ExpectedWait.Round(time.Second)/time.Second)
		out.Position, out.ExpectedWaitSeconds = &pos, &wait
	}
	return out
}
