package imports_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/imports"
)

const csvHeader = "question,answer,language\n"

func TestParseCSVRows(t *testing.T) {
	bigAnswer := strings.Repeat("答", 1<<20/3+1)
	hugeAnswer := strings.Repeat("a", 3<<20)
	tests := []struct {
		name  string
		input string
		want  []rowResult
	}{
		{"crlf", "question,answer,language\r\nq1,a,en\r\nq2,a,en\r\n", []rowResult{{2, "q1", ""}, {3, "q2", ""}}},
		{"invalid utf-8 row", csvHeader + "q1,a,en\nq2,\xe5\x9b,zh\nq3,a,en\n",
			[]rowResult{{2, "q1", ""}, {3, "", "answer: is not valid UTF-8"}, {4, "q3", ""}}},
		{"bare quote", csvHeader + "q1,a,en\nq2,say \"hi\",en\nq3,a,en\n",
			[]rowResult{{2, "q1", ""}, {3, "", `malformed CSV: line 3, column 8: bare " in non-quoted-field (a cell that holds quotes`}, {4, "q3", ""}}},
		{"line breaks in a cell keep spreadsheet numbering", csvHeader + "q1,\"step 1\nstep 2\nstep 3\",en\nq2,a,en\n",
			[]rowResult{{2, "q1", ""}, {3, "q2", ""}}},
		{"extra cell with a value", csvHeader + "q1,a,en,oops\nq2,a,en\n",
			[]rowResult{{2, "", "value in column 4, but the header has only 3 columns"}, {3, "q2", ""}}},
		{"extra empty cells are fine", csvHeader + "q1,a,en,,\n", []rowResult{{2, "q1", ""}}},
		{"short row leaves fields empty", csvHeader + "q1\n", []rowResult{{2, "q1", ""}}},
		{"unnamed column with a value", "question,,answer,language\nq1,,a,en\nq2,x,a,en\n",
			[]rowResult{{2, "q1", ""}, {3, "", "column 2 has a value but no name in the header"}}},
		{"read-only columns are ignored", "id,question,answer,language,version,updated_at\n7,q1,a,en,3,yesterday\n", []rowResult{{2, "q1", ""}}},
		{"1 MB answer is left to Validate", csvHeader + "q1," + bigAnswer + ",zh\n", []rowResult{{2, "q1", ""}}},
		{"3 MB row is a row error", csvHeader + "q1," + hugeAnswer + ",en\nq2,a,en\n",
			[]rowResult{{2, "", "the row is 3.0 MB long"}, {3, "q2", ""}}},
		{"unterminated quote swallows the rest", csvHeader + "q1,a,en\nq2,\"a,en\nq3,a,en\n",
			[]rowResult{{2, "q1", ""}, {3, "", `extraneous or missing " in quoted-field`}}},
		{"duplicates pass through", "external_id,question,answer,language\nx,q,a,en\nx,q,a,en\n", []rowResult{{2, "q", ""}, {3, "q", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := imports.Parse(imports.FormatCSV, strings.NewReader(tt.input))
			require.NoError(t, err)
			checkRows(t, rows, tt.want)
		})
	}
}

func TestParseCSVFields(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  knowledge.Article
	}{
		{"lists", "Question, Answer ,LANGUAGE,similar-questions,tags\nq,a,zh,\"钱怎么提不出来|提现失败\n提现要多久\",\"钱包，提现、收益|金币,coins\"\n",
			knowledge.Article{Question: "q", Answer: "a", Language: "zh",
				SimilarQuestions: []string{"钱怎么提不出来", "提现失败", "提现要多久"},
				Tags:             []string{"钱包", "提现", "收益", "金币", "coins"}}},
		{"semicolons", "question;answer;language;category\nq, with comma;a;en;payment\n",
			knowledge.Article{Question: "q, with comma", Answer: "a", Language: "en", Category: "payment"}},
		{"tabs", "question\tanswer\tlanguage\tstatus\nq\ta, b\ten\tpublished\n",
			knowledge.Article{Question: "q", Answer: "a, b", Language: "en", Status: knowledge.StatusPublished}},
		{"quoted cell keeps quotes and line breaks", "question,answer,language\nq,\"He said \"\"hi\"\"\r\nthen left\",en\n",
			knowledge.Article{Question: "q", Answer: "He said \"hi\"\nthen left", Language: "en"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := imports.Parse(imports.FormatCSV, strings.NewReader(tt.input))
			require.NoError(t, err)
			require.Len(t, rows, 1)
			require.NoError(t, rows[0].Err)
			assert.Equal(t, tt.want, rows[0].Article)
		})
	}
}

func TestParseCSVWholeFileProblems(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  string
	}{
		{"missing columns are named", "question,title\nq,t\n", "the header lacks the required column(s) answer, language"},
		{"missing language", "question,answer\nq,a\n", "lacks the required column(s) language (required: question, answer, language)"},
		{"unknown column", "question,answer,language,catgory,备注\nq,a,en,x,y\n", `unknown column(s) "catgory", "备注" (known columns: external_id`},
		{"duplicate column", "question,answer,language,Answer\nq,a,en,b\n", `names column "answer" twice (columns 2 and 4)`},
		{"malformed header", "question,\"answer,language\n", "the header row is malformed CSV"},
		{"header only", csvHeader, "the file holds no articles"},
		{"header not utf-8", "question,answer,language,\xb1\xea\xc7\xa9\nq,a,en,x\n", "not UTF-8"},
		{"every row not utf-8", csvHeader + "\xd5\xcb\xba\xc5,a,zh\n\xc3\xdc\xc2\xeb,b,zh\n", "not UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := imports.Parse(imports.FormatCSV, strings.NewReader(tt.input))
			require.Error(t, err)
			assert.ErrorIs(t, err, knowledge.ErrInvalid)
			assert.Contains(t, err.Error(), tt.want)
			assert.Nil(t, rows)
		})
	}
}
