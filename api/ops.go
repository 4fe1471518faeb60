package api

import (
	"context"
	_ "embed"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// readyTimeout bounds a readiness probe: a dependency slower than this is not ready.
const readyTimeout = 3 * time.Second

type statusResponse struct {
	Status string `json:"status"`
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, statusResponse{Status: "ok"})
}

func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), readyTimeout)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		// The reason is for the operator looking at a failing probe, so it is shown as is.
		return newError(http.StatusServiceUnavailable, codeUnavailable, msgNotReady, err.Error())
	}
	return c.JSON(http.StatusOK, statusResponse{Status: "ready"})
}

//go:embed openapi.yaml
var openAPI []byte

func serveOpenAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml; charset=utf-8", openAPI)
}

// openAPIPath writes Echo's /articles/:id as OpenAPI's /articles/{id}.
func openAPIPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") {
			parts[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}
