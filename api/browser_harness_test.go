package api_test

// The browser-test harness: a real faqbot server over PostgreSQL on a loopback listener, and
// Debian's Chromium driven through chromedp (the DevTools protocol from Go: no Node, no
// WebDriver binary). One browser serves the whole package; each page gets a fresh browser
// context (its own storage, like a private window), so tests do not see each other's state.
//
//	env := newBrowserEnv(t)                 // server + database, demo knowledge base
//	p := env.open(t, "/", pageOptions{lang: "zh", phone: true})
//	p.within("iframe")                      // queries go into the widget's frame
//	p.typeInto("#input", "收不到验证码怎么办")
//	p.press("Enter")
//	p.waitFor(`D.querySelector('.msg-bot .citation')`, "an answer with a citation")
//	p.screenshot("widget-answer-zh")
//
// Every page fails its test at the end when it saw a JS dialog (alert/confirm/prompt), an
// uncaught exception, a console error or a browser error log entry (CSP violations among
// them), unless the test tolerated it by a substring (p.tolerate): that is what the XSS
// tests rely on, together with window.__xss (p.assertNoXSS).
//
// Chromium: FAQBOT_CHROMIUM, else /usr/bin/chromium (make test installs it through
// scripts/ensure-chromium.sh). Missing, the browser tests skip with a message, except under
// CI=true, where they fail. Screenshots go to docs/screenshots/ (FAQBOT_SCREENSHOT_DIR
// overrides), failures' screenshots as FAILED-<test>.png.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/api"
	"github.com/faqbot/faqbot/bot"
	botpg "github.com/faqbot/faqbot/bot/postgres"
	handoffpg "github.com/faqbot/faqbot/handoff/postgres"
	"github.com/faqbot/faqbot/internal/auth"
	authpg "github.com/faqbot/faqbot/internal/auth/postgres"
	"github.com/faqbot/faqbot/internal/postgres/pgtest"
	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/demo"
	knowledgepg "github.com/faqbot/faqbot/knowledge/postgres"
)

// browserWait bounds every wait for the page; generous, since a loaded CI machine is slow,
// and only reached when something is broken.
const browserWait = 15 * time.Second

// TestMain stops the package's browser after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	stopBrowser()
	os.Exit(code)
}

var chrome struct {
	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	dir    string
	ua     string
	err    error
}

func chromiumPath() string {
	if p := os.Getenv("FAQBOT_CHROMIUM"); p != "" {
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// browser returns the package's browser, starting it on first use.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		msg := "browser tests need Chromium: run `make test` (it installs Debian's chromium), or scripts/ensure-chromium.sh, or set FAQBOT_CHROMIUM"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	chrome.once.Do(func() { startBrowser(path) })
	require.NoError(t, chrome.err, "start %s", path)
	return chrome.ctx
}

func startBrowser(path string) {
	dir, err := os.MkdirTemp("", "faqbot-chromium-")
	if err != nil {
		chrome.err = err
		return
	}
	chrome.dir = dir
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // containers and CI runners have no user namespaces for it
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(1280, 800),
		// Nothing but loopback: no QUIC, no updates, no sync, no phoning home.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints,AutofillServerCommunication"),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.Flag("mute-audio", true),
		// Background tabs must keep their timers: the tests run several pages at once.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("font-render-hinting", "none"),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	chrome.ctx = ctx
	chrome.cancel = func() { cancel(); cancelAlloc() }
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		chrome.err = fmt.Errorf("start chromium: %w", err)
		return
	}
	chrome.ua, chrome.err = chromedp.Run(ctx, chromedp.Evaluate[string]("navigator.userAgent"))
}

func stopBrowser() {
	if chrome.cancel != nil {
		chrome.cancel()
	}
	if chrome.dir != "" {
		_ = os.RemoveAll(chrome.dir)
	}
}

// browserEnv is a faqbot server over a fresh PostgreSQL database, served on loopback, with
// the demo knowledge base, anonymous chat allowed, user tokens signed with userSecret, and
// staff tokens for each role. Restart replaces the server on the same address.
type browserEnv struct {
	t         *testing.T
	URL       string
	logs      *syncBuffer
	knowledge *knowledge.Service
	engine    *bot.Engine
	auth      *auth.Service
	cfg       api.Config
	srv       *api.Server
	http      *httptest.Server
	mu        sync.Mutex
	// hostToken is the user token the test host page (/__test/host) embeds.
	hostToken string
	// hostSubject is whose tokens /__test/token hands out, as the host app's backend would.
	hostSubject string

	Admin, Editor, Agent string
}

type browserEnvOption func(*api.Config)

func newBrowserEnv(t *testing.T, opts ...browserEnvOption) *browserEnv {
	t.Helper()
	return newBrowserEnvWithAnswerer(t, nil, opts...)
}

// newBrowserEnvWithAnswerer is newBrowserEnv with the bot answering through answerer (nil:
// the default, extractive answers).
func newBrowserEnvWithAnswerer(t *testing.T, answerer bot.Answerer, opts ...browserEnvOption) *browserEnv {
	t.Helper()
	browser(t) // skip before paying for a database when there is no browser
	pool := pgtest.New(t)
	ctx := context.Background()

	ksvc := knowledge.NewService(knowledgepg.New(pool), knowledge.NewLocalEmbedder(knowledge.DefaultLocalDimensions), knowledge.DefaultSearchParams())
	require.NoError(t, ksvc.EnsureModel(ctx))
	articles, err := demo.Articles()
	require.NoError(t, err)
	rows := make([]knowledge.ImportRow, len(articles))
	for i, a := range articles {
		rows[i] = knowledge.ImportRow{Row: i + 1, Article: a}
	}
	_, err = ksvc.Import(ctx, rows)
	require.NoError(t, err)

	authSvc := auth.NewService(authpg.New(pool), adminToken)
	e := &browserEnv{
		t:         t,
		logs:      &syncBuffer{},
		knowledge: ksvc,
		engine:    bot.NewEngine(bot.DefaultConfig(), bot.Deps{Store: botpg.New(pool), Tickets: handoffpg.New(pool), Retriever: ksvc, Answerer: answerer}),
		auth:      authSvc,
		cfg: api.Config{
			RateLimit: -1, UserSecret: userSecret, Anonymous: true,
			EventPoll: 50 * time.Millisecond, Heartbeat: 5 * time.Second,
		},
		Admin: adminToken,
	}
	for _, o := range opts {
		o(&e.cfg)
	}
	e.Editor, _, err = authSvc.Mint(ctx, auth.RoleEditor, "Erin Editor")
	require.NoError(t, err)
	e.Agent, _, err = authSvc.Mint(ctx, auth.RoleAgent, "Alice")
	require.NoError(t, err)
	e.start("127.0.0.1:0")
	t.Cleanup(e.stop)
	return e
}

func (e *browserEnv) start(addr string) {
	e.t.Helper()
	e.srv = api.New(e.cfg, api.Deps{
		Logger:    slog.New(slog.NewJSONHandler(e.logs, nil)),
		Knowledge: e.knowledge,
		Auth:      e.auth,
		Bot:       e.engine,
	})
	var ln net.Listener
	var err error
	// The old listener's port can take a moment to be free again after a restart.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if ln, err = net.Listen("tcp", addr); err == nil || time.Now().After(deadline) {
			break
		}
	}
	require.NoError(e.t, err, "listen on %s", addr)
	mux := http.NewServeMux()
	mux.Handle("/", e.srv)
	mux.HandleFunc("GET /__test/host", e.hostPage)
	mux.HandleFunc("GET /__test/host.js", e.hostScript)
	mux.HandleFunc("POST /__test/token", e.hostTokenEndpoint)
	srv := httptest.NewUnstartedServer(mux)
	srv.Listener = ln
	srv.Config.RegisterOnShutdown(e.srv.CloseStreams)
	srv.Start()
	e.http = srv
	e.URL = srv.URL
}

func (e *browserEnv) stop() {
	if e.http == nil {
		return
	}
	e.srv.CloseStreams()
	e.http.CloseClientConnections()
	e.http.Close()
	e.http = nil
}

// dropConnections cuts every open connection, as a flaky network or a proxy would: open
// pages must reconnect on their own.
func (e *browserEnv) dropConnections() {
	e.http.CloseClientConnections()
}

// restart stops the server and starts a new one on the same address over the same
// database, while the pages stay open.
func (e *browserEnv) restart(down time.Duration) {
	addr := e.http.Listener.Addr().String()
	e.stop()
	time.Sleep(down)
	e.start(addr)
}

// The test host page is a stand-in for a customer's app on its own: it embeds widget.js with
// a user token and a CSP as strict as the one widget.js documents for its hosts. Its script
// renews an expired token through /__test/token, as a host app's backend would.
const testHostCSP = "default-src 'none'; script-src 'self'; frame-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'; object-src 'none'"

func (e *browserEnv) hostPage(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	token := e.hostToken
	e.mu.Unlock()
	w.Header().Set("Content-Security-Policy", testHostCSP)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	lang := r.URL.Query().Get("lang")
	fmt.Fprintf(w, `<!doctype html><html><head><meta charset="utf-8"><title>Host app</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><h1>Host app</h1><p>A page of the customer's app.</p>
<div id="chat"></div>
%s
</body></html>`, hostScripts(r.URL.Query().Get("mode"), token, lang))
}

// hostScripts embeds the widget: ?mode=float with the one script tag a host app would use
// (a launcher at the bottom right), else inline through FaqbotWidget.mount with a getToken.
func hostScripts(mode, token, lang string) string {
	if mode == "float" {
		return fmt.Sprintf(`<script src="/widget.js" data-token="%s" data-lang="%s"></script>`, attrEscape(token), attrEscape(lang))
	}
	return fmt.Sprintf(`<script src="/widget.js" data-manual></script>
<script src="/__test/host.js" data-token="%s" data-lang="%s"></script>`, attrEscape(token), attrEscape(lang))
}

func (e *browserEnv) hostScript(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	io.WriteString(w, `(function () {
  var s = document.currentScript;
  window.hostRenewals = 0;
  window.widget = FaqbotWidget.mount({
    token: s.dataset.token, lang: s.dataset.lang, el: document.getElementById('chat'),
    getToken: function () {
      window.hostRenewals++;
      return fetch('/__test/token', { method: 'POST' }).then(function (r) { return r.text(); });
    },
  });
})();`)
}

func (e *browserEnv) hostTokenEndpoint(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	sub := e.hostSubject
	e.mu.Unlock()
	io.WriteString(w, signToken(e.t, jwt.SigningMethodHS256, []byte(userSecret), jwt.MapClaims{"sub": sub, "exp": time.Now().Add(time.Hour).Unix()}))
}

// setHost sets the token the host page embeds and the user whose fresh tokens it gets.
func (e *browserEnv) setHost(token, subject string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.hostToken, e.hostSubject = token, subject
}

func attrEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", `"`, "&quot;", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}

// callClient opens a connection per call, so that dropConnections and restarts, which are
// meant for the pages, never break a call of the test itself.
var callClient = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

// call is an HTTP call to the server, as another client (an agent's script, say) would make.
// It returns the status and decodes a JSON answer into out when out is not nil.
func (e *browserEnv) call(method, path, token string, body any, out any) int {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		require.NoError(e.t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	require.NoError(e.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := callClient.Do(req)
	require.NoError(e.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(e.t, err)
	if out != nil && len(raw) > 0 && res.StatusCode < 300 {
		require.NoError(e.t, json.Unmarshal(raw, out), "%s %s: %s", method, path, raw)
	}
	if res.StatusCode >= 400 {
		e.t.Logf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	return res.StatusCode
}

// assertLogsHold fails when the request log contains any of secrets: tokens travel in
// headers, never in URLs, and the log names routes, not paths or headers.
func (e *browserEnv) assertLogsHold(secrets ...string) {
	e.t.Helper()
	logs := e.logs.String()
	require.NotEmpty(e.t, logs, "the server logged the requests")
	for _, s := range secrets {
		if s == "" {
			continue
		}
		require.NotContains(e.t, logs, s, "a token leaked into the log")
	}
}

// pageOptions shape a page: its language (navigator.languages and Accept-Language) and its
// size (a phone or a laptop).
type pageOptions struct {
	lang  string // "zh" or "en" (default)
	phone bool
}

// browserPage is one tab in a browser context of its own.
type browserPage struct {
	t     *testing.T
	env   *browserEnv
	ctx   context.Context
	frame string // CSS selector of the iframe that queries look into; "" for the page
	// child makes queries run in the page's first child frame, through an isolated world:
	// for a frame the page's own scripts cannot reach (inside a closed shadow root).
	child bool

	mu        sync.Mutex
	problems  []string
	tolerated []string
}

// open opens path in a new tab. The tab closes, and the test fails on any problem the page
// showed, when the test ends.
func (e *browserEnv) open(t *testing.T, path string, o pageOptions) *browserPage {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser(t), chromedp.WithNewBrowserContext())
	p := &browserPage{t: t, env: e, ctx: ctx}
	t.Cleanup(func() {
		p.checkProblems()
		cancel()
	})
	require.NoError(t, chromedp.Listen(ctx, p.watch))
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			// Dismiss it, or the page hangs; watch has recorded it already.
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	acceptLang, locale := "en-US,en;q=0.9", "en-US"
	if o.lang == "zh" {
		acceptLang, locale = "zh-CN,zh;q=0.9", "zh-CN"
	}
	width, height := int64(1280), int64(800)
	var vopts []chromedp.EmulateViewportOption
	if o.phone {
		width, height = 390, 844
		vopts = append(vopts, chromedp.EmulateScale(2), chromedp.EmulateMobile)
	}
	require.NoError(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(width, height, vopts...),
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: chrome.ua, AcceptLanguage: acceptLang})
			if err != nil {
				return err
			}
			_, err = chromedp.Call(ctx, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: locale})
			return err
		}),
	))
	p.navigate(path)
	return p
}

// watch records what a page must not do. It runs on chromedp's reading goroutine: it only
// records.
func (p *browserPage) watch(ev any) {
	var problem string
	switch ev := ev.(type) {
	case *page.EventJavascriptDialogOpening:
		problem = fmt.Sprintf("JS dialog %s: %q", ev.Type, ev.Message)
	case *runtime.EventExceptionThrown:
		problem = "uncaught exception: " + exceptionText(ev.ExceptionDetails)
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				if a.Value != nil {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			problem = "console." + string(ev.Type) + ": " + strings.Join(parts, " ")
		}
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError {
			problem = fmt.Sprintf("browser log (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
		}
	}
	if problem == "" {
		return
	}
	p.mu.Lock()
	p.problems = append(p.problems, problem)
	p.mu.Unlock()
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d == nil {
		return ""
	}
	s := d.Text
	if d.Exception != nil {
		s += " " + d.Exception.Description
	}
	return fmt.Sprintf("%s (%s:%d)", s, d.URL, d.LineNumber)
}

// tolerate accepts problems containing any of substrings from now on: the failed requests
// of a test that cuts the network, say.
func (p *browserPage) tolerate(substrings ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tolerated = append(p.tolerated, substrings...)
}

// problemsSeen are the problems not tolerated so far.
func (p *browserPage) problemsSeen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
next:
	for _, pr := range p.problems {
		for _, s := range p.tolerated {
			if strings.Contains(pr, s) {
				continue next
			}
		}
		out = append(out, pr)
	}
	return out
}

func (p *browserPage) checkProblems() {
	if probs := p.problemsSeen(); len(probs) > 0 {
		p.t.Errorf("the page showed problems:\n  %s", strings.Join(probs, "\n  "))
	}
}

// networkProblems are what a page logs while the server is away; tests that cut the network
// tolerate them.
var networkProblems = []string{"net::ERR_", "Failed to load resource", "Failed to fetch", "network error"}

func (p *browserPage) navigate(path string) {
	p.t.Helper()
	require.NoError(p.t, chromedp.Do(p.ctx, chromedp.Navigate(p.env.URL+path)))
}

// within makes later queries look into the document of the iframe sel ("" for the page).
func (p *browserPage) within(sel string) *browserPage {
	p.frame, p.child = sel, false
	return p
}

// withinChildFrame makes later queries run in the page's first child frame.
func (p *browserPage) withinChildFrame() *browserPage {
	p.frame, p.child = "", true
	return p
}

// evaluate runs expr where the queries look and returns its value as JSON.
func (p *browserPage) evaluate(expr string) ([]byte, error) {
	if !p.child {
		return chromedp.Run(p.ctx, chromedp.Evaluate[[]byte](expr, chromedp.EvalAwaitPromise))
	}
	var out []byte
	err := chromedp.Do(p.ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		tree, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
		if err != nil {
			return err
		}
		if tree.FrameTree == nil || len(tree.FrameTree.ChildFrames) == 0 {
			return errors.New("the page has no child frame")
		}
		world, err := chromedp.Call(ctx, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{FrameID: tree.FrameTree.ChildFrames[0].Frame.ID, WorldName: "faqbot-test"})
		if err != nil {
			return err
		}
		yes := true
		res, err := chromedp.Call(ctx, runtime.Evaluate, runtime.EvaluateParams{Expression: expr, ContextID: world.ExecutionContextID, ReturnByValue: &yes, AwaitPromise: &yes})
		if err != nil {
			return err
		}
		if res.ExceptionDetails != nil {
			return errors.New(exceptionText(res.ExceptionDetails))
		}
		out = []byte(res.Result.Value)
		if len(out) == 0 {
			out = []byte("null")
		}
		return nil
	}))
	return out, err
}

// script wraps js so that D is the document queries look into (the page's, or the iframe's).
func (p *browserPage) script(js string) string {
	doc := "document"
	if p.frame != "" {
		doc = fmt.Sprintf("(document.querySelector(%s) || {}).contentDocument", jsString(p.frame))
	}
	return fmt.Sprintf("(() => { const D = %s; const W = D && D.defaultView; return (%s); })()", doc, js)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// eval evaluates js (with D and W, see script) and decodes its value into T; promises are
// awaited.
func eval[T any](p *browserPage, js string) T {
	p.t.Helper()
	raw, err := p.evaluate(p.script(js))
	require.NoError(p.t, err, "evaluate %s", js)
	var v T
	if _, void := any(v).(chromedp.Void); void {
		return v
	}
	require.NoError(p.t, json.Unmarshal(raw, &v), "evaluate %s: %s", js, raw)
	return v
}

// waitFor polls until js (with D and W) is truthy; what says what is awaited in the failure.
func (p *browserPage) waitFor(js, what string) {
	p.t.Helper()
	p.waitForWithin(js, what, browserWait)
}

func (p *browserPage) waitForWithin(js, what string, limit time.Duration) {
	p.t.Helper()
	expr := p.script(fmt.Sprintf("(() => { try { return !!(%s); } catch (e) { return false; } })()", js))
	deadline := time.Now().Add(limit)
	for {
		raw, err := p.evaluate(expr)
		if err == nil && string(raw) == "true" {
			return
		}
		if time.Now().After(deadline) {
			p.failScreenshot()
			p.t.Fatalf("waited %s for %s (%s); the page says:\n%s\nproblems: %v", limit, what, js, p.visibleText(), p.problemsSeen())
		}
		time.Sleep(40 * time.Millisecond)
	}
}

// visibleText is the text of the document queries look into, for failure messages.
func (p *browserPage) visibleText() string {
	raw, err := p.evaluate(p.script(`D && D.body ? D.body.innerText : '(no document)'`))
	var s string
	if err != nil || json.Unmarshal(raw, &s) != nil {
		return fmt.Sprintf("(unreadable: %v)", err)
	}
	return s
}

// text returns the textContent of the first element matching sel ("" when none).
func (p *browserPage) text(sel string) string {
	p.t.Helper()
	return eval[string](p, fmt.Sprintf("(D.querySelector(%s) || {}).textContent || ''", jsString(sel)))
}

// texts returns the textContent of every element matching sel.
func (p *browserPage) texts(sel string) []string {
	p.t.Helper()
	return eval[[]string](p, fmt.Sprintf("[...D.querySelectorAll(%s)].map(e => e.textContent)", jsString(sel)))
}

// click clicks the element sel with the mouse, as a user would: it waits until the element
// is there, enabled and the one under the pointer (no overlay or spinner covers it), scrolled
// into view.
func (p *browserPage) click(sel string) {
	p.t.Helper()
	hit := fmt.Sprintf(`(() => {
  const el = D.querySelector(%s);
  if (!el || !el.getClientRects().length || el.disabled) return false;
  el.scrollIntoView({block: 'center', inline: 'center'});
  const r = el.getBoundingClientRect();
  const hit = D.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return hit === el || el.contains(hit);
})()`, jsString(sel))
	p.waitFor(hit, "clickable (and not covered) "+sel)
	type point struct{ X, Y float64 }
	pt := eval[point](p, fmt.Sprintf(`(() => {
  const r = D.querySelector(%s).getBoundingClientRect();
  let x = r.left + r.width / 2, y = r.top + r.height / 2;
  const f = W.frameElement;
  if (f) { const fr = f.getBoundingClientRect(); x += fr.left + f.clientLeft; y += fr.top + f.clientTop; }
  return {X: x, Y: y};
})()`, jsString(sel)))
	p.clickAt(pt.X, pt.Y)
}

// focus focuses sel.
func (p *browserPage) focus(sel string) {
	p.t.Helper()
	p.waitFor(fmt.Sprintf("D.querySelector(%s)", jsString(sel)), sel)
	eval[chromedp.Void](p, fmt.Sprintf("(D.querySelector(%s).focus(), W.focus(), D.querySelector(%s).focus())", jsString(sel), jsString(sel)))
}

// typeInto focuses sel and types text as an input method commits it (any script, Chinese
// included).
func (p *browserPage) typeInto(sel, text string) {
	p.t.Helper()
	p.focus(sel)
	p.typeFocused(text)
}

// typeFocused types text into whatever has the focus.
func (p *browserPage) typeFocused(text string) {
	p.t.Helper()
	_, err := chromedp.Run(p.ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, input.InsertText, input.InsertTextParams{Text: text})
		return err
	}))
	require.NoError(p.t, err)
}

// clickAt clicks the point x, y of the viewport.
func (p *browserPage) clickAt(x, y float64) {
	p.t.Helper()
	require.NoError(p.t, chromedp.Do(p.ctx, chromedp.MouseClickXY(x, y)))
}

// keys are the named keys press knows: key, code and Windows key code, and the text the key
// types.
var keys = map[string]struct {
	code string
	vk   int64
	text string
}{
	"Enter":      {"Enter", 13, "\r"},
	"Tab":        {"Tab", 9, ""},
	"Escape":     {"Escape", 27, ""},
	"Space":      {"Space", 32, " "},
	"ArrowLeft":  {"ArrowLeft", 37, ""},
	"ArrowUp":    {"ArrowUp", 38, ""},
	"ArrowRight": {"ArrowRight", 39, ""},
	"ArrowDown":  {"ArrowDown", 40, ""},
}

// press presses and releases a named key (see keys) on the focused element, as a keyboard
// does: one keydown whose default action (typing, submitting) the page may prevent.
func (p *browserPage) press(name string) {
	p.t.Helper()
	k, ok := keys[name]
	require.True(p.t, ok, "press: unknown key %q", name)
	key := name
	if name == "Space" {
		key = " "
	}
	down := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyDown, Key: key, Code: k.code, WindowsVirtualKeyCode: k.vk, NativeVirtualKeyCode: k.vk, Text: k.text, UnmodifiedText: k.text}
	if k.text == "" {
		down.Type = input.DispatchKeyEventTypeRawKeyDown
	}
	up := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyUp, Key: key, Code: k.code, WindowsVirtualKeyCode: k.vk, NativeVirtualKeyCode: k.vk}
	_, err := chromedp.Run(p.ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		for _, ev := range []input.DispatchKeyEventParams{down, up} {
			if _, err := chromedp.Call(ctx, input.DispatchKeyEvent, ev); err != nil {
				return err
			}
		}
		return nil
	}))
	require.NoError(p.t, err)
}

// assertNoXSS fails when a payload ran: the payloads set window.__xss (in any frame) or
// open a dialog, which watch records as a problem.
func (p *browserPage) assertNoXSS() {
	p.t.Helper()
	ran := eval[bool](p, `!!(window.top.__xss || [...window.top.document.querySelectorAll('iframe')].some(f => { try { return f.contentWindow.__xss; } catch (e) { return false; } }))`)
	require.False(p.t, ran, "an XSS payload executed")
	for _, pr := range p.problemsSeen() {
		require.NotContains(p.t, pr, "JS dialog", "an XSS payload opened a dialog")
	}
}

var screenshotName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// screenshotDir is where screenshots go: docs/screenshots of the checkout unless
// FAQBOT_SCREENSHOT_DIR says otherwise.
func screenshotDir() string {
	if d := os.Getenv("FAQBOT_SCREENSHOT_DIR"); d != "" {
		return d
	}
	return filepath.Join("..", "docs", "screenshots")
}

// screenshot saves the viewport as <name>.png in screenshotDir.
func (p *browserPage) screenshot(name string) {
	p.t.Helper()
	buf, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	require.NoError(p.t, err)
	require.NoError(p.t, os.MkdirAll(screenshotDir(), 0o755))
	file := filepath.Join(screenshotDir(), screenshotName.ReplaceAllString(name, "-")+".png")
	require.NoError(p.t, os.WriteFile(file, buf, 0o644))
}

// failScreenshot keeps what the page looked like when a wait failed.
func (p *browserPage) failScreenshot() {
	buf, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return
	}
	dir := screenshotDir()
	if os.MkdirAll(dir, 0o755) == nil {
		file := filepath.Join(dir, "FAILED-"+screenshotName.ReplaceAllString(p.t.Name(), "-")+".png")
		if os.WriteFile(file, buf, 0o644) == nil {
			p.t.Logf("screenshot of the failure: %s", file)
		}
	}
}
