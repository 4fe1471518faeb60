package bot_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot"
	botmemory "github.com/faqbot/faqbot/bot/memory"
	"github.com/faqbot/faqbot/bot/sentiment"
	"github.com/faqbot/faqbot/handoff"
	handoffmemory "github.com/faqbot/faqbot/handoff/memory"
	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/demo"
	"github.com/faqbot/faqbot/knowledge/memory"
)

type fixture struct {
	engine    *bot.Engine
	store     *botmemory.Store
	tickets   *handoffmemory.Store
	retriever *knowledge.Service
}

// newFixture runs the real engine over the memory stores and the demo knowledge base.
func newFixture(t *testing.T, answerer bot.Answerer) fixture {
	t.Helper()
	ctx := context.Background()
	svc := knowledge.NewService(memory.New(), knowledge.NewLocalEmbedder(knowledge.DefaultLocalDimensions), knowledge.DefaultSearchParams())
	articles, err := demo.Articles()
	require.NoError(t, err)
	rows := make([]knowledge.ImportRow, len(articles))
	for i, a := range articles {
		rows[i] = knowledge.ImportRow{Row: i + 1, Article: a}
	}
	report, err := svc.Import(ctx, rows)
	require.NoError(t, err)
	require.Empty(t, report.Failed)

	tickets := handoffmemory.New()
	store := botmemory.New(tickets)
	e := bot.NewEngine(bot.DefaultConfig(), bot.Deps{Store: store, Tickets: tickets, Retriever: svc, Answerer: answerer})
	return fixture{engine: e, store: store, tickets: tickets, retriever: svc}
}

func (f fixture) start(t *testing.T, owner string) bot.Conversation {
	t.Helper()
	c, err := f.engine.Start(context.Background(), owner, "")
	require.NoError(t, err)
	return c
}

// say sends text and returns the reply, reloading the conversation so its state is current.
func (f fixture) say(t *testing.T, c *bot.Conversation, text string) bot.Reply {
	t.Helper()
	r, err := f.engine.Handle(context.Background(), *c, text, "", nil)
	require.NoError(t, err, text)
	*c, err = f.engine.Conversation(context.Background(), c.ID, c.OwnerID)
	require.NoError(t, err)
	return r
}

func TestAnswersInTheUsersLanguageWithCitations(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		text      string
		wantTitle string
	}{
		{"收不到验证码怎么办", "收不到验证码怎么办？"},
		{"我的手机号换了，怎么换绑", "怎么换绑手机号？"},
		{"I'm not getting the verification code", "I'm not getting the verification code"},
		{"how can I download a copy of my data", "How do I download a copy of my data?"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			c := f.start(t, "u-"+tt.text)
			r := f.say(t, &c, tt.text)
			require.Equal(t, bot.DecisionAnswer, r.Decision, r.Reason)
			require.NotNil(t, r.Message)
			require.NotEmpty(t, r.Message.Citations)
			assert.Equal(t, tt.wantTitle, r.Message.Citations[0].Title)
			assert.GreaterOrEqual(t, *r.Message.Confidence, bot.DefaultConfig().Threshold)
			assert.Equal(t, bot.StateBot, r.State)
			assert.Nil(t, r.Ticket)
		})
	}
}

func TestFollowUpBorrowsThePreviousTopic(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		name, first, follow, wantTitle string
	}{
		{"zh", "充值了微迪币但没到账", "那提现呢？", "创作者收益怎么提现？"},
		{"en", "How do I change the phone number on my account?", "and how do I delete it?", "How do I delete my account?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := f.start(t, "follow-"+tt.name)
			f.say(t, &c, tt.first)
			r := f.say(t, &c, tt.follow)
			require.NotNil(t, r.Message)
			// Without an LLM the rewritten question is rougher, so the bot may ask back; either
			// way the borrowed topic must put the right article first.
			switch r.Decision {
			case bot.DecisionAnswer:
				require.NotEmpty(t, r.Message.Citations)
				assert.Equal(t, tt.wantTitle, r.Message.Citations[0].Title)
			case bot.DecisionClarify:
				require.NotEmpty(t, r.Suggestions, r.Reason)
				assert.Equal(t, tt.wantTitle, r.Suggestions[0])
			default:
				t.Fatalf("decision %s: %s", r.Decision, r.Reason)
			}
			msgs, err := f.engine.Transcript(context.Background(), c.ID, c.OwnerID, 0, 10)
			require.NoError(t, err)
			assert.NotEqual(t, msgs[2].Text, msgs[2].Query, "the stored user message keeps its rewritten query")
		})
	}
}

func TestLowConfidenceClarifiesThenHandsOver(t *testing.T) {
	f := newFixture(t, nil)
	c := f.start(t, "low")
	r := f.say(t, &c, "qwrzx plomb vvv")
	require.Equal(t, bot.DecisionClarify, r.Decision, r.Reason)
	assert.LessOrEqual(t, len(r.Suggestions), 3)
	assert.Equal(t, bot.StateBot, r.State)

	r = f.say(t, &c, "zzzq blorf")
	require.Equal(t, bot.DecisionHandoff, r.Decision, r.Reason)
	require.NotNil(t, r.Ticket)
	assert.Equal(t, bot.StateQueued, r.State)
	ticket, err := f.tickets.Ticket(context.Background(), r.Ticket.Number)
	require.NoError(t, err)
	assert.Equal(t, handoff.TriggerLowConfidence, ticket.Trigger)
	assert.Equal(t, handoff.P3, ticket.Priority)
	assert.Contains(t, r.Message.Text, r.Ticket.Number, "the user is told the ticket number")
}

func TestHandoverTriggers(t *testing.T) {
	tests := []struct {
		name      string
		text      string
		trigger   handoff.Trigger
		priority  handoff.Priority
		queue     string
		textMatch string
	}{
		{"explicit zh", "转人工", handoff.TriggerUserRequest, handoff.P3, "", "工单号"},
		{"explicit en", "I want to talk to a human", handoff.TriggerUserRequest, handoff.P3, "", "ticket number"},
		{"high risk zh", "我的账号被盗了，对方在用我的号发消息", handoff.TriggerHighRisk, handoff.P1, "", "工单号"},
		{"high risk en", "I was charged twice for the same coins", handoff.TriggerHighRisk, handoff.P1, "", "ticket number"},
		{"angry zh", "你们这什么破平台，钱扣了还不到账！垃圾！", handoff.TriggerAngry, handoff.P2, "senior", "工单号"},
		{"angry en", "THIS IS RIDICULOUS, you stole my money, worst app ever!!!", "", handoff.P1, "senior", "ticket number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			c := f.start(t, "trig")
			r := f.say(t, &c, tt.text)
			require.Equal(t, bot.DecisionHandoff, r.Decision, r.Reason)
			require.NotNil(t, r.Ticket)
			ticket, err := f.tickets.Ticket(context.Background(), r.Ticket.Number)
			require.NoError(t, err)
			if tt.trigger != "" {
				assert.Equal(t, tt.trigger, ticket.Trigger)
			}
			assert.Equal(t, tt.priority, ticket.Priority, ticket.Reason)
			if tt.queue != "" {
				assert.Equal(t, tt.queue, ticket.Queue)
			}
			assert.NotEmpty(t, ticket.Reason)
			assert.Contains(t, ticket.Summary, strings.Fields(tt.text)[0])
			assert.NotEmpty(t, ticket.SentimentTrail)
			assert.Contains(t, r.Message.Text, tt.textMatch)
			assert.Equal(t, c.OwnerID, ticket.OwnerID)
		})
	}
}

func TestQueuedConversationTellsThePlaceAndEscalates(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	// Someone else is already waiting in the same queue.
	other := f.start(t, "other")
	f.say(t, &other, "转人工")

	c := f.start(t, "waiting")
	r := f.say(t, &c, "转人工")
	require.Equal(t, bot.StateQueued, r.State)
	first := r.Ticket.Number

	r = f.say(t, &c, "我的视频为什么没有人看")
	assert.Equal(t, bot.DecisionQueued, r.Decision, "the bot does not answer while a human owns the chat")
	require.NotNil(t, r.Message)
	assert.Contains(t, r.Message.Text, first)
	assert.Contains(t, r.Message.Text, "前面还有 1 位")

	r = f.say(t, &c, "人工客服呢？快点")
	assert.Equal(t, "P2", r.Ticket.Priority, "asking again raises the priority")
	st, err := f.engine.Ticket(ctx, strings.ToLower(first), c.OwnerID)
	require.NoError(t, err)
	require.NotNil(t, st.Place)
	assert.Equal(t, 1, st.Place.Position, "a higher priority goes first")

	_, err = f.engine.Ticket(ctx, first, "someone-else")
	assert.ErrorIs(t, err, bot.ErrNotFound, "another user's ticket is not found")
}

func TestMemoryWindowDropsTurnEight(t *testing.T) {
	f := newFixture(t, nil)
	c := f.start(t, "long")
	for i := 1; i <= 7; i++ {
		f.say(t, &c, fmt.Sprintf("第%d个问题：怎么换绑手机号", i))
	}
	r := f.say(t, &c, "转人工")
	require.NotNil(t, r.Ticket)
	ticket, err := f.tickets.Ticket(context.Background(), r.Ticket.Number)
	require.NoError(t, err)
	assert.NotContains(t, ticket.Summary, "第1个问题", "turn 1 fell out of the 7-turn window")
	assert.Contains(t, ticket.Summary, "第2个问题")
	assert.Contains(t, ticket.Summary, "转人工")
	assert.Len(t, ticket.SentimentTrail, 7)

	all, err := f.engine.Transcript(context.Background(), c.ID, c.OwnerID, 0, 100)
	require.NoError(t, err)
	assert.Len(t, all, 16, "older turns stay in the transcript")
}

func TestIdempotentRetryRunsTheBotOnce(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	c := f.start(t, "idem")
	var wg sync.WaitGroup
	replies := make([]bot.Reply, 8)
	errs := make([]error, 8)
	for i := range replies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			replies[i], errs[i] = f.engine.Handle(ctx, c, "收不到验证码怎么办", "key-1", nil)
		}()
	}
	wg.Wait()
	for i := range replies {
		require.NoError(t, errs[i])
		require.NotNil(t, replies[i].Message)
		assert.Equal(t, replies[0].Message.ID, replies[i].Message.ID)
	}
	all, err := f.engine.Transcript(ctx, c.ID, c.OwnerID, 0, 100)
	require.NoError(t, err)
	assert.Len(t, all, 2, "one user message and one reply")

	_, err = f.engine.Handle(ctx, c, "another question", "key-1", nil)
	assert.ErrorIs(t, err, bot.ErrIdempotencyMismatch)
}

func TestBadMessages(t *testing.T) {
	f := newFixture(t, nil)
	c := f.start(t, "bad")
	tests := []struct {
		name string
		text string
		want error
	}{
		{"empty", "", bot.ErrInvalid},
		{"whitespace", " \n\t　", bot.ErrInvalid},
		{"invalid UTF-8", "hi \xff", bot.ErrInvalid},
		{"control character", "hi\x07there", bot.ErrInvalid},
		{"too large", strings.Repeat("a", 8<<10+1), bot.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.engine.Handle(context.Background(), c, tt.text, "", nil)
			assert.ErrorIs(t, err, tt.want)
		})
	}
	all, err := f.engine.Transcript(context.Background(), c.ID, c.OwnerID, 0, 100)
	require.NoError(t, err)
	assert.Empty(t, all, "nothing is stored for a rejected message")
}

func TestStreamingDeliversTheWholeReply(t *testing.T) {
	f := newFixture(t, nil)
	c := f.start(t, "stream")
	var got strings.Builder
	r, err := f.engine.Handle(context.Background(), c, "How do I delete my account?", "", func(s string) error {
		got.WriteString(s)
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, r.Message.Text, got.String())
}

func TestRetryAnswersAnAbandonedTurn(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	c := f.start(t, "abandoned")
	// A request stored the message and died before answering it.
	text := "How do I delete my account?"
	sum := sha256.Sum256([]byte(text))
	key := bot.TurnKey{Key: "k-1", BodyHash: sum[:]}
	prior, err := f.store.BeginTurn(ctx, &bot.Message{ConversationID: c.ID, Role: bot.RoleUser, Text: text}, key)
	require.NoError(t, err)
	require.Nil(t, prior)

	later := bot.NewEngine(bot.DefaultConfig(), bot.Deps{Store: f.store, Tickets: f.tickets, Retriever: f.retriever,
		Now: func() time.Time { return time.Now().Add(3 * time.Minute) }})
	r, err := later.Handle(ctx, c, text, "k-1", nil)
	require.NoError(t, err)
	require.NotNil(t, r.Message, "the retry answers the stored message")
	msgs, err := later.Transcript(ctx, c.ID, c.OwnerID, 0, 10)
	require.NoError(t, err)
	assert.Len(t, msgs, 2, "the message is not stored twice")

	again, err := later.Handle(ctx, c, text, "k-1", nil)
	require.NoError(t, err)
	assert.Equal(t, r.Message.ID, again.Message.ID, "a later retry replays the same reply")
}

// alwaysAngry stands in for an LLM classifier that reads anger the lexicon misses.
type alwaysAngry struct{}

func (alwaysAngry) Analyze(context.Context, string) (sentiment.Result, error) {
	return sentiment.Result{Label: sentiment.LabelAngry, Score: -0.9, Signals: []string{"llm"}}, nil
}

func TestClassifierRefinesTheMood(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	e := bot.NewEngine(bot.DefaultConfig(), bot.Deps{Store: f.store, Tickets: f.tickets, Retriever: f.retriever, Sentiment: alwaysAngry{}})
	c, err := e.Start(ctx, "refined", "")
	require.NoError(t, err)
	r, err := e.Handle(ctx, c, "How do I delete my account?", "", nil)
	require.NoError(t, err)
	assert.Equal(t, bot.DecisionHandoff, r.Decision)
	assert.Equal(t, "senior", r.Ticket.Queue)
	msgs, err := e.Transcript(ctx, c.ID, c.OwnerID, 0, 10)
	require.NoError(t, err)
	require.NotNil(t, msgs[0].Sentiment)
	assert.Equal(t, "angry", msgs[0].Sentiment.Label, "the stored mood is the classifier's")
}

func TestHumanStateWithoutOpenTicketFallsBackToTheBot(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	c := f.start(t, "orphan")
	require.NoError(t, f.store.SetState(ctx, c.ID, bot.StateAgent))
	c.State = bot.StateAgent
	r, err := f.engine.Handle(ctx, c, "How do I delete my account?", "", nil)
	require.NoError(t, err)
	assert.Equal(t, bot.DecisionAnswer, r.Decision, "nobody owned the chat, so the bot answers")
	assert.Equal(t, bot.StateBot, r.State)
}
