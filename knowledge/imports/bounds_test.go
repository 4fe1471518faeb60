package imports_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/faqbot/faqbot/knowledge/imports"
)

// Inputs shaped to make a careless parser quadratic: each must parse in about the time it
// takes to read it. The bound is loose (race detector, a machine shared with other test runs);
// quadratic behaviour on these sizes would take far longer.
func TestParsePathologicalInputsStayFast(t *testing.T) {
	const mb = 1 << 19 // half: quadratic work on it is still hours, linear is milliseconds
	tests := []struct {
		name   string
		format imports.Format
		input  string
	}{
		{"json deep nesting", imports.FormatJSON, strings.Repeat("[", mb)},
		{"json many fields", imports.FormatJSON, "[{" + strings.Repeat(`"tags":[],`, mb/10) + `"x":1}]`},
		{"json many list items", imports.FormatJSON, `[{"tags":[` + strings.Repeat(`"t",`, mb/4) + `"t"]}]`},
		{"json many tiny rows", imports.FormatJSON, "[" + strings.Repeat("1,", 90_000) + "1]"},
		{"ndjson long line of quotes", imports.FormatNDJSON, `{"answer":"` + strings.Repeat(`\"`, mb) + `"}`},
		{"ndjson many short lines", imports.FormatNDJSON, strings.Repeat("{\n", 90_000)},
		{"csv quotes", imports.FormatCSV, csvHeader + strings.Repeat(`"`, mb)},
		{"csv wide row", imports.FormatCSV, csvHeader + "q,a,en" + strings.Repeat(",", mb)},
		{"csv many list separators", imports.FormatCSV, "question,answer,language,tags,similar_questions\nq,a,en," + strings.Repeat("|", mb) + "," + strings.Repeat("\n", mb)},
		{"markdown field block", imports.FormatMarkdown, "## Q\n" + strings.Repeat("> similar: a | b\n", mb/17)},
		{"markdown list of quotes", imports.FormatMarkdown, "## Q\n> tags: [" + strings.Repeat(`'`, mb) + "]\n"},
		{"markdown apostrophes", imports.FormatMarkdown, "## Q\n> tags: [a" + strings.Repeat(`'`, mb) + "]\n"},
		{"markdown heading ids", imports.FormatMarkdown, "## " + strings.Repeat("{#", mb/2) + "\nA\n"},
		{"markdown fences", imports.FormatMarkdown, "## Q\n" + strings.Repeat("```\n", mb/4)},
		{"markdown front matter quotes", imports.FormatMarkdown, "---\ntags: [" + strings.Repeat(`"`, 60_000) + "]\n---\n## Q\nA\n"},
		{"markdown slug", imports.FormatMarkdown, "---\nid_prefix: p-\n---\n## " + strings.Repeat("a-", mb/2) + "\nA\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, _ = imports.Parse(tt.format, strings.NewReader(tt.input))
			assert.Less(t, time.Since(start), 20*time.Second)
		})
	}
}
