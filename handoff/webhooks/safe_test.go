package webhooks_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/handoff/webhooks"
)

func TestPolicyRefusesInternalAddresses(t *testing.T) {
	refused := []string{
		"127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254",
		"100.64.0.1", "0.0.0.0", "255.255.255.255", "224.0.0.1", "198.18.0.1",
		"::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
		"::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1",
		"64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1",
	}
	for _, s := range refused {
		err := webhooks.Policy{}.Check(netip.MustParseAddr(s))
		var re *webhooks.RefusedError
		assert.True(t, errors.As(err, &re), "%s is not refused", s)
	}
	for _, s := range []string{"8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "2a00:1450:4001::200e"} {
		assert.NoError(t, webhooks.Policy{}.Check(netip.MustParseAddr(s)), s)
	}
}

func TestPolicyAllowList(t *testing.T) {
	allow, err := webhooks.ParseAllow(" 127.0.0.0/8, ::1 ,::ffff:10.1.0.0/112")
	require.NoError(t, err)
	p := webhooks.Policy{Allow: allow}
	for _, s := range []string{"127.0.0.1", "::ffff:127.0.0.1", "::1", "10.1.200.3"} {
		assert.NoError(t, p.Check(netip.MustParseAddr(s)), s)
	}
	for _, s := range []string{"10.2.0.1", "169.254.169.254", "fe80::1"} {
		assert.Error(t, p.Check(netip.MustParseAddr(s)), s)
	}
	_, err = webhooks.ParseAllow("10.0.0.0/8,intranet")
	assert.ErrorContains(t, err, `"intranet"`)
	none, err := webhooks.ParseAllow("")
	require.NoError(t, err)
	assert.Empty(t, none)
}

func TestRegistrationRefusesURLsThatCanOnlyBeInternal(t *testing.T) {
	for _, u := range []string{
		"http://127.0.0.1:8080/hook", "http://169.254.169.254/latest/meta-data/", "http://[::1]/",
		"http://[::ffff:127.0.0.1]/", "https://localhost/hook", "http://api.localhost./x", "http://10.0.0.5/",
		"http://0.0.0.0:9000/",
	} {
		err := webhooks.Policy{}.CheckURL(u)
		var fe *webhooks.FieldError
		if assert.ErrorAs(t, err, &fe, u) {
			assert.Equal(t, "url", fe.Field)
			assert.Contains(t, fe.Reason, "refused")
		}
	}
	assert.NoError(t, webhooks.Policy{}.CheckURL("https://hooks.example.com/faqbot"))
	allow, _ := webhooks.ParseAllow("127.0.0.0/8")
	assert.NoError(t, webhooks.Policy{Allow: allow}.CheckURL("http://localhost:8080/hook"), "allowed for local testing")
}

// receiver counts the requests that reach it.
func receiver(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if h != nil {
			h(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestClientRefusesAtConnectTime(t *testing.T) {
	srv, hits := receiver(t, nil)
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	client := webhooks.Policy{}.Client(2 * time.Second)
	for _, u := range []string{
		srv.URL,                          // 127.0.0.1
		"http://localhost" + port,        // a name that resolves to loopback
		"http://[::1]" + port,            // refused before any connection is tried
		"http://169.254.169.254/latest/", // the cloud metadata service: never reached
	} {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, u, strings.NewReader("{}"))
		require.NoError(t, err)
		resp, err := client.Do(req)
		if resp != nil {
			resp.Body.Close()
		}
		var re *webhooks.RefusedError
		assert.ErrorAs(t, err, &re, u)
	}
	assert.Zero(t, hits.Load(), "no request reached the loopback receiver")
}

func TestRedirects(t *testing.T) {
	final := &recorder{}
	target, _ := receiver(t, final.ServeHTTP)
	tests := []struct {
		name     string
		status   int
		location string
		want     webhooks.Status
		error    string
	}{
		{"307 to an allowed receiver keeps the POST", http.StatusTemporaryRedirect, target.URL + "/moved", webhooks.StatusDelivered, ""},
		{"307 to the metadata service", http.StatusTemporaryRedirect, "http://169.254.169.254/latest/meta-data/", webhooks.StatusPending, "refused"},
		{"308 to loopback outside the allow-list", http.StatusPermanentRedirect, "http://127.0.0.2:9/", webhooks.StatusPending, "refused"},
		{"308 to IPv6 loopback", http.StatusPermanentRedirect, "http://[::1]:9/", webhooks.StatusPending, "refused"},
		{"302 would drop the body", http.StatusFound, target.URL, webhooks.StatusPending, "only 307 and 308"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, 5*time.Second)
			// Only the receivers' own address is allowed.
			h.policy = webhooks.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
			h.service = webhooks.NewService(h.store, h.policy)
			h.worker = h.newWorker()
			first, _ := receiver(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, tt.location, tt.status)
			})
			w := h.register(t, first.URL)
			h.openTicket(t)
			h.step(t, h.t0)
			d := h.deliveries(t, w.ID)[0]
			assert.Equal(t, tt.want, d.Status, d.LastError)
			assert.Contains(t, d.LastError, tt.error)
		})
	}
	reqs := final.all()
	require.Len(t, reqs, 1, "only the allowed 307 reached the final receiver")
	assert.NotEmpty(t, reqs[0].body, "with its body")
	assert.NotEmpty(t, reqs[0].header.Get(webhooks.HeaderSignature))
}

// A name that passed registration and resolves inward at send time (DNS rebinding) is caught
// when connecting: the delivery fails and says why, and the receiver sees nothing.
func TestWorkerRefusesANameThatResolvesInward(t *testing.T) {
	h := newHarness(t, 5*time.Second)
	h.policy = webhooks.Policy{}
	h.worker = h.newWorker()
	srv, hits := receiver(t, nil)
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	w := webhooks.Webhook{URL: "http://localhost" + port + "/hook", Secret: "s3cret-s3cret-s3cret", CreatedAt: h.t0}
	require.NoError(t, h.store.CreateWebhook(context.Background(), &w))
	h.openTicket(t)

	res := h.step(t, h.t0)
	assert.Equal(t, 1, res.Retrying)
	d := h.deliveries(t, w.ID)[0]
	assert.Equal(t, webhooks.StatusPending, d.Status)
	assert.Contains(t, d.LastError, "refused")
	assert.Contains(t, d.LastError, "loopback")
	assert.Zero(t, hits.Load())
}
