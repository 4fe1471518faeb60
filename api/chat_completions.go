package api

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/labstack/echo/v4"

	"github.com/faqbot/faqbot/bot"
)

// chatCompletionsPath speaks OpenAI's chat-completions protocol, so any OpenAI client or chat
// UI can talk to the bot. Its errors are in OpenAI's shape (see handleError).
const chatCompletionsPath = "/v1/chat/completions"

// chatModel is the model every completion names: the bot, whatever the request asked for.
const chatModel = "faqbot"

const maxChatUserLen = 256

type chatCompletionsHandler struct {
	*conversationsHandler
}

func (h *chatCompletionsHandler) routes(g *echo.Group, mw ...echo.MiddlewareFunc) {
	g.POST("/chat/completions", h.complete, mw...)
}

var (
	msgNoUserMessage = text{"messages must hold at least one message with role user", "messages 中至少要有一条 role 为 user 的消息"}
	msgBadContent    = text{"%s must be a string or an array of text parts", "%s 必须是字符串或文本片段数组"}
	msgChatUserLong  = text{"user must be at most %d characters", "user 最多 %d 个字符"}
)

func (h *chatCompletionsHandler) complete(c echo.Context) error {
	var req chatRequest
	if err := decodeLenientJSON(c, &req); err != nil {
		return err
	}
	text, err := lastUserText(req.Messages)
	if err != nil {
		return err
	}
	if n := utf8.RuneCountInString(req.User); n > maxChatUserLen {
		return invalid("user", msgChatUserLong, maxChatUserLen)
	}
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	ctx, cancel := h.turnContext(c, req.Stream)
	defer cancel()
	conv, err := h.chatConversation(ctx, endUserOf(c), req.User)
	if err != nil {
		return err
	}
	id, created := "chatcmpl-"+randomHex(12), time.Now().Unix()
	if !req.Stream {
		r, err := h.bot.Handle(ctx, conv, text, key, nil)
		if err != nil {
			return turnError(err, text)
		}
		content := ""
		if r.Message != nil {
			content = r.Message.Text
		}
		return c.JSON(http.StatusOK, chatCompletionOut{
			ID: id, Object: "chat.completion", Created: created, Model: chatModel,
			Choices: []chatChoiceOut{{Message: chatMessageOut{Role: "assistant", Content: content}, FinishReason: "stop"}},
			Faqbot:  faqbotExt(conv.ID, r),
		})
	}

	stream := newSSE(c)
	chunk := func(d chatDeltaOut, finish *string, ext *faqbotExtOut) error {
		raw, err := json.Marshal(chatChunkOut{
			ID: id, Object: "chat.completion.chunk", Created: created, Model: chatModel,
			Choices: []chatChunkDelta{{Delta: d, FinishReason: finish}}, Faqbot: ext,
		})
		if err != nil {
			return err
		}
		return stream.Data(raw)
	}
	role := "assistant"
	delta := func(s string) {
		// The role comes once, with the first piece of content, as OpenAI sends it.
		_ = chunk(chatDeltaOut{Role: role, Content: s}, nil, nil)
		role = ""
	}
	stream.StartHeartbeat(h.cfg.Heartbeat)
	r, err := h.bot.Handle(ctx, conv, text, key, func(s string) error {
		delta(s)
		return nil
	})
	stream.StopHeartbeat()
	if err != nil {
		if !stream.Started() {
			return turnError(err, text)
		}
		raw, merr := json.Marshal(openAIErrorOf(h.streamError(turnError(err, text), c), c))
		if merr == nil {
			_ = stream.Data(raw)
		}
		return nil
	}
	if role != "" && r.Message != nil {
		delta(r.Message.Text)
	}
	stop, ext := "stop", faqbotExt(conv.ID, r)
	_ = chunk(chatDeltaOut{}, &stop, &ext)
	_ = stream.Data([]byte("[DONE]"))
	return nil
}

func faqbotExt(convID string, r bot.Reply) faqbotExtOut {
	return faqbotExtOut{ConversationID: convID, Decision: string(r.Decision), State: string(r.State), Ticket: ticketRefOf(r.Ticket)}
}

// chatConversation is the conversation a completion continues: the conversation token's
// own, or the user's conversation named by the request's user field, started on first use.
func (h *chatCompletionsHandler) chatConversation(ctx context.Context, u endUser, name string) (bot.Conversation, error) {
	if u.conv != nil {
		return *u.conv, nil
	}
	id := namedConversationID(u.ownerID, name)
	conv, err := h.bot.Conversation(ctx, id, u.ownerID)
	if !errors.Is(err, bot.ErrNotFound) {
		return conv, err
	}
	conv, err = h.bot.StartWithID(ctx, id, u.ownerID, "")
	if errors.Is(err, bot.ErrConflict) {
		// A concurrent first request created it.
		return h.bot.Conversation(ctx, id, u.ownerID)
	}
	return conv, err
}

// namedConversationID derives a stable conversation id from (owner, name): a name-based UUID
// over the length-prefixed pair, so that no two pairs share an input.
// Two owners never share a conversation: the owner is hashed in, and the store checks the
// owner on every lookup besides.
func namedConversationID(owner, name string) string {
	var b []byte
	for _, s := range []string{owner, name} {
		b = binary.BigEndian.AppendUint64(b, uint64(len(s)))
		b = append(b, s...)
	}
	return uuid.NewSHA1(chatNamespace, b).String()
}

// chatNamespace keeps these ids apart from any other name-based UUIDs.
var chatNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://faqbot.dev/chat-completions/v1"))

// lastUserText is the text of the last user message: the bot keeps its own memory of the
// conversation, so the history a client resends is not needed.
func lastUserText(msgs []chatMessageIn) (string, error) {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role != "user" {
			continue
		}
		field := "messages[" + strconv.Itoa(i) + "].content"
		s, ok := contentText(msgs[i].Content)
		if !ok {
			return "", invalid(field, msgBadContent, field)
		}
		if err := checkText(s); err != nil {
			if ae, ok := errors.AsType[*apiError](err); ok {
				ae.field = field
			}
			return "", err
		}
		return s, nil
	}
	return "", invalid("messages", msgNoUserMessage)
}

// contentText reads OpenAI's content: a string, or an array of parts of which the text ones
// count.
func contentText(raw json.RawMessage) (string, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if json.Unmarshal(raw, &parts) != nil {
		return "", false
	}
	var texts []string
	for _, p := range parts {
		if p.Type == "text" {
			texts = append(texts, p.Text)
		}
	}
	return strings.Join(texts, "\n"), true
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
