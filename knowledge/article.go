package knowledge

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Status is the editorial state of an article. Only published articles answer users.
type Status string

const (
	StatusDraft     Status = "draft"
	StatusPublished Status = "published"
	StatusArchived  Status = "archived"
)

// Limits bound every text an editor can store, so a single article can never blow up memory,
// prompts or the index. Lengths count characters (runes), not bytes.
const (
	MaxTitleLen      = 200
	MaxQuestionLen   = 1000
	MaxAnswerLen     = 20000
	MaxSimilar       = 50
	MaxTags          = 20
	MaxTagLen        = 50
	MaxExternalIDLen = 200
)

// Languages lists the language codes an article may carry. The tokenizer handles Chinese and
// any Latin-script language; others are accepted so that a deployment can keep them, and are
// matched by their words.
var Languages = map[string]bool{
	"zh": true, "en": true, "ja": true, "ko": true, "es": true, "fr": true, "de": true,
	"pt": true, "ru": true, "id": true, "th": true, "vi": true, "ar": true, "it": true,
	"tr": true, "ms": true,
}

// DefaultCategory is used when an article names none.
const DefaultCategory = "general"

var categoryPattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)

// Article is one FAQ entry as editors maintain it.
type Article struct {
	ID               int64     `json:"id"`
	ExternalID       string    `json:"external_id,omitempty"`
	Title            string    `json:"title"`
	Question         string    `json:"question"`
	Answer           string    `json:"answer"`
	SimilarQuestions []string  `json:"similar_questions"`
	Category         string    `json:"category"`
	Tags             []string  `json:"tags"`
	Language         string    `json:"language"`
	Status           Status    `json:"status"`
	Version          int       `json:"version"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// Normalize trims surrounding white space and fills defaults an editor may leave out: an empty
// title becomes the question, an empty category "general", an empty status "draft".
func (a *Article) Normalize() {
	a.ExternalID = strings.TrimSpace(a.ExternalID)
	a.Title = strings.TrimSpace(a.Title)
	a.Question = strings.TrimSpace(a.Question)
	a.Answer = strings.TrimSpace(a.Answer)
	a.Category = strings.ToLower(strings.TrimSpace(a.Category))
	a.Language = strings.ToLower(strings.TrimSpace(a.Language))
	a.Status = Status(strings.ToLower(strings.TrimSpace(string(a.Status))))
	if a.Title == "" {
		a.Title = firstLine(a.Question, MaxTitleLen)
	}
	if a.Category == "" {
		a.Category = DefaultCategory
	}
	if a.Status == "" {
		a.Status = StatusDraft
	}
	a.SimilarQuestions = cleanList(a.SimilarQuestions)
	a.Tags = cleanList(a.Tags)
}

// Validate reports the first field that is wrong, as a *FieldError naming it.
func (a *Article) Validate() error {
	if err := checkText("external_id", a.ExternalID, 0, MaxExternalIDLen); err != nil {
		return err
	}
	// The question comes before the title, whose default it is: an empty question must be
	// reported as such, not as an empty title.
	if err := checkText("question", a.Question, 1, MaxQuestionLen); err != nil {
		return err
	}
	if err := checkText("title", a.Title, 1, MaxTitleLen); err != nil {
		return err
	}
	if err := checkText("answer", a.Answer, 1, MaxAnswerLen); err != nil {
		return err
	}
	if len(a.SimilarQuestions) > MaxSimilar {
		return fieldErr("similar_questions", "at most %d entries, got %d", MaxSimilar, len(a.SimilarQuestions))
	}
	for i, q := range a.SimilarQuestions {
		if err := checkText("similar_questions["+strconv.Itoa(i)+"]", q, 1, MaxQuestionLen); err != nil {
			return err
		}
	}
	if !categoryPattern.MatchString(a.Category) {
		return fieldErr("category", "must be a lowercase slug of at most 32 letters, digits, '-' or '_', got %q", clip(a.Category))
	}
	if len(a.Tags) > MaxTags {
		return fieldErr("tags", "at most %d tags, got %d", MaxTags, len(a.Tags))
	}
	for i, t := range a.Tags {
		if err := checkText("tags["+strconv.Itoa(i)+"]", t, 1, MaxTagLen); err != nil {
			return err
		}
	}
	if a.Language == "" {
		return fieldErr("language", "is required (for example \"zh\" or \"en\")")
	}
	if !Languages[a.Language] {
		return fieldErr("language", "unknown language %q (use an ISO 639-1 code such as \"zh\" or \"en\")", clip(a.Language))
	}
	switch a.Status {
	case StatusDraft, StatusPublished, StatusArchived:
	default:
		return fieldErr("status", "must be draft, published or archived, got %q", clip(string(a.Status)))
	}
	return nil
}

func checkText(field, s string, minLen, maxLen int) error {
	if !utf8.ValidString(s) {
		return fieldErr(field, "is not valid UTF-8")
	}
	if minLen > 0 && strings.TrimSpace(s) == "" {
		return fieldErr(field, "must not be empty")
	}
	if n := utf8.RuneCountInString(s); n > maxLen {
		return fieldErr(field, "is %d characters long, at most %d allowed", n, maxLen)
	}
	for _, r := range s {
		if r == 0 || (unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t') {
			return fieldErr(field, "contains a control character (U+%04X)", r)
		}
	}
	return nil
}

func cleanList(in []string) []string {
	out := make([]string, 0, len(in))
	seen := make(map[string]bool, len(in))
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}

func firstLine(s string, max int) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max])
	}
	return strings.TrimSpace(s)
}

// clip shortens a bad value before it is echoed in an error message.
func clip(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}
