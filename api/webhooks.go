package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/faqbot/faqbot/handoff/webhooks"
	whmemory "github.com/faqbot/faqbot/handoff/webhooks/memory"
)

// webhooksHandler serves the admins' webhooks and their deliveries (dead letters included).
type webhooksHandler struct {
	svc *webhooks.Service
}

// webhookServiceOr is svc, or, when nil, a service over a memory store that nothing sends
// from (tests that do not care about webhooks).
func webhookServiceOr(svc *webhooks.Service) *webhooks.Service {
	if svc != nil {
		return svc
	}
	return webhooks.NewService(whmemory.New(), webhooks.Policy{})
}

func (h *webhooksHandler) routes(g *echo.Group, mw []echo.MiddlewareFunc) {
	g.POST("/webhooks", h.create, mw...)
	g.GET("/webhooks", h.list, mw...)
	g.GET("/webhooks/:id", h.get, mw...)
	g.DELETE("/webhooks/:id", h.remove, mw...)
	g.GET("/webhooks/:id/deliveries", h.deliveries, mw...)
	g.POST("/webhooks/:id/deliveries/:delivery_id/retry", h.retry, mw...)
}

type webhookRequest struct {
	URL    string   `json:"url"`
	Secret string   `json:"secret"`
	Events []string `json:"events"`
}

type webhookResponse struct {
	ID  int64  `json:"id"`
	URL string `json:"url"`
	// Secret is in the 201 of the creation only.
	Secret    string     `json:"secret,omitempty"`
	Events    []string   `json:"events"`
	Active    bool       `json:"active"`
	CreatedAt time.Time  `json:"created_at"`
	RemovedAt *time.Time `json:"removed_at,omitempty"`
}

func webhookOf(w webhooks.Webhook) webhookResponse {
	r := webhookResponse{ID: w.ID, URL: w.URL, Events: w.Events, Active: w.Active, CreatedAt: w.CreatedAt}
	if r.Events == nil {
		r.Events = []string{}
	}
	if !w.RemovedAt.IsZero() {
		at := w.RemovedAt
		r.RemovedAt = &at
	}
	return r
}

type webhookListResponse struct {
	Items      []webhookResponse `json:"items"`
	NextCursor string            `json:"next_cursor,omitempty"`
}

type deliveryResponse struct {
	ID             int64           `json:"id"`
	WebhookID      int64           `json:"webhook_id"`
	EventID        int64           `json:"event_id"`
	EventType      string          `json:"event_type"`
	Status         string          `json:"status"`
	Attempts       int             `json:"attempts"`
	NextAt         *time.Time      `json:"next_at,omitempty"` // pending only
	Deadline       time.Time       `json:"deadline"`
	LastStatusCode int             `json:"last_status_code,omitempty"`
	LastError      string          `json:"last_error,omitempty"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
	Payload        json.RawMessage `json:"payload"`
}

func deliveryOf(d webhooks.Delivery) deliveryResponse {
	r := deliveryResponse{
		ID: d.ID, WebhookID: d.WebhookID, EventID: d.EventID, EventType: d.EventType,
		Status: string(d.Status), Attempts: d.Attempts, Deadline: d.Deadline,
		LastStatusCode: d.LastStatusCode, LastError: d.LastError, CreatedAt: d.CreatedAt,
		UpdatedAt: d.UpdatedAt, Payload: json.RawMessage(d.Payload),
	}
	if !json.Valid(r.Payload) {
		r.Payload = json.RawMessage("null")
	}
	if d.Status == webhooks.StatusPending {
		at := d.NextAt
		r.NextAt = &at
	}
	return r
}

type deliveryListResponse struct {
	Items      []deliveryResponse `json:"items"`
	NextCursor string             `json:"next_cursor,omitempty"`
}

// webhookErr gives a refused field its name in the error body.
func webhookErr(err error) error {
	if fe, ok := errors.AsType[*webhooks.FieldError](err); ok {
		return invalid(fe.Field, msgDomain, fe.Error()).wrap(err)
	}
	return err
}

func (h *webhooksHandler) create(c echo.Context) error {
	var req webhookRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	w, err := h.svc.Create(c.Request().Context(), webhooks.Input{URL: req.URL, Secret: req.Secret, Events: req.Events})
	if err != nil {
		return webhookErr(err)
	}
	// The secret is in this one response only; caches must not keep it.
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	resp := webhookOf(w)
	resp.Secret = w.Secret
	return c.JSON(http.StatusCreated, resp)
}

func (h *webhooksHandler) list(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	list, more, err := h.svc.List(c.Request().Context(), p.afterID, p.limit)
	if err != nil {
		return err
	}
	resp := webhookListResponse{Items: make([]webhookResponse, len(list))}
	for i, w := range list {
		resp.Items[i] = webhookOf(w)
	}
	if len(list) > 0 {
		resp.NextCursor = nextCursor(more, list[len(list)-1].ID)
	}
	return c.JSON(http.StatusOK, resp)
}

func (h *webhooksHandler) get(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	w, err := h.svc.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, webhookOf(w))
}

func (h *webhooksHandler) remove(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.svc.Remove(c.Request().Context(), id); err != nil {
		return err
	}
	return noContent(c)
}

func (h *webhooksHandler) deliveries(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	status, err := webhooks.ParseStatus(c.QueryParam("status"))
	if err != nil {
		return webhookErr(err)
	}
	list, more, err := h.svc.Deliveries(c.Request().Context(),
		webhooks.DeliveryQuery{WebhookID: id, Status: status, AfterID: p.afterID, Limit: p.limit})
	if err != nil {
		return err
	}
	resp := deliveryListResponse{Items: make([]deliveryResponse, len(list))}
	for i, d := range list {
		resp.Items[i] = deliveryOf(d)
	}
	if len(list) > 0 {
		resp.NextCursor = nextCursor(more, list[len(list)-1].ID)
	}
	return c.JSON(http.StatusOK, resp)
}

func (h *webhooksHandler) retry(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	deliveryID, err := pathID(c, "delivery_id")
	if err != nil {
		return err
	}
	d, err := h.svc.Retry(c.Request().Context(), id, deliveryID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, deliveryOf(d))
}
