package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type gapListJSON struct {
	Items []struct {
		Question string         `json:"question"`
		Language string         `json:"language"`
		Count    int            `json:"count"`
		Reasons  map[string]int `json:"reasons"`
		Examples []struct {
			Question     string `json:"question"`
			Reason       string `json:"reason"`
			Detail       string `json:"detail"`
			TicketNumber string `json:"ticket_number"`
			At           string `json:"at"`
		} `json:"examples"`
		LastSeen string `json:"last_seen"`
	} `json:"items"`
	Since     string `json:"since"`
	Until     string `json:"until"`
	Scanned   int    `json:"scanned"`
	Truncated bool   `json:"truncated"`
}

type summaryJSON struct {
	Since         string `json:"since"`
	Until         string `json:"until"`
	Conversations struct {
		Total          int     `json:"total"`
		AnsweredByBot  int     `json:"answered_by_bot"`
		DeflectionRate float64 `json:"deflection_rate"`
	} `json:"conversations"`
	Handoffs struct {
		Total     int            `json:"total"`
		ByTrigger map[string]int `json:"by_trigger"`
	} `json:"handoffs"`
	FirstResponse []struct {
		Priority   string   `json:"priority"`
		Tickets    int      `json:"tickets"`
		Responded  int      `json:"responded"`
		P50Seconds *float64 `json:"p50_seconds"`
		P90Seconds *float64 `json:"p90_seconds"`
		SLAKnown   int      `json:"sla_known"`
		WithinSLA  *float64 `json:"within_sla"`
	} `json:"first_response"`
	Resolution []struct {
		Priority   string   `json:"priority"`
		Tickets    int      `json:"tickets"`
		Resolved   int      `json:"resolved"`
		P50Seconds *float64 `json:"p50_seconds"`
	} `json:"resolution"`
	CSAT struct {
		Ratings      int            `json:"ratings"`
		Average      *float64       `json:"average"`
		Distribution map[string]int `json:"distribution"`
	} `json:"csat"`
	OpenTickets []struct {
		Queue    string `json:"queue"`
		Queued   int    `json:"queued"`
		Assigned int    `json:"assigned"`
	} `json:"open_tickets"`
	Gaps map[string]int `json:"gaps"`
}

// insightsScript has five users talk to the bot: one answered, three questions the
// knowledge base cannot answer (one of them asked twice and handed over), and a handoff
// that ends in a rating of 1.
func insightsScript(t *testing.T, e *userEnv) (handedOver, rated string) {
	t.Helper()
	type turn struct{ owner, text, decision string }
	var tickets []string
	convs := map[string]string{}
	for _, tt := range []turn{
		{"i1", "收不到验证码怎么办", "answer"},
		{"i2", "我的宠物猫不吃饭怎么办", "clarify"},
		{"i3", "宠物猫一直不吃饭", "clarify"},
		{"i3", "宠物猫还是不吃饭", "handoff"},
		{"i4", "how do I train my parrot", "clarify"},
		{"i5", "我的积分兑换码一直用不了，帮我转人工", "handoff"},
	} {
		token := userToken(t, tt.owner)
		if convs[tt.owner] == "" {
			convs[tt.owner] = e.start(token).ID
		}
		r := e.say(token, convs[tt.owner], tt.text)
		require.Equal(t, tt.decision, r.Decision, "%s: %s", tt.text, r.Reason)
		if r.Ticket != nil {
			tickets = append(tickets, r.Ticket.Number)
		}
	}
	require.Len(t, tickets, 2)
	e.resolve(tickets[1])
	res := e.rate(userToken(t, "i5"), tickets[1], map[string]any{"score": 1, "comment": "没解决"}, nil)
	require.Equal(t, http.StatusCreated, res.status, res.body)
	return tickets[0], tickets[1]
}

func TestInsightsOnMemory(t *testing.T) {
	insightsScenario(t, newUserEnv(t, userEnvOptions{secret: userSecret}))
}

func TestInsightsOnPostgres(t *testing.T) {
	insightsScenario(t, newUserEnv(t, userEnvOptions{secret: userSecret, postgres: true}))
}

func insightsScenario(t *testing.T, e *userEnv) {
	handedOver, rated := insightsScript(t, e)

	var gaps gapListJSON
	e.json(request{method: "GET", path: "/v1/insights/gaps", token: e.editor}, http.StatusOK, &gaps)
	assert.Equal(t, 6, gaps.Scanned, "3 asked back, 2 handed over, 1 rated badly")
	assert.False(t, gaps.Truncated)
	require.Len(t, gaps.Items, 3)
	cat := gaps.Items[0]
	assert.Equal(t, "zh", cat.Language)
	assert.Equal(t, 3, cat.Count, "the three wordings of the cat question")
	assert.Equal(t, map[string]int{"low_confidence": 2, "handoff": 1, "bad_rating": 0}, cat.Reasons)
	require.Len(t, cat.Examples, 3)
	assert.Contains(t, cat.Examples[0].Question, "宠物猫", "newest first")
	assert.Equal(t, "handoff", cat.Examples[0].Reason)
	assert.Equal(t, handedOver, cat.Examples[0].TicketNumber)
	assert.Equal(t, "low_confidence", cat.Examples[0].Detail)
	assert.Equal(t, cat.Examples[0].At, cat.LastSeen)

	codes := gaps.Items[1]
	assert.Equal(t, 2, codes.Count)
	assert.Equal(t, map[string]int{"low_confidence": 0, "handoff": 1, "bad_rating": 1}, codes.Reasons)
	assert.Contains(t, codes.Question, "兑换码")
	assert.Equal(t, rated, codes.Examples[0].TicketNumber)
	assert.Equal(t, "1", codes.Examples[0].Detail, "the score")
	parrot := gaps.Items[2]
	assert.Equal(t, "en", parrot.Language)
	assert.Equal(t, "how do I train my parrot", parrot.Question)

	var one gapListJSON
	e.json(request{method: "GET", path: "/v1/insights/gaps?language=en&limit=1", token: adminToken}, http.StatusOK, &one)
	require.Len(t, one.Items, 1)
	assert.Equal(t, "en", one.Items[0].Language)
	past := url.Values{"since": {"2020-01-01"}, "until": {"2020-02-01T00:00:00Z"}}.Encode()
	e.json(request{method: "GET", path: "/v1/insights/gaps?" + past, token: adminToken}, http.StatusOK, &one)
	assert.Empty(t, one.Items)
	assert.NotNil(t, one.Items, "items is always a list")
	assert.Equal(t, "2020-01-01T00:00:00Z", one.Since)

	var sum summaryJSON
	e.json(request{method: "GET", path: "/v1/insights/summary", token: e.agent}, http.StatusOK, &sum)
	assert.Equal(t, 5, sum.Conversations.Total)
	assert.Equal(t, 1, sum.Conversations.AnsweredByBot)
	assert.InDelta(t, 0.2, sum.Conversations.DeflectionRate, 1e-9)
	assert.Equal(t, 2, sum.Handoffs.Total)
	assert.Equal(t, map[string]int{"user_request": 1, "low_confidence": 1, "angry": 0, "worsening_sentiment": 0,
		"high_risk": 0}, sum.Handoffs.ByTrigger)
	require.Len(t, sum.FirstResponse, 3)
	assert.Equal(t, []string{"P1", "P2", "P3"}, []string{sum.FirstResponse[0].Priority, sum.FirstResponse[1].Priority, sum.FirstResponse[2].Priority})
	tickets, resolved := 0, 0
	for i, f := range sum.FirstResponse {
		tickets += f.Tickets
		assert.Zero(t, f.Responded, "no agent replied")
		assert.Nil(t, f.P50Seconds)
		resolved += sum.Resolution[i].Resolved
	}
	assert.Equal(t, 2, tickets)
	assert.Equal(t, 1, resolved)
	assert.Equal(t, 1, sum.CSAT.Ratings)
	require.NotNil(t, sum.CSAT.Average)
	assert.InDelta(t, 1.0, *sum.CSAT.Average, 1e-9)
	assert.Equal(t, map[string]int{"1": 1, "2": 0, "3": 0, "4": 0, "5": 0}, sum.CSAT.Distribution)
	require.Len(t, sum.OpenTickets, 1, "the cat question waits")
	assert.Equal(t, 1, sum.OpenTickets[0].Queued)
	assert.Equal(t, map[string]int{"low_confidence": 3, "handoff": 2, "bad_rating": 1}, sum.Gaps)

	// The same numbers for Prometheus.
	rec := e.do(request{method: "GET", path: "/metrics"})
	require.Equal(t, http.StatusOK, rec.Code)
	body := rec.Body.String()
	for _, line := range []string{
		`faqbot_conversations{window="7d"} 5`,
		`faqbot_conversations_answered_by_bot{window="7d"} 1`,
		`faqbot_deflection_ratio{window="7d"} 0.2`,
		`faqbot_handoffs{trigger="user_request",window="7d"} 1`,
		`faqbot_csat_ratings{score="1",window="7d"} 1`,
		`faqbot_csat_average{window="7d"} 1`,
		`faqbot_knowledge_gaps{reason="bad_rating",window="7d"} 1`,
		`faqbot_open_tickets{queue="` + sum.OpenTickets[0].Queue + `",status="queued"} 1`,
		`faqbot_insights_errors_total 0`,
	} {
		assert.Contains(t, body, line+"\n")
	}
}

func TestInsightsRefuseBadInput(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	tests := []struct {
		route, query, field string
	}{
		{"gaps", "since=yesterday", "since"},
		{"gaps", "until=2025-13-01", "until"},
		{"gaps", "since=2025-03-02&until=2025-03-01", "since"},
		{"gaps", "since=2025-03-01&until=2025-03-01", "since"},
		{"gaps", "since=2020-01-01&until=2025-01-01", "since"},
		{"gaps", "limit=0", "limit"},
		{"gaps", "limit=10000", "limit"},
		{"gaps", "limit=ten", "limit"},
		{"gaps", "limit=-1", "limit"},
		{"gaps", "language=klingon", "language"},
		{"gaps", "since=" + url.QueryEscape(strings.Repeat("9", 100)), "since"},
		{"summary", "since=2025-03-01T25:00:00Z", "since"},
		{"summary", "until=last%20week", "until"},
		{"summary", "since=2025-03-08&until=2025-03-01", "since"},
		{"summary", "since=1990-01-01", "since"},
	}
	for _, tt := range tests {
		t.Run(tt.route+"?"+tt.query, func(t *testing.T) {
			rec := e.do(request{method: "GET", path: "/v1/insights/" + tt.route + "?" + tt.query, token: adminToken,
				header: http.Header{"Accept-Language": {"zh-CN"}}})
			require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
			got := decodeError(t, rec)
			assert.Equal(t, tt.field, got.Error.Field)
			assert.Contains(t, got.Error.Message, tt.field)
		})
	}
}

func TestInsightsWhoMayRead(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	user := userToken(t, "curious")
	tests := []struct {
		path                          string
		none, user, agent, editor, ad int
	}{
		{"/v1/insights/gaps", 401, 401, 403, 200, 200},
		{"/v1/insights/summary", 401, 403, 200, 200, 200},
	}
	for _, tt := range tests {
		for who, want := range map[string]int{"": tt.none, user: tt.user, e.agent: tt.agent, e.editor: tt.editor, adminToken: tt.ad} {
			rec := e.do(request{method: "GET", path: tt.path, token: who})
			assert.Equal(t, want, rec.Code, "%s with %q: %s", tt.path, who, rec.Body.String())
		}
	}
	// The defaults: a week for the summary, a month for gaps, ending now.
	var sum summaryJSON
	e.json(request{method: "GET", path: "/v1/insights/summary", token: adminToken}, http.StatusOK, &sum)
	since, err := time.Parse(time.RFC3339, sum.Since)
	require.NoError(t, err)
	until, err := time.Parse(time.RFC3339, sum.Until)
	require.NoError(t, err)
	assert.Equal(t, 7*24*time.Hour, until.Sub(since))
	var gaps gapListJSON
	e.json(request{method: "GET", path: "/v1/insights/gaps", token: adminToken}, http.StatusOK, &gaps)
	since, _ = time.Parse(time.RFC3339, gaps.Since)
	until, _ = time.Parse(time.RFC3339, gaps.Until)
	assert.Equal(t, 30*24*time.Hour, until.Sub(since))
}
