package webhooks_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/handoff/webhooks"
)

func TestSignatureIsHMACOfTimestampDotBody(t *testing.T) {
	// The value a receiver computes in any language: HMAC-SHA256("key", "1700000000.{}").
	// echo -n '1700000000.{}' | openssl dgst -sha256 -hmac key
	got := webhooks.Sign("key", 1700000000, []byte("{}"))
	assert.Equal(t, "sha256=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae", got)
}

func TestVerify(t *testing.T) {
	secret, body := "0123456789abcdef", []byte(`{"id":7,"type":"ticket.created"}`)
	now := time.Unix(1_700_000_000, 0)
	ts := strconv.FormatInt(now.Unix(), 10)
	sig := webhooks.Sign(secret, now.Unix(), body)
	require.NoError(t, webhooks.Verify(secret, ts, sig, body, now.Add(time.Minute), 0))

	tests := []struct {
		name            string
		secret, ts, sig string
		body            []byte
		at              time.Time
		want            error
	}{
		{"another body", secret, ts, sig, []byte(`{"id":8,"type":"ticket.created"}`), now, webhooks.ErrBadSignature},
		{"another secret", "fedcba9876543210", ts, sig, body, now, webhooks.ErrBadSignature},
		{"another timestamp", secret, strconv.FormatInt(now.Unix()+1, 10), sig, body, now, webhooks.ErrBadSignature},
		{"too old", secret, ts, sig, body, now.Add(6 * time.Minute), webhooks.ErrStale},
		{"from the future", secret, ts, sig, body, now.Add(-6 * time.Minute), webhooks.ErrStale},
		{"truncated", secret, ts, sig[:20], body, now, webhooks.ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.ErrorIs(t, webhooks.Verify(tt.secret, tt.ts, tt.sig, tt.body, tt.at, 0), tt.want)
		})
	}
	assert.Error(t, webhooks.Verify(secret, "+"+ts, sig, body, now, 0), "a timestamp spelled another way")
	assert.Error(t, webhooks.Verify(secret, ts, "md5="+sig[7:], body, now, 0), "another scheme")
}

// FuzzVerify: a receiver's check never panics, and accepts only what Sign made.
func FuzzVerify(f *testing.F) {
	f.Add("0123456789abcdef", int64(1700000000), []byte(`{}`), "1700000000", "sha256=00")
	f.Add("k", int64(0), []byte{}, "0", "")
	f.Add("秘密秘密秘密秘密", int64(-1), []byte("\x00\xff"), "-1", "sha256=zz")
	f.Fuzz(func(t *testing.T, secret string, ts int64, body []byte, header, sig string) {
		at := time.Unix(ts, 0)
		good := webhooks.Sign(secret, ts, body)
		if err := webhooks.Verify(secret, strconv.FormatInt(ts, 10), good, body, at, 0); err != nil {
			t.Fatalf("a signature Sign made is refused: %v", err)
		}
		if err := webhooks.Verify(secret, header, sig, body, at, 0); err == nil {
			if !strings.EqualFold(sig, good) && header == strconv.FormatInt(ts, 10) {
				t.Fatalf("accepted %q for %q", sig, good)
			}
		}
	})
}
