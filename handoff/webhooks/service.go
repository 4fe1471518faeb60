package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"
	"time"
)

// Service is what admins do with webhooks (the API calls it).
type Service struct {
	store  Store
	policy Policy
	window time.Duration
	now    func() time.Time
}

// NewService returns the admins' service over store; policy refuses URLs that deliveries
// could never reach, at registration already.
func NewService(store Store, policy Policy) *Service {
	return &Service{store: store, policy: policy, window: DefaultWindow, now: time.Now}
}

// Input is a webhook as an admin registers it.
type Input struct {
	URL    string
	Secret string // empty: the service generates one
	Events []string
}

// secretPrefix marks generated secrets, so that one pasted in the wrong place is recognised.
const secretPrefix = "whsec_"

// Create registers a webhook. The returned webhook carries its secret: show it to the admin
// this once (a generated one cannot be read again).
func (s *Service) Create(ctx context.Context, in Input) (Webhook, error) {
	if err := s.policy.CheckURL(in.URL); err != nil {
		return Webhook{}, err
	}
	secret := in.Secret
	if secret == "" {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return Webhook{}, fmt.Errorf("generate a webhook secret: %w", err)
		}
		secret = secretPrefix + base64.RawURLEncoding.EncodeToString(b)
	}
	w := Webhook{URL: in.URL, Secret: secret, Events: slices.Clone(in.Events), Active: true, CreatedAt: s.now()}
	if err := s.store.CreateWebhook(ctx, &w); err != nil {
		return Webhook{}, err
	}
	return w, nil
}

// Get returns a webhook, removed or not.
func (s *Service) Get(ctx context.Context, id int64) (Webhook, error) {
	return s.store.Webhook(ctx, id)
}

// List pages through the active webhooks.
func (s *Service) List(ctx context.Context, afterID int64, limit int) ([]Webhook, bool, error) {
	return s.store.ListWebhooks(ctx, afterID, limit)
}

// Remove stops deliveries to a webhook; what was still pending becomes dead.
func (s *Service) Remove(ctx context.Context, id int64) error {
	return s.store.RemoveWebhook(ctx, id, s.now())
}

// Deliveries pages through a webhook's deliveries (status "dead": its dead letters).
func (s *Service) Deliveries(ctx context.Context, q DeliveryQuery) ([]Delivery, bool, error) {
	return s.store.Deliveries(ctx, q)
}

// Retry sends a dead delivery again, with a new retry window.
func (s *Service) Retry(ctx context.Context, webhookID, deliveryID int64) (Delivery, error) {
	now := s.now()
	return s.store.Retry(ctx, webhookID, deliveryID, now, now.Add(s.window))
}
