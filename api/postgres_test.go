package api_test

import (
	"testing"

	"github.com/faqbot/faqbot/internal/postgres/pgtest"
	knowledgepg "github.com/faqbot/faqbot/knowledge/postgres"
)

// TestArticlesOnPostgres runs the article routes over the PostgreSQL store: versions,
// conflicts, keyset pages and search must behave as over the memory store.
func TestArticlesOnPostgres(t *testing.T) {
	articleScenario(t, newEnvWithStore(t, knowledgepg.New(pgtest.New(t))))
}

func TestImportRowProblemsOnPostgres(t *testing.T) {
	importRowProblems(t, newEnvWithStore(t, knowledgepg.New(pgtest.New(t))))
}
