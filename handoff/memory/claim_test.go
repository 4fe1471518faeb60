package memory_test

import (
	"testing"

	"github.com/faqbot/faqbot/handoff/memory"
	"github.com/faqbot/faqbot/handoff/storetest"
)

// TestClaimStorm runs issue 4's claim test on the memory store, for the race detector.
func TestClaimStorm(t *testing.T) {
	h := storetest.Harness{Store: memory.New(), NewConversation: randomConversation}
	storetest.ClaimStorm(t, h, 1000, 20)
}
