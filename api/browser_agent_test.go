package api_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The agent console (/agent, issue 5) in a real browser against a real server and
// PostgreSQL. Tickets come from conversations driven over HTTP, as the widget would.

// chatConv is an anonymous conversation driven over HTTP, and the ticket it ended in.
type chatConv struct {
	id, token, number string
}

// handoffConversation opens an anonymous conversation, says each text in turn and returns
// it with the number of the first ticket a reply named.
func handoffConversation(t *testing.T, env *browserEnv, lang string, texts ...string) chatConv {
	t.Helper()
	var conv struct{ ID, Token string }
	require.Equal(t, http.StatusCreated, env.call("POST", "/v1/conversations", "", map[string]string{"language": lang}, &conv))
	c := chatConv{id: conv.ID, token: conv.Token}
	for _, text := range texts {
		var r replyJSON
		require.Equal(t, http.StatusOK, env.call("POST", "/v1/conversations/"+c.id+"/messages", c.token, map[string]string{"text": text}, &r))
		if c.number == "" && r.Ticket != nil {
			c.number = r.Ticket.Number
		}
	}
	require.NotEmpty(t, c.number, "the conversation %q was handed over", texts)
	return c
}

// staffSignIn signs in on a staff page (/agent, /kb) with token, by keyboard.
func staffSignIn(p *browserPage, token string) {
	p.t.Helper()
	p.waitFor(`!D.querySelector('#signin').hidden`, "the sign-in form")
	p.typeInto("#token", token)
	p.press("Enter")
	p.waitFor(`D.querySelector('#signin').hidden && !D.querySelector('#app').hidden`, "signed in")
}

// pressCtrlEnter presses Ctrl+Enter on the focused element, as a keyboard does.
func (p *browserPage) pressCtrlEnter() {
	p.t.Helper()
	const ctrl = 2 // the protocol's modifier bits: Alt=1, Ctrl=2, Meta=4, Shift=8
	_, err := chromedp.Run(p.ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		for _, ev := range []input.DispatchKeyEventParams{
			{Type: input.DispatchKeyEventTypeRawKeyDown, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13, Modifiers: ctrl},
			{Type: input.DispatchKeyEventTypeKeyUp, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13, Modifiers: ctrl},
		} {
			if _, err := chromedp.Call(ctx, input.DispatchKeyEvent, ev); err != nil {
				return err
			}
		}
		return nil
	}))
	require.NoError(p.t, err)
}

func TestAgentConsoleClaimsRepliesResolves(t *testing.T) {
	env := newBrowserEnv(t)
	first := handoffConversation(t, env, "zh", "收不到验证码怎么办", "转人工")

	p := env.open(t, "/agent", pageOptions{lang: "zh"})
	staffSignIn(p, env.Agent)
	p.waitFor(`D.querySelectorAll('.ticket-row').length === 1`, "the waiting ticket")
	assert.Equal(t, first.number, p.text(".ticket-row .number"))
	assert.Contains(t, p.text(`.queue[aria-pressed="true"]`), "1 个等待中", "the queue counts its waiting ticket")
	assert.Regexp(t, regexp.MustCompile(`^\d+:\d\d:\d\d 内回复$`), p.text(".ticket-row .sla"), "the SLA timer counts down")
	assert.Empty(t, p.texts(".ticket-row .sla.badge-error"), "not breached yet")

	// Claim next: the console opens the ticket with everything the agent needs.
	p.click("#claim")
	p.waitFor(fmt.Sprintf(`D.querySelector('#t-number').textContent === %q && D.querySelector('#t-status').textContent === '处理中'`, first.number), "the claimed ticket")
	p.waitFor(`D.querySelectorAll('#transcript .msg').length >= 4`, "the transcript")
	assert.Contains(t, p.text("#t-trigger"), "用户要求转人工", "the trigger, in words")
	assert.Contains(t, p.texts("#transcript .msg-user .msg-text"), "收不到验证码怎么办")
	assert.NotEmpty(t, p.text("#t-summary"), "the summary")
	assert.NotEmpty(t, p.texts("#t-trail .mood"), "the sentiment trail")
	assert.Contains(t, p.text("#t-assignee"), "Alice")
	p.waitFor(`D.querySelectorAll('#candidates .use-answer').length > 0`, "the bot's candidates")

	// A ticket opened meanwhile shows up live.
	second := handoffConversation(t, env, "en", "talk to a human")
	p.waitFor(fmt.Sprintf(`[...D.querySelectorAll('.ticket-row .number')].some(e => e.textContent === %q)`, second.number), "the new ticket, live")

	// One click puts a candidate into the reply box, as plain text; the agent adds to it and
	// sends with Ctrl+Enter.
	p.click("#candidates .use-answer")
	used := eval[string](p, `D.querySelector('#reply').value`)
	require.NotEmpty(t, used)
	assert.NotContains(t, used, "**", "Markdown marks are dropped: the chat shows agents' text as is")
	p.typeInto("#reply", "\n\n您好，我是客服 Alice。")
	p.pressCtrlEnter()
	p.waitFor(`D.querySelectorAll('#transcript .msg-agent').length === 1`, "the reply in the transcript")
	assert.Equal(t, "", eval[string](p, `D.querySelector('#reply').value`), "the box is empty after sending")
	var tr transcriptJSON
	require.Equal(t, http.StatusOK, env.call("GET", "/v1/conversations/"+first.id+"/messages", first.token, nil, &tr))
	last := tr.Items[len(tr.Items)-1]
	assert.Equal(t, "agent", last.Role)
	assert.Equal(t, "Alice", last.Author)
	assert.True(t, strings.HasSuffix(last.Text, "您好，我是客服 Alice。"), "the user got the reply: %q", last.Text)
	p.screenshot("agent-ticket-zh")

	// Save as article: a draft for the editors, prefilled from the ticket and the reply.
	p.click("#save-article")
	p.waitFor(`!D.querySelector('#article-form').hidden`, "the article form")
	assert.Contains(t, eval[string](p, `D.querySelector('#a-answer').value`), "您好，我是客服 Alice。")
	p.click(`#article-form button[type="submit"]`)
	p.waitFor(`D.querySelector('#actions-out a[href*="/kb#article/"]')`, "the saved draft")
	href := eval[string](p, `D.querySelector('#actions-out a').getAttribute('href')`)
	id := href[strings.LastIndex(href, "/")+1:]
	var article struct{ Status, Answer string }
	require.Equal(t, http.StatusOK, env.call("GET", "/v1/articles/"+id, env.Editor, nil, &article))
	assert.Equal(t, "draft", article.Status)
	assert.Contains(t, article.Answer, "您好，我是客服 Alice。")

	// Resolve, after a confirmation in the page (no browser dialog).
	p.click("#resolve")
	p.click("#resolve-yes")
	p.waitFor(`D.querySelector('#t-status').textContent === '已解决'`, "the resolved ticket")
	assert.True(t, eval[bool](p, `D.querySelector('#send').disabled`), "a resolved ticket takes no reply")
	var st struct{ Status string }
	require.Equal(t, http.StatusOK, env.call("GET", "/v1/tickets/"+first.number, first.token, nil, &st))
	assert.Equal(t, "resolved", st.Status)
	p.waitFor(`D.querySelectorAll('.ticket-row').length === 1`, "only the other ticket left open")

	env.assertLogsHold(env.Agent, first.token)
}

func TestAgentConsoleTransfersAndShowsBreachedSLA(t *testing.T) {
	env := newBrowserEnv(t)
	c := handoffConversation(t, env, "en", "talk to a human")
	p := env.open(t, "/agent", pageOptions{lang: "en"})
	staffSignIn(p, env.Agent)
	p.click(".ticket-row")
	p.waitFor(fmt.Sprintf(`D.querySelector('#t-number').textContent === %q && D.querySelector('#t-status').textContent === 'queued'`, c.number), "the ticket, opened from the list")

	// The agent's clock runs three hours ahead: every timer is past its due time.
	eval[bool](p, `(() => { const real = Date.now.bind(Date); W.Date.now = () => real() + 3 * 3600e3; return true; })()`)
	p.waitFor(`D.querySelector('.ticket-row .sla.badge-error') && D.querySelector('.queue-overdue')`, "red timers")
	assert.Contains(t, p.text(".ticket-row .sla"), "overdue by")
	p.screenshot("agent-breached-en")

	p.waitFor(`[...D.querySelectorAll('#transfer-queue option')].some(o => o.value === 'payment')`, "the queues to transfer to")
	eval[bool](p, `(D.querySelector('#transfer-queue').value = 'payment', true)`)
	p.click(`#transfer-form button[type="submit"]`)
	p.waitFor(`D.querySelector('#t-queue').textContent === 'Payment'`, "the ticket in its new queue")
	assert.Contains(t, p.text("#actions-out"), "moved to Payment")
	var view struct{ Queue string }
	require.Equal(t, http.StatusOK, env.call("GET", "/v1/tickets/"+c.number, env.Agent, nil, &view))
	assert.Equal(t, "payment", view.Queue)

	// Another agent resolves it: the open ticket follows live, and takes no more replies.
	require.Equal(t, http.StatusOK, env.call("POST", "/v1/tickets/"+c.number+"/resolve", env.Admin, map[string]any{}, nil))
	p.waitFor(`D.querySelector('#t-status').textContent === 'resolved' && D.querySelector('#send').disabled`, "the resolved ticket, live")
	assert.Contains(t, p.text("#t-notes"), "This ticket is resolved")
}

func TestAgentConsoleShowsTheAgentsOwnQueues(t *testing.T) {
	env := newBrowserEnv(t)
	// A ticket outside Carol's queues: she must not see it.
	c := handoffConversation(t, env, "zh", "转人工")
	var view struct{ Queue string }
	require.Equal(t, http.StatusOK, env.call("GET", "/v1/tickets/"+c.number, env.Agent, nil, &view))
	require.NotContains(t, []string{"payment", "senior"}, view.Queue)
	carol, _, err := env.auth.Mint(t.Context(), "agent", "Carol", "payment", "senior")
	require.NoError(t, err)

	p := env.open(t, "/agent", pageOptions{lang: "zh"})
	staffSignIn(p, carol)
	p.waitFor(`D.querySelector('#me').textContent === '当前登录：Carol' && D.querySelectorAll('#queues .queue').length === 3`, "her name and her queues")
	assert.Equal(t, []string{"全部队列", "支付", "高级"}, p.texts("#queues .queue-name"), "exactly her queues, after all of them")
	p.waitFor(`D.querySelector('#tickets li')`, "the list")
	assert.Empty(t, p.texts(".ticket-row"), "no ticket of another queue")
	p.screenshot("agent-scoped-zh")

	p.click("#lang")
	p.waitFor(`D.querySelector('#me').textContent === 'Signed in as Carol'`, "her name in English")
	assert.Equal(t, []string{"All queues", "Payment", "Senior"}, p.texts("#queues .queue-name"))
}

func TestAgentConsoleKeepsTheDraftThroughARevokedTokenAndARestart(t *testing.T) {
	env := newBrowserEnv(t)
	c := handoffConversation(t, env, "en", "talk to a human")
	bob, tok, err := env.auth.Mint(t.Context(), "agent", "Bob")
	require.NoError(t, err)

	p := env.open(t, "/agent", pageOptions{lang: "en"})
	staffSignIn(p, bob)
	p.waitFor(`D.querySelector('#conn').textContent === 'Live'`, "the live stream")
	p.click(".ticket-row")
	p.waitFor(fmt.Sprintf(`D.querySelector('#t-number').textContent === %q`, c.number), "the ticket")
	p.typeInto("#reply", "Thanks for waiting, let me check.")

	// The token is revoked while Bob types: sending asks him to sign in again over the page.
	require.NoError(t, env.auth.Revoke(t.Context(), tok.ID))
	p.tolerate("status of 401")
	p.click("#send")
	p.waitFor(`!D.querySelector('#signin').hidden && D.querySelector('#signin').classList.contains('signin-over')`, "the sign-in over the page")
	assert.Contains(t, p.text("#banner"), "no longer accepts your token")
	assert.Equal(t, "Thanks for waiting, let me check.", eval[string](p, `D.querySelector('#reply').value`), "the draft is kept")
	p.screenshot("agent-signin-again-en")
	staffSignIn(p, env.Agent)
	assert.Equal(t, "Thanks for waiting, let me check.", eval[string](p, `D.querySelector('#reply').value`))
	p.click("#send")
	p.waitFor(`D.querySelectorAll('#transcript .msg-agent').length === 1`, "the reply, sent after signing in again")

	// The server restarts while the agent types: a clear message, then back to normal.
	p.tolerate(networkProblems...)
	p.typeInto("#reply", "One more thing")
	restarted := make(chan struct{})
	go func() {
		defer close(restarted)
		env.restart(1500 * time.Millisecond)
	}()
	p.waitFor(`/Cannot reach the server/.test(D.querySelector('#banner').textContent) || /Reconnecting/.test(D.querySelector('#conn').textContent)`, "the connection trouble shown")
	<-restarted
	p.waitForWithin(`D.querySelector('#conn').textContent === 'Live' && D.querySelector('#banner').hidden`, "live again", 2*browserWait)
	assert.Equal(t, "One more thing", eval[string](p, `D.querySelector('#reply').value`), "the draft survived the restart")

	// A reload keeps the session (sessionStorage) and the draft, and the token is in no URL.
	require.NoError(t, chromedp.Do(p.ctx, chromedp.Reload()))
	p.waitFor(fmt.Sprintf(`D.querySelector('#t-number').textContent === %q && D.querySelector('#reply').value === 'One more thing'`, c.number), "the draft after a reload")
	assert.NotContains(t, eval[string](p, `location.href`), env.Agent)
	env.assertLogsHold(env.Agent, bob)
}

func TestAgentConsoleRendersHostileTextAsText(t *testing.T) {
	env := newBrowserEnv(t)
	answer := "Do this:\n\n" + strings.Join(xssPayloads, "\n\n") + "\n\n[safe link](https://example.com/help)"
	require.Equal(t, http.StatusCreated, env.call("POST", "/v1/articles", env.Editor, map[string]any{
		"title": `<img src=x onerror="window.top.__xss=1"> Zorblax setup`, "question": "How do I set up the zorblax gadget?",
		"answer": answer, "language": "en", "status": "published", "category": "tech",
	}, nil))
	evilName := `<img src=x onerror="window.top.__xss=1">`
	evil, _, err := env.auth.Mint(t.Context(), "agent", evilName)
	require.NoError(t, err)
	texts := append([]string{"How do I set up the zorblax gadget?"}, xssPayloads[:4]...)
	c := handoffConversation(t, env, "en", append(texts, "talk to a human")...)

	p := env.open(t, "/agent", pageOptions{lang: "en"})
	staffSignIn(p, evil)
	// The list first: it moves the claim button down as it fills in.
	p.waitFor(`D.querySelectorAll('.ticket-row').length === 1`, "the waiting ticket")
	p.click("#claim")
	p.waitFor(fmt.Sprintf(`D.querySelector('#t-number').textContent === %q && D.querySelectorAll('#transcript .msg-user').length >= 5`, c.number), "the ticket with the payloads")
	p.typeInto("#reply", xssPayloads[0])
	p.click("#send")
	p.waitFor(`D.querySelectorAll('#transcript .msg-agent').length === 1`, "the agent's payload reply")
	time.Sleep(300 * time.Millisecond) // an onerror would have fired by now

	p.assertNoXSS()
	assert.Zero(t, eval[int](p, `D.querySelectorAll('#app img, #app script, #app iframe, #app svg, #app [onerror], #app [onload]').length`), "no element came from a payload")
	assert.Zero(t, eval[int](p, `[...D.querySelectorAll('#app a')].filter(a => !/^https?:/.test(a.href)).length`), "no link but http(s)")
	users := p.texts("#transcript .msg-user .msg-text")
	for _, payload := range xssPayloads[:4] {
		assert.Contains(t, users, payload, "a user's payload shows as typed")
	}
	assert.Contains(t, p.text("#transcript .msg-agent .who"), evilName, "the agent's name shows as text")
	assert.Contains(t, p.text("#history"), evilName)
	assert.Equal(t, "Signed in as "+evilName, p.text("#me"), "the header's name too")
	p.screenshot("agent-xss-en")
}
