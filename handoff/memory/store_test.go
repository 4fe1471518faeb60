package memory_test

import (
	"crypto/rand"
	"fmt"
	"testing"

	"github.com/faqbot/faqbot/handoff/memory"
	"github.com/faqbot/faqbot/handoff/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Harness {
		return storetest.Harness{Store: memory.New(), NewConversation: randomConversation}
	})
}

// randomConversation is all a conversation is to the memory store: a well-formed id.
func randomConversation(t *testing.T, _ string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
