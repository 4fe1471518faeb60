package api_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/api"
	"github.com/faqbot/faqbot/bot"
	botmemory "github.com/faqbot/faqbot/bot/memory"
	botpg "github.com/faqbot/faqbot/bot/postgres"
	"github.com/faqbot/faqbot/handoff"
	handoffmemory "github.com/faqbot/faqbot/handoff/memory"
	handoffpg "github.com/faqbot/faqbot/handoff/postgres"
	"github.com/faqbot/faqbot/internal/postgres"
	"github.com/faqbot/faqbot/internal/postgres/pgtest"
	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/demo"
	"github.com/faqbot/faqbot/knowledge/memory"
)

const userSecret = "test-user-secret-0123456789abcdef-0123456789"

var (
	demoOnce sync.Once
	demoSvc  *knowledge.Service
	demoErr  error
)

// demoKnowledge is the demo knowledge base, loaded once: no test changes articles.
func demoKnowledge(t testing.TB) *knowledge.Service {
	t.Helper()
	demoOnce.Do(func() {
		svc := knowledge.NewService(memory.New(), knowledge.NewLocalEmbedder(knowledge.DefaultLocalDimensions), knowledge.DefaultSearchParams())
		articles, err := demo.Articles()
		if err != nil {
			demoErr = err
			return
		}
		rows := make([]knowledge.ImportRow, len(articles))
		for i, a := range articles {
			rows[i] = knowledge.ImportRow{Row: i + 1, Article: a}
		}
		if _, demoErr = svc.Import(context.Background(), rows); demoErr == nil {
			demoSvc = svc
		}
	})
	require.NoError(t, demoErr)
	return demoSvc
}

// userEnv is env with the real dialogue engine over the memory stores and the demo
// knowledge base, accepting user tokens signed with userSecret.
type userEnv struct {
	*env
	convs  bot.Store
	engine *bot.Engine
}

type userEnvOptions struct {
	anonymous bool
	secret    string
	answerer  bot.Answerer
	timeout   time.Duration
	// postgres keeps conversations and tickets in a fresh PostgreSQL database.
	postgres bool
	// notify (with postgres) wakes event streams through LISTEN/NOTIFY only: they never
	// poll, so whatever reaches them came by a notification.
	notify bool
}

func newUserEnv(t testing.TB, o userEnvOptions) *userEnv {
	t.Helper()
	var (
		convs    bot.Store
		tickets  handoff.Store
		notifier api.Notifier
	)
	if o.postgres {
		pool := pgtest.New(t)
		convs, tickets = botpg.New(pool), handoffpg.New(pool)
		if o.notify {
			l := postgres.NewListener(pool.Config().ConnString(), nil, api.NotifyChannels...)
			l.Start(context.Background())
			t.Cleanup(l.Close)
			notifier = l
		}
	} else {
		mem := handoffmemory.New()
		convs, tickets = botmemory.New(mem), mem
	}
	knowledgeSvc := demoKnowledge(t)
	engine := bot.NewEngine(bot.DefaultConfig(), bot.Deps{Store: convs, Tickets: tickets, Retriever: knowledgeSvc, Answerer: o.answerer})
	e := newEnv(t, func(c *api.Config, d *api.Deps) {
		c.UserSecret, c.Anonymous = o.secret, o.anonymous
		c.EventPoll, c.Heartbeat = 20*time.Millisecond, time.Hour
		if o.timeout > 0 {
			c.RequestTimeout, c.Heartbeat = o.timeout, o.timeout/4
		}
		d.Knowledge, d.Bot = knowledgeSvc, engine
		if notifier != nil {
			d.Notifier, c.SafetyPoll = notifier, time.Hour
		}
	})
	return &userEnv{env: e, convs: convs, engine: engine}
}

// userToken is what a host app gives its user sub: HS256, an hour to live.
func userToken(t testing.TB, sub string) string {
	t.Helper()
	return signToken(t, jwt.SigningMethodHS256, []byte(userSecret), jwt.MapClaims{"sub": sub, "exp": time.Now().Add(time.Hour).Unix()})
}

func signToken(t testing.TB, m jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, claims).SignedString(key)
	require.NoError(t, err)
	return s
}

type conversationOut struct {
	ID    string `json:"id"`
	Token string `json:"token"`
	State string `json:"state"`
}

func (e *userEnv) start(token string) conversationOut {
	e.t.Helper()
	var c conversationOut
	e.json(request{method: "POST", path: "/v1/conversations", token: token}, http.StatusCreated, &c)
	require.NotEmpty(e.t, c.ID)
	return c
}

type citationJSON struct {
	ArticleID int64  `json:"article_id"`
	Title     string `json:"title"`
}

type messageJSON struct {
	ID         int64          `json:"id"`
	Seq        int64          `json:"seq"`
	Role       string         `json:"role"`
	Text       string         `json:"text"`
	Author     string         `json:"author"`
	Citations  []citationJSON `json:"citations"`
	Confidence *float64       `json:"confidence"`
	Sentiment  *struct {
		Label string  `json:"label"`
		Score float64 `json:"score"`
	} `json:"sentiment"`
	Decision  string `json:"decision"`
	CreatedAt string `json:"created_at"`
}

type ticketJSON struct {
	Number   string `json:"number"`
	Status   string `json:"status"`
	Priority string `json:"priority"`
	Queue    string `json:"queue"`
}

type replyJSON struct {
	Message     *messageJSON `json:"message"`
	UserMessage *messageJSON `json:"user_message"`
	Decision    string       `json:"decision"`
	Reason      string       `json:"reason"`
	State       string       `json:"state"`
	Ticket      *ticketJSON  `json:"ticket"`
	Suggestions []string     `json:"suggestions"`
}

func (e *userEnv) say(token, convID, text string) replyJSON {
	e.t.Helper()
	var r replyJSON
	e.json(request{method: "POST", path: "/v1/conversations/" + convID + "/messages", token: token, body: map[string]string{"text": text}}, http.StatusOK, &r)
	return r
}

type transcriptJSON struct {
	Items      []messageJSON `json:"items"`
	NextCursor *string       `json:"next_cursor"`
}

func (e *userEnv) transcript(token, convID, query string) transcriptJSON {
	e.t.Helper()
	var tr transcriptJSON
	e.json(request{method: "GET", path: "/v1/conversations/" + convID + "/messages" + query, token: token}, http.StatusOK, &tr)
	return tr
}

// sseEvent is one server-sent event as a client sees it.
type sseEvent struct {
	id, name, data string
}

// sseReader parses the event-stream format: fields until a blank line; comments start
// with a colon.
type sseReader struct {
	r        *bufio.Reader
	comments int
}

func newSSEReader(r io.Reader) *sseReader { return &sseReader{r: bufio.NewReader(r)} }

// next returns the next event, or io.EOF when the stream ends.
func (s *sseReader) next() (sseEvent, error) {
	var ev sseEvent
	var data []string
	seen := false
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return ev, err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			if seen {
				ev.data = strings.Join(data, "\n")
				return ev, nil
			}
			continue
		}
		if strings.HasPrefix(line, ":") {
			s.comments++
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			ev.name, seen = value, true
		case "data":
			data, seen = append(data, value), true
		case "id":
			ev.id, seen = value, true
		case "retry":
		}
	}
}

// all reads every event until the stream ends.
func (s *sseReader) all(t testing.TB) []sseEvent {
	t.Helper()
	var out []sseEvent
	for {
		ev, err := s.next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		out = append(out, ev)
	}
}
