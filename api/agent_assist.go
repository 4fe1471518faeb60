package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/handoff"
	"github.com/faqbot/faqbot/knowledge"
)

// agentAssistHandler helps agents with the knowledge base and feeds it back (the knowledge
// loop): articles that may answer a ticket, and an agent's answer saved as a draft article
// for an editor to review.
type agentAssistHandler struct {
	bot       *bot.Engine
	knowledge *knowledge.Service
}

func (s *Server) agentAssistRoutes(v1 *echo.Group, timeout echo.MiddlewareFunc) {
	h := &agentAssistHandler{bot: s.bot, knowledge: s.knowledge}
	v1.GET("/tickets/:number/suggestions", h.suggestions, timeout, s.requireAgent)
	v1.POST("/tickets/:number/article", h.saveArticle, timeout, s.requireAgent)
}

// Articles saved from tickets are linked to them by these.
const (
	ticketArticlePrefix = "ticket-" // external_id: ticket-<number>
	ticketArticleTag    = "from-ticket"
)

var (
	msgTicketSavedAlready = text{"ticket %s was saved as an article already (external_id %s): an editor reviews and edits that draft", "工单 %s 已保存为文章（external_id %s）：请由编辑审核并修改该草稿"}
	msgNoTicketQuestion   = text{"question is required: ticket %s has no question of its own", "缺少 question：工单 %s 本身没有记录用户的问题"}
)

type suggestionOut struct {
	ArticleID int64   `json:"article_id"`
	Title     string  `json:"title"`
	Question  string  `json:"question"`
	Answer    string  `json:"answer"`
	Category  string  `json:"category"`
	Language  string  `json:"language"`
	Score     float64 `json:"score"`
}

type suggestionsOut struct {
	Number   string          `json:"number"`
	Question string          `json:"question"`
	Language string          `json:"language"`
	Items    []suggestionOut `json:"items"`
}

func (h *agentAssistHandler) suggestions(c echo.Context) error {
	number := c.Param("number")
	s, err := h.bot.SuggestReplies(c.Request().Context(), agentOf(c), number)
	if err != nil {
		return agentError(err, number)
	}
	out := suggestionsOut{Number: s.Ticket.Number, Question: s.Ticket.Question, Language: s.Ticket.Language,
		Items: make([]suggestionOut, len(s.Candidates))}
	for i, cand := range s.Candidates {
		a := cand.Article
		out.Items[i] = suggestionOut{ArticleID: a.ID, Title: a.Title, Question: a.Question, Answer: a.Answer,
			Category: a.Category, Language: a.Language, Score: cand.Score}
	}
	return c.JSON(http.StatusOK, out)
}

// ticketArticleRequest is an agent's answer to keep; everything but the answer defaults to
// the ticket's.
type ticketArticleRequest struct {
	Title    string `json:"title"`
	Question string `json:"question"`
	Answer   string `json:"answer"`
	Category string `json:"category"`
	Language string `json:"language"`
}

// saveArticle turns an agent's answer into a draft article linked to the ticket. A ticket is
// saved once: a second save is 409, so that an editor's review of the draft is never
// overwritten from the ticket.
func (h *agentAssistHandler) saveArticle(c echo.Context) error {
	number := c.Param("number")
	ctx := c.Request().Context()
	t, err := h.bot.AssistTicket(ctx, agentOf(c), number)
	if err != nil {
		return agentError(err, number)
	}
	var req ticketArticleRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	a := knowledge.Article{
		ExternalID: ticketArticlePrefix + t.Number,
		Title:      req.Title,
		Question:   firstNonBlank(req.Question, t.Question),
		Answer:     req.Answer,
		Category:   firstNonBlank(req.Category, articleCategory(t)),
		Tags:       []string{ticketArticleTag},
		Language:   firstNonBlank(req.Language, t.Language),
		Status:     knowledge.StatusDraft,
	}
	if strings.TrimSpace(a.Question) == "" {
		return invalid("question", msgNoTicketQuestion, t.Number)
	}
	saved, err := h.knowledge.Create(ctx, a)
	if errors.Is(err, knowledge.ErrConflict) {
		return newError(http.StatusConflict, codeConflict, msgTicketSavedAlready, t.Number, a.ExternalID).wrap(err)
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/articles/"+strconv.FormatInt(saved.ID, 10))
	return c.JSON(http.StatusCreated, articleOut(saved))
}

// articleCategory is the ticket's category when an article may carry it.
func articleCategory(t handoff.Ticket) string {
	probe := knowledge.Article{Question: "q", Answer: "a", Language: "en", Category: t.Category}
	probe.Normalize()
	if err := probe.Validate(); err != nil {
		return knowledge.DefaultCategory
	}
	return probe.Category
}

func firstNonBlank(a, b string) string {
	if strings.TrimSpace(a) != "" {
		return a
	}
	return b
}
