package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
)

// serveMinimal starts the floor the search's HTTP overhead is judged against: a bare Echo app
// with one route that decodes the question, runs the bare top-10 vector query through pgx on
// the same pool (the question's embedding is looked up, not computed) and encodes the rows.
// No middleware, no auth, no retrieval: what any HTTP front of that query costs.
func (s *benchStack) serveMinimal(b *testing.B) string {
	b.Helper()
	vectors := make(map[string][]float32, len(s.questions))
	for i, q := range s.questions {
		vectors[q] = s.vectors[i]
	}
	e := echo.New()
	e.POST("/search", func(c echo.Context) error {
		var req struct {
			Query string `json:"query"`
		}
		if err := c.Bind(&req); err != nil {
			return err
		}
		v, ok := vectors[req.Query]
		if !ok {
			return echo.NewHTTPError(http.StatusNotFound, "unknown question")
		}
		rows, err := s.nearest(c.Request().Context(), v)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"candidates": rows})
	})
	srv := httptest.NewServer(e)
	b.Cleanup(srv.Close)
	return srv.URL
}

func (s *benchStack) searchMinimal(ctx context.Context, base, q string) error {
	var out benchSearchOut
	if err := s.post(ctx, base, "/search", "", map[string]any{"query": q}, &out); err != nil {
		return err
	}
	if len(out.Candidates) != 10 {
		return fmt.Errorf("minimal search %q: %d candidates", q, len(out.Candidates))
	}
	return nil
}
