package imports_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/imports"
)

// rowResult is what a test expects of one row: its number and either a question or an error.
type rowResult struct {
	row      int
	question string
	err      string // substring of the row error; "" for a good row
}

func checkRows(t *testing.T, rows []knowledge.ImportRow, want []rowResult) {
	t.Helper()
	require.Len(t, rows, len(want))
	for i, w := range want {
		r := rows[i]
		assert.Equal(t, w.row, r.Row, "row number of result %d", i)
		if w.err == "" {
			if assert.NoError(t, r.Err, "row %d", r.Row) {
				assert.Equal(t, w.question, r.Article.Question, "row %d", r.Row)
			}
			continue
		}
		if assert.Error(t, r.Err, "row %d", r.Row) {
			assert.ErrorIs(t, r.Err, knowledge.ErrInvalid, "row %d", r.Row)
			assert.Contains(t, r.Err.Error(), w.err, "row %d", r.Row)
		}
	}
}

const okObject = `{"question":"q","answer":"a","language":"en"}`

func TestParseJSONRows(t *testing.T) {
	bigAnswer := strings.Repeat("答", 1<<20/3+1) // just over 1 MB of UTF-8
	hugeAnswer := strings.Repeat("a", 3<<20)
	tests := []struct {
		name  string
		input string
		want  []rowResult
	}{
		{"unknown field", `[{"question":"q","answer":"a","language":"en","catgory":"x"},` + okObject + `]`,
			[]rowResult{{1, "", `catgory: unknown field (known fields: external_id, title`}, {2, "q", ""}}},
		{"number for a string", `[{"question":"q","title":5}]`, []rowResult{{1, "", "title: must be a string, got a number"}}},
		{"object for a string", `[{"answer":{"text":"a"}}]`, []rowResult{{1, "", "answer: must be a string, got an object"}}},
		{"string for a list", `[{"tags":"a,b"}]`, []rowResult{{1, "", "tags: must be an array of strings, got a string"}}},
		{"number in a list", `[{"similar_questions":["a",1]}]`, []rowResult{{1, "", "similar_questions[1]: must be a string, got a number"}}},
		{"boolean status", `[{"status":true}]`, []rowResult{{1, "", "status: must be a string, got a boolean"}}},
		{"element not an object", `["just a question",` + okObject + `]`, []rowResult{{1, "", "must be a JSON object, got a string"}, {2, "q", ""}}},
		{"field twice", `[{"question":"q","question":"r"}]`, []rowResult{{1, "", "question: appears twice"}}},
		{"invalid utf-8 in a value", `[` + okObject + ",{\"question\":\"q\",\"answer\":\"\xff\xfe\"}]",
			[]rowResult{{1, "q", ""}, {2, "", "answer: is not valid UTF-8"}}},
		{"invalid utf-8 in a name", "[{\"q\xffx\":\"a\"}," + okObject + "]",
			[]rowResult{{1, "", "a field name: is not valid UTF-8"}, {2, "q", ""}}},
		{"null values are empty", `[{"question":"q","title":null,"tags":null}]`, []rowResult{{1, "q", ""}}},
		{"read-only fields are ignored", `[{"id":7,"version":"x","created_at":1,"updated_at":null,"question":"q"}]`, []rowResult{{1, "q", ""}}},
		{"1 MB answer is left to Validate", `[{"question":"q","answer":"` + bigAnswer + `"}]`, []rowResult{{1, "q", ""}}},
		{"3 MB row is a row error", `[{"question":"q","answer":"` + hugeAnswer + `"},` + okObject + `]`,
			[]rowResult{{1, "", "the row is 3.0 MB long, at most 2.0 MB allowed"}, {2, "q", ""}}},
		{"duplicates pass through", `[{"external_id":"x","question":"q"},{"external_id":"x","question":"q"}]`,
			[]rowResult{{1, "q", ""}, {2, "q", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := imports.Parse(imports.FormatJSON, strings.NewReader(tt.input))
			require.NoError(t, err)
			checkRows(t, rows, tt.want)
		})
	}
}

func TestParseJSONKeepsValues(t *testing.T) {
	rows, err := imports.Parse(imports.FormatJSON, strings.NewReader(`[{"question":"q","answer":"line 1\nline 2 \"quoted\" \u4e2d","tags":["a","b"],"status":"Published"}]`))
	require.NoError(t, err)
	require.Len(t, rows, 1)
	require.NoError(t, rows[0].Err)
	a := rows[0].Article
	assert.Equal(t, "line 1\nline 2 \"quoted\" 中", a.Answer)
	assert.Equal(t, []string{"a", "b"}, a.Tags)
	assert.Equal(t, knowledge.Status("Published"), a.Status, "case is the service's business (Normalize)")
}

func TestParseJSONWholeFileProblems(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  string
	}{
		{"csv sent as json", "question,answer\nq,a\n", "the file is not JSON"},
		{"single object", okObject, "expected a JSON array of articles ([{...}, {...}]), got an object"},
		{"a number", "42", "expected a JSON array of articles ([{...}, {...}]), got a number"},
		{"empty array", "[ ]", "the file holds no articles"},
		{"truncated", `[` + okObject + `,{"question":"q"`, "row 2: the file ends before the array is closed"},
		{"not closed", `[` + okObject, "the file ends before the array is closed"},
		{"syntax error in row 2", `[` + okObject + `,{"question" "q"}]`, "row 2: malformed JSON at byte"},
		{"trailing comma", `[` + okObject + `,]`, "row 2: malformed JSON"},
		{"data after the array", `[` + okObject + `] [`, "unexpected data after the closing ]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := imports.Parse(imports.FormatJSON, strings.NewReader(tt.input))
			require.Error(t, err)
			assert.ErrorIs(t, err, knowledge.ErrInvalid)
			assert.Contains(t, err.Error(), tt.want)
			assert.Nil(t, rows)
		})
	}
}

func TestParseNDJSONRows(t *testing.T) {
	hugeLine := `{"question":"q","answer":"` + strings.Repeat("长", 1<<20) + `"}` // 3 MB
	tests := []struct {
		name  string
		input string
		want  []rowResult
	}{
		{"blank lines count", "\n" + okObject + "\n\n   \n" + okObject, []rowResult{{2, "q", ""}, {5, "q", ""}}},
		{"crlf line endings", okObject + "\r\n" + okObject + "\r\n", []rowResult{{1, "q", ""}, {2, "q", ""}}},
		{"malformed line", okObject + "\n{\"question\": \"q\",}\n" + okObject, []rowResult{{1, "q", ""}, {2, "", "malformed JSON at column"}, {3, "q", ""}}},
		{"two objects on a line", okObject + okObject, []rowResult{{1, "", "malformed JSON"}}},
		{"a line that is not an object", "42\n" + okObject, []rowResult{{1, "", "must be a JSON object, got a number"}, {2, "q", ""}}},
		{"unknown field", `{"question":"q","Title":"t"}`, []rowResult{{1, "", "Title: unknown field"}}},
		{"wrong type", `{"question":["q"]}`, []rowResult{{1, "", "question: must be a string, got an array"}}},
		{"invalid utf-8 line", okObject + "\n{\"question\":\"\xe4\xb8\"}\n", []rowResult{{1, "q", ""}, {2, "", "question: is not valid UTF-8"}}},
		{"3 MB line", hugeLine + "\n" + okObject + "\n", []rowResult{{1, "", "the row is 3.0 MB long"}, {2, "q", ""}}},
		{"duplicates pass through", `{"external_id":"x","question":"q"}` + "\n" + `{"external_id":"x","question":"q"}`, []rowResult{{1, "q", ""}, {2, "q", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := imports.Parse(imports.FormatNDJSON, strings.NewReader(tt.input))
			require.NoError(t, err)
			checkRows(t, rows, tt.want)
		})
	}
}

func TestParseNDJSONWholeFileProblems(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  string
	}{
		{"json array", "[" + okObject + "]", "line 1 starts a JSON array"},
		{"pretty-printed array", "\n[\n  " + okObject + "\n]\n", "line 2 starts a JSON array"},
		{"csv", "question,answer\nq,a\n", "the file is not JSON Lines"},
		{"only blank lines after a bom", "\xef\xbb\xbf\n\n" + strings.Repeat(" ", 600) + "\n", "holds no articles"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := imports.Parse(imports.FormatNDJSON, strings.NewReader(tt.input))
			require.Error(t, err)
			assert.ErrorIs(t, err, knowledge.ErrInvalid)
			assert.Contains(t, err.Error(), tt.want)
			assert.Nil(t, rows)
		})
	}
}
