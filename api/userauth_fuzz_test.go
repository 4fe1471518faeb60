package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// FuzzUserToken feeds bearer tokens to a user route: nothing but a token signed with the
// user secret may start a conversation, and nothing makes the server fail.
func FuzzUserToken(f *testing.F) {
	e := newUserEnv(f, userEnvOptions{secret: userSecret})
	hour := time.Now().Add(time.Hour).Unix()
	for _, s := range []string{
		userToken(f, "seed"),
		signToken(f, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, jwt.MapClaims{"sub": "u", "exp": hour}),
		signToken(f, jwt.SigningMethodHS512, []byte(userSecret), jwt.MapClaims{"sub": "u", "exp": hour}),
		signToken(f, jwt.SigningMethodHS256, []byte(userSecret), jwt.MapClaims{"sub": "u"}),
		"", "a.b.c", "...", "eyJhbGciOiJIUzI1NiJ9..", "fqc_abc", "fqb_" + strings.Repeat("A", 43), adminToken,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		req := httptest.NewRequest("POST", "/v1/conversations", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusCreated:
			var claims jwt.RegisteredClaims
			_, err := jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithLeeway(time.Minute)).
				ParseWithClaims(strings.TrimSpace(token), &claims, func(*jwt.Token) (any, error) { return []byte(userSecret), nil })
			if err != nil || claims.Subject == "" {
				t.Fatalf("accepted a token that does not verify (%v): %q", err, token)
			}
		case http.StatusUnauthorized, http.StatusForbidden:
		default:
			t.Fatalf("status %d for %q: %s", rec.Code, token, rec.Body.String())
		}
	})
}
