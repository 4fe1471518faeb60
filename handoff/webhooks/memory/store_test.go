package memory_test

import (
	"testing"

	"github.com/faqbot/faqbot/handoff/webhooks"
	"github.com/faqbot/faqbot/handoff/webhooks/memory"
	"github.com/faqbot/faqbot/handoff/webhooks/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) webhooks.Store { return memory.New() })
}
