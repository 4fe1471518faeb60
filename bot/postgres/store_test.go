package postgres_test

import (
	"testing"

	"github.com/faqbot/faqbot/bot/postgres"
	"github.com/faqbot/faqbot/bot/storetest"
	handoffpg "github.com/faqbot/faqbot/handoff/postgres"
	"github.com/faqbot/faqbot/internal/postgres/pgtest"
)

// TestContract runs the suite on one database: a fresh one per subtest would spend most of
// the time creating and dropping databases, and the suite does not need them empty.
func TestContract(t *testing.T) {
	pool := pgtest.New(t)
	h := storetest.Harness{Store: postgres.New(pool), Tickets: handoffpg.New(pool)}
	storetest.Run(t, func(*testing.T) storetest.Harness { return h })
}
