package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/handoff"
	"github.com/faqbot/faqbot/handoff/webhooks"
	"github.com/faqbot/faqbot/knowledge"
)

// config is everything faqbot reads from flags and the environment. Flags win over the
// environment; the environment wins over the defaults.
type config struct {
	Addr        string
	DatabaseURL string
	AdminToken  string
	UserSecret  string
	Anonymous   string // "", "true" or "false": empty means the default of the mode

	Embedder        string // "local" or "openai"; empty: openai when a key is set
	OpenAIKey       string
	OpenAIBaseURL   string
	ChatModel       string
	EmbeddingModel  string
	EmbeddingDims   int
	LocalDims       int
	LLMTimeout      time.Duration
	DemoData        bool
	LogFormat       string
	LogLevel        string
	MaxBodyBytes    int64
	MaxImportBytes  int64
	RateLimit       float64
	RateBurst       int
	RequestTimeout  time.Duration
	ShutdownTimeout time.Duration
	TrustProxy      bool
	SweepInterval   time.Duration
	IdempotencyTTL  time.Duration
	WebhookAllow    string // CIDRs webhooks may reach despite the SSRF rules
	Queues          string // category=queue pairs; empty: each category its own queue
	SeniorQueue     string
	SLA             string // P1=30s,P2=5m,P3=2h; tiers left out keep the default
	ClaimLease      time.Duration
}

// envVar ties a flag to its environment variable, so both are documented in one place.
type envVar struct {
	flag, env, usage string
}

var configVars = []envVar{
	{"addr", "FAQBOT_ADDR", "listen address"},
	{"database-url", "DATABASE_URL", "PostgreSQL URL; empty runs on an in-memory store (nothing persists)"},
	{"admin-token", "FAQBOT_ADMIN_TOKEN", "admin bearer token (mints editor and agent tokens)"},
	{"user-secret", "FAQBOT_USER_SECRET", "HS256 secret the host app signs end-user tokens with"},
	{"anonymous", "FAQBOT_ANONYMOUS", "allow anonymous chat (default: true without a database, false with one)"},
	{"embedder", "FAQBOT_EMBEDDER", "local or openai (default: openai when OPENAI_API_KEY is set, else local)"},
	{"openai-api-key", "OPENAI_API_KEY", "key of an OpenAI-compatible server; empty uses the local embedder and extractive answers"},
	{"openai-base-url", "OPENAI_BASE_URL", "base URL of the OpenAI-compatible server"},
	{"chat-model", "FAQBOT_CHAT_MODEL", "chat model name"},
	{"embedding-model", "FAQBOT_EMBEDDING_MODEL", "embedding model name on the OpenAI-compatible server"},
	{"embedding-dimensions", "FAQBOT_EMBEDDING_DIMENSIONS", "dimension of the server's embeddings (0: ask the server once)"},
	{"local-dimensions", "FAQBOT_LOCAL_DIMENSIONS", "dimension of the local embedder"},
	{"llm-timeout", "FAQBOT_LLM_TIMEOUT", "timeout of one LLM call"},
	{"demo-data", "FAQBOT_DEMO_DATA", "load the bundled demo knowledge base when the store is empty"},
	{"log-format", "FAQBOT_LOG_FORMAT", "text or json (default: text on a terminal, json otherwise)"},
	{"log-level", "FAQBOT_LOG_LEVEL", "debug, info, warn or error"},
	{"max-body-bytes", "FAQBOT_MAX_BODY_BYTES", "largest JSON request body"},
	{"max-import-bytes", "FAQBOT_MAX_IMPORT_BYTES", "largest import file"},
	{"rate-limit", "FAQBOT_RATE_LIMIT", "requests per second per client address (0: off)"},
	{"rate-burst", "FAQBOT_RATE_BURST", "burst of the rate limit"},
	{"request-timeout", "FAQBOT_REQUEST_TIMEOUT", "timeout of one non-streaming request"},
	{"shutdown-timeout", "FAQBOT_SHUTDOWN_TIMEOUT", "how long to drain requests on shutdown"},
	{"trust-proxy", "FAQBOT_TRUST_PROXY", "take the client address from X-Forwarded-For (only behind a proxy you run)"},
	{"webhook-allow", "FAQBOT_WEBHOOK_ALLOW", "comma-separated CIDRs webhooks may reach although internal (loopback, private, link-local); empty: none"},
	{"routing", "FAQBOT_ROUTING", "routing of article categories to ticket queues, e.g. account=account,payment=billing (empty: each category its own queue; unmapped ones go to general's)"},
	{"senior-queue", "FAQBOT_SENIOR_QUEUE", "the queue angry users are routed to"},
	{"sla", "FAQBOT_SLA", "first-response targets by priority, e.g. P1=30s,P2=5m,P3=2h (tiers left out keep these defaults)"},
	{"claim-lease", "FAQBOT_CLAIM_LEASE", "how long a claimed ticket stays with a silent agent before it goes back to its queue"},
	{"sweep-interval", "FAQBOT_SWEEP_INTERVAL", "how often tickets are swept: lapsed claims go back to their queue, SLA breaches rise a tier, unrated tickets close"},
	{"idempotency-ttl", "FAQBOT_IDEMPOTENCY_TTL", "how long an Idempotency-Key replays its reply; the sweeps delete older keys"},
}

func defaultConfig() config {
	return config{
		Addr:            ":8080",
		OpenAIBaseURL:   "https://api.openai.com/v1",
		ChatModel:       "gpt-4o-mini",
		EmbeddingModel:  "text-embedding-3-small",
		LocalDims:       knowledge.DefaultLocalDimensions,
		LLMTimeout:      30 * time.Second,
		DemoData:        true,
		LogLevel:        "info",
		MaxBodyBytes:    1 << 20,
		MaxImportBytes:  20 << 20,
		RateLimit:       20,
		RateBurst:       40,
		RequestTimeout:  30 * time.Second,
		ShutdownTimeout: 15 * time.Second,
		SweepInterval:   10 * time.Second,
		IdempotencyTTL:  bot.DefaultTurnKeyTTL,
		SeniorQueue:     "senior",
		ClaimLease:      handoff.DefaultLease,
	}
}

// registerConfigFlags binds every configuration flag of fs to cfg, with defaults taken from the
// environment when set there. It returns a function that reports environment values that did not
// parse, to be called after fs.Parse.
func registerConfigFlags(fs *flag.FlagSet, cfg *config, getenv func(string) string) func() error {
	var envErrs []error
	str := func(p *string, name string) {
		v := lookup(name)
		if e := getenv(v.env); e != "" {
			*p = e
		}
		fs.StringVar(p, v.flag, *p, usage(v))
	}
	num := func(p *int, name string) {
		v := lookup(name)
		if e := getenv(v.env); e != "" {
			n, err := strconv.Atoi(e)
			if err != nil {
				envErrs = append(envErrs, fmt.Errorf("%s: %q is not a whole number", v.env, e))
			}
			*p = n
		}
		fs.IntVar(p, v.flag, *p, usage(v))
	}
	num64 := func(p *int64, name string) {
		v := lookup(name)
		if e := getenv(v.env); e != "" {
			n, err := strconv.ParseInt(e, 10, 64)
			if err != nil {
				envErrs = append(envErrs, fmt.Errorf("%s: %q is not a whole number", v.env, e))
			}
			*p = n
		}
		fs.Int64Var(p, v.flag, *p, usage(v))
	}
	float := func(p *float64, name string) {
		v := lookup(name)
		if e := getenv(v.env); e != "" {
			n, err := strconv.ParseFloat(e, 64)
			if err != nil {
				envErrs = append(envErrs, fmt.Errorf("%s: %q is not a number", v.env, e))
			}
			*p = n
		}
		fs.Float64Var(p, v.flag, *p, usage(v))
	}
	boolean := func(p *bool, name string) {
		v := lookup(name)
		if e := getenv(v.env); e != "" {
			b, err := strconv.ParseBool(e)
			if err != nil {
				envErrs = append(envErrs, fmt.Errorf("%s: %q is not true or false", v.env, e))
			}
			*p = b
		}
		fs.BoolVar(p, v.flag, *p, usage(v))
	}
	duration := func(p *time.Duration, name string) {
		v := lookup(name)
		if e := getenv(v.env); e != "" {
			d, err := time.ParseDuration(e)
			if err != nil {
				envErrs = append(envErrs, fmt.Errorf("%s: %q is not a duration such as 30s", v.env, e))
			}
			*p = d
		}
		fs.DurationVar(p, v.flag, *p, usage(v))
	}
	str(&cfg.Addr, "addr")
	str(&cfg.DatabaseURL, "database-url")
	str(&cfg.AdminToken, "admin-token")
	str(&cfg.UserSecret, "user-secret")
	str(&cfg.Anonymous, "anonymous")
	str(&cfg.Embedder, "embedder")
	str(&cfg.OpenAIKey, "openai-api-key")
	str(&cfg.OpenAIBaseURL, "openai-base-url")
	str(&cfg.ChatModel, "chat-model")
	str(&cfg.EmbeddingModel, "embedding-model")
	num(&cfg.EmbeddingDims, "embedding-dimensions")
	num(&cfg.LocalDims, "local-dimensions")
	duration(&cfg.LLMTimeout, "llm-timeout")
	boolean(&cfg.DemoData, "demo-data")
	str(&cfg.LogFormat, "log-format")
	str(&cfg.LogLevel, "log-level")
	num64(&cfg.MaxBodyBytes, "max-body-bytes")
	num64(&cfg.MaxImportBytes, "max-import-bytes")
	float(&cfg.RateLimit, "rate-limit")
	num(&cfg.RateBurst, "rate-burst")
	duration(&cfg.RequestTimeout, "request-timeout")
	duration(&cfg.ShutdownTimeout, "shutdown-timeout")
	boolean(&cfg.TrustProxy, "trust-proxy")
	duration(&cfg.SweepInterval, "sweep-interval")
	duration(&cfg.IdempotencyTTL, "idempotency-ttl")
	str(&cfg.WebhookAllow, "webhook-allow")
	str(&cfg.Queues, "routing")
	str(&cfg.SeniorQueue, "senior-queue")
	str(&cfg.SLA, "sla")
	duration(&cfg.ClaimLease, "claim-lease")
	return func() error { return errors.Join(envErrs...) }
}

func lookup(flagName string) envVar {
	for _, v := range configVars {
		if v.flag == flagName {
			return v
		}
	}
	panic("no configuration variable for flag " + flagName)
}

func usage(v envVar) string { return v.usage + " (env " + v.env + ")" }

// Validate names the setting that is wrong.
func (c config) Validate() error {
	switch strings.ToLower(c.Anonymous) {
	case "", "true", "false":
	default:
		return fmt.Errorf("FAQBOT_ANONYMOUS / --anonymous: %q is not true or false", c.Anonymous)
	}
	switch c.Embedder {
	case "", "local":
	case "openai":
		if c.OpenAIKey == "" {
			return errors.New("FAQBOT_EMBEDDER=openai needs OPENAI_API_KEY")
		}
	default:
		return fmt.Errorf("FAQBOT_EMBEDDER / --embedder: %q is not local or openai", c.Embedder)
	}
	switch c.LogFormat {
	case "", "text", "json":
	default:
		return fmt.Errorf("FAQBOT_LOG_FORMAT / --log-format: %q is not text or json", c.LogFormat)
	}
	if c.LocalDims < 16 || c.LocalDims > 2000 {
		return fmt.Errorf("FAQBOT_LOCAL_DIMENSIONS / --local-dimensions: %d is outside 16..2000", c.LocalDims)
	}
	if c.EmbeddingDims < 0 || c.EmbeddingDims > 16000 {
		return fmt.Errorf("FAQBOT_EMBEDDING_DIMENSIONS / --embedding-dimensions: %d is outside 0..16000", c.EmbeddingDims)
	}
	if c.MaxBodyBytes < 1024 || c.MaxImportBytes < 1024 {
		return errors.New("FAQBOT_MAX_BODY_BYTES and FAQBOT_MAX_IMPORT_BYTES must be at least 1024")
	}
	if c.RateLimit < 0 || c.RateBurst < 0 {
		return errors.New("FAQBOT_RATE_LIMIT and FAQBOT_RATE_BURST must not be negative")
	}
	if _, err := webhooks.ParseAllow(c.WebhookAllow); err != nil {
		return fmt.Errorf("FAQBOT_WEBHOOK_ALLOW / --webhook-allow: %w", err)
	}
	if c.SweepInterval <= 0 {
		return fmt.Errorf("FAQBOT_SWEEP_INTERVAL / --sweep-interval: %v is not a positive duration such as 10s", c.SweepInterval)
	}
	// Clients retry within seconds or minutes; a shorter retention would replay nothing.
	if c.IdempotencyTTL < time.Minute {
		return fmt.Errorf("FAQBOT_IDEMPOTENCY_TTL / --idempotency-ttl: %v is shorter than 1m", c.IdempotencyTTL)
	}
	if _, err := c.policy(); err != nil {
		return err
	}
	if c.LLMTimeout <= 0 || c.RequestTimeout <= 0 || c.ShutdownTimeout <= 0 {
		return errors.New("timeouts must be positive durations such as 30s")
	}
	return nil
}

// policy is the handoff policy the configuration asks for: the defaults with the routing, the
// senior queue, the SLA targets and the claim lease replaced where set.
func (c config) policy() (handoff.Policy, error) {
	p := handoff.DefaultPolicy()
	if strings.TrimSpace(c.Queues) != "" {
		routing, err := handoff.ParseRouting(c.Queues)
		if err != nil {
			return p, fmt.Errorf("FAQBOT_ROUTING / --routing: %w", err)
		}
		p.QueueFor = routing
	}
	if err := handoff.CheckQueueName(c.SeniorQueue); err != nil {
		return p, fmt.Errorf("FAQBOT_SENIOR_QUEUE / --senior-queue: %q %w", c.SeniorQueue, err)
	}
	p.SeniorQueue = c.SeniorQueue
	sla, err := handoff.ParseSLA(c.SLA, p.SLA)
	if err != nil {
		return p, fmt.Errorf("FAQBOT_SLA / --sla: %w", err)
	}
	p.SLA = sla
	if c.ClaimLease < 10*time.Second {
		return p, fmt.Errorf("FAQBOT_CLAIM_LEASE / --claim-lease: %v is shorter than 10s", c.ClaimLease)
	}
	p.Lease = c.ClaimLease
	return p, nil
}

// anonymousAllowed applies the documented default: anonymous chat is on in the demo mode (no
// database) and off otherwise, unless set explicitly.
func (c config) anonymousAllowed() bool {
	if c.Anonymous == "" {
		return c.DatabaseURL == ""
	}
	return strings.EqualFold(c.Anonymous, "true")
}

// useOpenAIEmbedder applies the default: the server's embeddings when a key is configured.
func (c config) useOpenAIEmbedder() bool {
	return c.Embedder == "openai" || (c.Embedder == "" && c.OpenAIKey != "")
}

// String prints the configuration with secrets masked, for the start-up log.
func (c config) String() string {
	return fmt.Sprintf("addr=%s database=%s admin_token=%s user_secret=%s llm=%s base_url=%s anonymous=%t",
		c.Addr, maskURL(c.DatabaseURL), mask(c.AdminToken), mask(c.UserSecret), mask(c.OpenAIKey),
		c.OpenAIBaseURL, c.anonymousAllowed())
}

func mask(secret string) string {
	if secret == "" {
		return "(unset)"
	}
	return "(set)"
}

// maskURL hides the password of a connection URL.
func maskURL(u string) string {
	if u == "" {
		return "(memory)"
	}
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return u
	}
	creds := u[scheme+3 : at]
	if i := strings.Index(creds, ":"); i >= 0 {
		creds = creds[:i] + ":****"
	}
	return u[:scheme+3] + creds + u[at:]
}
