package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/language"

	"github.com/faqbot/faqbot/bot"
)

// conversationsHandler serves end users' chats with the bot.
type conversationsHandler struct {
	bot *bot.Engine
	cfg Config
	// closing ends event streams when the server shuts down.
	closing <-chan struct{}
	// notifier wakes event streams; nil: they poll.
	notifier Notifier
	// streamError classifies (and logs) an error that must travel inside a started stream.
	streamError func(error, echo.Context) *apiError
}

// userRoutes registers the end users' routes. Streaming routes get no request timeout:
// their handlers bound what must be bounded themselves.
func (s *Server) userRoutes(v1 *echo.Group, timeout echo.MiddlewareFunc) {
	h := &conversationsHandler{bot: s.bot, cfg: s.cfg, closing: s.closing, notifier: s.notifier, streamError: s.classifyAndLog}
	v1.POST("/conversations", h.create, timeout, s.allowAnonymous)
	v1.POST("/conversations/:id/messages", h.postMessage, s.requireEndUser)
	v1.GET("/conversations/:id/messages", h.transcript, timeout, s.requireEndUser)
	v1.GET("/conversations/:id/events", h.events, s.requireEndUser)
	v1.POST("/conversations/:id/handoff", h.handoff, timeout, s.requireEndUser)
	(&userTicketsHandler{bot: s.bot}).routes(v1, timeout, s.requireUserOrStaff)
	(&ratingsHandler{bot: s.bot}).routes(v1, timeout, s.requireEndUser)
	(&chatCompletionsHandler{conversationsHandler: h}).routes(v1, s.requireEndUser)
}

// streamTurnLimit bounds a streamed turn, far above any model timeout: a safety net, not a
// request timeout, which a stream must not have.
const streamTurnLimit = 10 * time.Minute

var (
	msgConversationNotFound = text{"conversation %s not found", "未找到会话 %s"}
	msgBadLanguage          = text{"language must be a language code such as zh or en, got %q", "language 应为 zh、en 这样的语言代码，收到的是 %q"}
	msgTextEmpty            = text{"text must not be empty", "text 不能为空"}
	msgTextControl          = text{"text contains a control character (U+%04X)", "text 含有控制字符（U+%04X）"}
	msgTextTooLarge         = text{"text is %d bytes long, more than one message may hold", "text 长 %d 字节，超过了单条消息的上限"}
	msgBadIdempotencyKey    = text{"Idempotency-Key must be 1 to 128 visible ASCII characters", "Idempotency-Key 必须是 1 到 128 个可见 ASCII 字符"}
	msgIdempotencyMismatch  = text{"this Idempotency-Key was already used for another message; use a new key for a new message", "该 Idempotency-Key 已用于另一条消息，新消息请使用新的 key"}
	msgTurnInProgress       = text{"a request with this Idempotency-Key is still being answered; retry in a moment", "使用该 Idempotency-Key 的请求仍在处理中，请稍后重试"}
	msgBadAfter             = text{"%s must be a sequence number (an integer of 0 or more), got %q", "%s 必须是消息序号（不小于 0 的整数），收到的是 %q"}
	msgAfterAndCursor       = text{"give after or cursor, not both", "after 与 cursor 只能给出一个"}
)

type conversationRequest struct {
	Language string `json:"language"`
}

type conversationResponse struct {
	ID    string `json:"id"`
	Token string `json:"token,omitempty"`
	State string `json:"state"`
}

func (h *conversationsHandler) create(c echo.Context) error {
	var req conversationRequest
	if c.Request().ContentLength != 0 {
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
	}
	lang, err := languageCode(req.Language)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if u, ok := c.Get(keyEndUser).(endUser); ok && u.conv == nil {
		conv, err := h.bot.Start(ctx, u.ownerID, lang)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, conversationResponse{ID: conv.ID, State: string(conv.State)})
	}
	conv, token, err := h.bot.StartAnonymous(ctx, lang)
	if err != nil {
		return err
	}
	// The token is the conversation's only credential and is in this response only.
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusCreated, conversationResponse{ID: conv.ID, Token: token, State: string(conv.State)})
}

// languageCode turns a BCP 47 tag ("zh-CN", "en") into the base language the bot uses.
func languageCode(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	tag, err := language.Parse(s)
	base, conf := tag.Base()
	if err != nil || conf == language.No || base.String() == "und" {
		return "", invalid("language", msgBadLanguage, clip(s))
	}
	return base.String(), nil
}

// conversation loads the caller's conversation; anyone else's is 404 like an unknown one.
func (h *conversationsHandler) conversation(ctx context.Context, u endUser, rawID string) (bot.Conversation, error) {
	id := strings.ToLower(rawID)
	if u.conv != nil {
		// A conversation token opens its own conversation, loaded by this very request.
		if u.conv.ID == id {
			return *u.conv, nil
		}
		return bot.Conversation{}, conversationNotFound(rawID, bot.ErrNotFound)
	}
	if !bot.ValidID(id) {
		return bot.Conversation{}, conversationNotFound(rawID, bot.ErrNotFound)
	}
	conv, err := h.bot.Conversation(ctx, id, u.ownerID)
	if errors.Is(err, bot.ErrNotFound) {
		return bot.Conversation{}, conversationNotFound(rawID, err)
	}
	return conv, err
}

func conversationNotFound(id string, err error) error {
	return newError(http.StatusNotFound, codeNotFound, msgConversationNotFound, clip(id)).wrap(err)
}

// transcriptPage reads after (a sequence number) or cursor (from next_cursor), and limit.
func transcriptPage(c echo.Context) (after int64, limit int, err error) {
	p, err := pageOf(c)
	if err != nil {
		return 0, 0, err
	}
	if s := c.QueryParam("after"); s != "" {
		if c.QueryParam("cursor") != "" {
			return 0, 0, invalid("cursor", msgAfterAndCursor)
		}
		if p.afterID, err = parseSeq("after", s); err != nil {
			return 0, 0, err
		}
	}
	return p.afterID, p.limit, nil
}

func parseSeq(name, s string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 {
		return 0, invalid(name, msgBadAfter, name, clip(s))
	}
	return n, nil
}

func (h *conversationsHandler) transcript(c echo.Context) error {
	after, limit, err := transcriptPage(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	u := endUserOf(c)
	conv, err := h.conversation(ctx, u, c.Param("id"))
	if err != nil {
		return err
	}
	msgs, err := h.bot.Transcript(ctx, conv.ID, conv.OwnerID, after, limit+1)
	if err != nil {
		return err
	}
	more := len(msgs) > limit
	if more {
		msgs = msgs[:limit]
	}
	resp := messageListOut{Items: make([]messageOut, len(msgs))}
	for i, m := range msgs {
		resp.Items[i] = messageOf(m)
	}
	if len(msgs) > 0 {
		resp.NextCursor = nextCursor(more, msgs[len(msgs)-1].Seq)
	}
	return c.JSON(http.StatusOK, resp)
}

type handoffRequest struct {
	Reason string `json:"reason"`
}

func (h *conversationsHandler) handoff(c echo.Context) error {
	var req handoffRequest
	if c.Request().ContentLength != 0 {
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(req.Reason)); n > bot.MaxReasonLen {
		return invalid("reason", msgTooLong, "reason", n, bot.MaxReasonLen)
	}
	ctx := c.Request().Context()
	u := endUserOf(c)
	conv, err := h.conversation(ctx, u, c.Param("id"))
	if err != nil {
		return err
	}
	r, err := h.bot.RequestHandoff(ctx, conv, req.Reason)
	if errors.Is(err, bot.ErrInvalid) {
		return invalid("reason", msgDomain, err.Error()).wrap(err)
	}
	if err != nil {
		return err
	}
	if r.Ticket == nil {
		return fmt.Errorf("handoff of conversation %s returned no ticket", conv.ID)
	}
	st, err := h.bot.Ticket(ctx, r.Ticket.Number, conv.OwnerID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ticketStatusOf(st))
}
