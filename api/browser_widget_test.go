package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The chat widget in a real browser against a real server and PostgreSQL (issue 5). The
// widget runs in an iframe; p.within("iframe") points the queries into it.

// chatPage opens the demo page (anonymous chat) and waits for the widget to be ready.
func chatPage(t *testing.T, env *browserEnv, o pageOptions) *browserPage {
	t.Helper()
	p := env.open(t, "/", o).within("iframe")
	p.waitFor(`D.querySelector('#chat').getAttribute('aria-busy') === 'false' && W.document.documentElement.lang`, "the widget ready")
	return p
}

// hostPage opens the test host app's page, which embeds the widget with token.
func hostPage(t *testing.T, env *browserEnv, token, subject string, o pageOptions) *browserPage {
	t.Helper()
	env.setHost(token, subject)
	p := env.open(t, "/__test/host?lang="+o.lang, o).within("iframe")
	p.waitFor(`D.querySelector('#chat').getAttribute('aria-busy') === 'false'`, "the widget ready")
	return p
}

// ask types text into the widget and sends it with Enter.
func (p *browserPage) ask(text string) {
	p.t.Helper()
	p.typeInto("#input", text)
	p.press("Enter")
}

// botReplies counts the stored bot replies shown.
const botReplies = `D.querySelectorAll('.msg-bot[data-seq]').length`

func TestWidgetAnswersWithCitations(t *testing.T) {
	env := newBrowserEnv(t)
	tests := []struct {
		lang, question, state, citationsLabel string
	}{
		{"zh", "收不到验证码怎么办", "智能助手", "参考："},
		{"en", "How do I delete my account?", "Assistant", "Sources:"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			p := chatPage(t, env, pageOptions{lang: tt.lang, phone: true})
			assert.Equal(t, tt.state, p.text("#state"), "the state is shown in the user's language")
			require.Len(t, p.texts("#starters .chip"), 3, "starter questions before the first message")

			p.ask(tt.question)
			p.waitFor(botReplies+` === 1`, "the answer")
			assert.Equal(t, []string{tt.question}, p.texts(".msg-user .bubble"))
			cites := p.texts(".msg-bot .citation")
			require.NotEmpty(t, cites, "the answer cites its article")
			assert.NotEmpty(t, strings.TrimSpace(cites[0]))
			assert.Contains(t, p.text(".msg-bot .citations"), tt.citationsLabel)
			assert.Empty(t, p.texts(".msg-streaming"), "the draft is gone once the reply is stored")
			assert.True(t, eval[bool](p, `D.querySelector('#empty').hidden`), "the greeting gives way to the conversation")
			assert.Equal(t, "", p.text(".msg-user .msg-status"), "the message is marked as sent")
			p.screenshot("widget-answer-" + tt.lang)
		})
	}
}

func TestWidgetOffersSuggestionsWhenUnsure(t *testing.T) {
	env := newBrowserEnv(t)
	p := chatPage(t, env, pageOptions{lang: "en", phone: true})
	p.ask("coins")
	p.waitFor(`D.querySelectorAll('.msg-bot .chips .chip').length > 0`, "suggestion chips")
	chips := p.texts(".msg-bot .chips .chip")
	require.NotEmpty(t, chips)
	p.screenshot("widget-suggestions-en")

	// Picking one asks it.
	p.click(".msg-bot .chips .chip")
	p.waitFor(botReplies+` === 2`, "the answer to the chosen question")
	assert.Equal(t, []string{"coins", chips[0]}, p.texts(".msg-user .bubble"))
	assert.Empty(t, p.texts(".msg .chips"), "the old suggestions go once the user moved on")
}

func TestWidgetHandoffAgentReplyAndRating(t *testing.T) {
	env := newBrowserEnv(t)
	user := userToken(t, "browser user")
	p := hostPage(t, env, user, "browser user", pageOptions{lang: "en", phone: true})

	p.ask("How do I delete my account?")
	p.waitFor(botReplies+` === 1`, "the first answer")
	p.ask("This is useless, I'm furious, your app is garbage!")
	p.waitFor(`!D.querySelector('#banner').hidden && D.querySelector('#banner-number').textContent`, "the handoff banner")
	number := p.text("#banner-number")
	assert.Regexp(t, `^[0-9A-Z]{4}-[0-9A-Z]{4}$`, number)
	assert.Equal(t, "Waiting for an agent", p.text("#state"))
	p.waitFor(`/number 1 in line|next in line/.test(D.querySelector('#banner-detail').textContent)`, "the place in the queue")
	var st map[string]any
	require.Equal(t, http.StatusOK, env.call("GET", "/v1/tickets/"+number, user, nil, &st))
	assert.EqualValues(t, 1, st["position"], "the banner shows the place the API gives")
	assert.True(t, eval[bool](p, `D.querySelector('#human').hidden`), "no second handoff button while queued")
	p.screenshot("widget-handoff-queued-en")

	// The agent claims the ticket and replies over HTTP; the reply arrives live.
	var claimed map[string]any
	require.Equal(t, http.StatusOK, env.call("POST", "/v1/tickets/claim", env.Agent, map[string]any{}, &claimed))
	require.Equal(t, number, claimed["number"])
	p.waitFor(`D.querySelector('#state').textContent === 'Agent connected'`, "the agent state")
	reply := "Hi, I'm Alice. I'm sorry about this — let me look at your account."
	require.Equal(t, http.StatusCreated, env.call("POST", "/v1/tickets/"+number+"/messages", env.Agent, map[string]string{"text": reply}, nil))
	p.waitFor(`D.querySelector('.msg-agent .bubble')`, "the agent's reply")
	assert.Equal(t, []string{reply}, p.texts(".msg-agent .bubble"))
	assert.Contains(t, p.text(".msg-agent .msg-author"), "Agent")
	p.screenshot("widget-agent-reply-en")

	// The user answers; it goes to the agent, not the bot.
	bots := eval[int](p, botReplies)
	p.ask("Thanks, it's the account user@example.com")
	p.waitFor(`D.querySelectorAll('.msg-user[data-seq]').length === 3`, "the user's message stored")
	time.Sleep(300 * time.Millisecond)
	assert.Equal(t, bots, eval[int](p, botReplies), "the bot keeps quiet while an agent has the chat")

	// Resolved: the rating prompt; the user rates with the mouse and the keyboard.
	require.Equal(t, http.StatusOK, env.call("POST", "/v1/tickets/"+number+"/resolve", env.Agent, map[string]any{}, nil))
	p.waitFor(`!D.querySelector('#rating').hidden`, "the rating prompt")
	assert.Equal(t, "Resolved", p.text("#state"))
	p.click(`#rating-submit`)
	p.waitFor(`D.querySelector('#rating-error').textContent`, "asking for a score first")
	p.click(`.star[data-score="3"]`)
	p.press("ArrowRight")
	assert.Equal(t, "true", eval[string](p, `D.querySelector('.star[data-score="4"]').getAttribute('aria-checked')`), "arrow keys move the score")
	p.typeInto("#rating-comment", "Quick and kind")
	p.screenshot("widget-rating-en")
	p.click("#rating-submit")
	p.waitFor(`D.querySelector('#rating').hidden && /Thank you/.test(D.querySelector('.chat-log').textContent)`, "the thanks")

	assert.Equal(t, http.StatusConflict, env.call("POST", "/v1/tickets/"+number+"/rating", user, map[string]any{"score": 1}, nil), "the rating was stored")
	require.Equal(t, http.StatusOK, env.call("GET", "/v1/tickets/"+number, user, nil, &st))
	assert.Equal(t, "closed", st["status"])
	env.assertLogsHold(user, env.Agent)
}

func TestWidgetReconnectsWithoutLosingOrRepeating(t *testing.T) {
	env := newBrowserEnv(t)
	p := chatPage(t, env, pageOptions{lang: "en", phone: true})
	p.tolerate(networkProblems...)
	p.ask("How do I delete my account?")
	p.waitFor(botReplies+` === 1`, "the answer")
	p.click("#human")
	p.waitFor(`D.querySelector('#banner-number').textContent`, "the handoff")
	number := p.text("#banner-number")
	require.Equal(t, http.StatusOK, env.call("POST", "/v1/tickets/claim", env.Agent, map[string]any{}, nil))
	p.waitFor(`D.querySelector('#state').textContent === 'Agent connected'`, "the agent state")

	// The network drops; the agent writes while the page is cut off.
	env.dropConnections()
	for i := 1; i <= 3; i++ {
		require.Equal(t, http.StatusCreated, env.call("POST", "/v1/tickets/"+number+"/messages", env.Agent, map[string]string{"text": fmt.Sprintf("agent message %d", i)}, nil))
	}
	p.waitFor(`D.querySelectorAll('.msg-agent').length === 3`, "the messages sent while cut off")

	// The server restarts while the user types: the message waits and goes once it is back.
	restarted := make(chan struct{})
	go func() {
		defer close(restarted)
		env.restart(1500 * time.Millisecond)
	}()
	time.Sleep(200 * time.Millisecond)
	p.ask("are you still there?")
	<-restarted
	p.waitFor(`D.querySelectorAll('.msg-user[data-seq]').length === 2 && !D.querySelector('.msg-pending')`, "the message delivered after the restart")
	p.waitFor(`D.querySelector('#conn').hidden`, "the connection notice gone")
	require.Equal(t, http.StatusCreated, env.call("POST", "/v1/tickets/"+number+"/messages", env.Agent, map[string]string{"text": "yes, still here"}, nil))
	p.waitFor(`D.querySelectorAll('.msg-agent').length === 4`, "a reply after the restart")

	// What the page shows is exactly the stored transcript: each message once, in order.
	shown := eval[[]int](p, `[...D.querySelectorAll('.msg[data-seq]')].map(e => Number(e.dataset.seq))`)
	convToken := eval[string](p, `JSON.parse(W.localStorage.getItem('faqbot.chat.anon')).conv.token`)
	convID := eval[string](p, `JSON.parse(W.localStorage.getItem('faqbot.chat.anon')).conv.id`)
	var tr transcriptJSON
	require.Equal(t, http.StatusOK, env.call("GET", "/v1/conversations/"+convID+"/messages?limit=200", convToken, nil, &tr))
	var stored []int
	for _, m := range tr.Items {
		stored = append(stored, int(m.Seq))
	}
	assert.Equal(t, stored, shown, "nothing lost, nothing repeated")
	users := 0
	for _, m := range tr.Items {
		if m.Role == "user" && m.Text == "are you still there?" {
			users++
		}
	}
	assert.Equal(t, 1, users, "the retried message is stored once")
	env.assertLogsHold(convToken, env.Agent)
}

// xssPayloads would run script if any of them were parsed as HTML or followed as a link.
var xssPayloads = []string{
	`<img src=x onerror="window.top.__xss=1;alert(1)">`,
	`<script>window.top.__xss=1;alert(2)</script>`,
	`<svg/onload=window.top.__xss=1>`,
	`"><iframe srcdoc="<script>parent.__xss=1</script>"></iframe>`,
	`[click me](javascript:window.top.__xss=1)`,
	`<a href="javascript:alert(3)">link</a>`,
	`![pixel](https://attacker.invalid/p.png)`,
	`{{constructor.constructor('window.top.__xss=1')()}}`,
}

func TestWidgetRendersXSSPayloadsAsText(t *testing.T) {
	env := newBrowserEnv(t)
	// An article carrying the payloads in its title and answer, which the bot cites.
	answer := "Here is the fix:\n\n" + strings.Join(xssPayloads, "\n\n") + "\n\n[safe link](https://example.com/help)"
	require.Equal(t, http.StatusCreated, env.call("POST", "/v1/articles", env.Editor, map[string]any{
		"title": `<img src=x onerror=alert(4)> Zorblax setup`, "question": "How do I set up the zorblax gadget?",
		"answer": answer, "language": "en", "status": "published", "category": "tech",
	}, nil))
	// An agent whose name is a payload.
	evil, _, err := env.auth.Mint(t.Context(), "agent", `<img src=x onerror="window.top.__xss=1">`)
	require.NoError(t, err)

	p := chatPage(t, env, pageOptions{lang: "en"})
	p.ask("How do I set up the zorblax gadget?")
	p.waitFor(botReplies+` === 1`, "the answer")
	p.click("#human")
	p.waitFor(`D.querySelector('#banner-number').textContent`, "the handoff")
	number := p.text("#banner-number")
	for _, payload := range xssPayloads[:4] {
		p.ask(payload)
	}
	p.waitFor(`D.querySelectorAll('.msg-user[data-seq]').length === 5`, "the payload messages stored")
	require.Equal(t, http.StatusOK, env.call("POST", "/v1/tickets/claim", evil, map[string]any{}, nil))
	for _, payload := range xssPayloads {
		require.Equal(t, http.StatusCreated, env.call("POST", "/v1/tickets/"+number+"/messages", evil, map[string]string{"text": payload}, nil))
	}
	p.waitFor(fmt.Sprintf(`D.querySelectorAll('.msg-agent').length === %d`, len(xssPayloads)), "the agent's payloads")
	time.Sleep(300 * time.Millisecond) // an onerror would fire by now

	p.assertNoXSS()
	assert.Equal(t, 0, eval[int](p, `D.querySelectorAll('.chat-log img, .chat-log script, .chat-log iframe, .chat-log svg, .chat-log [onerror], .chat-log [onload]').length`), "no element came from a payload")
	assert.Equal(t, 0, eval[int](p, `[...D.querySelectorAll('.chat-log a')].filter(a => !/^https?:/.test(a.href)).length`), "no link other than http(s)")
	assert.Equal(t, []string{"https://example.com/help"}, eval[[]string](p, `[...D.querySelectorAll('.chat-log a')].map(a => a.href.replace(/\/$/, '') )`), "the safe link is kept")
	userTexts := p.texts(".msg-user .bubble")
	for _, payload := range xssPayloads[:4] {
		assert.Contains(t, userTexts, payload, "a user's payload shows as the text typed")
	}
	assert.Contains(t, p.text(".msg-bot .citation"), "<img src=x onerror=alert(4)>", "the article title shows as text")
	assert.Contains(t, p.text(".msg-agent .msg-author"), `<img src=x`, "the agent's name shows as text")
	p.screenshot("widget-xss-en")
}

func TestWidgetRenewsAnExpiredToken(t *testing.T) {
	env := newBrowserEnv(t)
	expired := signToken(t, jwt.SigningMethodHS256, []byte(userSecret), jwt.MapClaims{"sub": "returning user", "exp": time.Now().Add(-time.Hour).Unix()})
	env.setHost(expired, "returning user")
	p := env.open(t, "/__test/host?lang=zh", pageOptions{lang: "zh"}).within("iframe")
	p.tolerate("401")
	p.waitFor(`D.querySelector('#chat').getAttribute('aria-busy') === 'false'`, "the widget ready after renewing the token")
	p.ask("怎么注销账号")
	p.waitFor(botReplies+` === 1`, "the answer")
	p.within("")
	assert.GreaterOrEqual(t, eval[int](p, `window.hostRenewals`), 1, "the host app was asked for a fresh token")
}

func TestWidgetRefusedMessageGoesBackToTheInput(t *testing.T) {
	env := newBrowserEnv(t)
	p := chatPage(t, env, pageOptions{lang: "zh"})
	p.tolerate("413")
	long := strings.Repeat("长", 3000)
	p.ask(long)
	p.waitFor(`!D.querySelector('#error').hidden`, "the error")
	assert.Contains(t, p.text("#error"), "超过", "the server's reason, in the user's language")
	assert.Equal(t, len([]rune(long)), eval[int](p, `D.querySelector('#input').value.length`), "the text is back in the box, not lost")
	assert.Empty(t, p.texts(".msg-user"), "no bubble for a message that was not sent")
	p.screenshot("widget-refused-zh")
}

func TestWidgetFloatingLauncher(t *testing.T) {
	env := newBrowserEnv(t)
	user := userToken(t, "floating user")
	env.setHost(user, "floating user")
	// A laptop of 1280×800: the launcher (56 px) sits 20 px from the bottom right corner,
	// the panel (380×600) above it.
	p := env.open(t, "/__test/host?mode=float&lang=en", pageOptions{lang: "en"})
	const panelX, panelY = 1280 - 20 - 190, 800 - 20 - 72 - 300
	onWidget := fmt.Sprintf(`document.elementFromPoint(%d, %d) === document.querySelector('[data-faqbot-widget]')`, panelX, panelY)
	p.waitFor(`document.querySelector('[data-faqbot-widget]')`, "the launcher")
	assert.False(t, eval[bool](p, onWidget), "the panel starts closed")
	assert.Equal(t, 0, eval[int](p, `document.querySelectorAll('iframe').length`), "the frame lives in the widget's shadow root, out of the host's reach")

	p.clickAt(1280-20-28, 800-20-28)
	p.waitFor(onWidget, "the open panel")
	p.withinChildFrame()
	p.waitFor(`D.activeElement === D.querySelector('#input')`, "the focus in the message box")
	p.typeFocused("How do I delete my account?")
	p.press("Enter")
	p.waitFor(`D.querySelectorAll('.msg-bot[data-seq] .citation').length > 0`, "the answer")
	p.screenshot("widget-floating-en")

	p.press("Escape")
	p.within("")
	p.waitFor("!("+onWidget+")", "the panel closed by Escape")
	assert.True(t, eval[bool](p, `document.activeElement === document.querySelector('[data-faqbot-widget]')`), "the focus goes back to the launcher")
	env.assertLogsHold(user)
}

func TestWidgetSurvivesADropMidReply(t *testing.T) {
	// The reply takes a while, and the network drops while the page waits for it: the page
	// sends again with the same Idempotency-Key and shows the one stored reply.
	env := newBrowserEnvWithAnswerer(t, slowAnswerer{delay: 1200 * time.Millisecond})
	p := chatPage(t, env, pageOptions{lang: "en"})
	p.tolerate(networkProblems...)
	p.ask("How do I delete my account?")
	p.waitFor(`D.querySelector('.msg-streaming')`, "the reply on its way")
	time.Sleep(300 * time.Millisecond)
	env.dropConnections()
	p.waitFor(botReplies+` === 1 && !D.querySelector('.msg-pending') && !D.querySelector('.msg-streaming')`, "the reply after the drop")
	time.Sleep(300 * time.Millisecond) // late events would show a duplicate by now
	assert.Equal(t, 1, eval[int](p, botReplies))
	assert.Equal(t, []string{"How do I delete my account?"}, p.texts(".msg-user .bubble"), "the question shows once")
	convToken := eval[string](p, `JSON.parse(W.localStorage.getItem('faqbot.chat.anon')).conv.token`)
	convID := eval[string](p, `JSON.parse(W.localStorage.getItem('faqbot.chat.anon')).conv.id`)
	var tr transcriptJSON
	require.Equal(t, http.StatusOK, env.call("GET", "/v1/conversations/"+convID+"/messages", convToken, nil, &tr))
	assert.Len(t, tr.Items, 2, "one question, one reply stored")
	posts := 0
	for _, rec := range env.logs.records("request") {
		if rec["method"] == "POST" && rec["route"] == "/v1/conversations/:id/messages" {
			posts++
		}
	}
	assert.GreaterOrEqual(t, posts, 2, "the page sent again after the drop")
}

func TestChatPageWorksOnItsOwn(t *testing.T) {
	// /chat opened directly (a link in an app's web view): a full-page anonymous chat.
	env := newBrowserEnv(t)
	p := env.open(t, "/chat?lang=zh", pageOptions{lang: "en", phone: true})
	p.waitFor(`D.querySelector('#chat').getAttribute('aria-busy') === 'false'`, "the chat ready")
	assert.Equal(t, "帮助中心", p.text(".chat-name"), "?lang= chooses the language")
	assert.True(t, eval[bool](p, `D.querySelector('#close').hidden`), "nothing to close on its own")
	p.click("#starters .chip")
	p.waitFor(botReplies+` === 1`, "the answer to a starter question")
	p.click("#lang")
	p.waitFor(`D.querySelector('.chat-name').textContent === 'Help center'`, "the switch to English")
	assert.Equal(t, "en", eval[string](p, `D.documentElement.lang`))
	p.screenshot("chat-page-phone-en")
}
