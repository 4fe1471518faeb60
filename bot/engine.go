package bot

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/faqbot/faqbot/bot/sentiment"
	"github.com/faqbot/faqbot/handoff"
	"github.com/faqbot/faqbot/knowledge"
)

// Retriever ranks articles for a question; knowledge.Service is one.
type Retriever interface {
	Search(ctx context.Context, req knowledge.SearchRequest) (knowledge.SearchResult, error)
}

// Config holds the dialogue policy (DESIGN §3); DefaultConfig has the documented defaults.
type Config struct {
	Window        int     // turns of memory
	Threshold     float64 // confidence at and above which the bot answers
	TopK          int     // candidates retrieved per turn
	MaxMessageLen int     // bytes of one user message
	Policy        handoff.Policy
	// TurnWait is how long a retried request waits for the first request's reply.
	TurnWait time.Duration
	// StaleTurn is when a stored but unanswered message counts as abandoned, so that a retry
	// answers it instead of waiting.
	StaleTurn time.Duration
	// TurnKeyTTL is how long an Idempotency-Key replays its turn; Sweep deletes older keys.
	TurnKeyTTL time.Duration
}

// DefaultTurnKeyTTL keeps Idempotency-Keys for a day, the usual retention: clients retry
// within minutes, not days.
const DefaultTurnKeyTTL = 24 * time.Hour

// DefaultConfig returns 7 turns, the calibrated threshold, 5 candidates and 8 KB messages.
func DefaultConfig() Config {
	return Config{
		Window:        7,
		Threshold:     knowledge.DefaultConfidenceThreshold,
		TopK:          5,
		MaxMessageLen: 8 << 10,
		Policy:        handoff.DefaultPolicy(),
		TurnWait:      20 * time.Second,
		StaleTurn:     2 * time.Minute,
		TurnKeyTTL:    DefaultTurnKeyTTL,
	}
}

// Deps are the engine's collaborators. Condenser, Answerer and Sentiment default to the
// offline ones.
type Deps struct {
	Store     Store
	Tickets   handoff.Store
	Retriever Retriever
	Sentiment sentiment.Analyzer
	Condenser Condenser
	Answerer  Answerer
	Logger    *slog.Logger
	Now       func() time.Time
}

// Engine runs conversations.
type Engine struct {
	store     Store
	tickets   handoff.Store
	retriever Retriever
	sentiment sentiment.Analyzer
	offline   sentiment.Analyzer
	condenser Condenser
	answerer  Answerer
	cfg       Config
	log       *slog.Logger
	now       func() time.Time
}

// NewEngine wires an engine; missing optional parts get their offline defaults.
func NewEngine(cfg Config, d Deps) *Engine {
	e := &Engine{
		store: d.Store, tickets: d.Tickets, retriever: d.Retriever,
		sentiment: d.Sentiment, condenser: d.Condenser, answerer: d.Answerer,
		offline: sentiment.NewLexicon(), cfg: cfg, log: d.Logger, now: d.Now,
	}
	if e.sentiment == nil {
		e.sentiment = e.offline
	}
	if e.condenser == nil {
		e.condenser = HeuristicCondenser{}
	}
	if e.answerer == nil {
		e.answerer = Extractive{}
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.now == nil {
		e.now = func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
	}
	return e
}

// Start opens a conversation for a known user (the sub of the host app's token).
func (e *Engine) Start(ctx context.Context, ownerID, language string) (Conversation, error) {
	if ownerID == "" {
		return Conversation{}, fmt.Errorf("%w: no user", ErrInvalid)
	}
	c := Conversation{ID: uuid.NewString(), OwnerID: ownerID, Language: language, State: StateBot}
	if err := e.store.CreateConversation(ctx, &c); err != nil {
		return Conversation{}, err
	}
	return c, nil
}

// StartAnonymous opens a conversation whose only credential is the returned token.
func (e *Engine) StartAnonymous(ctx context.Context, language string) (Conversation, string, error) {
	token := "fqc_" + base64.RawURLEncoding.EncodeToString(randomBytes(32))
	c := Conversation{ID: uuid.NewString(), OwnerID: "anon:" + hex.EncodeToString(randomBytes(8)), Language: language,
		State: StateBot, TokenHash: HashToken(token)}
	if err := e.store.CreateConversation(ctx, &c); err != nil {
		return Conversation{}, "", err
	}
	return c, token, nil
}

// Conversation returns ownerID's conversation; another owner's is ErrNotFound.
func (e *Engine) Conversation(ctx context.Context, id, ownerID string) (Conversation, error) {
	return e.store.Conversation(ctx, id, ownerID)
}

// ConversationByToken authenticates an anonymous conversation token.
func (e *Engine) ConversationByToken(ctx context.Context, token string) (Conversation, error) {
	return e.store.ConversationByToken(ctx, HashToken(token))
}

// Transcript returns ownerID's messages after afterSeq.
func (e *Engine) Transcript(ctx context.Context, id, ownerID string, afterSeq int64, limit int) ([]Message, error) {
	if _, err := e.store.Conversation(ctx, id, ownerID); err != nil {
		return nil, err
	}
	return e.store.Messages(ctx, id, afterSeq, limit)
}

// HashToken is how conversation tokens are stored: never in the clear.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return b
}
