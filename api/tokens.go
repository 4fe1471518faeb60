package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/faqbot/faqbot/internal/auth"
)

// tokensHandler serves the admin's API tokens.
type tokensHandler struct {
	auth *auth.Service
	// queues are the configured ticket queues, which an agent token's queues must be among.
	queues []string
}

func (h *tokensHandler) routes(g *echo.Group, mw []echo.MiddlewareFunc) {
	g.POST("/tokens", h.mint, mw...)
	g.GET("/tokens", h.list, mw...)
	g.DELETE("/tokens/:id", h.revoke, mw...)
}

type mintTokenRequest struct {
	Role   string   `json:"role"`
	Name   string   `json:"name"`
	Queues []string `json:"queues"`
}

type mintTokenResponse struct {
	ID        int64     `json:"id"`
	Token     string    `json:"token"`
	Role      string    `json:"role"`
	Name      string    `json:"name"`
	Queues    []string  `json:"queues"`
	CreatedAt time.Time `json:"created_at"`
}

type tokenResponse struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	Queues     []string   `json:"queues"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

type tokenListResponse struct {
	Items      []tokenResponse `json:"items"`
	NextCursor string          `json:"next_cursor,omitempty"`
}

func (h *tokensHandler) mint(c echo.Context) error {
	var req mintTokenRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	for i, q := range req.Queues {
		if q := strings.TrimSpace(q); q != "" && !slices.Contains(h.queues, q) {
			field := fmt.Sprintf("queues[%d]", i)
			return invalid(field, msgQueueUnknown, field, clip(q), strings.Join(h.queues, ", "))
		}
	}
	plain, t, err := h.auth.Mint(c.Request().Context(), auth.Role(req.Role), req.Name, req.Queues...)
	if err != nil {
		return err
	}
	// The secret is in this one response only; caches must not keep it.
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusCreated, mintTokenResponse{
		ID: t.ID, Token: plain, Role: string(t.Role), Name: t.Name, Queues: nonNil(t.Queues), CreatedAt: t.CreatedAt,
	})
}

func (h *tokensHandler) list(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	tokens, more, err := h.auth.List(c.Request().Context(), p.afterID, p.limit)
	if err != nil {
		return err
	}
	resp := tokenListResponse{Items: make([]tokenResponse, len(tokens))}
	for i, t := range tokens {
		resp.Items[i] = tokenResponse{
			ID: t.ID, Name: t.Name, Role: string(t.Role), Queues: nonNil(t.Queues), CreatedAt: t.CreatedAt,
			LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt,
		}
	}
	if len(tokens) > 0 {
		resp.NextCursor = nextCursor(more, tokens[len(tokens)-1].ID)
	}
	return c.JSON(http.StatusOK, resp)
}

func (h *tokensHandler) revoke(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.auth.Revoke(c.Request().Context(), id); err != nil {
		if errors.Is(err, auth.ErrNotFound) {
			return newError(http.StatusNotFound, codeNotFound, msgTokenNotFound, id).wrap(err)
		}
		return err
	}
	return noContent(c)
}
