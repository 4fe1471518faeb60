package knowledge_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/knowledge"
)

func validArticle() knowledge.Article {
	return knowledge.Article{
		Title:    "Reset your password",
		Question: "How do I reset my password?",
		Answer:   "Open Me > Settings > Account security > Password.",
		Language: "en",
		Status:   knowledge.StatusPublished,
	}
}

func TestArticleValidate(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(a *knowledge.Article)
		field  string // "" means valid
		reason string
	}{
		{name: "valid", edit: func(*knowledge.Article) {}},
		{name: "title defaults to question", edit: func(a *knowledge.Article) { a.Title = "" }},
		{name: "category defaults", edit: func(a *knowledge.Article) { a.Category = "" }},
		{name: "empty question", edit: func(a *knowledge.Article) { a.Question = "" }, field: "question", reason: "must not be empty"},
		{name: "whitespace question", edit: func(a *knowledge.Article) { a.Question = " \t\n　" }, field: "question", reason: "must not be empty"},
		{name: "empty answer", edit: func(a *knowledge.Article) { a.Answer = "  " }, field: "answer", reason: "must not be empty"},
		{name: "answer of 1 MB", edit: func(a *knowledge.Article) { a.Answer = strings.Repeat("a", 1<<20) }, field: "answer", reason: "at most 20000"},
		{name: "invalid UTF-8", edit: func(a *knowledge.Article) { a.Answer = "ok \xff\xfe" }, field: "answer", reason: "UTF-8"},
		{name: "control character", edit: func(a *knowledge.Article) { a.Question = "why\x00" }, field: "question", reason: "control character"},
		{name: "unknown language", edit: func(a *knowledge.Article) { a.Language = "klingon" }, field: "language", reason: "unknown language"},
		{name: "missing language", edit: func(a *knowledge.Article) { a.Language = "" }, field: "language", reason: "required"},
		{name: "unknown status", edit: func(a *knowledge.Article) { a.Status = "live" }, field: "status", reason: "draft, published or archived"},
		{name: "bad category", edit: func(a *knowledge.Article) { a.Category = "Pay ment!" }, field: "category", reason: "slug"},
		{name: "too many tags", edit: func(a *knowledge.Article) {
			for i := range knowledge.MaxTags + 1 {
				a.Tags = append(a.Tags, "t"+strings.Repeat("x", i))
			}
		}, field: "tags", reason: "at most"},
		{name: "long similar question", edit: func(a *knowledge.Article) {
			a.SimilarQuestions = []string{"fine", strings.Repeat("问", knowledge.MaxQuestionLen+1)}
		}, field: "similar_questions[1]", reason: "at most"},
		{name: "long external id", edit: func(a *knowledge.Article) { a.ExternalID = strings.Repeat("x", 201) }, field: "external_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := validArticle()
			tt.edit(&a)
			a.Normalize()
			err := a.Validate()
			if tt.field == "" {
				require.NoError(t, err)
				assert.NotEmpty(t, a.Title)
				assert.NotEmpty(t, a.Category)
				return
			}
			require.Error(t, err)
			assert.True(t, errors.Is(err, knowledge.ErrInvalid), "wraps ErrInvalid")
			var fe *knowledge.FieldError
			require.True(t, errors.As(err, &fe))
			assert.Equal(t, tt.field, fe.Field)
			assert.Contains(t, err.Error(), tt.reason)
		})
	}
}

func TestNormalizeCleansLists(t *testing.T) {
	a := validArticle()
	a.Tags = []string{" vip ", "", "vip", "refund"}
	a.SimilarQuestions = []string{"  忘记密码怎么办 ", "忘记密码怎么办", " "}
	a.Status = " Published "
	a.Normalize()
	assert.Equal(t, []string{"vip", "refund"}, a.Tags)
	assert.Equal(t, []string{"忘记密码怎么办"}, a.SimilarQuestions)
	assert.Equal(t, knowledge.StatusPublished, a.Status)
}
