package prompts

import (
	"fmt"
	"strings"
)

// CondenseInput is what the question-rewriting prompt is rendered from.
type CondenseInput struct {
	History  []Turn // the recent turns, oldest first; at least one
	Message  string // the user's new message
	Language string // the new message's language: "zh", "en", or another code
}

// Validate names the first field the prompt cannot be rendered from.
func (in CondenseInput) Validate() error {
	if strings.TrimSpace(in.Message) == "" {
		return fmt.Errorf("%w: message is empty", ErrInvalid)
	}
	if len(in.History) == 0 {
		return fmt.Errorf("%w: history: a standalone rewrite needs at least one earlier turn", ErrInvalid)
	}
	return validateTurns(in.History)
}

// Condense renders the prompt that rewrites a follow-up ("那提现呢？", "and for coins?") into
// one short standalone question in the message's language, as plain text.
func Condense(in CondenseInput) ([]Message, error) {
	if err := in.Validate(); err != nil {
		return nil, fmt.Errorf("condense prompt: %w", err)
	}
	return render("condense", struct {
		CondenseInput
		LanguageName string
	}{in, condenseLanguage(in.Language)})
}

func condenseLanguage(code string) string {
	switch code {
	case "zh":
		return "Simplified Chinese (简体中文)"
	case "en":
		return "English"
	default:
		return "the language of the latest message"
	}
}
