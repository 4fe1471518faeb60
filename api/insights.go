package api

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/handoff"
	"github.com/faqbot/faqbot/internal/auth"
	"github.com/faqbot/faqbot/knowledge"
)

// insightsHandler serves what editors and support leads read: the knowledge gaps (editors)
// and the summary of a window (any staff).
type insightsHandler struct {
	bot *bot.Engine
	now func() time.Time
}

// Default windows: a month of gaps is what an editor plans from; a week of numbers is what a
// support lead reviews.
const (
	defaultGapWindow     = 30 * 24 * time.Hour
	defaultSummaryWindow = 7 * 24 * time.Hour
)

// insightRoutes registers the insights and the collector that exposes the summary to
// Prometheus.
func (s *Server) insightRoutes(v1 *echo.Group, timeout echo.MiddlewareFunc) {
	h := &insightsHandler{bot: s.bot, now: func() time.Time { return time.Now().UTC() }}
	v1.GET("/insights/gaps", h.gaps, timeout, s.require(auth.RoleEditor))
	v1.GET("/insights/summary", h.summary, timeout, s.requireStaff)
	register(s.registry, newInsightsCollector(s.bot, s.log))
}

var (
	msgBadTime       = text{"%s must be a time such as 2025-03-01T08:00:00Z or a date such as 2025-03-01, got %q", "%s 应为 2025-03-01T08:00:00Z 这样的时间或 2025-03-01 这样的日期，收到的是 %q"}
	msgWindowOrder   = text{"since (%s) must be before until (%s)", "since（%s）必须早于 until（%s）"}
	msgWindowTooLong = text{"the window from since to until is %d days long, at most %d allowed", "since 到 until 的时间跨度为 %d 天，最多允许 %d 天"}
	msgBadLangFilter = text{"language must be a language code such as zh or en, got %q", "language 应为 zh、en 这样的语言代码，收到的是 %q"}
)

// window reads since and until: RFC 3339 times or dates (midnight UTC). Until defaults to
// now, since to until minus def.
func (h *insightsHandler) window(c echo.Context, def time.Duration) (time.Time, time.Time, error) {
	until := h.now()
	if s := strings.TrimSpace(c.QueryParam("until")); s != "" {
		t, ok := parseTime(s)
		if !ok {
			return time.Time{}, time.Time{}, invalid("until", msgBadTime, "until", clip(s))
		}
		until = t
	}
	since := until.Add(-def)
	if s := strings.TrimSpace(c.QueryParam("since")); s != "" {
		t, ok := parseTime(s)
		if !ok {
			return time.Time{}, time.Time{}, invalid("since", msgBadTime, "since", clip(s))
		}
		since = t
	}
	if !since.Before(until) {
		return time.Time{}, time.Time{}, invalid("since", msgWindowOrder, since.Format(time.RFC3339), until.Format(time.RFC3339))
	}
	if d := until.Sub(since); d > bot.MaxInsightWindow {
		days := func(d time.Duration) int { return int(d.Hours() / 24) }
		return time.Time{}, time.Time{}, invalid("since", msgWindowTooLong, days(d), days(bot.MaxInsightWindow))
	}
	return since, until, nil
}

func parseTime(s string) (time.Time, bool) {
	if len(s) > 64 {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// The gaps' response.

type gapGroupOut struct {
	Question string         `json:"question"`
	Language string         `json:"language"`
	Count    int            `json:"count"`
	Reasons  map[string]int `json:"reasons"`
	Examples []gapOut       `json:"examples"`
	LastSeen time.Time      `json:"last_seen"`
}

type gapOut struct {
	Question     string    `json:"question"`
	Reason       string    `json:"reason"`
	Detail       string    `json:"detail,omitempty"`
	TicketNumber string    `json:"ticket_number,omitempty"`
	At           time.Time `json:"at"`
}

type gapListOut struct {
	Items     []gapGroupOut `json:"items"`
	Since     time.Time     `json:"since"`
	Until     time.Time     `json:"until"`
	Scanned   int           `json:"scanned"`
	Truncated bool          `json:"truncated"`
}

func (h *insightsHandler) gaps(c echo.Context) error {
	since, until, err := h.window(c, defaultGapWindow)
	if err != nil {
		return err
	}
	lang := strings.ToLower(strings.TrimSpace(c.QueryParam("language")))
	if lang != "" && !knowledge.Languages[lang] {
		return invalid("language", msgBadLangFilter, clip(lang))
	}
	limit := defaultLimit
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			return invalid("limit", msgBadLimit, maxLimit, clip(s))
		}
		limit = n
	}
	rep, err := h.bot.KnowledgeGaps(c.Request().Context(), bot.GapQuery{Since: since, Until: until, Language: lang}, limit)
	if err != nil {
		return err
	}
	out := gapListOut{Items: make([]gapGroupOut, len(rep.Groups)), Since: since, Until: until,
		Scanned: rep.Scanned, Truncated: rep.Truncated}
	for i, g := range rep.Groups {
		reasons := map[string]int{}
		for _, r := range bot.GapReasons {
			reasons[string(r)] = g.Reasons[r]
		}
		examples := make([]gapOut, len(g.Examples))
		for j, e := range g.Examples {
			examples[j] = gapOut{Question: e.Question, Reason: string(e.Reason), Detail: e.Detail,
				TicketNumber: e.TicketNumber, At: e.CreatedAt}
		}
		out.Items[i] = gapGroupOut{Question: g.Question, Language: g.Language, Count: g.Count,
			Reasons: reasons, Examples: examples, LastSeen: g.LastSeen}
	}
	return c.JSON(http.StatusOK, out)
}

// The summary's response. Percentiles and shares are null when there is nothing to measure.

type summaryOut struct {
	Since         time.Time          `json:"since"`
	Until         time.Time          `json:"until"`
	Conversations conversationsOut   `json:"conversations"`
	Handoffs      handoffsOut        `json:"handoffs"`
	FirstResponse []firstResponseOut `json:"first_response"`
	Resolution    []resolutionOut    `json:"resolution"`
	CSAT          csatOut            `json:"csat"`
	OpenTickets   []queueLoadOut     `json:"open_tickets"`
	Gaps          map[string]int     `json:"gaps"`
}

type conversationsOut struct {
	Total          int     `json:"total"`
	AnsweredByBot  int     `json:"answered_by_bot"`
	DeflectionRate float64 `json:"deflection_rate"`
}

type handoffsOut struct {
	Total     int            `json:"total"`
	ByTrigger map[string]int `json:"by_trigger"`
}

type firstResponseOut struct {
	Priority   string   `json:"priority"`
	Tickets    int      `json:"tickets"`
	Responded  int      `json:"responded"`
	P50Seconds *float64 `json:"p50_seconds"`
	P90Seconds *float64 `json:"p90_seconds"`
	SLAKnown   int      `json:"sla_known"`
	WithinSLA  *float64 `json:"within_sla"`
}

type resolutionOut struct {
	Priority   string   `json:"priority"`
	Tickets    int      `json:"tickets"`
	Resolved   int      `json:"resolved"`
	P50Seconds *float64 `json:"p50_seconds"`
	P90Seconds *float64 `json:"p90_seconds"`
}

type csatOut struct {
	Ratings      int            `json:"ratings"`
	Average      *float64       `json:"average"`
	Distribution map[string]int `json:"distribution"`
}

type queueLoadOut struct {
	Queue    string `json:"queue"`
	Queued   int    `json:"queued"`
	Assigned int    `json:"assigned"`
}

// knownTriggers are listed in every summary, zero or not, so dashboards see stable keys.
var knownTriggers = []handoff.Trigger{handoff.TriggerUserRequest, handoff.TriggerAngry, handoff.TriggerWorsening,
	handoff.TriggerLowConfidence, handoff.TriggerHighRisk}

var priorities = []handoff.Priority{handoff.P1, handoff.P2, handoff.P3}

func (h *insightsHandler) summary(c echo.Context) error {
	since, until, err := h.window(c, defaultSummaryWindow)
	if err != nil {
		return err
	}
	sum, err := h.bot.Summary(c.Request().Context(), bot.SummaryQuery{Since: since, Until: until})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, summaryOf(sum))
}

func summaryOf(sum bot.Summary) summaryOut {
	out := summaryOut{
		Since: sum.Since, Until: sum.Until,
		Conversations: conversationsOut{Total: sum.Conversations, AnsweredByBot: sum.AnsweredByBot,
			DeflectionRate: sum.DeflectionRate()},
		Handoffs:    handoffsOut{ByTrigger: map[string]int{}},
		CSAT:        csatOut{Ratings: sum.CSAT.Ratings, Average: sum.CSAT.Average(), Distribution: map[string]int{}},
		OpenTickets: []queueLoadOut{},
		Gaps:        map[string]int{},
	}
	for _, t := range knownTriggers {
		out.Handoffs.ByTrigger[string(t)] = 0
	}
	for t, n := range sum.Handoffs {
		out.Handoffs.ByTrigger[string(t)] = n
		out.Handoffs.Total += n
	}
	for _, p := range priorities {
		f, r := sum.FirstResponse[p], sum.Resolution[p]
		out.FirstResponse = append(out.FirstResponse, firstResponseOut{Priority: p.String(), Tickets: f.Tickets,
			Responded: f.Measured, P50Seconds: f.P50, P90Seconds: f.P90, SLAKnown: f.SLAKnown, WithinSLA: f.WithinSLAShare()})
		out.Resolution = append(out.Resolution, resolutionOut{Priority: p.String(), Tickets: r.Tickets,
			Resolved: r.Measured, P50Seconds: r.P50, P90Seconds: r.P90})
	}
	for i, n := range sum.CSAT.Distribution {
		out.CSAT.Distribution[strconv.Itoa(i+1)] = n
	}
	for q, l := range sum.OpenTickets {
		out.OpenTickets = append(out.OpenTickets, queueLoadOut{Queue: q, Queued: l.Queued, Assigned: l.Assigned})
	}
	slices.SortFunc(out.OpenTickets, func(a, b queueLoadOut) int { return strings.Compare(a.Queue, b.Queue) })
	for _, r := range bot.GapReasons {
		out.Gaps[string(r)] = sum.Gaps[r]
	}
	return out
}
