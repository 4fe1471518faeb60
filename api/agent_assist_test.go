package api_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/api"
	"github.com/faqbot/faqbot/bot"
	botmemory "github.com/faqbot/faqbot/bot/memory"
	botpg "github.com/faqbot/faqbot/bot/postgres"
	"github.com/faqbot/faqbot/handoff"
	handoffmemory "github.com/faqbot/faqbot/handoff/memory"
	handoffpg "github.com/faqbot/faqbot/handoff/postgres"
	"github.com/faqbot/faqbot/internal/postgres/pgtest"
	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/demo"
	"github.com/faqbot/faqbot/knowledge/memory"
)

// newAssistEnv is newUserEnv with a knowledge base of its own: saving articles from tickets
// writes to it, which the shared demo knowledge base must never see.
func newAssistEnv(t *testing.T, postgres bool) *assistEnv {
	t.Helper()
	var (
		convs   bot.Store
		tickets handoff.Store
	)
	if postgres {
		pool := pgtest.New(t)
		convs, tickets = botpg.New(pool), handoffpg.New(pool)
	} else {
		mem := handoffmemory.New()
		convs, tickets = botmemory.New(mem), mem
	}
	svc := knowledge.NewService(memory.New(), knowledge.NewLocalEmbedder(knowledge.DefaultLocalDimensions), knowledge.DefaultSearchParams())
	articles, err := demo.Articles()
	require.NoError(t, err)
	rows := make([]knowledge.ImportRow, len(articles))
	for i, a := range articles {
		rows[i] = knowledge.ImportRow{Row: i + 1, Article: a}
	}
	_, err = svc.Import(context.Background(), rows)
	require.NoError(t, err)
	engine := bot.NewEngine(bot.DefaultConfig(), bot.Deps{Store: convs, Tickets: tickets, Retriever: svc})
	e := newEnvWithStore(t, memory.New(), func(c *api.Config, d *api.Deps) {
		c.UserSecret = userSecret
		d.Knowledge, d.Bot = svc, engine
	})
	return &assistEnv{userEnv: &userEnv{env: e, convs: convs, engine: engine}, knowledge: svc}
}

type assistEnv struct {
	*userEnv
	knowledge *knowledge.Service
}

type suggestionsJSON struct {
	Number   string `json:"number"`
	Question string `json:"question"`
	Language string `json:"language"`
	Items    []struct {
		ArticleID int64   `json:"article_id"`
		Title     string  `json:"title"`
		Question  string  `json:"question"`
		Answer    string  `json:"answer"`
		Category  string  `json:"category"`
		Language  string  `json:"language"`
		Score     float64 `json:"score"`
	} `json:"items"`
}

type articleJSON struct {
	ID         int64    `json:"id"`
	ExternalID string   `json:"external_id"`
	Title      string   `json:"title"`
	Question   string   `json:"question"`
	Answer     string   `json:"answer"`
	Category   string   `json:"category"`
	Tags       []string `json:"tags"`
	Language   string   `json:"language"`
	Status     string   `json:"status"`
	Version    int      `json:"version"`
}

// handOverWith opens a ticket whose question is text.
func (e *userEnv) handOverWith(owner, text string) (conversationOut, agentTicketJSON) {
	e.t.Helper()
	token := userToken(e.t, owner)
	conv := e.start(token)
	r := e.say(token, conv.ID, text)
	require.Equal(e.t, "handoff", r.Decision, r.Reason)
	require.NotNil(e.t, r.Ticket)
	return conv, e.view(adminToken, r.Ticket.Number)
}

func TestAgentAssistOnMemory(t *testing.T) { agentAssistScenario(t, newAssistEnv(t, false)) }

func TestAgentAssistOnPostgres(t *testing.T) { agentAssistScenario(t, newAssistEnv(t, true)) }

func agentAssistScenario(t *testing.T, e *assistEnv) {
	_, tk := e.handOverWith("assist-1", "我的创作者收益怎么提现，帮我转人工")
	require.NotEmpty(t, tk.Question)
	agent := e.mintAgent("ann", tk.Queue)
	elsewhere := e.mintAgent("bob", otherQueue(tk.Queue))

	// Suggestions: the knowledge base's best answers to the ticket's question.
	var s suggestionsJSON
	e.json(request{method: "GET", path: "/v1/tickets/" + tk.Number + "/suggestions", token: agent}, http.StatusOK, &s)
	assert.Equal(t, tk.Number, s.Number)
	assert.Equal(t, tk.Question, s.Question)
	assert.Equal(t, "zh", s.Language)
	require.NotEmpty(t, s.Items)
	assert.LessOrEqual(t, len(s.Items), 3)
	assert.Contains(t, s.Items[0].Title, "提现")
	assert.Equal(t, "zh", s.Items[0].Language)
	assert.NotEmpty(t, s.Items[0].Answer)
	for i := 1; i < len(s.Items); i++ {
		assert.GreaterOrEqual(t, s.Items[i-1].Score, s.Items[i].Score, "best first")
	}
	// Typed as people read it out: lowercase, no dash.
	typed := strings.ToLower(strings.ReplaceAll(tk.Number, "-", ""))
	e.json(request{method: "GET", path: "/v1/tickets/" + typed + "/suggestions", token: adminToken}, http.StatusOK, &s)
	assert.Equal(t, tk.Number, s.Number)

	for name, r := range map[string]request{
		"another queue's agent": {method: "GET", path: "/v1/tickets/" + tk.Number + "/suggestions", token: elsewhere},
		"unknown number":        {method: "GET", path: "/v1/tickets/ZZZZ-ZZZZ/suggestions", token: agent},
		"malformed number":      {method: "GET", path: "/v1/tickets/%E4%BD%A0/suggestions", token: agent},
		"save, another queue": {method: "POST", path: "/v1/tickets/" + tk.Number + "/article", token: elsewhere,
			body: map[string]any{"answer": "x"}},
		"save, unknown number": {method: "POST", path: "/v1/tickets/ZZZZ-ZZZZ/article", token: agent,
			body: map[string]any{"answer": "x"}},
	} {
		rec := e.do(r)
		assert.Equal(t, http.StatusNotFound, rec.Code, "%s: %s", name, rec.Body.String())
	}

	// Save as article: a draft linked to the ticket, with the ticket's question and language.
	answer := "在「我的-创作者中心-收益」点击提现，绑定银行卡后 1-3 个工作日到账。"
	var a articleJSON
	rec := e.do(request{method: "POST", path: "/v1/tickets/" + tk.Number + "/article", token: agent,
		body: map[string]any{"answer": answer}})
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	require.NoError(t, jsonUnmarshal(rec.Body.Bytes(), &a))
	assert.Equal(t, "/v1/articles/"+strconv.FormatInt(a.ID, 10), rec.Header().Get("Location"))
	assert.Equal(t, "ticket-"+tk.Number, a.ExternalID)
	assert.Equal(t, tk.Question, a.Question)
	assert.Equal(t, answer, a.Answer)
	assert.Equal(t, "zh", a.Language)
	assert.Equal(t, tk.Category, a.Category)
	assert.Equal(t, []string{"from-ticket"}, a.Tags)
	assert.Equal(t, "draft", a.Status)
	assert.Equal(t, 1, a.Version)

	// A second save is refused: the draft is the editor's now.
	rec = e.do(request{method: "POST", path: "/v1/tickets/" + tk.Number + "/article", token: adminToken,
		body: map[string]any{"answer": "another answer"}})
	assert.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
	assert.Contains(t, decodeError(t, rec).Error.Message, "ticket-"+tk.Number)

	// The draft answers nobody until an editor publishes it.
	var got articleJSON
	e.json(request{method: "GET", path: "/v1/articles/" + strconv.FormatInt(a.ID, 10), token: e.editor}, http.StatusOK, &got)
	assert.Equal(t, a, got, "the second save changed nothing")

	// Overrides, on another ticket.
	_, tk2 := e.handOverWith("assist-2", "How do I withdraw my creator earnings? I want a human")
	e.json(request{method: "POST", path: "/v1/tickets/" + tk2.Number + "/article", token: adminToken,
		body: map[string]any{"title": "Withdrawing earnings", "question": "How do I withdraw earnings?",
			"answer": "Open Creator Center > Earnings > Withdraw.", "category": "payment", "language": "en"}},
		http.StatusCreated, &got)
	assert.Equal(t, "Withdrawing earnings", got.Title)
	assert.Equal(t, "How do I withdraw earnings?", got.Question)
	assert.Equal(t, "payment", got.Category)
	assert.Equal(t, "en", got.Language)
}

func otherQueue(q string) string {
	if q == "tech" {
		return "ads"
	}
	return "tech"
}

func TestSaveArticleRefusesBadInput(t *testing.T) {
	e := newAssistEnv(t, false)
	_, tk := e.handOverWith("bad-input", "我的创作者收益怎么提现，转人工")
	path := "/v1/tickets/" + tk.Number + "/article"
	countArticles := func() int {
		n, err := e.knowledge.Count(context.Background())
		require.NoError(t, err)
		return n
	}
	before := countArticles()

	tests := []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"no answer", map[string]any{}, 400, "answer"},
		{"empty answer", map[string]any{"answer": "  "}, 400, "answer"},
		{"huge answer", map[string]any{"answer": strings.Repeat("答", knowledge.MaxAnswerLen+1)}, 400, "answer"},
		{"answer not a string", map[string]any{"answer": 42}, 400, "answer"},
		{"control character", map[string]any{"answer": "a\x01b"}, 400, "answer"},
		{"question too long", map[string]any{"answer": "a", "question": strings.Repeat("q", knowledge.MaxQuestionLen+1)}, 400, "question"},
		{"unknown language", map[string]any{"answer": "a", "language": "klingon"}, 400, "language"},
		{"bad category", map[string]any{"answer": "a", "category": "Not A Slug!"}, 400, "category"},
		{"unknown field", map[string]any{"answer": "a", "status": "published"}, 400, "status"},
		{"not JSON", "answer=a", 400, ""},
		{"over the body limit", `{"answer":"` + strings.Repeat("a", api.DefaultMaxBodyBytes) + `"}`, 413, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.do(request{method: "POST", path: path, token: adminToken, body: tt.body})
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			if tt.field != "" {
				assert.Equal(t, tt.field, decodeError(t, rec).Error.Field)
			}
		})
	}
	assert.Equal(t, before, countArticles(), "no refused request wrote an article")

	// And the ticket can still be saved once it is right.
	rec := e.do(request{method: "POST", path: path, token: adminToken, body: map[string]any{"answer": "fine"}})
	assert.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
}

func TestSaveArticleNeedsAQuestion(t *testing.T) {
	e := newAssistEnv(t, false)
	token := userToken(t, "button")
	conv := e.start(token)
	var r ticketJSON
	e.json(request{method: "POST", path: "/v1/conversations/" + conv.ID + "/handoff", token: token, body: map[string]any{}}, http.StatusOK, &r)
	number := r.Number
	require.NotEmpty(t, number)

	var s suggestionsJSON
	e.json(request{method: "GET", path: "/v1/tickets/" + number + "/suggestions", token: adminToken}, http.StatusOK, &s)
	assert.Empty(t, s.Items, "no question, nothing to search for")
	assert.NotNil(t, s.Items, "items is always a list")

	rec := e.do(request{method: "POST", path: "/v1/tickets/" + number + "/article", token: adminToken,
		body: map[string]any{"answer": "a"}})
	require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
	assert.Equal(t, "question", decodeError(t, rec).Error.Field)
	rec = e.do(request{method: "POST", path: "/v1/tickets/" + number + "/article", token: adminToken,
		body: map[string]any{"answer": "a", "question": "How do I reach a human?"}})
	assert.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
}
