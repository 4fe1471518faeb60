package postgres_test

import (
	"testing"

	"github.com/faqbot/faqbot/internal/auth"
	"github.com/faqbot/faqbot/internal/auth/postgres"
	"github.com/faqbot/faqbot/internal/auth/storetest"
	"github.com/faqbot/faqbot/internal/postgres/pgtest"
)

func TestStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) auth.Store { return postgres.New(pgtest.New(t)) })
}
