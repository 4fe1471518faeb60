package api_test

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// agentTicketJSON is a ticket as agents read it.
type agentTicketJSON struct {
	Number          string  `json:"number"`
	Status          string  `json:"status"`
	Priority        string  `json:"priority"`
	Queue           string  `json:"queue"`
	Category        string  `json:"category"`
	Trigger         string  `json:"trigger"`
	Reason          string  `json:"reason"`
	Question        string  `json:"question"`
	Summary         string  `json:"summary"`
	Language        string  `json:"language"`
	CreatedAt       string  `json:"created_at"`
	DueAt           string  `json:"due_at"`
	AssignedTo      *string `json:"assigned_to"`
	LeaseUntil      *string `json:"lease_until"`
	FirstResponseAt *string `json:"first_response_at"`
	Breached        bool    `json:"breached"`
	ResolvedAt      *string `json:"resolved_at"`
	ClosedAt        *string `json:"closed_at"`
	SentimentTrail  []struct {
		Label string  `json:"label"`
		Score float64 `json:"score"`
		At    string  `json:"at"`
	} `json:"sentiment_trail"`
	Candidates []struct {
		ArticleID int64   `json:"article_id"`
		Title     string  `json:"title"`
		Answer    string  `json:"answer"`
		Score     float64 `json:"score"`
	} `json:"candidates"`
	Transcript []messageJSON `json:"transcript"`
	Events     []struct {
		ID     int64             `json:"id"`
		At     string            `json:"at"`
		Actor  string            `json:"actor"`
		Kind   string            `json:"kind"`
		Detail map[string]string `json:"detail"`
	} `json:"events"`
}

type agentTicketListJSON struct {
	Items      []agentTicketJSON `json:"items"`
	NextCursor *string           `json:"next_cursor"`
}

func (e *userEnv) view(token, number string) agentTicketJSON {
	e.t.Helper()
	var v agentTicketJSON
	e.json(request{method: "GET", path: "/v1/tickets/" + number, token: token}, http.StatusOK, &v)
	return v
}

func (e *userEnv) ticketList(token, query string) agentTicketListJSON {
	e.t.Helper()
	var l agentTicketListJSON
	e.json(request{method: "GET", path: "/v1/tickets" + query, token: token}, http.StatusOK, &l)
	return l
}

// mintAgent mints an agent token limited to queues through the admin's route.
func (e *userEnv) mintAgent(name string, queues ...string) string {
	e.t.Helper()
	var out struct {
		Token  string   `json:"token"`
		Queues []string `json:"queues"`
	}
	body := map[string]any{"role": "agent", "name": name, "queues": queues}
	e.json(request{method: "POST", path: "/v1/tokens", token: adminToken, body: body}, http.StatusCreated, &out)
	require.Equal(e.t, queues, nonEmpty(out.Queues))
	return out.Token
}

func nonEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func TestAgentWorkflowOnMemory(t *testing.T) {
	agentScenario(t, newUserEnv(t, userEnvOptions{anonymous: true, secret: userSecret}))
}

func TestAgentWorkflowOnPostgres(t *testing.T) {
	agentScenario(t, newUserEnv(t, userEnvOptions{anonymous: true, secret: userSecret, postgres: true}))
}

// agentScenario walks one ticket from the user's handoff through an agent's claim, reply and
// transfer, the admin's work in the other queue, to the resolve and the user's rating.
func agentScenario(t *testing.T, e *userEnv) {
	owner := userToken(t, "agent scenario user")
	conv, number := e.openTicket(owner)

	list := e.ticketList(e.agent, "")
	require.Len(t, list.Items, 1)
	first := list.Items[0]
	assert.Equal(t, number, first.Number)
	assert.Equal(t, "queued", first.Status)
	assert.Equal(t, "user_request", first.Trigger)
	assert.NotEmpty(t, first.Reason)
	assert.Nil(t, first.AssignedTo)
	assert.Nil(t, first.LeaseUntil)
	assert.Nil(t, list.NextCursor, "one page only")

	var claimed agentTicketJSON
	e.json(request{method: "POST", path: "/v1/tickets/claim", token: e.agent}, http.StatusOK, &claimed)
	assert.Equal(t, number, claimed.Number)
	assert.Equal(t, "assigned", claimed.Status)
	require.NotNil(t, claimed.AssignedTo)
	assert.Equal(t, "agent", *claimed.AssignedTo, "the agent is named by the token's name")
	assert.NotNil(t, claimed.LeaseUntil)

	rec := e.do(request{method: "POST", path: "/v1/tickets/claim", token: e.agent, body: map[string]any{}})
	assert.Equal(t, http.StatusNoContent, rec.Code, "nothing else waits")
	assert.Empty(t, rec.Body.String())

	var reply messageJSON
	e.json(request{method: "POST", path: "/v1/tickets/" + strings.ToLower(number) + "/messages", token: e.agent,
		body: map[string]string{"text": "您好，我是客服，请问遇到了什么问题？"}}, http.StatusCreated, &reply)
	assert.Equal(t, "agent", reply.Role)
	assert.Equal(t, "agent", reply.Author)

	// The reply is in the user's chat.
	tr := e.transcript(owner, conv.ID, "")
	last := tr.Items[len(tr.Items)-1]
	assert.Equal(t, reply.ID, last.ID)
	assert.Equal(t, "agent", last.Role)
	assert.Equal(t, "agent", last.Author)
	assert.Equal(t, "您好，我是客服，请问遇到了什么问题？", last.Text)
	assert.Equal(t, "system", tr.Items[len(tr.Items)-2].Role, "the joined notice came first")
	userReply := e.say(owner, conv.ID, "我的提现一直没到账")
	assert.Equal(t, "queued", userReply.Decision)
	assert.Nil(t, userReply.Message, "the bot is silent while an agent owns the chat")

	v := e.view(e.agent, number)
	assert.Equal(t, "assigned", v.Status)
	assert.NotNil(t, v.FirstResponseAt)
	assert.Len(t, v.Transcript, len(tr.Items)+1, "the whole transcript, the user's new message too")
	assert.Equal(t, "我的提现一直没到账", v.Transcript[len(v.Transcript)-1].Text)
	var kinds []string
	for _, ev := range v.Events {
		kinds = append(kinds, ev.Kind)
	}
	assert.Equal(t, []string{"created", "claimed", "replied"}, kinds)
	assert.Equal(t, "agent", v.Events[1].Actor)

	var moved agentTicketJSON
	e.json(request{method: "POST", path: "/v1/tickets/" + number + "/transfer", token: e.agent,
		body: map[string]string{"queue": "payment"}}, http.StatusOK, &moved)
	assert.Equal(t, "payment", moved.Queue)
	assert.Equal(t, "queued", moved.Status)
	assert.Nil(t, moved.AssignedTo)
	tr = e.transcript(owner, conv.ID, "")
	assert.Contains(t, tr.Items[len(tr.Items)-1].Text, "支付客服组", "the user is told, in their language")

	// The admin works every queue, by name "admin".
	e.json(request{method: "POST", path: "/v1/tickets/claim", token: adminToken, body: map[string]any{"queues": []string{"payment"}}}, http.StatusOK, &claimed)
	assert.Equal(t, number, claimed.Number)
	assert.Equal(t, "admin", *claimed.AssignedTo)

	rec = e.do(request{method: "POST", path: "/v1/tickets/" + number + "/messages", token: e.agent, body: map[string]string{"text": "me again"}})
	require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
	assert.Contains(t, decodeError(t, rec).Error.Message, "assigned to admin", "the conflict names the holder")

	var resolved agentTicketJSON
	e.json(request{method: "POST", path: "/v1/tickets/" + number + "/resolve", token: adminToken}, http.StatusOK, &resolved)
	assert.Equal(t, "resolved", resolved.Status)
	assert.NotNil(t, resolved.ResolvedAt)

	for _, r := range []request{
		{method: "POST", path: "/v1/tickets/" + number + "/resolve", token: adminToken},
		{method: "POST", path: "/v1/tickets/" + number + "/messages", token: adminToken, body: map[string]string{"text": "one more thing"}},
		{method: "POST", path: "/v1/tickets/" + number + "/transfer", token: adminToken, body: map[string]string{"queue": "tech"}},
	} {
		rec := e.do(r)
		require.Equal(t, http.StatusConflict, rec.Code, "%s: %s", r.path, rec.Body.String())
		assert.Contains(t, decodeError(t, rec).Error.Message, "already resolved")
	}

	res := e.rate(owner, number, map[string]any{"score": 5}, nil)
	require.Equal(t, http.StatusCreated, res.status, res.body)
	assert.Equal(t, "closed", e.view(e.agent, number).Status)
}

func TestAgentRoutesRefuseBadInput(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	owner := userToken(t, "bad input user")
	conv, number := e.openTicket(owner)
	_, held := e.openTicket(userToken(t, "another user"))
	other := e.mintAgent("other agent")
	e.json(request{method: "POST", path: "/v1/tickets/" + held + "/messages", token: other, body: map[string]string{"text": "mine"}}, http.StatusCreated, nil)
	before := len(e.transcript(owner, conv.ID, "").Items)
	path := "/v1/tickets/" + number

	tests := []struct {
		name   string
		req    request
		status int
		field  string
		says   string
	}{
		{"empty text", request{method: "POST", path: path + "/messages", body: map[string]string{"text": " \n "}}, 400, "text", "must not be empty"},
		{"missing text", request{method: "POST", path: path + "/messages", body: map[string]string{}}, 400, "text", "must not be empty"},
		{"huge text", request{method: "POST", path: path + "/messages", body: map[string]string{"text": strings.Repeat("长", 3000)}}, 413, "text", "bytes long"},
		{"body over the limit", request{method: "POST", path: path + "/messages", body: `{"text":"` + strings.Repeat("x", 2<<20) + `"}`}, 413, "", "larger than the limit"},
		{"invalid UTF-8", request{method: "POST", path: path + "/messages", body: []byte("{\"text\":\"bad \xff\"}")}, 400, "", "UTF-8"},
		{"control character", request{method: "POST", path: path + "/messages", body: map[string]string{"text": "bell \a"}}, 400, "text", "control character"},
		{"unknown field", request{method: "POST", path: path + "/messages", body: map[string]string{"txt": "hi"}}, 400, "txt", "unknown field"},
		{"unknown number", request{method: "POST", path: "/v1/tickets/0000-0000/messages", body: map[string]string{"text": "hi"}}, 404, "", "not found"},
		{"malformed number", request{method: "POST", path: "/v1/tickets/nope/resolve"}, 404, "", "not found"},
		{"another agent's ticket", request{method: "POST", path: "/v1/tickets/" + held + "/messages", body: map[string]string{"text": "hi"}}, 409, "", "assigned to other agent"},
		{"resolve another agent's ticket", request{method: "POST", path: "/v1/tickets/" + held + "/resolve"}, 409, "", "assigned to other agent"},
		{"transfer to an unknown queue", request{method: "POST", path: path + "/transfer", body: map[string]string{"queue": "vip"}}, 400, "queue", "account, ads, content, general, live, payment, senior, tech"},
		{"transfer without a queue", request{method: "POST", path: path + "/transfer", body: map[string]string{}}, 400, "queue", "queue is required"},
		{"transfer with a number for a queue", request{method: "POST", path: path + "/transfer", body: map[string]any{"queue": 7}}, 400, "queue", "string"},
		{"claim from an unknown queue", request{method: "POST", path: "/v1/tickets/claim", body: map[string]any{"queues": []string{"general", "vip"}}}, 400, "queues", `"vip" is not a queue`},
		{"claim with queues not a list", request{method: "POST", path: "/v1/tickets/claim", body: map[string]any{"queues": "general"}}, 400, "queues", "array"},
		{"list with a bad status", request{method: "GET", path: "/v1/tickets?status=queued,open"}, 400, "status", `"queued,open"`},
		{"list with a bad limit", request{method: "GET", path: "/v1/tickets?limit=201"}, 400, "limit", "between 1 and 200"},
		{"list with a zero limit", request{method: "GET", path: "/v1/tickets?limit=0"}, 400, "limit", "between 1 and 200"},
		{"list with a bad cursor", request{method: "GET", path: "/v1/tickets?cursor=abc"}, 400, "cursor", "cursor"},
		{"list with another list's cursor", request{method: "GET", path: "/v1/tickets?cursor=" + base64.RawURLEncoding.EncodeToString([]byte("k1:5"))}, 400, "cursor", "cursor"},
		{"list of an unknown queue", request{method: "GET", path: "/v1/tickets?queue=vip"}, 400, "queue", "not a queue"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.token = e.agent
			rec := e.do(tc.req)
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			got := decodeError(t, rec).Error
			assert.Equal(t, tc.field, got.Field)
			assert.Contains(t, got.Message, tc.says)
		})
	}

	assert.Len(t, e.transcript(owner, conv.ID, "").Items, before, "no refused request wrote into the chat")
	v := e.view(e.agent, number)
	assert.Equal(t, "queued", v.Status, "and none claimed or moved the ticket")
	assert.Equal(t, "assigned", e.view(e.agent, held).Status)
	assert.Equal(t, "other agent", *e.view(e.agent, held).AssignedTo)

	// In Chinese for a Chinese client.
	rec := e.do(request{method: "POST", path: path + "/transfer", token: e.agent, body: map[string]string{"queue": "vip"},
		header: hdr("Accept-Language", "zh-CN")})
	require.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Contains(t, decodeError(t, rec).Error.Message, "不是已配置的队列")
}

func TestAgentRoutesWhoMayUseThem(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{anonymous: true, secret: userSecret})
	owner := userToken(t, "roles user")
	_, number := e.openTicket(owner)
	queue := e.view(e.agent, number).Queue
	elsewhere := "tech"
	if queue == elsewhere {
		elsewhere = "ads"
	}
	scoped := e.mintAgent("scoped", elsewhere)
	anon := e.start("")

	routes := []struct {
		method, path string
		body         any
	}{
		{"GET", "/v1/tickets/" + number, nil},
		{"POST", "/v1/tickets/" + number + "/messages", map[string]string{"text": "hi"}},
		{"POST", "/v1/tickets/" + number + "/transfer", map[string]string{"queue": "senior"}},
		{"POST", "/v1/tickets/" + number + "/resolve", nil},
	}
	for _, rt := range routes {
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			rec := e.do(request{method: rt.method, path: rt.path, token: e.editor, body: rt.body})
			assert.Equal(t, http.StatusForbidden, rec.Code, "an editor")
			assert.Contains(t, decodeError(t, rec).Error.Message, "editor")

			if rt.method == "POST" {
				for name, token := range map[string]string{"the owner": owner, "another user": userToken(t, "x"), "an anonymous user": anon.Token} {
					rec := e.do(request{method: rt.method, path: rt.path, token: token, body: rt.body})
					assert.Equal(t, http.StatusForbidden, rec.Code, "%s on an agent route: %s", name, rec.Body.String())
				}
			}

			// An agent of other queues cannot tell this ticket from one that does not exist.
			rec = e.do(request{method: rt.method, path: rt.path, token: scoped, body: rt.body})
			require.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())
			unknown := e.do(request{method: rt.method, path: strings.Replace(rt.path, number, "0000-0000", 1), token: scoped, body: rt.body})
			require.Equal(t, http.StatusNotFound, unknown.Code)
			assert.Equal(t,
				strings.Replace(decodeError(t, rec).Error.Message, number, "0000-0000", 1),
				decodeError(t, unknown).Error.Message)
		})
	}
	for _, path := range []string{"/v1/tickets", "/v1/tickets/claim"} {
		method := "GET"
		if strings.HasSuffix(path, "claim") {
			method = "POST"
		}
		rec := e.do(request{method: method, path: path, token: e.editor})
		assert.Equal(t, http.StatusForbidden, rec.Code, "an editor on %s", path)
		rec = e.do(request{method: method, path: path, token: owner})
		assert.Equal(t, http.StatusForbidden, rec.Code, "an end user on %s", path)
		assert.Contains(t, decodeError(t, rec).Error.Message, "end user")
	}

	// The scoped agent lists and claims its own queues only.
	assert.Empty(t, e.ticketList(scoped, "").Items)
	assert.Equal(t, http.StatusNoContent, e.do(request{method: "POST", path: "/v1/tickets/claim", token: scoped}).Code)
	rec := e.do(request{method: "GET", path: "/v1/tickets?queue=" + queue, token: scoped})
	require.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Contains(t, decodeError(t, rec).Error.Message, "not one of the queues your token may work ("+elsewhere+")")
	rec = e.do(request{method: "POST", path: "/v1/tickets/claim", token: scoped, body: map[string]any{"queues": []string{queue}}})
	require.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Equal(t, "queues", decodeError(t, rec).Error.Field)
	assert.Equal(t, "queued", e.view(e.agent, number).Status, "nothing was claimed")

	// Moved into its queue, the ticket is the scoped agent's to see and claim.
	e.json(request{method: "POST", path: "/v1/tickets/" + number + "/transfer", token: e.agent, body: map[string]string{"queue": elsewhere}}, http.StatusOK, nil)
	require.Len(t, e.ticketList(scoped, "").Items, 1)
	var claimed agentTicketJSON
	e.json(request{method: "POST", path: "/v1/tickets/claim", token: scoped}, http.StatusOK, &claimed)
	assert.Equal(t, number, claimed.Number)
}

func TestMintAgentTokenWithQueues(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	e.mintAgent("payments", "payment", "senior")

	var list struct {
		Items []struct {
			Name   string   `json:"name"`
			Queues []string `json:"queues"`
		} `json:"items"`
	}
	e.json(request{method: "GET", path: "/v1/tokens", token: adminToken}, http.StatusOK, &list)
	i := slices.IndexFunc(list.Items, func(it struct {
		Name   string   `json:"name"`
		Queues []string `json:"queues"`
	}) bool {
		return it.Name == "payments"
	})
	require.GreaterOrEqual(t, i, 0)
	assert.Equal(t, []string{"payment", "senior"}, list.Items[i].Queues)
	assert.NotNil(t, list.Items[0].Queues, "queues is always a list, empty for unscoped tokens")

	before := len(list.Items)
	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
		says  string
	}{
		{"unknown queue", map[string]any{"role": "agent", "queues": []string{"payment", "vip"}}, "queues[1]", `"vip" is not a queue`},
		{"editor with queues", map[string]any{"role": "editor", "queues": []string{"payment"}}, "queues", "only agent tokens"},
		{"empty queue name", map[string]any{"role": "agent", "queues": []string{""}}, "queues[0]", "empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := e.do(request{method: "POST", path: "/v1/tokens", token: adminToken, body: tc.body})
			require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
			got := decodeError(t, rec).Error
			assert.Equal(t, tc.field, got.Field)
			assert.Contains(t, got.Message, tc.says)
		})
	}
	e.json(request{method: "GET", path: "/v1/tokens", token: adminToken}, http.StatusOK, &list)
	assert.Len(t, list.Items, before, "no refused token was minted")
}

func TestTicketListPages(t *testing.T) {
	e := newUserEnv(t, userEnvOptions{secret: userSecret})
	var want []string
	for _, u := range []string{"p1", "p2", "p3", "p4"} {
		_, n := e.openTicket(userToken(t, u))
		want = append(want, n)
	}
	// An angry user's ticket goes first: raised a tier, in the senior queue.
	angry := userToken(t, "angry")
	conv := e.start(angry)
	r := e.say(angry, conv.ID, "你们这什么垃圾服务！！！气死我了，马上给我转人工！！！")
	require.NotNil(t, r.Ticket, r.Reason)

	full := e.ticketList(e.agent, "")
	require.Len(t, full.Items, 5)
	assert.Equal(t, r.Ticket.Number, full.Items[0].Number, "the most urgent first")
	for i := 1; i < len(full.Items); i++ {
		a, b := full.Items[i-1], full.Items[i]
		assert.True(t, a.Priority < b.Priority || (a.Priority == b.Priority && a.DueAt <= b.DueAt), "%s before %s", a.Number, b.Number)
	}

	var paged []string
	query := "?limit=2"
	for pages := 0; ; pages++ {
		require.Less(t, pages, 5, "paging does not end")
		page := e.ticketList(e.agent, query)
		for _, it := range page.Items {
			paged = append(paged, it.Number)
		}
		if page.NextCursor == nil {
			assert.Len(t, page.Items, 1, "the last page")
			break
		}
		require.Len(t, page.Items, 2)
		query = "?limit=2&cursor=" + *page.NextCursor
	}
	var all []string
	for _, it := range full.Items {
		all = append(all, it.Number)
	}
	assert.Equal(t, all, paged)
	assert.Subset(t, all, want)

	assert.Len(t, e.ticketList(e.agent, "?status=resolved").Items, 0)
	assert.Len(t, e.ticketList(e.agent, "?status=queued,assigned&queue=senior").Items, 1)
}

func TestConcurrentClaimsOverHTTP(t *testing.T) {
	for name, pg := range map[string]bool{"memory": false, "postgres": true} {
		t.Run(name, func(t *testing.T) {
			e := newUserEnv(t, userEnvOptions{secret: userSecret, postgres: pg})
			const tickets, agents = 6, 4
			for i := range tickets {
				e.openTicket(userToken(t, "claimed user "+string(rune('a'+i))))
			}
			tokens := []string{e.agent, adminToken}
			for len(tokens) < agents {
				tokens = append(tokens, e.mintAgent("agent "+string(rune('a'+len(tokens)))))
			}
			var (
				mu  sync.Mutex
				got = map[string]int{}
				wg  sync.WaitGroup
			)
			for _, token := range tokens {
				wg.Go(func() {
					for {
						rec := e.do(request{method: "POST", path: "/v1/tickets/claim", token: token})
						if rec.Code == http.StatusNoContent {
							return
						}
						if !assert.Equal(t, http.StatusOK, rec.Code, rec.Body.String()) {
							return
						}
						var tk agentTicketJSON
						if !assert.NoError(t, jsonUnmarshal(rec.Body.Bytes(), &tk)) {
							return
						}
						mu.Lock()
						got[tk.Number]++
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			assert.Len(t, got, tickets)
			for n, times := range got {
				assert.Equal(t, 1, times, "ticket %s claimed %d times", n, times)
			}
		})
	}
}

// FuzzTicketListCursor feeds the list any cursor: a cursor is outside input, and whatever
// it holds the answer is a page or a 400, never a failure of ours.
func FuzzTicketListCursor(f *testing.F) {
	for _, seed := range []string{
		"", "abc", base64.RawURLEncoding.EncodeToString([]byte("t1:3:1700000000000000000:5")),
		base64.RawURLEncoding.EncodeToString([]byte("t1:0:1:1")), base64.RawURLEncoding.EncodeToString([]byte("t1:1:-5:1")),
		base64.RawURLEncoding.EncodeToString([]byte("t1:2:01:1")), base64.RawURLEncoding.EncodeToString([]byte("k1:5")),
		"dDE6Mzo5MjIzMzcyMDM2ODU0Nzc1ODA3Ojky",
	} {
		f.Add(seed)
	}
	e := newUserEnv(f, userEnvOptions{secret: userSecret})
	e.openTicket(userToken(f, "fuzzed"))
	f.Fuzz(func(t *testing.T, cursor string) {
		// Not e.do: its helpers belong to f, which a fuzz target must not use.
		req := httptest.NewRequest("GET", "/v1/tickets?cursor="+urlQueryEscape(cursor), nil)
		req.Header.Set("Authorization", "Bearer "+e.agent)
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
			t.Fatalf("cursor %q: status %d: %s", cursor, rec.Code, rec.Body.String())
		}
	})
}
