package api

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/internal/auth"
)

// userTicketsHandler serves GET /v1/tickets/{number}. End users see their own ticket's
// place in the queue; agents will see the whole ticket (issue #4) through the same route,
// so the handler dispatches on who asks.
type userTicketsHandler struct {
	bot *bot.Engine
}

func (h *userTicketsHandler) routes(g *echo.Group, mw ...echo.MiddlewareFunc) {
	g.GET("/tickets/:number", h.get, mw...)
}

var (
	msgTicketNotFound = text{"ticket %s not found", "未找到工单 %s"}
	msgNoAgentView    = text{"the agents' view of a ticket is not available yet; this route needs the end user's token", "坐席查看工单的功能尚未开放；此接口需要终端用户令牌"}
)

func (h *userTicketsHandler) get(c echo.Context) error {
	if u, ok := c.Get(keyEndUser).(endUser); ok {
		return h.userView(c, u)
	}
	p, _ := c.Get(keyPrincipal).(auth.Principal)
	return h.staffView(c, p)
}

func (h *userTicketsHandler) userView(c echo.Context, u endUser) error {
	number := c.Param("number")
	st, err := h.bot.Ticket(c.Request().Context(), number, u.ownerID)
	if errors.Is(err, bot.ErrNotFound) {
		// A malformed number, an unknown one and another user's read the same.
		return newError(http.StatusNotFound, codeNotFound, msgTicketNotFound, clip(number)).wrap(err)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ticketStatusOf(st))
}

// staffView is where issue #4 puts the agents' view of a ticket.
func (h *userTicketsHandler) staffView(_ echo.Context, _ auth.Principal) error {
	return newError(http.StatusForbidden, codeForbidden, msgNoAgentView).wrap(auth.ErrForbidden)
}
