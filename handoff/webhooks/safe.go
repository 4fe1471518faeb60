package webhooks

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Policy says which addresses webhooks may reach. A webhook URL is chosen by an admin, but a
// stolen admin token, a typo or a DNS record that points inward must not turn the server into
// a way to reach its own network (the cloud metadata service at 169.254.169.254, a database
// on 10.x, an admin page on localhost): deliveries refuse every address that is not public,
// checked on the address actually connected to (so a name that resolves inward, or changes
// between check and use, is caught), on every connection, redirects included.
type Policy struct {
	// Allow lists networks reachable despite the rules (FAQBOT_WEBHOOK_ALLOW), for receivers
	// on a private network one runs, and for local testing.
	Allow []netip.Prefix
}

// ParseAllow reads a comma-separated list of CIDRs (a bare address means just that address).
func ParseAllow(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
				// Check compares unmapped addresses: ::ffff:10.0.0.0/104 is 10.0.0.0/8.
				p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR such as 10.1.0.0/16 or an address", part)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// RefusedError is a connection the policy refused.
type RefusedError struct {
	Addr   netip.Addr
	Reason string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("webhook address %s refused: %s (allow it with FAQBOT_WEBHOOK_ALLOW only if you run the receiver)", e.Addr, e.Reason)
}

// Networks that are not the public internet, beyond what netip.Addr's predicates know.
var special = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "a \"this network\" address"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a carrier-grade NAT address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "an IETF protocol address"},
	{netip.MustParsePrefix("192.0.2.0/24"), "a documentation address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address"},
	{netip.MustParsePrefix("198.51.100.0/24"), "a documentation address"},
	{netip.MustParsePrefix("203.0.113.0/24"), "a documentation address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},
	{netip.MustParsePrefix("64:ff9b::/96"), "a NAT64 address (it can embed an internal IPv4 address)"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "a NAT64 address (it can embed an internal IPv4 address)"},
	{netip.MustParsePrefix("2002::/16"), "a 6to4 address (it can embed an internal IPv4 address)"},
	{netip.MustParsePrefix("2001::/32"), "a Teredo address (it can embed an internal IPv4 address)"},
	{netip.MustParsePrefix("2001:db8::/32"), "a documentation address"},
	{netip.MustParsePrefix("fec0::/10"), "a site-local address"},
}

// Check returns a *RefusedError unless a may be connected to.
func (p Policy) Check(a netip.Addr) error {
	a = a.Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	for _, allowed := range p.Allow {
		if allowed.Contains(a) {
			return nil
		}
	}
	if reason := why(a); reason != "" {
		return &RefusedError{Addr: a, Reason: reason}
	}
	return nil
}

func why(a netip.Addr) string {
	switch {
	case !a.IsValid():
		return "not an address"
	case a.IsLoopback():
		return "a loopback address"
	case a.IsUnspecified():
		return "an unspecified address"
	case a.IsPrivate():
		return "a private address"
	case a.IsLinkLocalUnicast():
		return "a link-local address (such as a cloud metadata service)"
	case a.IsMulticast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast():
		return "a multicast address"
	}
	for _, s := range special {
		if s.prefix.Contains(a) {
			return s.reason
		}
	}
	return ""
}

// CheckURL refuses, before anything is sent, a URL whose host is an address or a name that
// is refused whatever DNS says: an IP literal outside the policy, localhost and *.localhost
// (RFC 6761). Other names are checked when connecting, on the address they resolve to.
func (p Policy) CheckURL(raw string) error {
	if err := checkURL(raw); err != nil {
		return err
	}
	u, _ := url.Parse(raw)
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	a, err := netip.ParseAddr(host)
	if err != nil {
		if host != "localhost" && !strings.HasSuffix(host, ".localhost") {
			return nil
		}
		a = netip.MustParseAddr("127.0.0.1")
	}
	if err := p.Check(a); err != nil {
		return invalid("url", err.Error())
	}
	return nil
}

// control runs on every socket before it connects, with the address chosen after DNS: the
// one place where the check cannot be raced by a name that resolves differently later.
func (p Policy) control(network, address string, _ syscall.RawConn) error {
	if network != "tcp4" && network != "tcp6" {
		return fmt.Errorf("webhook connection over %s refused", network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook connection to %q refused: %w", address, err)
	}
	return p.Check(ap.Addr())
}

// MaxRedirects is how many 307/308 redirects a delivery follows.
const MaxRedirects = 3

// Client returns the HTTP client deliveries go through: every connection is checked against
// the policy; no proxy from the environment (a proxy would make the check see the proxy's
// address and nothing else); 307 and 308 redirects are followed (they keep the POST and its
// body), each one checked again; timeout bounds a whole attempt, so a receiver that hangs
// costs one failed attempt.
func (p Policy) Client(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: min(timeout, 10*time.Second), KeepAlive: 30 * time.Second, Control: p.control}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   min(timeout, 10*time.Second),
		ResponseHeaderTimeout: timeout,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
	}
	return &http.Client{
		Transport: transport,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > MaxRedirects {
				return fmt.Errorf("more than %d redirects", MaxRedirects)
			}
			if req.Method != http.MethodPost {
				// 301, 302 and 303 turn the POST into a GET without the event: not a delivery.
				return fmt.Errorf("the receiver redirected with %d; deliveries follow only 307 and 308", req.Response.StatusCode)
			}
			if err := p.CheckURL(req.URL.String()); err != nil {
				var fe *FieldError
				if errors.As(err, &fe) {
					return fmt.Errorf("redirect to %s refused: %s", req.URL.Redacted(), fe.Reason)
				}
				return err
			}
			return nil
		},
	}
}

// isTimeout reports whether err is a timeout of the client, the dialer or the context.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}
