package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/faqbot/faqbot/knowledge"
)

// searchHandler is the editors' "try a question": the ranking and confidence the bot sees.
type searchHandler struct {
	knowledge *knowledge.Service
}

func (h *searchHandler) routes(g *echo.Group, mw []echo.MiddlewareFunc) {
	g.POST("/search", h.search, mw...)
}

const defaultTopK = 5

type searchRequest struct {
	Query string `json:"query"`
	// TopK is a pointer so that an explicit 0 is refused rather than taken as "default".
	TopK     *int   `json:"top_k"`
	Language string `json:"language"`
	Category string `json:"category"`
}

type searchResponse struct {
	Candidates []candidateOutput `json:"candidates"`
	Confidence float64           `json:"confidence"`
	Language   string            `json:"language"`
}

type candidateOutput struct {
	ArticleID  int64   `json:"article_id"`
	ExternalID string  `json:"external_id,omitempty"`
	Title      string  `json:"title"`
	Question   string  `json:"question"`
	Category   string  `json:"category"`
	Language   string  `json:"language"`
	Score      float64 `json:"score"`
}

func (h *searchHandler) search(c echo.Context) error {
	var req searchRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	topK := defaultTopK
	if req.TopK != nil {
		topK = *req.TopK
	}
	res, err := h.knowledge.Search(c.Request().Context(), knowledge.SearchRequest{
		Query:    req.Query,
		TopK:     topK,
		Language: strings.ToLower(strings.TrimSpace(req.Language)),
		Category: strings.ToLower(strings.TrimSpace(req.Category)),
	})
	if err != nil {
		return err
	}
	resp := searchResponse{
		Candidates: make([]candidateOutput, len(res.Candidates)),
		Confidence: res.Confidence,
		Language:   res.Language,
	}
	for i, cand := range res.Candidates {
		a := cand.Article
		resp.Candidates[i] = candidateOutput{
			ArticleID: a.ID, ExternalID: a.ExternalID, Title: a.Title, Question: a.Question,
			Category: a.Category, Language: a.Language, Score: cand.Score,
		}
	}
	return c.JSON(http.StatusOK, resp)
}
