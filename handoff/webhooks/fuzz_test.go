package webhooks_test

import (
	"net/url"
	"testing"

	"github.com/faqbot/faqbot/handoff/webhooks"
)

// FuzzCheckURL: registration never panics on an admin's URL, and what it accepts is an
// absolute http(s) URL with a host and no credentials, whose host is no refused literal.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{
		"https://hooks.example.com/x?y=1", "http://127.0.0.1:8080/", "http://[::ffff:a9fe:a9fe]/",
		"http://localhost./", "https://u:p@h/", "http://h:99999/", "//h/x", "http://%zz/", "http://[fe80::1%25eth0]/",
		"http://0x7f.1/", "http://2130706433/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if err := (webhooks.Policy{}).CheckURL(raw); err != nil {
			return
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil {
			t.Fatalf("accepted %q", raw)
		}
	})
}

// FuzzParseAllow: the allow-list parser never panics and returns canonical prefixes.
func FuzzParseAllow(f *testing.F) {
	for _, s := range []string{"127.0.0.0/8, ::1", "10.0.0.1/8", "", ",,", "fe80::/10,300.1.1.1", "::ffff:10.0.0.0/104"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		list, err := webhooks.ParseAllow(s)
		if err != nil {
			return
		}
		for _, p := range list {
			if !p.IsValid() || p != p.Masked() {
				t.Fatalf("%q gave %v", s, p)
			}
		}
	})
}
