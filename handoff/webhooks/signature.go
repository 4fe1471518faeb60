package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Headers of a delivery.
const (
	HeaderEventID    = "X-Faqbot-Event-Id"  // the ticket event's id: deduplicate by it
	HeaderEventType  = "X-Faqbot-Event"     // e.g. ticket.created
	HeaderDeliveryID = "X-Faqbot-Delivery"  // the delivery's id, for support requests
	HeaderAttempt    = "X-Faqbot-Attempt"   // 1 on the first attempt
	HeaderTimestamp  = "X-Faqbot-Timestamp" // Unix seconds, signed with the body
	HeaderSignature  = "X-Faqbot-Signature" // sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
	signaturePrefix  = "sha256="
	DefaultTolerance = 5 * time.Minute // how old a signed timestamp Verify accepts by default
)

// Sign returns the X-Faqbot-Signature value of body sent at the Unix time ts. The timestamp
// is inside the MAC so that a captured delivery cannot be replayed later with a new one.
func Sign(secret string, ts int64, body []byte) string {
	return signaturePrefix + hex.EncodeToString(mac(secret, strconv.FormatInt(ts, 10), body))
}

func mac(secret, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Errors of Verify.
var (
	ErrBadSignature = errors.New("the signature does not match the body")
	ErrStale        = errors.New("the signed timestamp is too far from now")
)

// Verify is what a receiver does with a delivery: check that signature (the
// X-Faqbot-Signature header) is the HMAC of timestamp (X-Faqbot-Timestamp) and body under
// secret, and that the timestamp is within tolerance of now (DefaultTolerance when 0).
func Verify(secret, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || strconv.FormatInt(ts, 10) != timestamp {
		return errors.New("the timestamp is not Unix seconds")
	}
	hexSum, ok := strings.CutPrefix(signature, signaturePrefix)
	if !ok {
		return errors.New("the signature does not start with sha256=")
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil || len(got) != sha256.Size {
		return ErrBadSignature
	}
	if !hmac.Equal(got, mac(secret, timestamp, body)) {
		return ErrBadSignature
	}
	// After the MAC, so that a forger learns nothing from which check failed.
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return ErrStale
	}
	return nil
}
