package api

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faqbot/faqbot/bot"
)

// insightsCollector exposes the summary of the last week as gauges, computed when Prometheus
// scrapes and cached for a few seconds, so that several scrapers (or a dashboard's refresh)
// cost one computation. The numbers come from the database, so every replica reports the
// same ones: aggregate them with max, not sum.
type insightsCollector struct {
	bot *bot.Engine
	log *slog.Logger
	now func() time.Time

	mu      sync.Mutex
	cached  bot.Summary
	at      time.Time
	valid   bool
	errors  float64 // scrapes whose summary failed
	timeout time.Duration
}

const (
	metricsWindow      = 7 * 24 * time.Hour
	metricsWindowLabel = "7d"
	metricsCacheFor    = 5 * time.Second
	metricsTimeout     = 5 * time.Second
)

var (
	descConversations = prometheus.NewDesc("faqbot_conversations",
		"Conversations started in the window in which the user wrote.", []string{"window"}, nil)
	descAnswered = prometheus.NewDesc("faqbot_conversations_answered_by_bot",
		"Conversations of the window the bot answered without ever handing over.", []string{"window"}, nil)
	descDeflection = prometheus.NewDesc("faqbot_deflection_ratio",
		"Share of the window's conversations the bot answered without a human.", []string{"window"}, nil)
	descHandoffs = prometheus.NewDesc("faqbot_handoffs",
		"Tickets opened in the window, by the trigger that handed over.", []string{"window", "trigger"}, nil)
	descFirstResponse = prometheus.NewDesc("faqbot_first_response_seconds",
		"First-response time of the window's tickets, by priority (p50 and p90).", []string{"window", "priority", "quantile"}, nil)
	descWithinSLA = prometheus.NewDesc("faqbot_first_response_within_sla_ratio",
		"Share of the window's tickets whose SLA outcome is known that got a first response in time.", []string{"window", "priority"}, nil)
	descResolution = prometheus.NewDesc("faqbot_resolution_seconds",
		"Resolution time of the window's tickets, by priority (p50 and p90).", []string{"window", "priority", "quantile"}, nil)
	descCSATAverage = prometheus.NewDesc("faqbot_csat_average",
		"Average rating (1 to 5) given in the window.", []string{"window"}, nil)
	descCSATRatings = prometheus.NewDesc("faqbot_csat_ratings",
		"Ratings given in the window, by score.", []string{"window", "score"}, nil)
	descOpenTickets = prometheus.NewDesc("faqbot_open_tickets",
		"Tickets waiting for or held by an agent now, by queue and status.", []string{"queue", "status"}, nil)
	descGaps = prometheus.NewDesc("faqbot_knowledge_gaps",
		"Questions of the window that ended in low confidence, a handoff or a bad rating.", []string{"window", "reason"}, nil)
	descScrapeErrors = prometheus.NewDesc("faqbot_insights_errors_total",
		"Scrapes whose insights summary could not be computed (the gauges are then left out).", nil, nil)
)

func newInsightsCollector(b *bot.Engine, log *slog.Logger) *insightsCollector {
	return &insightsCollector{bot: b, log: log, now: time.Now, timeout: metricsTimeout}
}

// Describe implements prometheus.Collector.
func (c *insightsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descConversations, descAnswered, descDeflection, descHandoffs,
		descFirstResponse, descWithinSLA, descResolution, descCSATAverage, descCSATRatings, descOpenTickets,
		descGaps, descScrapeErrors} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *insightsCollector) Collect(ch chan<- prometheus.Metric) {
	sum, ok, errs := c.summary()
	ch <- prometheus.MustNewConstMetric(descScrapeErrors, prometheus.CounterValue, errs)
	if !ok {
		return
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	w := metricsWindowLabel
	gauge(descConversations, float64(sum.Conversations), w)
	gauge(descAnswered, float64(sum.AnsweredByBot), w)
	gauge(descDeflection, sum.DeflectionRate(), w)
	for _, t := range knownTriggers {
		gauge(descHandoffs, float64(sum.Handoffs[t]), w, string(t))
	}
	for _, p := range priorities {
		f, r := sum.FirstResponse[p], sum.Resolution[p]
		for _, q := range []struct {
			label    string
			fst, res *float64
		}{{"0.5", f.P50, r.P50}, {"0.9", f.P90, r.P90}} {
			if q.fst != nil {
				gauge(descFirstResponse, *q.fst, w, p.String(), q.label)
			}
			if q.res != nil {
				gauge(descResolution, *q.res, w, p.String(), q.label)
			}
		}
		if share := f.WithinSLAShare(); share != nil {
			gauge(descWithinSLA, *share, w, p.String())
		}
	}
	if avg := sum.CSAT.Average(); avg != nil {
		gauge(descCSATAverage, *avg, w)
	}
	for i, n := range sum.CSAT.Distribution {
		gauge(descCSATRatings, float64(n), w, strconv.Itoa(i+1))
	}
	for q, l := range sum.OpenTickets {
		gauge(descOpenTickets, float64(l.Queued), q, "queued")
		gauge(descOpenTickets, float64(l.Assigned), q, "assigned")
	}
	for _, r := range bot.GapReasons {
		gauge(descGaps, float64(sum.Gaps[r]), w, string(r))
	}
}

// summary returns the cached summary, computing it when it is older than metricsCacheFor.
// The lock also makes concurrent scrapes wait for one computation instead of each running
// their own.
func (c *insightsCollector) summary() (bot.Summary, bool, float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.valid && now.Sub(c.at) < metricsCacheFor {
		return c.cached, true, c.errors
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	sum, err := c.bot.Summary(ctx, bot.SummaryQuery{Since: now.Add(-metricsWindow), Until: now})
	if err != nil {
		c.errors++
		c.valid = false
		c.log.Warn("metrics: compute the insights summary", "err", err)
		return bot.Summary{}, false, c.errors
	}
	c.cached, c.at, c.valid = sum, now, true
	return sum, true, c.errors
}
