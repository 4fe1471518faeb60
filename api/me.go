package api

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/faqbot/faqbot/internal/auth"
)

// meHandler tells a staff token who it is, so that the pages can greet the person and show
// the queues they may work instead of guessing.
type meHandler struct {
	// queues are the configured ticket queues: what a token limited to none may work.
	queues []string
}

func (h *meHandler) routes(g *echo.Group, mw []echo.MiddlewareFunc) {
	g.GET("/me", h.get, mw...)
}

// meResponse never carries the token or its hash: only what the token stands for.
type meResponse struct {
	Role string `json:"role"`
	Name string `json:"name"`
	// TokenID is 0 for the configured admin token.
	TokenID int64    `json:"token_id"`
	Queues  []string `json:"queues"`
	// Scoped says the token is limited to Queues; unscoped, Queues are all of them.
	Scoped bool `json:"scoped"`
}

func (h *meHandler) get(c echo.Context) error {
	p, _ := c.Get(keyPrincipal).(auth.Principal)
	resp := meResponse{Role: string(p.Role), Name: p.Name, TokenID: p.TokenID, Queues: slices.Clone(h.queues), Scoped: len(p.Queues) > 0}
	if resp.Scoped {
		resp.Queues = slices.Clone(p.Queues)
	}
	// Who holds a token is private to them: no shared cache may keep it.
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, resp)
}
