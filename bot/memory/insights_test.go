package memory_test

import (
	"testing"

	"github.com/faqbot/faqbot/bot/memory"
	"github.com/faqbot/faqbot/bot/storetest"
	handoffmemory "github.com/faqbot/faqbot/handoff/memory"
)

func TestInsights(t *testing.T) {
	storetest.RunInsights(t, func(t *testing.T) storetest.Harness {
		tickets := handoffmemory.New()
		return storetest.Harness{Store: memory.New(tickets), Tickets: tickets}
	})
}
