package api

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/internal/auth"
)

// userTicketsHandler serves GET /v1/tickets/{number}. End users see their own ticket's
// place in the queue; agents see the whole ticket through the same route, so the handler
// dispatches on who asks.
type userTicketsHandler struct {
	bot *bot.Engine
}

func (h *userTicketsHandler) routes(g *echo.Group, mw ...echo.MiddlewareFunc) {
	g.GET("/tickets/:number", h.get, mw...)
}

var msgTicketNotFound = text{"ticket %s not found", "未找到工单 %s"}

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

// staffView is the agents' view of a ticket (agent_tickets.go); editors get 403.
func (h *userTicketsHandler) staffView(c echo.Context, p auth.Principal) error {
	if !p.Has(auth.RoleAgent) {
		return newError(http.StatusForbidden, codeForbidden, msgForbidden, roleNames(auth.RoleAgent), p.Role).wrap(auth.ErrForbidden)
	}
	return viewTicket(c, h.bot)
}
