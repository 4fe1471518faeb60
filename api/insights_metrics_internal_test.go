package api

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot"
	botmemory "github.com/faqbot/faqbot/bot/memory"
	handoffmemory "github.com/faqbot/faqbot/handoff/memory"
	"github.com/faqbot/faqbot/knowledge"
	knowledgememory "github.com/faqbot/faqbot/knowledge/memory"
)

func newTestEngine(store bot.Store, tickets *handoffmemory.Store) *bot.Engine {
	svc := knowledge.NewService(knowledgememory.New(), knowledge.NewLocalEmbedder(32), knowledge.DefaultSearchParams())
	return bot.NewEngine(bot.DefaultConfig(), bot.Deps{Store: store, Tickets: tickets, Retriever: svc})
}

// The collector computes on scrape and keeps the result for metricsCacheFor: a scrape within
// that time sees the same numbers, one after it the new ones.
func TestInsightsCollectorCaches(t *testing.T) {
	ctx := context.Background()
	tickets := handoffmemory.New()
	engine := newTestEngine(botmemory.New(tickets), tickets)
	c := newInsightsCollector(engine, slog.New(slog.DiscardHandler))
	now := time.Now().Add(time.Minute)
	c.now = func() time.Time { return now }

	sum, ok, _ := c.summary()
	require.True(t, ok)
	assert.Zero(t, sum.Conversations)

	conv, err := engine.Start(ctx, "u", "")
	require.NoError(t, err)
	_, err = engine.Handle(ctx, conv, "hello there", "", nil)
	require.NoError(t, err)

	now = now.Add(metricsCacheFor - time.Second)
	sum, ok, _ = c.summary()
	require.True(t, ok)
	assert.Zero(t, sum.Conversations, "still the cached summary")

	now = now.Add(2 * time.Second)
	sum, ok, errs := c.summary()
	require.True(t, ok)
	assert.Equal(t, 1, sum.Conversations, "computed again")
	assert.Zero(t, errs)

	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	families, err := reg.Gather()
	require.NoError(t, err, "the collected metrics are consistent with their descriptions")
	names := map[string]bool{}
	for _, f := range families {
		names[f.GetName()] = true
	}
	for _, n := range []string{"faqbot_conversations", "faqbot_deflection_ratio", "faqbot_handoffs",
		"faqbot_csat_ratings", "faqbot_knowledge_gaps", "faqbot_insights_errors_total"} {
		assert.True(t, names[n], n)
	}
	assert.Error(t, reg.Register(newInsightsCollector(engine, c.log)), "a second collector is refused, not doubled")
}

// storeWithoutInsights is a bot.Store that keeps no insights.
type storeWithoutInsights struct{ bot.Store }

func TestInsightsCollectorCountsFailures(t *testing.T) {
	tickets := handoffmemory.New()
	engine := newTestEngine(storeWithoutInsights{botmemory.New(tickets)}, tickets)
	c := newInsightsCollector(engine, slog.New(slog.DiscardHandler))
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	for want := 1.0; want <= 2; want++ {
		families, err := reg.Gather()
		require.NoError(t, err)
		require.Len(t, families, 1, "only the error counter without a summary")
		assert.Equal(t, "faqbot_insights_errors_total", families[0].GetName())
		assert.Equal(t, want, families[0].GetMetric()[0].GetCounter().GetValue())
	}
}
