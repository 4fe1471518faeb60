package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/handoff"
	"github.com/faqbot/faqbot/internal/auth"
	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/imports"
)

// apiError is an error with what the client should see. Handlers return one when they can
// say more than the error table would; err keeps the cause for errors.Is and the log.
type apiError struct {
	status int
	code   string
	field  string
	msg    text
	args   []any
	err    error
}

func (e *apiError) Error() string {
	s := e.msg.format(false, e.args...)
	if e.err != nil {
		s += ": " + e.err.Error()
	}
	return s
}

func (e *apiError) Unwrap() error { return e.err }

func newError(status int, code string, msg text, args ...any) *apiError {
	return &apiError{status: status, code: code, msg: msg, args: args}
}

// invalid is a 400 naming field.
func invalid(field string, msg text, args ...any) *apiError {
	e := newError(http.StatusBadRequest, codeInvalid, msg, args...)
	e.field = field
	return e
}

func (e *apiError) wrap(err error) *apiError {
	e.err = err
	return e
}

// Error codes; clients switch on them, so they never change.
const (
	codeInvalid          = "invalid"
	codeUnauthenticated  = "unauthenticated"
	codeForbidden        = "forbidden"
	codeNotFound         = "not_found"
	codeMethodNotAllowed = "method_not_allowed"
	codeConflict         = "conflict"
	codeTooLarge         = "too_large"
	codeUnsupportedMedia = "unsupported_media_type"
	codeUnprocessable    = "unprocessable"
	codeRateLimited      = "rate_limited"
	codeInternal         = "internal"
	codeUnavailable      = "unavailable"
	codeTimeout          = "timeout"
	codeModelMismatch    = "model_mismatch"
)

// errorTable maps the domains' error kinds to statuses: the one place that does. A nil msg
// passes the domain's own text through (it names the field or the object).
var errorTable = []struct {
	target error
	status int
	code   string
	msg    *text
}{
	{auth.ErrUnauthenticated, http.StatusUnauthorized, codeUnauthenticated, &msgBadToken},
	{bot.ErrTooLarge, http.StatusRequestEntityTooLarge, codeTooLarge, nil},
	{bot.ErrIdempotencyMismatch, http.StatusUnprocessableEntity, codeUnprocessable, &msgIdempotencyMismatch},
	{bot.ErrTurnInProgress, http.StatusConflict, codeConflict, &msgTurnInProgress},
	{bot.ErrInvalid, http.StatusBadRequest, codeInvalid, nil},
	{bot.ErrNotFound, http.StatusNotFound, codeNotFound, nil},
	{bot.ErrConflict, http.StatusConflict, codeConflict, nil},
	{handoff.ErrInvalid, http.StatusBadRequest, codeInvalid, nil},
	{handoff.ErrNotFound, http.StatusNotFound, codeNotFound, nil},
	{handoff.ErrConflict, http.StatusConflict, codeConflict, nil},
	{auth.ErrForbidden, http.StatusForbidden, codeForbidden, nil},
	{knowledge.ErrInvalid, http.StatusBadRequest, codeInvalid, nil},
	{auth.ErrInvalid, http.StatusBadRequest, codeInvalid, nil},
	{knowledge.ErrNotFound, http.StatusNotFound, codeNotFound, nil},
	{auth.ErrNotFound, http.StatusNotFound, codeNotFound, nil},
	{knowledge.ErrConflict, http.StatusConflict, codeConflict, nil},
	{auth.ErrConflict, http.StatusConflict, codeConflict, nil},
	{imports.ErrUnsupportedFormat, http.StatusUnsupportedMediaType, codeUnsupportedMedia, nil},
	{knowledge.ErrModelMismatch, http.StatusServiceUnavailable, codeModelMismatch, &msgModelMismatch},
	{context.DeadlineExceeded, http.StatusServiceUnavailable, codeTimeout, &msgTimeout},
}

// statusClientClosed is logged and counted when the client went away before the answer.
const statusClientClosed = 499

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"request_id"`
}

// handleError is Echo's HTTPErrorHandler: every error of every route ends here.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		// A stream already sent its status; nothing sensible can be written any more.
		s.log.LogAttrs(c.Request().Context(), slog.LevelWarn, "error after the response started",
			slog.String("request_id", requestIDOf(c)), slog.String("error", err.Error()))
		return
	}
	e := s.classifyAndLog(err, c)
	h := c.Response().Header()
	switch e.status {
	case http.StatusUnauthorized:
		challenge := `Bearer realm="faqbot"`
		if c.Request().Header.Get(echo.HeaderAuthorization) != "" {
			challenge += `, error="invalid_token"`
		}
		h.Set(echo.HeaderWWWAuthenticate, challenge)
	case http.StatusTooManyRequests:
		h.Set(echo.HeaderRetryAfter, strconv.Itoa(s.retryAfterSeconds()))
	case statusClientClosed:
		c.Response().WriteHeader(statusClientClosed)
		return
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(e.status)
		return
	}
	var body any = e.body(c)
	if c.Path() == chatCompletionsPath {
		// OpenAI clients parse errors in OpenAI's shape only.
		body = openAIErrorOf(e, c)
	}
	if werr := c.JSON(e.status, body); werr != nil {
		s.log.LogAttrs(c.Request().Context(), slog.LevelWarn, "write error response",
			slog.String("request_id", requestIDOf(c)), slog.String("error", werr.Error()))
	}
}

// classifyAndLog classifies err and logs it when it is ours: the one place internal errors
// are logged, also for errors that a stream sends as an event.
func (s *Server) classifyAndLog(err error, c echo.Context) *apiError {
	e := s.classify(err, c)
	if e.status >= http.StatusInternalServerError && e.code == codeInternal {
		s.log.LogAttrs(c.Request().Context(), slog.LevelError, "internal error",
			slog.String("request_id", requestIDOf(c)),
			slog.String("method", c.Request().Method),
			slog.String("route", routeOf(c)),
			slog.String("error", err.Error()))
	}
	return e
}

// body is the error as the contract writes it, in the client's language.
func (e *apiError) body(c echo.Context) errorBody {
	return errorBody{Error: errorDetail{
		Code:      e.code,
		Message:   e.msg.format(prefersChinese(c.Request()), e.args...),
		Field:     e.field,
		RequestID: requestIDOf(c),
	}}
}

// classify decides what the client sees for err.
func (s *Server) classify(err error, c echo.Context) *apiError {
	if bodyTooLarge(c) {
		// Whatever the reader made of a cut-off body, the cause is its size.
		return newError(http.StatusRequestEntityTooLarge, codeTooLarge, msgTooLarge, s.bodyLimit(c))
	}
	if errors.Is(err, context.Canceled) && errors.Is(c.Request().Context().Err(), context.Canceled) {
		return newError(statusClientClosed, codeUnavailable, msgDomain, "client closed the request")
	}
	if ae, ok := errors.AsType[*apiError](err); ok {
		return ae
	}
	for _, row := range errorTable {
		if !errors.Is(err, row.target) {
			continue
		}
		e := &apiError{status: row.status, code: row.code, err: err}
		if row.msg != nil {
			e.msg = *row.msg
		} else {
			e.msg, e.args = msgDomain, []any{err.Error()}
		}
		if kf, ok := errors.AsType[*knowledge.FieldError](err); ok {
			e.field, e.args = kf.Field, []any{kf.Error()}
		} else if af, ok := errors.AsType[*auth.FieldError](err); ok {
			e.field, e.args = af.Field, []any{af.Error()}
		}
		return e
	}
	if he, ok := errors.AsType[*echo.HTTPError](err); ok {
		return fromEchoError(he, c)
	}
	return newError(http.StatusInternalServerError, codeInternal, msgInternal).wrap(err)
}

// fromEchoError keeps the status of Echo's own errors (the router's 404 and 405) and gives
// them our code and words.
func fromEchoError(he *echo.HTTPError, c echo.Context) *apiError {
	r := c.Request()
	switch {
	case he.Code == http.StatusNotFound:
		return newError(he.Code, codeNotFound, msgNoRoute, r.Method, clip(r.URL.Path))
	case he.Code == http.StatusMethodNotAllowed:
		return newError(he.Code, codeMethodNotAllowed, msgNoMethod, r.Method, clip(r.URL.Path))
	case he.Code >= http.StatusInternalServerError:
		return newError(http.StatusInternalServerError, codeInternal, msgInternal).wrap(he)
	}
	return newError(he.Code, codeInvalid, msgDomain, fmt.Sprint(he.Message))
}

// panicError turns a recovered panic into an error that the error handler logs once, with
// the stack.
func panicError(_ echo.Context, err error, stack []byte) error {
	return fmt.Errorf("panic: %w\n%s", err, stack)
}
