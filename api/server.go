// Package api is faqbot's HTTP interface (DESIGN §4): routes, authentication, limits, the
// error table, metrics and the OpenAPI contract. It is the only package that imports Echo.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/handoff/webhooks"
	"github.com/faqbot/faqbot/internal/auth"
	"github.com/faqbot/faqbot/internal/auth/memory"
	"github.com/faqbot/faqbot/knowledge"
)

// Config holds the HTTP knobs; zero values take the defaults below.
type Config struct {
	// AdminToken is used only when Deps.Auth is nil, to build an auth service over an
	// in-memory token store.
	AdminToken string
	// MaxBodyBytes bounds a JSON request body (default 1 MiB); MaxImportBytes bounds an
	// article import (default 20 MiB). A larger body is answered with 413.
	MaxBodyBytes, MaxImportBytes int64
	// RateLimit is the sustained requests per second allowed per client IP (default 20; a
	// negative value turns limiting off); RateBurst the burst above it (default 2×RateLimit).
	RateLimit float64
	RateBurst int
	// RequestTimeout bounds each non-streaming request (default 30 s); imports get
	// importTimeoutFactor times as long.
	RequestTimeout time.Duration
	// TrustProxy takes the client IP from X-Forwarded-For set by a proxy on a private or
	// loopback address. Off, the peer address is the client: a client could otherwise pick
	// its own rate-limit bucket.
	TrustProxy bool
	// UserSecret is the HS256 key the host app signs end users' tokens with
	// (FAQBOT_USER_SECRET). Empty, no user token is accepted.
	UserSecret string
	// Anonymous allows chat without a user token: POST /v1/conversations then hands out a
	// conversation token, which is the credential for that one conversation.
	Anonymous bool
	// Heartbeat is the interval of the comment lines that keep idle event streams open
	// through proxies (default 15 s); EventPoll how often an event stream looks for new
	// messages (default 500 ms).
	Heartbeat, EventPoll time.Duration
	// SafetyPoll is how often an event stream reads the store although no notification
	// rang, when Deps.Notifier is set (default 5 s).
	SafetyPoll time.Duration
}

// Defaults of Config.
const (
	DefaultMaxBodyBytes   = 1 << 20
	DefaultMaxImportBytes = 20 << 20
	DefaultRateLimit      = 20
	DefaultRequestTimeout = 30 * time.Second
	DefaultHeartbeat      = 15 * time.Second
	DefaultEventPoll      = 500 * time.Millisecond
	importTimeoutFactor   = 10
)

func (c Config) withDefaults() Config {
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.MaxImportBytes <= 0 {
		c.MaxImportBytes = DefaultMaxImportBytes
	}
	if c.RateLimit == 0 {
		c.RateLimit = DefaultRateLimit
	}
	if c.RateBurst <= 0 {
		c.RateBurst = max(1, int(2*c.RateLimit))
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.Heartbeat <= 0 {
		c.Heartbeat = DefaultHeartbeat
	}
	if c.EventPoll <= 0 {
		c.EventPoll = DefaultEventPoll
	}
	if c.SafetyPoll <= 0 {
		c.SafetyPoll = DefaultSafetyPoll
	}
	return c
}

// Deps are the services the API calls.
type Deps struct {
	Logger    *slog.Logger // nil: discard
	Knowledge *knowledge.Service
	Auth      *auth.Service // nil: admin token only, minted tokens kept in memory
	// Bot runs end users' conversations; nil: the end users' routes are not served.
	Bot *bot.Engine
	// Ready reports whether the dependencies answer; nil means always ready.
	Ready func(context.Context) error
	// Registry receives the HTTP metrics and is served at /metrics; nil: a new one with the
	// Go and process collectors.
	Registry *prometheus.Registry
	// Notifier wakes event streams when the database changes on any replica (notify.go);
	// nil: the streams poll every Config.EventPoll (the in-memory demo).
	Notifier Notifier
	// Webhooks is the admins' webhook registry; nil: one in memory that nothing sends from.
	Webhooks *webhooks.Service
}

// Server is the HTTP handler of faqbot.
type Server struct {
	cfg       Config
	echo      *echo.Echo
	log       *slog.Logger
	knowledge *knowledge.Service
	auth      *auth.Service
	bot       *bot.Engine
	ready     func(context.Context) error
	registry  *prometheus.Registry
	metrics   *httpMetrics
	notifier  Notifier
	webhooks  *webhooks.Service
	// bodyLimits holds the routes allowed a body larger than cfg.MaxBodyBytes, by
	// method and route template.
	bodyLimits map[string]int64
	// closing is closed by CloseStreams: open event streams end when it is.
	closing   chan struct{}
	closeOnce sync.Once
}

// New builds the server and its routes. deps.Knowledge is required.
func New(cfg Config, deps Deps) *Server {
	if deps.Knowledge == nil {
		panic("api.New: Deps.Knowledge is nil")
	}
	cfg = cfg.withDefaults()
	s := &Server{
		cfg:        cfg,
		log:        deps.Logger,
		knowledge:  deps.Knowledge,
		auth:       deps.Auth,
		bot:        deps.Bot,
		ready:      deps.Ready,
		registry:   deps.Registry,
		notifier:   deps.Notifier,
		webhooks:   webhookServiceOr(deps.Webhooks),
		bodyLimits: map[string]int64{},
		closing:    make(chan struct{}),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.auth == nil {
		s.auth = auth.NewService(memory.New(), cfg.AdminToken)
	}
	if s.ready == nil {
		s.ready = func(context.Context) error { return nil }
	}
	if s.registry == nil {
		s.registry = newRegistry()
	}
	s.metrics = newHTTPMetrics(s.registry)

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = echo.ExtractIPDirect()
	if cfg.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	}
	s.echo = e

	// The order matters: every later step is logged under the request id, a panic anywhere
	// below is still logged and counted, and limits are enforced before any handler reads.
	e.Use(requestID)
	e.Use(s.observe)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{LogErrorFunc: panicError}))
	e.Use(s.limitBody)
	if cfg.RateLimit > 0 {
		e.Use(s.rateLimiter())
	}
	s.routes()
	return s
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// CloseStreams ends every open event stream, now and from now on. http.Server.Shutdown waits
// for handlers to return and would otherwise wait for streams that never end: register it
// with http.Server.RegisterOnShutdown.
func (s *Server) CloseStreams() {
	s.closeOnce.Do(func() { close(s.closing) })
}

func (s *Server) routes() {
	e := s.echo
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.serveMetrics)
	e.GET("/openapi.yaml", serveOpenAPI)
	s.webRoutes()

	// Groups get no middleware of their own: Echo would add catch-all routes for them, and
	// unknown paths would then ask for a token instead of answering 404.
	v1 := e.Group("/v1")
	timeout := middleware.ContextTimeout(s.cfg.RequestTimeout)
	editor := []echo.MiddlewareFunc{timeout, s.require(auth.RoleEditor)}
	admin := []echo.MiddlewareFunc{timeout, s.require(auth.RoleAdmin)}
	staff := []echo.MiddlewareFunc{timeout, s.requireStaff}
	importing := []echo.MiddlewareFunc{
		middleware.ContextTimeout(importTimeoutFactor * s.cfg.RequestTimeout),
		s.require(auth.RoleEditor),
	}

	(&tokensHandler{auth: s.auth, queues: s.queues()}).routes(v1, admin)
	(&meHandler{queues: s.queues()}).routes(v1, staff)
	(&articlesHandler{knowledge: s.knowledge}).routes(v1, editor)
	(&importHandler{knowledge: s.knowledge}).routes(v1, importing)
	s.allowBody(http.MethodPost, "/v1/articles/import", s.cfg.MaxImportBytes)
	(&searchHandler{knowledge: s.knowledge}).routes(v1, editor)
	(&webhooksHandler{svc: s.webhooks}).routes(v1, admin)
	if s.bot != nil {
		s.userRoutes(v1, timeout)
		s.agentRoutes(v1, timeout)
		s.agentEventRoutes(v1)
		s.agentAssistRoutes(v1, timeout)
		s.insightRoutes(v1, timeout)
	}
}

// Routes lists the registered routes as "METHOD /path/{param}", for tests and docs.
func (s *Server) Routes() []string {
	var out []string
	for _, r := range s.echo.Routes() {
		if r.Method == echo.RouteNotFound {
			continue
		}
		out = append(out, r.Method+" "+openAPIPath(r.Path))
	}
	return out
}
