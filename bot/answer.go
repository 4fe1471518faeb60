package bot

import (
	"context"

	"github.com/faqbot/faqbot/knowledge"
)

// AnswerInput is what an answerer may use: the question, the user's language, the recent
// turns, and the retrieved articles, best first.
type AnswerInput struct {
	Question string
	Language string
	History  []Message
	Articles []knowledge.Article
}

// Answer is a reply grounded in articles.
type Answer struct {
	Text      string
	Citations []Citation
	// Grounded is false when the answerer found that the articles do not contain the answer;
	// the engine then treats the turn as low confidence.
	Grounded bool
}

// Answerer writes the reply. onDelta, when not nil, receives the text as it is produced
// (server-sent events); the returned Answer holds all of it.
type Answerer interface {
	Answer(ctx context.Context, in AnswerInput, onDelta func(string) error) (Answer, error)
}

// Extractive answers with the best article's own answer, preferring one in the user's
// language: the default without an LLM, and the fallback when the LLM fails.
type Extractive struct{}

func (Extractive) Answer(_ context.Context, in AnswerInput, onDelta func(string) error) (Answer, error) {
	if len(in.Articles) == 0 {
		return Answer{}, nil
	}
	best := in.Articles[0]
	a := Answer{
		Text:      best.Answer,
		Citations: []Citation{{ArticleID: best.ID, Title: best.Title}},
		Grounded:  true,
	}
	if onDelta != nil {
		if err := onDelta(a.Text); err != nil {
			return Answer{}, err
		}
	}
	return a, nil
}
