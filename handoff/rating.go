package handoff

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The conflicts of the end of a ticket's life. Each wraps ErrConflict, so callers that only
// care about the kind still see a conflict; the API tells them apart to word its answer.
var (
	ErrAlreadyResolved = fmt.Errorf("already resolved: %w", ErrConflict)
	ErrNotResolved     = fmt.Errorf("the ticket is not resolved yet: %w", ErrConflict)
	ErrAlreadyRated    = fmt.Errorf("already rated: %w", ErrConflict)
)

// Bounds of a rating (DESIGN §3: a resolved ticket asks for 1 to 5 and an optional comment).
const (
	MinScore      = 1
	MaxScore      = 5
	MaxCommentLen = 1000 // characters
	MaxActorLen   = 200  // characters of an agent's name
)

// Rating is the owner's verdict on a resolved ticket; a ticket has at most one.
type Rating struct {
	TicketNumber string
	Score        int
	Comment      string
	CreatedAt    time.Time
}

// Validate checks the score and the comment and names the first field that is wrong. Line
// breaks and tabs are allowed in a comment (people write paragraphs); other control
// characters are not.
func (r *Rating) Validate() error {
	if r.Score < MinScore || r.Score > MaxScore {
		return ratingInvalid("score", fmt.Sprintf("must be %d to %d, got %d", MinScore, MaxScore, r.Score))
	}
	if !utf8.ValidString(r.Comment) {
		return ratingInvalid("comment", "is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(r.Comment); n > MaxCommentLen {
		return ratingInvalid("comment", fmt.Sprintf("is %d characters long, at most %d allowed", n, MaxCommentLen))
	}
	if c, bad := controlChar(r.Comment, true); bad {
		return ratingInvalid("comment", fmt.Sprintf("contains a control character (U+%04X)", c))
	}
	return nil
}

// CheckActor checks who resolves a ticket: the name the ticket's history shows.
func CheckActor(actor string) error {
	switch {
	case strings.TrimSpace(actor) == "":
		return fmt.Errorf("resolve: actor is empty: %w", ErrInvalid)
	case !utf8.ValidString(actor):
		return fmt.Errorf("resolve: actor is not valid UTF-8: %w", ErrInvalid)
	case utf8.RuneCountInString(actor) > MaxActorLen:
		return fmt.Errorf("resolve: actor is longer than %d characters: %w", MaxActorLen, ErrInvalid)
	}
	if c, bad := controlChar(actor, false); bad {
		return fmt.Errorf("resolve: actor contains a control character (U+%04X): %w", c, ErrInvalid)
	}
	return nil
}

// controlChar finds the first control character of s; breaks allows line breaks and tabs.
func controlChar(s string, breaks bool) (rune, bool) {
	for _, c := range s {
		if unicode.IsControl(c) && !(breaks && (c == '\n' || c == '\r' || c == '\t')) {
			return c, true
		}
	}
	return 0, false
}

func ratingInvalid(field, reason string) error {
	return fmt.Errorf("rating %s: %s: %w", field, reason, ErrInvalid)
}
