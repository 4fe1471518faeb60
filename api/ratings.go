package api

import (
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/handoff"
)

// ratingsHandler serves POST /v1/tickets/{number}/rating: the end user's verdict on a
// resolved ticket (DESIGN §3, §4).
type ratingsHandler struct {
	bot *bot.Engine
}

// routes takes the end-user middleware: staff tokens are refused there (403), since only the
// ticket's owner may rate it.
func (h *ratingsHandler) routes(g *echo.Group, mw ...echo.MiddlewareFunc) {
	g.POST("/tickets/:number/rating", h.rate, mw...)
}

var (
	msgScoreMissing   = text{"score is required: an integer from 1 to 5", "缺少 score：应为 1 到 5 的整数"}
	msgScoreRange     = text{"score must be an integer from 1 to 5, got %d", "score 应为 1 到 5 的整数，收到的是 %d"}
	msgCommentControl = text{"comment contains a control character (U+%04X)", "comment 含有控制字符（U+%04X）"}
	msgNotResolved    = text{"ticket %s is not resolved yet; you can rate it once an agent has resolved it", "工单 %s 尚未解决，客服处理完成后才能评价"}
	msgAlreadyRated   = text{"ticket %s has already been rated", "工单 %s 已经评价过了"}
	msgNotRatable     = text{"ticket %s is closed and can no longer be rated", "工单 %s 已关闭，无法再评价"}
)

type ratingRequest struct {
	// Score is a pointer so that a missing score is told apart from 0.
	Score   *int   `json:"score"`
	Comment string `json:"comment"`
}

// Validate names the field that is wrong, in the client's language; the ticket store checks
// the same rules again.
func (r *ratingRequest) Validate() error {
	switch {
	case r.Score == nil:
		return invalid("score", msgScoreMissing)
	case *r.Score < handoff.MinScore || *r.Score > handoff.MaxScore:
		return invalid("score", msgScoreRange, *r.Score)
	}
	comment := strings.TrimSpace(r.Comment)
	if n := utf8.RuneCountInString(comment); n > handoff.MaxCommentLen {
		return invalid("comment", msgTooLong, "comment", n, handoff.MaxCommentLen)
	}
	for _, c := range comment {
		if unicode.IsControl(c) && c != '\n' && c != '\r' && c != '\t' {
			return invalid("comment", msgCommentControl, c)
		}
	}
	return nil
}

type ratingOut struct {
	Number    string    `json:"number"`
	Score     int       `json:"score"`
	Comment   string    `json:"comment"`
	CreatedAt time.Time `json:"created_at"`
}

func (h *ratingsHandler) rate(c echo.Context) error {
	var req ratingRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := req.Validate(); err != nil {
		return err
	}
	number := c.Param("number")
	r, err := h.bot.RateTicket(c.Request().Context(), number, endUserOf(c).ownerID, *req.Score, req.Comment)
	switch {
	case err == nil:
		return c.JSON(http.StatusCreated, ratingOut{Number: r.TicketNumber, Score: r.Score, Comment: r.Comment, CreatedAt: r.CreatedAt})
	case errors.Is(err, bot.ErrNotFound):
		// A malformed number, an unknown one and another user's read the same.
		return newError(http.StatusNotFound, codeNotFound, msgTicketNotFound, clip(number)).wrap(err)
	case errors.Is(err, handoff.ErrNotResolved):
		return newError(http.StatusConflict, codeConflict, msgNotResolved, clip(number)).wrap(err)
	case errors.Is(err, handoff.ErrAlreadyRated):
		return newError(http.StatusConflict, codeConflict, msgAlreadyRated, clip(number)).wrap(err)
	case errors.Is(err, bot.ErrConflict):
		return newError(http.StatusConflict, codeConflict, msgNotRatable, clip(number)).wrap(err)
	}
	return err
}
