package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/faqbot/faqbot/handoff"
	"github.com/faqbot/faqbot/knowledge"
)

// MaxSuggestions bounds the knowledge candidates offered to an agent for a ticket.
const MaxSuggestions = 3

// Suggestions are the articles that may answer a ticket's question, for the agent working it.
type Suggestions struct {
	Ticket     handoff.Ticket
	Candidates []knowledge.Candidate // best first, at most MaxSuggestions; none without a question
}

// SuggestReplies searches the knowledge base for the ticket's question in the ticket's
// language. A ticket outside the agent's queues is ErrNotFound, like an unknown one.
func (e *Engine) SuggestReplies(ctx context.Context, a Agent, number string) (Suggestions, error) {
	t, err := e.agentTicket(ctx, a, number)
	if err != nil {
		return Suggestions{}, err
	}
	s := Suggestions{Ticket: t, Candidates: []knowledge.Candidate{}}
	q := strings.TrimSpace(t.Question)
	if q == "" {
		// A ticket opened with the button before any question: nothing to search for.
		return s, nil
	}
	res, err := e.retriever.Search(ctx, knowledge.SearchRequest{Query: clipRunes(q, knowledge.MaxQueryLen-1),
		TopK: MaxSuggestions, Language: t.Language})
	if err != nil {
		return Suggestions{}, fmt.Errorf("suggest replies for ticket %s: %w", t.Number, err)
	}
	s.Candidates = append(s.Candidates, res.Candidates[:min(len(res.Candidates), MaxSuggestions)]...)
	return s, nil
}

// AssistTicket loads a ticket the agent may work, for turning the agent's reply into a draft
// article; one outside the agent's queues is ErrNotFound, like an unknown one.
func (e *Engine) AssistTicket(ctx context.Context, a Agent, number string) (handoff.Ticket, error) {
	return e.agentTicket(ctx, a, number)
}
