package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/faqbot/faqbot/knowledge"
)

// articlesHandler serves editors' articles: CRUD, listing and history.
type articlesHandler struct {
	knowledge *knowledge.Service
}

func (h *articlesHandler) routes(g *echo.Group, mw []echo.MiddlewareFunc) {
	g.POST("/articles", h.create, mw...)
	g.GET("/articles", h.list, mw...)
	g.GET("/articles/:id", h.get, mw...)
	g.PUT("/articles/:id", h.update, mw...)
	g.DELETE("/articles/:id", h.delete, mw...)
	g.GET("/articles/:id/versions", h.versions, mw...)
}

// articleRequest is what an editor writes; id and times are the server's. Version is the
// version an update was made on; a create must leave it out.
type articleRequest struct {
	ExternalID       string   `json:"external_id"`
	Title            string   `json:"title"`
	Question         string   `json:"question"`
	Answer           string   `json:"answer"`
	SimilarQuestions []string `json:"similar_questions"`
	Category         string   `json:"category"`
	Tags             []string `json:"tags"`
	Language         string   `json:"language"`
	Status           string   `json:"status"`
	Version          int      `json:"version"`
}

func (f articleRequest) article() knowledge.Article {
	return knowledge.Article{
		ExternalID:       f.ExternalID,
		Title:            f.Title,
		Question:         f.Question,
		Answer:           f.Answer,
		SimilarQuestions: f.SimilarQuestions,
		Category:         f.Category,
		Tags:             f.Tags,
		Language:         f.Language,
		Status:           knowledge.Status(f.Status),
	}
}

type articleResponse struct {
	ID               int64     `json:"id"`
	ExternalID       string    `json:"external_id,omitempty"`
	Title            string    `json:"title"`
	Question         string    `json:"question"`
	Answer           string    `json:"answer"`
	SimilarQuestions []string  `json:"similar_questions"`
	Category         string    `json:"category"`
	Tags             []string  `json:"tags"`
	Language         string    `json:"language"`
	Status           string    `json:"status"`
	Version          int       `json:"version"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

func articleOut(a knowledge.Article) articleResponse {
	return articleResponse{
		ID:               a.ID,
		ExternalID:       a.ExternalID,
		Title:            a.Title,
		Question:         a.Question,
		Answer:           a.Answer,
		SimilarQuestions: nonNil(a.SimilarQuestions),
		Category:         a.Category,
		Tags:             nonNil(a.Tags),
		Language:         a.Language,
		Status:           string(a.Status),
		Version:          a.Version,
		CreatedAt:        a.CreatedAt,
		UpdatedAt:        a.UpdatedAt,
	}
}

type articleListResponse struct {
	Items      []articleResponse `json:"items"`
	NextCursor string            `json:"next_cursor,omitempty"`
}

func articlesOut(list []knowledge.Article) []articleResponse {
	out := make([]articleResponse, len(list))
	for i, a := range list {
		out[i] = articleOut(a)
	}
	return out
}

func (h *articlesHandler) create(c echo.Context) error {
	var req articleRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Version != 0 {
		return invalid("version", msgVersionOnCreate)
	}
	a, err := h.knowledge.Create(c.Request().Context(), req.article())
	if errors.Is(err, knowledge.ErrConflict) {
		return newError(http.StatusConflict, codeConflict, msgExternalIDInUse, clip(strings.TrimSpace(req.ExternalID))).wrap(err)
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/articles/"+strconv.FormatInt(a.ID, 10))
	return c.JSON(http.StatusCreated, articleOut(a))
}

func (h *articlesHandler) get(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	a, err := h.knowledge.Get(c.Request().Context(), id)
	if err != nil {
		return notFound(id, err)
	}
	return c.JSON(http.StatusOK, articleOut(a))
}

func (h *articlesHandler) update(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req articleRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	in := req.article()
	in.ID, in.Version = id, req.Version
	ctx := c.Request().Context()
	a, err := h.knowledge.Update(ctx, in)
	if errors.Is(err, knowledge.ErrConflict) {
		return h.explainConflict(ctx, in, err)
	}
	if err != nil {
		return notFound(id, err)
	}
	return c.JSON(http.StatusOK, articleOut(a))
}

// explainConflict tells a stale edit from an external_id taken by another article: both
// are ErrConflict, but the editor must do different things.
func (h *articlesHandler) explainConflict(ctx context.Context, in knowledge.Article, err error) error {
	cur, gerr := h.knowledge.Get(ctx, in.ID)
	switch {
	case errors.Is(gerr, knowledge.ErrNotFound):
		return newError(http.StatusNotFound, codeNotFound, msgGone, in.ID).wrap(err)
	case gerr != nil:
		return gerr
	case cur.Version != in.Version:
		return newError(http.StatusConflict, codeConflict, msgStale, in.ID, in.Version, cur.Version).wrap(err)
	}
	return newError(http.StatusConflict, codeConflict, msgExternalIDInUse, clip(strings.TrimSpace(in.ExternalID))).wrap(err)
}

func (h *articlesHandler) delete(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	version := 0
	if s := c.QueryParam("version"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			return invalid("version", msgBadID, "version", clip(s))
		}
		version = v
	}
	err = h.knowledge.Delete(c.Request().Context(), id, version)
	if errors.Is(err, knowledge.ErrConflict) {
		return newError(http.StatusConflict, codeConflict, msgStaleDelete, id, version).wrap(err)
	}
	if err != nil {
		return notFound(id, err)
	}
	return noContent(c)
}

func (h *articlesHandler) list(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	f := knowledge.ListFilter{Limit: p.limit, AfterID: p.afterID}
	if f.Query, err = queryText(c, "q"); err != nil {
		return err
	}
	var status string
	if f.Category, err = queryText(c, "category"); err != nil {
		return err
	}
	if status, err = queryText(c, "status"); err != nil {
		return err
	}
	if f.Language, err = queryText(c, "language"); err != nil {
		return err
	}
	// Lower case, as Article.Normalize stores them.
	f.Category, f.Language = strings.ToLower(f.Category), strings.ToLower(f.Language)
	f.Status = knowledge.Status(strings.ToLower(status))
	list, more, err := h.knowledge.List(c.Request().Context(), f)
	if err != nil {
		return err
	}
	resp := articleListResponse{Items: articlesOut(list)}
	if len(list) > 0 {
		resp.NextCursor = nextCursor(more, list[len(list)-1].ID)
	}
	return c.JSON(http.StatusOK, resp)
}

func (h *articlesHandler) versions(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	list, err := h.knowledge.History(c.Request().Context(), id)
	if err != nil {
		return notFound(id, err)
	}
	return c.JSON(http.StatusOK, articleListResponse{Items: articlesOut(list)})
}

// notFound words ErrNotFound for article id and passes every other error on.
func notFound(id int64, err error) error {
	if errors.Is(err, knowledge.ErrNotFound) {
		return newError(http.StatusNotFound, codeNotFound, msgArticleNotFound, id).wrap(err)
	}
	return err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
