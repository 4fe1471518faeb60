package api

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/handoff"
	"github.com/faqbot/faqbot/internal/auth"
)

// agentTicketsHandler serves the agents' work on tickets (DESIGN §4 "Agents"): the list,
// claims, replies, transfers and resolves. The agents' view of one ticket shares its route
// with the end users' (user_tickets.go) and is written by viewTicket below.
type agentTicketsHandler struct {
	bot *bot.Engine
}

// agentRoutes registers the agents' routes: an agent or admin token; editors and end users
// get 403.
func (s *Server) agentRoutes(v1 *echo.Group, timeout echo.MiddlewareFunc) {
	h := &agentTicketsHandler{bot: s.bot}
	v1.GET("/tickets", h.list, timeout, s.requireAgent)
	v1.POST("/tickets/claim", h.claim, timeout, s.requireAgent)
	v1.POST("/tickets/:number/messages", h.reply, timeout, s.requireAgent)
	v1.POST("/tickets/:number/transfer", h.transfer, timeout, s.requireAgent)
	v1.POST("/tickets/:number/resolve", h.resolve, timeout, s.requireAgent)
}

// queues are the configured ticket queues: the engine's routing, or the default routing
// when this server has no engine (agent tokens minted there are used by another replica).
func (s *Server) queues() []string {
	if s.bot != nil {
		return s.bot.Queues()
	}
	return handoff.DefaultPolicy().Queues()
}

var (
	msgNotStaff        = text{"this route is for agents: send an agent or admin token; yours is an end user's token", "此接口供客服使用：请使用客服或管理员令牌；你使用的是终端用户令牌"}
	msgQueueUnknown    = text{"%s: %q is not a queue; the queues are %s", "%s：%q 不是已配置的队列；可用的队列有 %s"}
	msgQueueNotYours   = text{"%s: %q is not one of the queues your token may work (%s)", "%s：%q 不在你的令牌可处理的队列中（%s）"}
	msgQueueSame       = text{"ticket %s is in queue %q already", "工单 %s 已经在队列 %q 中"}
	msgQueueRequired   = text{"queue is required: one of %s", "缺少 queue：应为 %s 之一"}
	msgAssignedTo      = text{"ticket %s is assigned to %s: only they can work it until they transfer it or their claim lapses", "工单 %s 已由 %s 接手：在其转出或认领过期之前，只有该客服可以处理"}
	msgTicketFinished  = text{"ticket %s is already resolved or closed", "工单 %s 已经解决或已关闭"}
	msgBadTicketStatus = text{"status must be queued, assigned, resolved or closed (several comma-separated), got %q", "status 应为 queued、assigned、resolved 或 closed（多个用逗号分隔），收到的是 %q"}
)

// requireAgent lets agents and the admin through.
func (s *Server) requireAgent(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := s.staffPrincipal(c, msgNotStaff)
		if err != nil {
			return err
		}
		if !p.Has(auth.RoleAgent) {
			return newError(http.StatusForbidden, codeForbidden, msgForbidden, roleNames(auth.RoleAgent), p.Role).wrap(auth.ErrForbidden)
		}
		c.Set(keyPrincipal, p)
		return next(c)
	}
}

// agentOf is the request's principal as the engine knows agents: by the token's name, in
// the token's queues (the admin in all).
func agentOf(c echo.Context) bot.Agent {
	p, _ := c.Get(keyPrincipal).(auth.Principal)
	return bot.Agent{Name: p.Name, Queues: p.Queues}
}

// The agents' response shapes.

type sentimentPointOut struct {
	Label string    `json:"label"`
	Score float64   `json:"score"`
	At    time.Time `json:"at"`
}

type candidateOut struct {
	ArticleID int64   `json:"article_id"`
	Title     string  `json:"title"`
	Answer    string  `json:"answer"`
	Score     float64 `json:"score"`
}

// agentTicketOut is a ticket as agents see it. Times that have not happened are null.
type agentTicketOut struct {
	Number          string              `json:"number"`
	Status          string              `json:"status"`
	Priority        string              `json:"priority"`
	Queue           string              `json:"queue"`
	Category        string              `json:"category"`
	Trigger         string              `json:"trigger"`
	Reason          string              `json:"reason"`
	Question        string              `json:"question"`
	Summary         string              `json:"summary"`
	SentimentTrail  []sentimentPointOut `json:"sentiment_trail"`
	Candidates      []candidateOut      `json:"candidates"`
	Language        string              `json:"language"`
	CreatedAt       time.Time           `json:"created_at"`
	DueAt           time.Time           `json:"due_at"`
	AssignedTo      *string             `json:"assigned_to"`
	LeaseUntil      *time.Time          `json:"lease_until"`
	FirstResponseAt *time.Time          `json:"first_response_at"`
	Breached        bool                `json:"breached"`
	ResolvedAt      *time.Time          `json:"resolved_at"`
	ClosedAt        *time.Time          `json:"closed_at"`
}

type ticketEventOut struct {
	ID     int64             `json:"id"`
	At     time.Time         `json:"at"`
	Actor  string            `json:"actor"`
	Kind   string            `json:"kind"`
	Detail map[string]string `json:"detail"`
}

type ticketViewOut struct {
	agentTicketOut
	Transcript []messageOut     `json:"transcript"`
	Events     []ticketEventOut `json:"events"`
}

type agentTicketListOut struct {
	Items      []agentTicketOut `json:"items"`
	NextCursor string           `json:"next_cursor,omitempty"`
}

func agentTicketOf(t handoff.Ticket) agentTicketOut {
	out := agentTicketOut{
		Number: t.Number, Status: string(t.Status), Priority: t.Priority.String(), Queue: t.Queue,
		Category: t.Category, Trigger: string(t.Trigger), Reason: t.Reason, Question: t.Question,
		Summary: t.Summary, Language: t.Language, CreatedAt: t.CreatedAt, DueAt: t.DueAt,
		SentimentTrail: make([]sentimentPointOut, len(t.SentimentTrail)),
		Candidates:     make([]candidateOut, len(t.Candidates)),
		LeaseUntil:     timeOrNull(t.LeaseUntil), FirstResponseAt: timeOrNull(t.FirstResponseAt),
		Breached: !t.BreachedAt.IsZero(), ResolvedAt: timeOrNull(t.ResolvedAt), ClosedAt: timeOrNull(t.ClosedAt),
	}
	for i, p := range t.SentimentTrail {
		out.SentimentTrail[i] = sentimentPointOut{Label: p.Label, Score: p.Score, At: p.At}
	}
	for i, c := range t.Candidates {
		out.Candidates[i] = candidateOut{ArticleID: c.ArticleID, Title: c.Title, Answer: c.Answer, Score: c.Score}
	}
	if t.AssignedTo != "" {
		out.AssignedTo = &t.AssignedTo
	}
	return out
}

func timeOrNull(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// viewTicket answers GET /v1/tickets/{number} for an agent or the admin.
func viewTicket(c echo.Context, b *bot.Engine) error {
	number := c.Param("number")
	v, err := b.ViewTicket(c.Request().Context(), agentOf(c), number)
	if err != nil {
		return agentError(err, number)
	}
	out := ticketViewOut{
		agentTicketOut: agentTicketOf(v.Ticket),
		Transcript:     make([]messageOut, len(v.Transcript)),
		Events:         make([]ticketEventOut, len(v.Events)),
	}
	for i, m := range v.Transcript {
		out.Transcript[i] = messageOf(m)
	}
	for i, e := range v.Events {
		detail := e.Detail
		if detail == nil {
			detail = map[string]string{}
		}
		out.Events[i] = ticketEventOut{ID: e.ID, At: e.At, Actor: e.Actor, Kind: string(e.Kind), Detail: detail}
	}
	return c.JSON(http.StatusOK, out)
}

func (h *agentTicketsHandler) list(c echo.Context) error {
	q, err := ticketQueryOf(c)
	if err != nil {
		return err
	}
	page, err := h.bot.ListTickets(c.Request().Context(), agentOf(c), q)
	if err != nil {
		return agentError(err, "")
	}
	out := agentTicketListOut{Items: make([]agentTicketOut, len(page.Tickets))}
	for i, t := range page.Tickets {
		out.Items[i] = agentTicketOf(t)
	}
	if page.More {
		out.NextCursor = encodeTicketCursor(handoff.CursorOf(page.Tickets[len(page.Tickets)-1]))
	}
	return c.JSON(http.StatusOK, out)
}

// ticketQueryOf reads queue, status, limit and cursor.
func ticketQueryOf(c echo.Context) (bot.TicketQuery, error) {
	q := bot.TicketQuery{Limit: defaultLimit}
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			return q, invalid("limit", msgBadLimit, maxLimit, clip(s))
		}
		q.Limit = n
	}
	if s := c.QueryParam("cursor"); s != "" {
		cur, ok := decodeTicketCursor(s)
		if !ok {
			return q, invalid("cursor", msgBadCursor)
		}
		q.After = &cur
	}
	queue, err := queryText(c, "queue")
	if err != nil {
		return q, err
	}
	q.Queue = queue
	if s := c.QueryParam("status"); s != "" {
		for _, part := range strings.Split(s, ",") {
			st := handoff.Status(strings.TrimSpace(part))
			switch st {
			case handoff.StatusQueued, handoff.StatusAssigned, handoff.StatusResolved, handoff.StatusClosed:
				if !slices.Contains(q.Statuses, st) {
					q.Statuses = append(q.Statuses, st)
				}
			default:
				return q, invalid("status", msgBadTicketStatus, clip(s))
			}
		}
	}
	return q, nil
}

type claimRequest struct {
	Queues []string `json:"queues"`
}

func (h *agentTicketsHandler) claim(c echo.Context) error {
	var req claimRequest
	if c.Request().ContentLength != 0 {
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
	}
	for i, q := range req.Queues {
		req.Queues[i] = strings.TrimSpace(q)
	}
	t, err := h.bot.ClaimTicket(c.Request().Context(), agentOf(c), req.Queues)
	if errors.Is(err, handoff.ErrNoneWaiting) {
		return noContent(c)
	}
	if err != nil {
		return agentError(err, "")
	}
	return c.JSON(http.StatusOK, agentTicketOf(t))
}

func (h *agentTicketsHandler) reply(c echo.Context) error {
	var req textRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := checkText(req.Text); err != nil {
		return err
	}
	number := c.Param("number")
	msg, _, err := h.bot.AgentReply(c.Request().Context(), agentOf(c), number, req.Text)
	if errors.Is(err, bot.ErrTooLarge) || errors.Is(err, bot.ErrInvalid) {
		return turnError(err, req.Text)
	}
	if err != nil {
		return agentError(err, number)
	}
	return c.JSON(http.StatusCreated, messageOf(msg))
}

type transferRequest struct {
	Queue string `json:"queue"`
}

func (h *agentTicketsHandler) transfer(c echo.Context) error {
	var req transferRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Queue) == "" {
		return invalid("queue", msgQueueRequired, strings.Join(h.bot.Queues(), ", "))
	}
	number := c.Param("number")
	t, err := h.bot.TransferTicket(c.Request().Context(), agentOf(c), number, req.Queue)
	if err != nil {
		return agentError(err, number)
	}
	return c.JSON(http.StatusOK, agentTicketOf(t))
}

func (h *agentTicketsHandler) resolve(c echo.Context) error {
	number := c.Param("number")
	t, err := h.bot.AgentResolve(c.Request().Context(), agentOf(c), number)
	if err != nil {
		return agentError(err, number)
	}
	return c.JSON(http.StatusOK, agentTicketOf(t))
}

// agentError words the engine's refusals of an agent's request in the agent's language;
// what it does not know passes through to the error table.
func agentError(err error, number string) error {
	if qe, ok := errors.AsType[*bot.QueueError](err); ok {
		switch qe.Problem {
		case bot.QueueNotYours:
			return invalid(qe.Field, msgQueueNotYours, qe.Field, clip(qe.Queue), strings.Join(qe.Valid, ", ")).wrap(err)
		case bot.QueueSame:
			return invalid(qe.Field, msgQueueSame, clip(number), clip(qe.Queue)).wrap(err)
		}
		return invalid(qe.Field, msgQueueUnknown, qe.Field, clip(qe.Queue), strings.Join(qe.Valid, ", ")).wrap(err)
	}
	if ae, ok := errors.AsType[*bot.AssignedError](err); ok {
		return newError(http.StatusConflict, codeConflict, msgAssignedTo, ae.Number, ae.Agent).wrap(err)
	}
	switch {
	case errors.Is(err, handoff.ErrAlreadyResolved):
		return newError(http.StatusConflict, codeConflict, msgTicketFinished, clip(number)).wrap(err)
	case errors.Is(err, bot.ErrNotFound) && number != "":
		// A malformed number, an unknown one and one outside the agent's queues read the same.
		return newError(http.StatusNotFound, codeNotFound, msgTicketNotFound, clip(number)).wrap(err)
	}
	return err
}

// ticketCursorPrefix marks the cursors of ticket lists: the position of the last ticket in
// list order (priority, due time, id). Like every cursor it is opaque and not secret: what an
// agent may see is decided by the query.
const ticketCursorPrefix = "t1:"

func encodeTicketCursor(c handoff.ListCursor) string {
	raw := fmt.Sprintf("%s%d:%d:%d", ticketCursorPrefix, c.Priority, c.DueAt.UnixNano(), c.ID)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeTicketCursor(s string) (handoff.ListCursor, bool) {
	if len(s) > 128 {
		return handoff.ListCursor{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return handoff.ListCursor{}, false
	}
	body, ok := strings.CutPrefix(string(raw), ticketCursorPrefix)
	if !ok {
		return handoff.ListCursor{}, false
	}
	parts := strings.Split(body, ":")
	if len(parts) != 3 {
		return handoff.ListCursor{}, false
	}
	var n [3]int64
	for i, p := range parts {
		v, err := strconv.ParseInt(p, 10, 64)
		// Only the canonical spelling is ours: no plus sign, no leading zeros.
		if err != nil || strconv.FormatInt(v, 10) != p {
			return handoff.ListCursor{}, false
		}
		n[i] = v
	}
	prio, due, id := handoff.Priority(n[0]), time.Unix(0, n[1]).UTC(), n[2]
	if prio < handoff.P1 || prio > handoff.P3 || n[1] <= 0 || id < 1 {
		return handoff.ListCursor{}, false
	}
	return handoff.ListCursor{Priority: prio, DueAt: due, ID: id}, true
}
