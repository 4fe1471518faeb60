package main

import (
	"context"

	"github.com/faqbot/faqbot/api"
	"github.com/faqbot/faqbot/internal/postgres"
)

// listen starts the listener of database notifications that wakes the event streams of every
// replica (LISTEN/NOTIFY, migration 008). Without a database there is one process and no
// notifier: its streams poll its memory. The returned func stops the listener; it runs after
// HTTP has shut down (no stream is left to ring) and before the pool closes.
func (a *app) listen() (api.Notifier, func()) {
	if a.pool == nil {
		return nil, func() {}
	}
	l := postgres.NewListener(a.cfg.DatabaseURL, a.log, api.NotifyChannels...)
	// Its own lifetime, not the serve context's: it must outlive HTTP's shutdown.
	l.Start(context.Background())
	return l, l.Close
}
