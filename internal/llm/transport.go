package llm

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// go-openai drops the response headers of failed calls, so the Retry-After of a 429 or 503
// would be lost. hintDoer sits under it as its HTTPDoer and leaves the server's wish in the
// attempt's context, where the retry loop reads it.
type hintDoer struct{ client *http.Client }

type hintKey struct{}

// attemptHint is written by hintDoer and read by the retry loop of the same attempt only.
type attemptHint struct{ retryAfter time.Duration }

func withHint(ctx context.Context) (context.Context, *attemptHint) {
	h := &attemptHint{}
	return context.WithValue(ctx, hintKey{}, h), h
}

func (d hintDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.client.Do(req)
	if err == nil && resp.StatusCode >= 400 {
		if h, ok := req.Context().Value(hintKey{}).(*attemptHint); ok {
			h.retryAfter = retryAfter(resp.Header, time.Now())
		}
	}
	return resp, err
}

// newHTTPClient has no overall Client.Timeout, which would cut long streams: each attempt
// carries its own deadline (attemptContext), which also covers waiting for headers.
func newHTTPClient(timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSHandshakeTimeout = min(timeout, 10*time.Second)
	tr.MaxIdleConnsPerHost = 16
	return &http.Client{Transport: tr}
}

// retryAfter reads the wait a server asks for: OpenAI's retry-after-ms, or the standard
// Retry-After in seconds or as an HTTP date. Zero means no usable hint.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("retry-after-ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 && ms < 1e9 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if !(secs > 0 && secs <= 1e6) { // also rejects NaN
			return 0
		}
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
