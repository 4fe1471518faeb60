package api_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/api"
)

// The knowledge editor (/kb, issue 5) in a real browser against a real server and
// PostgreSQL with the demo knowledge base.

// pressCtrl presses Ctrl with a key (key "s", code "KeyS", Windows key code 83) on the
// focused element.
func (p *browserPage) pressCtrl(key, code string, vk int64) {
	p.t.Helper()
	const ctrl = 2 // the protocol's modifier bits: Alt=1, Ctrl=2, Meta=4, Shift=8
	_, err := chromedp.Run(p.ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		for _, ev := range []input.DispatchKeyEventParams{
			{Type: input.DispatchKeyEventTypeRawKeyDown, Key: key, Code: code, WindowsVirtualKeyCode: vk, NativeVirtualKeyCode: vk, Modifiers: ctrl},
			{Type: input.DispatchKeyEventTypeKeyUp, Key: key, Code: code, WindowsVirtualKeyCode: vk, NativeVirtualKeyCode: vk, Modifiers: ctrl},
		} {
			if _, err := chromedp.Call(ctx, input.DispatchKeyEvent, ev); err != nil {
				return err
			}
		}
		return nil
	}))
	require.NoError(p.t, err)
}

// typeAtEnd types text after what the field sel holds.
func (p *browserPage) typeAtEnd(sel, text string) {
	p.t.Helper()
	p.focus(sel)
	eval[bool](p, fmt.Sprintf(`(el => (el.setSelectionRange(el.value.length, el.value.length), true))(D.querySelector(%s))`, jsString(sel)))
	p.typeInto(sel, text)
}

// chooseFile puts path into the file input sel, as picking it in the file dialog does.
func (p *browserPage) chooseFile(sel, path string) {
	p.t.Helper()
	require.NoError(p.t, chromedp.Do(p.ctx, chromedp.SetUploadFiles(chromedp.CSS(sel), []string{path})))
}

// showTab clicks the editor's tab name and waits for its panel.
func (p *browserPage) showTab(name string) {
	p.t.Helper()
	p.click(fmt.Sprintf(`a[data-tab=%q]`, name))
	p.waitFor(fmt.Sprintf(`!D.querySelector('#tab-%s').hidden`, name), "the "+name+" tab")
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

type kbArticle struct {
	ID       int64  `json:"id"`
	Title    string `json:"title"`
	Question string `json:"question"`
	Answer   string `json:"answer"`
	Status   string `json:"status"`
	Version  int    `json:"version"`
}

func TestKnowledgeEditorImportsAndEdits(t *testing.T) {
	const importLimit = 64 << 10
	env := newBrowserEnv(t, func(c *api.Config) { c.MaxImportBytes = importLimit })
	p := env.open(t, "/kb", pageOptions{lang: "en"})
	staffSignIn(p, env.Editor)
	p.waitFor(`D.querySelectorAll('#article-rows .article-link').length === 50`, "the first page of articles")
	p.click("#more")
	p.waitFor(`D.querySelectorAll('#article-rows .article-link').length > 50`, "the next page")
	p.screenshot("kb-articles-en")

	// Import a file with a bad row: the progress shows, the good rows go in, the bad one is
	// reported by its row number.
	p.showTab("import")
	csv := "external_id,title,question,answer,category,language,status\n" +
		"zorp-1,How do I zorp my widget?,How do I zorp my widget?,Open **Settings > Zorp** and tap Zorp.,tech,en,published\n" +
		"zorp-2,怎么给小组件加速,怎么给小组件加速,打开 **设置 > 加速**。,tech,zh,published\n" +
		"zorp-3,A row without an answer,A row without an answer,,tech,en,published\n"
	eval[bool](p, `(() => { W.__statuses = []; new MutationObserver(() => W.__statuses.push(D.querySelector('#import-status').textContent)).observe(D.querySelector('#import-status'), {childList: true, characterData: true, subtree: true}); return true; })()`)
	p.chooseFile("#import-file", writeFile(t, "faq.csv", csv))
	p.click("#import-go")
	p.waitFor(`!D.querySelector('#import-report').hidden`, "the import report")
	assert.Contains(t, p.text("#report-summary"), "2 created, 0 updated, 1 failed.")
	cells := p.texts("#report-rows td")
	require.Len(t, cells, 2, "one failed row: its number and its problem")
	assert.Equal(t, "4", cells[0], "the row number counts the header line")
	assert.Contains(t, cells[1], "answer")
	statuses := strings.Join(eval[[]string](p, `W.__statuses`), " | ")
	assert.Contains(t, statuses, "Uploading", "the upload progress was shown")
	assert.Contains(t, statuses, "Importing", "the import step was shown")
	p.screenshot("kb-import-en")

	// A file over the server's limit: a clear message, and nothing of it imported.
	var big strings.Builder
	big.WriteString("external_id,title,question,answer,category,language,status\n")
	for i := 0; big.Len() <= 2*importLimit; i++ {
		fmt.Fprintf(&big, "huge-%d,Huge row %d,Huge row %d?,%s,tech,en,published\n", i, i, i, strings.Repeat("filler ", 20))
	}
	p.tolerate("status of 413")
	p.chooseFile("#import-file", writeFile(t, "huge.csv", big.String()))
	p.click("#import-go")
	p.waitFor(`/larger than the server accepts/.test(D.querySelector('#import-out').textContent)`, "the too-large message")
	var list struct{ Items []kbArticle }
	require.Equal(t, http.StatusOK, env.call("GET", "/v1/articles?q=Huge", env.Editor, nil, &list))
	assert.Empty(t, list.Items, "nothing of a refused file is imported")

	// Find the imported article and edit it; Ctrl+S saves.
	p.showTab("articles")
	p.typeInto("#f-q", "zorp")
	p.waitFor(`D.querySelectorAll('#article-rows .article-link').length === 1`, "the search result")
	p.click("#article-rows .article-link")
	p.waitFor(`!D.querySelector('#editor').hidden && D.querySelector('#e-title').value === 'How do I zorp my widget?'`, "the article in the editor")
	id := strings.TrimPrefix(eval[string](p, `location.hash`), "#article/")
	p.typeAtEnd("#e-answer", " Then restart.")
	p.pressCtrl("s", "KeyS", 83)
	p.waitFor(`/Saved: version 2/.test(D.querySelector('#editor-out').textContent)`, "the saved article")
	var a kbArticle
	require.Equal(t, http.StatusOK, env.call("GET", "/v1/articles/"+id, env.Editor, nil, &a))
	assert.Equal(t, 2, a.Version)
	assert.True(t, strings.HasSuffix(a.Answer, " Then restart."), a.Answer)

	// Someone else saves meanwhile: the page shows their change and keeps ours.
	p.typeAtEnd("#e-answer", " Mine.")
	require.Equal(t, http.StatusOK, env.call("PUT", "/v1/articles/"+id, env.Editor, map[string]any{
		"title": "Zorp, changed elsewhere", "question": a.Question, "answer": a.Answer, "category": "tech", "language": "en", "status": "published", "version": 2,
	}, nil))
	p.tolerate("status of 409")
	p.click("#save")
	p.waitFor(`!D.querySelector('#conflict').hidden`, "the conflict")
	assert.Contains(t, p.text("#conflict-text"), "version 2")
	assert.Contains(t, p.text("#conflict-diff"), "Zorp, changed elsewhere", "their change is shown")
	assert.True(t, strings.HasSuffix(eval[string](p, `D.querySelector('#e-answer').value`), " Mine."), "our text is kept")
	p.screenshot("kb-conflict-en")
	p.click("#conflict-mine")
	p.waitFor(`/Saved: version 4/.test(D.querySelector('#editor-out').textContent)`, "ours saved over theirs")
	require.Equal(t, http.StatusOK, env.call("GET", "/v1/articles/"+id, env.Editor, nil, &a))
	assert.True(t, strings.HasSuffix(a.Answer, " Mine."), a.Answer)

	// The server goes away while the editor saves: a clear message and the text kept; once
	// it is back the banner goes by itself and the same save goes through.
	p.tolerate(networkProblems...)
	p.typeAtEnd("#e-answer", " After the restart.")
	addr := env.http.Listener.Addr().String()
	env.stop()
	p.click("#save")
	p.waitFor(`/Cannot reach the server/.test(D.querySelector('#banner').textContent) && D.querySelector('#editor-out .notice-error')`, "the server unreachable, said")
	assert.True(t, strings.HasSuffix(eval[string](p, `D.querySelector('#e-answer').value`), " After the restart."), "the text is kept")
	env.start(addr)
	p.waitFor(`D.querySelector('#banner').hidden`, "the banner gone once the server is back")
	p.click("#save")
	p.waitFor(`/Saved: version 5/.test(D.querySelector('#editor-out').textContent)`, "the save after the restart")

	// Bad input names the field and loses nothing, not even across a reload.
	p.click("#new-article")
	p.waitFor(`D.querySelector('#editor-title').textContent === 'New article'`, "a new article")
	p.typeInto("#e-answer", "An answer without a question")
	p.tolerate("status of 400")
	p.click("#save")
	p.waitFor(`D.querySelector('#editor [aria-invalid="true"]')`, "the field marked")
	assert.Contains(t, []string{"title", "question"}, eval[string](p, `D.querySelector('#editor [aria-invalid="true"]').name`))
	assert.NotEmpty(t, p.text("#editor .field-error"))
	require.NoError(t, chromedp.Do(p.ctx, chromedp.Reload()))
	p.waitFor(`D.querySelector('#e-answer').value === 'An answer without a question'`, "the draft after a reload")

	// Try a question: the candidates and the confidence the bot would have.
	p.showTab("try")
	p.typeInto("#try-q", "How do I delete my account?")
	p.press("Enter")
	p.waitFor(`D.querySelectorAll('#try-candidates .result').length > 0`, "the candidates")
	assert.Contains(t, strings.ToLower(p.texts("#try-candidates .result strong")[0]), "delete")
	assert.Regexp(t, `^\d+%$`, p.text("#try-confidence"))
	assert.NotEmpty(t, p.text("#try-verdict"))
	p.screenshot("kb-try-en")
	env.assertLogsHold(env.Editor)
}

func TestKnowledgeEditorGapsAndHostileText(t *testing.T) {
	env := newBrowserEnv(t)
	// Questions the bot could not answer, one of them carrying a payload.
	handoffConversation(t, env, "zh", `<img src=x onerror="window.top.__xss=1">我的快递一直没有更新`, "转人工")
	var gaps struct {
		Items []struct {
			Question string         `json:"question"`
			Count    int            `json:"count"`
			Reasons  map[string]int `json:"reasons"`
		} `json:"items"`
	}
	require.Equal(t, http.StatusOK, env.call("GET", "/v1/insights/gaps", env.Editor, nil, &gaps))
	require.NotEmpty(t, gaps.Items, "the handoff left a knowledge gap")
	gap := gaps.Items[0]

	answer := "修复方法：\n\n" + strings.Join(xssPayloads, "\n\n") + "\n\n[safe link](https://example.com/help)"
	var evil kbArticle
	require.Equal(t, http.StatusCreated, env.call("POST", "/v1/articles", env.Editor, map[string]any{
		"title": `<img src=x onerror="window.top.__xss=1"> 小组件`, "question": "<script>window.top.__xss=1</script>怎么设置小组件？",
		"answer": answer, "language": "zh", "status": "published", "category": "tech",
	}, &evil))

	p := env.open(t, "/kb#gaps", pageOptions{lang: "zh"})
	staffSignIn(p, env.Editor)
	p.waitFor(`D.querySelectorAll('#gap-list .gap').length > 0`, "the knowledge gaps")
	assert.Equal(t, gap.Question, p.text("#gap-list .gap-question"), "the gap's question, as text")
	assert.Contains(t, p.text("#gap-list .gap"), fmt.Sprintf("被问 %d 次", gap.Count))
	assert.Contains(t, p.text("#gap-list .gap"), fmt.Sprintf("转人工 %d", gap.Reasons["handoff"]))
	assert.NotContains(t, p.text("#gap-list .gap"), "差评", "a reason that never happened is not shown")
	p.screenshot("kb-gaps-zh")

	// Write an article from the gap: the editor starts with its question.
	p.click("#gap-list .gap button")
	p.waitFor(fmt.Sprintf(`!D.querySelector('#editor').hidden && D.querySelector('#e-question').value === %s`, jsString(gap.Question)), "the new article from the gap")
	assert.Equal(t, "draft", eval[string](p, `D.querySelector('#e-status').value`))
	p.typeInto("#e-answer", "我们会尽快为你查询物流。")
	p.click("#save")
	p.waitFor(`/已创建文章/.test(D.querySelector('#editor-out').textContent)`, "the created article")
	var created kbArticle
	require.Equal(t, http.StatusOK, env.call("GET", "/v1/articles/"+strings.TrimPrefix(eval[string](p, `location.hash`), "#article/"), env.Editor, nil, &created))
	assert.Equal(t, gap.Question, created.Question)
	assert.Equal(t, "draft", created.Status)

	// The hostile article: listed, edited and previewed, and nothing of it runs.
	p.navigate(fmt.Sprintf("/kb#article/%d", evil.ID))
	p.waitFor(fmt.Sprintf(`D.querySelector('#e-title').value === %s`, jsString(`<img src=x onerror="window.top.__xss=1"> 小组件`)), "the hostile article in the editor")
	p.click("#editor .preview summary")
	p.waitFor(`D.querySelector('#preview').textContent.includes('safe link')`, "the preview")
	p.typeInto("#f-q", "小组件")
	p.waitFor(`[...D.querySelectorAll('#article-rows .article-link')].some(a => a.textContent.includes('<img src=x'))`, "the hostile title in the list, as text")
	time.Sleep(300 * time.Millisecond) // an onerror would have fired by now
	p.assertNoXSS()
	assert.Zero(t, eval[int](p, `D.querySelectorAll('#app img, #app script, #app iframe, #app svg, #app [onerror], #app [onload]').length`), "no element came from a payload")
	assert.Zero(t, eval[int](p, `[...D.querySelectorAll('#app a[href]')].filter(a => !/^https?:/.test(a.href)).length`), "no link but http(s)")
	assert.Equal(t, []string{"https://example.com/help"}, eval[[]string](p, `[...D.querySelectorAll('#preview a')].map(a => a.href.replace(/\/$/, ''))`))
	p.screenshot("kb-xss-zh")
}
