package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/jackc/pgx/v5"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/knowledge"
)

// benchUserToken is what a host app signs for its user: HS256, an hour to live.
func benchUserToken(b *testing.B, sub string) string {
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": sub, "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString([]byte(benchUserSecret))
	if err != nil {
		b.Fatal(err)
	}
	return tok
}

type benchReply struct {
	Decision string `json:"decision"`
	State    string `json:"state"`
	Message  *struct {
		Text string `json:"text"`
	} `json:"message"`
}

// benchChatter is one app user chatting over HTTP. Conversations are opened before the
// clock runs and replaced every benchTurnsPerConversation turns, or when one leaves the bot.
type benchChatter struct {
	s       *benchStack
	url     string // the server, which may be the streaming stack's
	token   string
	spare   []string
	conv    string
	turns   int
	replies map[string]int // decisions seen
}

func (s *benchStack) newChatter(b *testing.B, url, sub string, turns int) *benchChatter {
	b.Helper()
	c := &benchChatter{s: s, url: url, token: benchUserToken(b, sub), replies: map[string]int{}}
	c.stock(b, turns/benchTurnsPerConversation+2)
	return c
}

func (c *benchChatter) stock(b *testing.B, n int) {
	b.Helper()
	for range n {
		var out struct {
			ID string `json:"id"`
		}
		if err := c.s.post(context.Background(), c.url, "/v1/conversations", c.token, map[string]string{}, &out); err != nil {
			b.Fatal(err)
		}
		c.spare = append(c.spare, out.ID)
	}
}

// next returns the conversation for the coming turn; it opens one (rarely, and untimed by
// the caller's latency clock) only when the stock ran out.
func (c *benchChatter) next(ctx context.Context) (string, error) {
	if c.conv != "" && c.turns < benchTurnsPerConversation {
		return c.conv, nil
	}
	c.turns = 0
	if len(c.spare) > 0 {
		c.conv, c.spare = c.spare[0], c.spare[1:]
		return c.conv, nil
	}
	var out struct {
		ID string `json:"id"`
	}
	err := c.s.post(ctx, c.url, "/v1/conversations", c.token, map[string]string{}, &out)
	c.conv = out.ID
	return c.conv, err
}

// turn posts one message and reads the reply.
func (c *benchChatter) turn(ctx context.Context, conv, text string) error {
	var r benchReply
	if err := c.s.post(ctx, c.url, "/v1/conversations/"+conv+"/messages", c.token, map[string]string{"text": text}, &r); err != nil {
		return err
	}
	c.done(r)
	if r.Message == nil || r.Message.Text == "" {
		return fmt.Errorf("turn %q: no reply (decision %q)", text, r.Decision)
	}
	return nil
}

// done counts the decision and retires a conversation that left the bot.
func (c *benchChatter) done(r benchReply) {
	c.replies[r.Decision]++
	c.turns++
	if r.State != string(bot.StateBot) {
		c.turns = benchTurnsPerConversation
	}
}

// warmTurns runs every turn text once over HTTP: it warms the caches and the prepared
// statements, and records the search statement each text makes, which the bare-SQL
// baselines replay.
func (s *benchStack) warmTurns(b *testing.B) {
	b.Helper()
	if s.turnQueries != nil {
		return
	}
	ctx := context.Background()
	c := s.newChatter(b, s.url, "bench-warm-up", len(s.turnTexts))
	s.turnQueries = make(map[string]knowledge.SearchQuery, len(s.turnTexts))
	for _, text := range s.turnTexts {
		conv, err := c.next(ctx)
		if err == nil {
			err = c.turn(ctx, conv, text)
		}
		if err != nil {
			b.Fatal(err)
		}
		s.turnQueries[text] = s.recorder.lastQuery()
	}
	b.Logf("warm-up turns: %v", c.replies)
}

// benchSQLChatter is the bare-SQL counterpart of a chatter: its own conversations, written to
// directly.
type benchSQLChatter struct {
	s     *benchStack
	spare []string
	conv  string
	turns int
}

func (s *benchStack) newSQLChatter(b *testing.B, turns int) *benchSQLChatter {
	b.Helper()
	c := &benchSQLChatter{s: s}
	for range turns/benchTurnsPerConversation + 2 {
		conv := bot.Conversation{OwnerID: "bench-sql"}
		if err := s.convs.CreateConversation(context.Background(), &conv); err != nil {
			b.Fatal(err)
		}
		c.spare = append(c.spare, conv.ID)
	}
	return c
}

// benchAppendSQL is the least a message needs: the next seq of its conversation, and the row.
const benchAppendSQL = `WITH bump AS (
	UPDATE conversations SET last_seq = last_seq + 1, updated_at = now() WHERE id = $1 RETURNING last_seq)
INSERT INTO messages (conversation_id, seq, role, text, created_at)
SELECT $1, last_seq, $2, $3, now() FROM bump`

// turn is the bare SQL a turn needs: the retrieval statement the service ran for this text,
// through pgx, and one transaction writing the user's message and the reply.
func (c *benchSQLChatter) turn(ctx context.Context, text string) error {
	if c.conv == "" || c.turns == benchTurnsPerConversation {
		if len(c.spare) == 0 {
			conv := bot.Conversation{OwnerID: "bench-sql"}
			if err := c.s.convs.CreateConversation(ctx, &conv); err != nil {
				return err
			}
			c.spare = append(c.spare, conv.ID)
		}
		c.conv, c.spare, c.turns = c.spare[0], c.spare[1:], 0
	}
	c.turns++
	q, ok := c.s.turnQueries[text]
	if !ok {
		return fmt.Errorf("no recorded search for %q", text)
	}
	hits, err := c.s.store.Search(ctx, q)
	if err != nil {
		return err
	}
	if len(hits) == 0 {
		return fmt.Errorf("bare search %q: no hits", text)
	}
	return pgx.BeginFunc(ctx, c.s.pool, func(tx pgx.Tx) error {
		for _, m := range [][2]string{{"user", text}, {"bot", hits[0].Article.Answer}} {
			tag, err := tx.Exec(ctx, benchAppendSQL, c.conv, m[0], m[1])
			if err != nil {
				return err
			}
			if tag.RowsAffected() != 1 {
				return fmt.Errorf("conversation %s vanished", c.conv)
			}
		}
		return nil
	})
}
