package api

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/faqbot/faqbot/internal/auth"
)

const (
	keyRequestID = "request_id"
	keyPrincipal = "principal"
)

// acceptedRequestID is what we take from a caller's X-Request-Id (a proxy's or a client's
// trace id); anything else could forge or flood our logs, so it is replaced.
var acceptedRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{8,64}$`)

func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !acceptedRequestID.MatchString(id) {
			var b [12]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Set(keyRequestID, id)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

func requestIDOf(c echo.Context) string {
	id, _ := c.Get(keyRequestID).(string)
	return id
}

// routeOf is the route template of the request, or "unmatched": metrics and logs group by
// it, never by the raw path, whose variety is unbounded.
func routeOf(c echo.Context) string {
	p := c.Path()
	if p == "" || strings.HasSuffix(p, "/*") {
		return "unmatched"
	}
	return p
}

// observe logs every request once and counts it; it hands errors to the error handler
// itself so that it sees the status the client gets.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		elapsed := time.Since(start)
		req, res := c.Request(), c.Response()
		route := routeOf(c)
		s.metrics.observe(req.Method, route, res.Status, elapsed)
		level := slog.LevelInfo
		if res.Status >= http.StatusInternalServerError {
			level = slog.LevelWarn
		}
		attrs := []slog.Attr{
			slog.String("request_id", requestIDOf(c)),
			slog.String("method", req.Method),
			slog.String("route", route),
			slog.Int("status", res.Status),
			slog.Int64("bytes", res.Size),
			slog.Duration("latency", elapsed),
			slog.String("ip", c.RealIP()),
		}
		// Who did it, for the audit of editors' and agents' changes; never the token itself.
		if p, ok := c.Get(keyPrincipal).(auth.Principal); ok {
			attrs = append(attrs, slog.String("role", string(p.Role)), slog.Int64("token_id", p.TokenID))
		}
		s.log.LogAttrs(req.Context(), level, "request", attrs...)
		return nil
	}
}

// cappedBody remembers that the body hit its limit, so the error handler answers 413 even
// when a parser reported the cut-off body as malformed input.
type cappedBody struct {
	io.ReadCloser
	hit bool
}

func (b *cappedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		b.hit = true
	}
	return n, err
}

func bodyTooLarge(c echo.Context) bool {
	b, ok := c.Request().Body.(*cappedBody)
	return ok && b.hit
}

// allowBody lets one route take a body up to limit instead of cfg.MaxBodyBytes.
func (s *Server) allowBody(method, path string, limit int64) {
	s.bodyLimits[method+" "+path] = limit
}

func (s *Server) bodyLimit(c echo.Context) int64 {
	if n, ok := s.bodyLimits[c.Request().Method+" "+c.Path()]; ok {
		return n
	}
	return s.cfg.MaxBodyBytes
}

func (s *Server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		limit := s.bodyLimit(c)
		if req.ContentLength > limit {
			return newError(http.StatusRequestEntityTooLarge, codeTooLarge, msgTooLarge, limit)
		}
		if req.Body != nil && req.Body != http.NoBody {
			req.Body = &cappedBody{ReadCloser: http.MaxBytesReader(c.Response(), req.Body, limit)}
		}
		return next(c)
	}
}

// unlimitedRoutes are for probes and scrapers, which poll from one address.
var unlimitedRoutes = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

func (s *Server) rateLimiter() echo.MiddlewareFunc {
	store := middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate:      rate.Limit(s.cfg.RateLimit),
		Burst:     s.cfg.RateBurst,
		ExpiresIn: 3 * time.Minute,
	})
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Skipper:             func(c echo.Context) bool { return unlimitedRoutes[c.Path()] },
		Store:               store,
		IdentifierExtractor: func(c echo.Context) (string, error) { return c.RealIP(), nil },
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			return newError(http.StatusTooManyRequests, codeRateLimited, msgRateLimited, s.retryAfterSeconds())
		},
	})
}

// retryAfterSeconds is how long until the bucket holds a token again.
func (s *Server) retryAfterSeconds() int {
	return max(1, int(math.Ceil(1/s.cfg.RateLimit)))
}

// require lets a request through when its bearer token has role (the admin has every role).
func (s *Server) require(role auth.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			token, ok := bearerToken(c.Request())
			if !ok {
				return newError(http.StatusUnauthorized, codeUnauthenticated, msgNoToken).wrap(auth.ErrUnauthenticated)
			}
			p, err := s.auth.Authenticate(c.Request().Context(), token)
			if err != nil {
				return err
			}
			if !p.Has(role) {
				return newError(http.StatusForbidden, codeForbidden, msgForbidden, roleNames(role), p.Role).wrap(auth.ErrForbidden)
			}
			c.Set(keyPrincipal, p)
			return next(c)
		}
	}
}

var msgNotStaffToken = text{"this route is for staff: send an admin, editor or agent token; yours is an end user's token", "此接口供工作人员使用：请使用管理员、编辑或客服令牌；你使用的是终端用户令牌"}

// requireStaff lets any staff token through (admin, editor, agent).
func (s *Server) requireStaff(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := s.staffPrincipal(c, msgNotStaffToken)
		if err != nil {
			return err
		}
		c.Set(keyPrincipal, p)
		return next(c)
	}
}

// staffPrincipal resolves the request's bearer to a staff principal. End users' tokens are
// recognised and refused with notStaff (403), so that they hear the route is not theirs
// rather than that their token is bad (401).
func (s *Server) staffPrincipal(c echo.Context, notStaff text) (auth.Principal, error) {
	token, ok := bearerToken(c.Request())
	if !ok {
		return auth.Principal{}, newError(http.StatusUnauthorized, codeUnauthenticated, msgNoToken).wrap(auth.ErrUnauthenticated)
	}
	_, staff, err := s.identify(c, token)
	if err != nil {
		return auth.Principal{}, err
	}
	if staff == nil {
		return auth.Principal{}, newError(http.StatusForbidden, codeForbidden, notStaff).wrap(auth.ErrForbidden)
	}
	return *staff, nil
}

func roleNames(r auth.Role) string {
	if r == auth.RoleAdmin {
		return "admin"
	}
	return string(r) + " or admin"
}

func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get(echo.HeaderAuthorization), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
