package prompts

import (
	"fmt"
	"strings"
)

// NoAnswer is the whole reply the answer prompt asks for when the articles do not hold the
// answer. It is ASCII and unlikely in a real answer, so a streaming reader can recognise it
// from its first characters.
const NoAnswer = "NO_ANSWER"

// Roles of a Turn.
const (
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Turn is one earlier message of the conversation: the user's, or the assistant's (the bot or
// an agent).
type Turn struct {
	Role string
	Text string
}

// Article is a knowledge article offered to the model; N is the number it is cited by ([N]).
type Article struct {
	N     int
	Title string
	Text  string
}

// AnswerInput is what the grounded answer prompt is rendered from.
type AnswerInput struct {
	Question string
	Language string // "zh", "en", or another code; the reply is written in it
	History  []Turn // oldest first
	Articles []Article
}

// Validate names the first field the prompt cannot be rendered from.
func (in AnswerInput) Validate() error {
	if strings.TrimSpace(in.Question) == "" {
		return fmt.Errorf("%w: question is empty", ErrInvalid)
	}
	if len(in.Articles) == 0 {
		return fmt.Errorf("%w: articles: at least one is needed", ErrInvalid)
	}
	seen := make(map[int]bool, len(in.Articles))
	for i, a := range in.Articles {
		if a.N < 1 || seen[a.N] {
			return fmt.Errorf("%w: articles[%d].n: %d is not a new positive number", ErrInvalid, i, a.N)
		}
		seen[a.N] = true
		if strings.TrimSpace(a.Text) == "" {
			return fmt.Errorf("%w: articles[%d].text is empty", ErrInvalid, i)
		}
	}
	return validateTurns(in.History)
}

func validateTurns(history []Turn) error {
	for i, t := range history {
		if t.Role != RoleUser && t.Role != RoleAssistant {
			return fmt.Errorf("%w: history[%d].role: %q is not %q or %q", ErrInvalid, i, t.Role, RoleUser, RoleAssistant)
		}
	}
	return nil
}

// Answer renders the prompt for a reply grounded in the numbered articles, with [N] citations,
// in the user's language, or exactly NoAnswer.
func Answer(in AnswerInput) ([]Message, error) {
	if err := in.Validate(); err != nil {
		return nil, fmt.Errorf("answer prompt: %w", err)
	}
	return render("answer", struct {
		AnswerInput
		LanguageName string
		NoAnswer     string
	}{in, languageName(in.Language), NoAnswer})
}

// languageName is how the prompt names the reply's language; the model follows a name more
// reliably than a code.
func languageName(code string) string {
	switch code {
	case "zh":
		return "Simplified Chinese (简体中文)"
	case "en":
		return "English"
	default:
		return "the same language as the user's question"
	}
}
