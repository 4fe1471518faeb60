package postgres_test

import (
	"testing"

	"github.com/faqbot/faqbot/bot/postgres"
	"github.com/faqbot/faqbot/bot/storetest"
	handoffpg "github.com/faqbot/faqbot/handoff/postgres"
	"github.com/faqbot/faqbot/internal/postgres/pgtest"
)

// TestInsights gives each case a database of its own: the summary counts everything.
func TestInsights(t *testing.T) {
	storetest.RunInsights(t, func(t *testing.T) storetest.Harness {
		pool := pgtest.New(t)
		return storetest.Harness{Store: postgres.New(pool), Tickets: handoffpg.New(pool)}
	})
}
