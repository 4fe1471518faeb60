package memory_test

import (
	"testing"

	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/memory"
	"github.com/faqbot/faqbot/knowledge/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) knowledge.Store { return memory.New() })
}
