package api

import "testing"

// FuzzAgentCursor: an event id of the agents' stream comes back from clients (Last-Event-ID).
// Whatever is accepted is a place the server could have written, in its one spelling, so a
// resumed stream starts exactly there; nothing makes the parser fail.
func FuzzAgentCursor(f *testing.F) {
	for _, s := range []string{"t0-m0", "t12-m34", "t9223372036854775807-m1", "t01-m2", "t-1-m2", "12",
		"t1-m", "m1-t2", "t1-m2-", "t+1-m2", "t1 -m2", "t１-m2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := parseAgentCursor(s)
		if !ok {
			return
		}
		if c.Tickets < 0 || c.Messages < 0 {
			t.Fatalf("%q: a negative place %+v", s, c)
		}
		if c.String() != s {
			t.Fatalf("%q was accepted but is spelled %q", s, c.String())
		}
		if back, ok := parseAgentCursor(c.String()); !ok || back != c {
			t.Fatalf("%+v does not survive a round trip", c)
		}
	})
}
