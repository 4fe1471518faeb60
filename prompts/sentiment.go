package prompts

import (
	"fmt"
	"strings"
)

// Sentiment renders the prompt that asks a model for the mood of one user message, answered
// as a JSON object {"label", "score", "signals"}; the caller validates the answer.
func Sentiment(text string) ([]Message, error) {
	if strings.TrimSpace(text) == "" {
		return nil, fmt.Errorf("sentiment prompt: %w: text is empty", ErrInvalid)
	}
	return render("sentiment", struct{ Text string }{text})
}
