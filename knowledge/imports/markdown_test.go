package imports_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/imports"
)

func parseMarkdown(t *testing.T, input string) []knowledge.ImportRow {
	t.Helper()
	rows, err := imports.Parse(imports.FormatMarkdown, strings.NewReader(input))
	require.NoError(t, err)
	return rows
}

func TestParseMarkdownArticles(t *testing.T) {
	input := `---
language: zh
category: account   # the file's queue
status: "published"
tags:
  - 账号
  - 'security'
id_prefix: demo-zh-account-
---

# 账号与安全

Intro text for editors is ignored.

## 账号被盗了怎么办？
> similar: 号被盗了咋办 | 账号被别人登录了
> similar：别人改了我的密码｜号没了
> tags: [盗号, "紧急"]

1. 打开 **我 > 设置 > 账号与安全**。
2. 点击“冻结账号”。

### 还是不行？

联系人工客服。

##收不到验证码 {#demo-zh-account-002}

> status: draft
> category: tech
> language: en
> title: 验证码

` + "```" + `
## not a heading inside a code block
` + "```" + `

## Closed heading ##
Answer.

# Part two
Ignored until the next question.
`
	rows := parseMarkdown(t, input)
	checkRows(t, rows, []rowResult{{15, "账号被盗了怎么办？", ""}, {27, "收不到验证码", ""}, {38, "Closed heading", ""}})

	assert.Equal(t, knowledge.Article{
		ExternalID:       "demo-zh-account-账号被盗了怎么办",
		Question:         "账号被盗了怎么办？",
		Answer:           "1. 打开 **我 > 设置 > 账号与安全**。\n2. 点击“冻结账号”。\n\n### 还是不行？\n\n联系人工客服。",
		SimilarQuestions: []string{"号被盗了咋办", "账号被别人登录了", "别人改了我的密码", "号没了"},
		Category:         "account",
		Tags:             []string{"账号", "security", "盗号", "紧急"},
		Language:         "zh",
		Status:           knowledge.StatusPublished,
	}, rows[0].Article)

	second := rows[1].Article
	assert.Equal(t, "demo-zh-account-002", second.ExternalID)
	assert.Equal(t, "验证码", second.Title)
	assert.Equal(t, knowledge.StatusDraft, second.Status)
	assert.Equal(t, "tech", second.Category)
	assert.Equal(t, "en", second.Language)
	assert.Equal(t, "```\n## not a heading inside a code block\n```", second.Answer)

	third := rows[2].Article
	assert.Equal(t, "demo-zh-account-closed-heading", third.ExternalID)
	assert.Equal(t, "Answer.", third.Answer, "a level-1 heading ends the article")
}

func TestParseMarkdownRows(t *testing.T) {
	bigAnswer := strings.Repeat("答", 1<<20/3+1)
	longLine := strings.Repeat("x", 3<<20)
	manyLines := strings.Repeat(strings.Repeat("y", 1000)+"\n", 3000)
	tests := []struct {
		name  string
		input string
		want  []rowResult
	}{
		{"no front matter", "## Q1\n> language: en\nA1\n## Q2\nA2\n", []rowResult{{1, "Q1", ""}, {4, "Q2", ""}}},
		{"unknown field under the heading", "## Q1\n> similiar: x\nA1\n## Q2\nA2\n",
			[]rowResult{{1, "", `similiar: unknown field on line 2: the "> field: value" lines right under a question may set similar, title`}, {4, "Q2", ""}}},
		{"field line without a colon", "## Q1\n> Note that this fails\nA1\n",
			[]rowResult{{1, "", `line 2: expected "> field: value" under the question`}}},
		{"title twice", "## Q1\n> title: a\n> title: b\nA1\n", []rowResult{{1, "", "title: is set twice under the question on line 1"}}},
		{"status twice", "## Q1\n> status: draft\n> status: published\nA1\n", []rowResult{{1, "", "status: is set twice"}}},
		{"unclosed quote in a field", "## Q1\n> title: \"a\nA1\n", []rowResult{{1, "", "title: the double-quoted value"}}},
		{"quote after the answer started is answer", "## Q1\nA1\n> similar: not a field\n", []rowResult{{1, "Q1", ""}}},
		{"empty id", "## Q1 {#  }\nA1\n", []rowResult{{1, "", "external_id: the {#id} after the question on line 1 is empty"}}},
		{"invalid utf-8 in the answer", "## Q1\nA\xff1\n## Q2\nA2\n", []rowResult{{1, "", "answer: is not valid UTF-8"}, {3, "Q2", ""}}},
		{"invalid utf-8 in the question", "## Q\xc31\nA1\n## Q2\nA2\n", []rowResult{{1, "", "question: is not valid UTF-8"}, {3, "Q2", ""}}},
		{"invalid utf-8 in a field", "## Q1\n> similar: \xe4\xb8\nA1\n## Q2\nA2\n", []rowResult{{1, "", "similar: is not valid UTF-8"}, {4, "Q2", ""}}},
		{"1 MB answer is left to Validate", "## Q1\n" + bigAnswer + "\n", []rowResult{{1, "Q1", ""}}},
		{"3 MB line", "## Q1\n" + longLine + "\n## Q2\nA2\n", []rowResult{{1, "", "the row is 3.0 MB long"}, {3, "Q2", ""}}},
		{"3 MB of short lines", "## Q1\n" + manyLines + "## Q2\nA2\n", []rowResult{{1, "", "the row is 2.9 MB long"}, {3002, "Q2", ""}}},
		{"duplicate ids pass through", "## Q1 {#x}\nA\n## Q1 {#x}\nA\n", []rowResult{{1, "Q1", ""}, {3, "Q1", ""}}},
		{"empty question is left to Validate", "##\nA1\n", []rowResult{{1, "", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRows(t, parseMarkdown(t, tt.input), tt.want)
		})
	}
}

func TestParseMarkdownIDs(t *testing.T) {
	rows := parseMarkdown(t, "---\nid_prefix: help-\n---\n"+
		"## Why was I charged twice??\nA\n"+
		"## 钱怎么提不出来？（急）\nA\n"+
		"## Explicit {#my-id}\nA\n")
	require.Len(t, rows, 3)
	assert.Equal(t, "help-why-was-i-charged-twice", rows[0].Article.ExternalID)
	assert.Equal(t, "help-钱怎么提不出来-急", rows[1].Article.ExternalID)
	assert.Equal(t, "my-id", rows[2].Article.ExternalID)

	rows = parseMarkdown(t, "## No prefix, no id\nA\n")
	assert.Empty(t, rows[0].Article.ExternalID)

	long := strings.Repeat("word ", 100)
	rows = parseMarkdown(t, "---\nid_prefix: p-\n---\n## "+long+"\nA\n")
	assert.LessOrEqual(t, len([]rune(rows[0].Article.ExternalID)), 2+80)
}

func TestParseMarkdownWholeFileProblems(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  string
	}{
		{"no heading", "# FAQ\n\nJust some text.\n", `no article found: each article starts with a "## question" heading`},
		{"front matter only", "---\nlanguage: en\n---\n", "no article found"},
		{"front matter not closed", "---\nlanguage: en\n## Q\nA\n", `front matter line 4: expected "key: value", got "A"`},
		{"front matter never closed", "---\nlanguage: en\n", `never closed with a "---" line`},
		{"front matter too long", "---\n" + strings.Repeat("# comment\n", 8000), "the front matter is longer than 64.0 KB"},
		{"unknown key", "---\nlang: en\n---\n## Q\nA\n", `front matter line 2: unknown key "lang" (known keys: category, language, status, tags, id_prefix)`},
		{"key twice", "---\nlanguage: en\nlanguage: zh\n---\n## Q\nA\n", `front matter line 3: "language" is already set on line 2`},
		{"list for a scalar", "---\ncategory: [a, b]\n---\n## Q\nA\n", "front matter line 2: category: expected a single value, got a list"},
		{"unclosed list", "---\ntags: [a, b\n---\n## Q\nA\n", "front matter line 2: tags: the list"},
		{"stray list item", "---\nlanguage: en\n- a\n---\n## Q\nA\n", `front matter line 3: a "- item" line must follow "tags:"`},
		{"bad quote", "---\nstatus: 'draft\n---\n## Q\nA\n", "front matter line 2: status: the single-quoted value"},
		{"front matter not utf-8", "---\ncategory: \xd5\xcb\xba\xc5\n---\n## Q\nA\n", "not UTF-8"},
		{"too many file tags", "---\ntags: [" + strings.Repeat("t,", 21) + "]\n---\n## Q\nA\n", "front matter line 2: at most 20 tags allowed"},
		{"too many file tags as items", "---\ntags:\n" + strings.Repeat("  - t\n", 21) + "---\n## Q\nA\n", "front matter line 23: at most 20 tags allowed"},
		{"id prefix too long", "---\nid_prefix: " + strings.Repeat("p", 201) + "\n---\n## Q\nA\n", "id_prefix is 201 characters long, at most 200 allowed"},
		{"every article not utf-8", "## \xd5\xcb\xba\xc5\nA\n## B\n\xc3\xdc\xc2\xeb\n", "not UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := imports.Parse(imports.FormatMarkdown, strings.NewReader(tt.input))
			require.Error(t, err)
			assert.ErrorIs(t, err, knowledge.ErrInvalid)
			assert.Contains(t, err.Error(), tt.want)
			assert.Nil(t, rows)
		})
	}
}
