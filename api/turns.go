package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"unicode"

	"github.com/labstack/echo/v4"

	"github.com/faqbot/faqbot/bot"
)

type textRequest struct {
	Text string `json:"text"`
}

// checkText refuses, in the user's language, what the engine would refuse in English; the
// engine stays the authority (see turnError).
func checkText(s string) error {
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return invalid("text", msgTextControl, r)
		}
	}
	if strings.TrimSpace(s) == "" {
		return invalid("text", msgTextEmpty)
	}
	return nil
}

// turnError words the engine's refusals of a message.
func turnError(err error, text string) error {
	switch {
	case errors.Is(err, bot.ErrTooLarge):
		e := newError(http.StatusRequestEntityTooLarge, codeTooLarge, msgTextTooLarge, len(text)).wrap(err)
		e.field = "text"
		return e
	case errors.Is(err, bot.ErrInvalid):
		return invalid("text", msgDomain, err.Error()).wrap(err)
	}
	return err
}

// idempotencyKey reads the optional Idempotency-Key header.
func idempotencyKey(c echo.Context) (string, error) {
	k := strings.TrimSpace(c.Request().Header.Get("Idempotency-Key"))
	if k == "" {
		return "", nil
	}
	if len(k) > 128 {
		return "", invalid("Idempotency-Key", msgBadIdempotencyKey)
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return "", invalid("Idempotency-Key", msgBadIdempotencyKey)
		}
	}
	return k, nil
}

// turnContext is the context a turn runs in. It is detached from the client: a turn once
// begun runs to its end and stores its reply, which a retry with the same Idempotency-Key
// returns. It keeps the request timeout unless the reply streams.
func (h *conversationsHandler) turnContext(c echo.Context, streaming bool) (context.Context, context.CancelFunc) {
	ctx := context.WithoutCancel(c.Request().Context())
	if streaming {
		return context.WithTimeout(ctx, streamTurnLimit)
	}
	return context.WithTimeout(ctx, h.cfg.RequestTimeout)
}

func (h *conversationsHandler) postMessage(c echo.Context) error {
	var req textRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := checkText(req.Text); err != nil {
		return err
	}
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	streaming := wantsEventStream(c.Request())
	ctx, cancel := h.turnContext(c, streaming)
	defer cancel()
	conv, err := h.conversation(ctx, endUserOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	if !streaming {
		r, err := h.bot.Handle(ctx, conv, req.Text, key, nil)
		if err != nil {
			return turnError(err, req.Text)
		}
		return c.JSON(http.StatusOK, replyOut(r))
	}

	stream := newSSE(c)
	stream.StartHeartbeat(h.cfg.Heartbeat)
	sent := false
	r, err := h.bot.Handle(ctx, conv, req.Text, key, func(delta string) error {
		sent = true
		// A client that left does not stop the turn: its reply is stored all the same.
		_ = stream.Event("delta", "", deltaOut{Text: delta})
		return nil
	})
	stream.StopHeartbeat()
	if err != nil {
		if !stream.Started() {
			return turnError(err, req.Text)
		}
		e := h.streamError(turnError(err, req.Text), c)
		_ = stream.Event("error", "", e.body(c))
		return nil
	}
	if !sent && r.Message != nil && r.Message.Text != "" {
		// A replayed or queued reply produced no deltas; a client that renders deltas still
		// gets the text.
		_ = stream.Event("delta", "", deltaOut{Text: r.Message.Text})
	}
	_ = stream.Event("done", "", replyOut(r))
	return nil
}

type deltaOut struct {
	Text string `json:"text"`
}
