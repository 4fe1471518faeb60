package webhooks

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/faqbot/faqbot/handoff"
)

// typePrefix namespaces the event types, so that other kinds of events can come later.
const typePrefix = "ticket."

// kinds are the ticket event kinds a webhook can ask for by type ("ticket." + kind).
var kinds = []handoff.EventKind{
	handoff.EventCreated, handoff.EventEscalated, handoff.EventClaimed, handoff.EventReplied,
	handoff.EventTransferred, handoff.EventReleased, handoff.EventBreached, handoff.EventResolved,
	handoff.EventRated, handoff.EventClosed,
}

// EventTypes lists the event types a webhook can filter on.
func EventTypes() []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = TypeOf(k)
	}
	return out
}

// TypeOf is the event type of a ticket event kind.
func TypeOf(k handoff.EventKind) string { return typePrefix + string(k) }

// Payload is the JSON body of a delivery. Receivers deduplicate by ID: a delivery may come
// more than once (at least once), never with another ID.
type Payload struct {
	ID         int64             `json:"id"`
	Type       string            `json:"type"`
	OccurredAt time.Time         `json:"occurred_at"`
	Actor      string            `json:"actor"`
	Ticket     PayloadTicket     `json:"ticket"`
	Detail     map[string]string `json:"detail"`
}

// PayloadTicket names the ticket an event is about; its queue is the queue at relay time.
type PayloadTicket struct {
	Number string `json:"number"`
	Queue  string `json:"queue"`
}

// EventOf turns a ticket event of the feed into what the relay fans out. The body is made
// once, so every attempt of every delivery of the event carries the same bytes.
func EventOf(e handoff.Event) (Event, error) {
	detail := e.Detail
	if detail == nil {
		detail = map[string]string{}
	}
	p := Payload{
		ID: e.ID, Type: TypeOf(e.Kind), OccurredAt: e.At.UTC(), Actor: e.Actor,
		Ticket: PayloadTicket{Number: e.Number, Queue: e.Queue}, Detail: detail,
	}
	body, err := json.Marshal(p)
	if err != nil {
		return Event{}, fmt.Errorf("encode ticket event %d: %w", e.ID, err)
	}
	return Event{ID: e.ID, Type: p.Type, Payload: body}, nil
}
