package imports

import (
	"strings"

	"github.com/faqbot/faqbot/knowledge"
)

// Field names are knowledge.Article's JSON names, in the order editors read them.
var fieldNames = []string{
	"external_id", "title", "question", "answer", "similar_questions",
	"category", "tags", "language", "status",
}

// readOnlyFields are set by the server. They are accepted and ignored so that an exported
// article can be imported again; the upsert key is external_id.
var readOnlyFields = map[string]bool{"id": true, "version": true, "created_at": true, "updated_at": true}

func textField(a *knowledge.Article, name string) *string {
	switch name {
	case "external_id":
		return &a.ExternalID
	case "title":
		return &a.Title
	case "question":
		return &a.Question
	case "answer":
		return &a.Answer
	case "category":
		return &a.Category
	case "language":
		return &a.Language
	case "status":
		return (*string)(&a.Status)
	}
	return nil
}

func listField(a *knowledge.Article, name string) *[]string {
	switch name {
	case "similar_questions":
		return &a.SimilarQuestions
	case "tags":
		return &a.Tags
	}
	return nil
}

func unknownField(name string) error {
	return fieldProblem(clip(name), "unknown field (known fields: %s)", strings.Join(fieldNames, ", "))
}

// Separators of list cells in CSV. Questions contain commas, so only '|' and line breaks split
// similar questions; tags also split on commas, including the Chinese ones.
const (
	similarSeparators = "|｜\n\r"
	tagSeparators     = ",，、|｜"
)
