package postgres_test

import (
	"testing"

	"github.com/faqbot/faqbot/internal/postgres/pgtest"
	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/postgres"
	"github.com/faqbot/faqbot/knowledge/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) knowledge.Store {
		return postgres.New(pgtest.New(t))
	})
}
