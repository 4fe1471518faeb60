package memory_test

import (
	"testing"

	"github.com/faqbot/faqbot/internal/auth"
	"github.com/faqbot/faqbot/internal/auth/memory"
	"github.com/faqbot/faqbot/internal/auth/storetest"
)

func TestStoreContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) auth.Store { return memory.New() })
}
