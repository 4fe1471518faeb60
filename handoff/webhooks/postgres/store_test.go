package postgres_test

import (
	"testing"

	"github.com/faqbot/faqbot/handoff/webhooks"
	"github.com/faqbot/faqbot/handoff/webhooks/postgres"
	"github.com/faqbot/faqbot/handoff/webhooks/storetest"
	"github.com/faqbot/faqbot/internal/postgres/pgtest"
)

// TestContract gives every subtest a database of its own: the relay cursor and the claims
// are global to a store.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) webhooks.Store { return postgres.New(pgtest.New(t)) })
}
