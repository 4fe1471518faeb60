package prompts_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/prompts"
)

// update rewrites the golden files: go test ./prompts -update. Every prompt test of this
// package shares it.
var update = flag.Bool("update", false, "rewrite testdata/*.golden from the rendered prompts")

// assertGolden compares rendered messages with testdata/name.golden, so that any change to a
// prompt shows up in review as a diff of the text the model reads.
func assertGolden(t *testing.T, name string, msgs []prompts.Message) {
	t.Helper()
	var b strings.Builder
	for _, m := range msgs {
		b.WriteString("### " + m.Role + "\n" + m.Content + "\n\n")
	}
	got := b.String()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "no golden file; run go test ./prompts -update")
	assert.Equal(t, string(want), got)
}

// fence is one <<<LABEL ... >>> block of a rendered prompt.
type fence struct {
	label, body string
}

// fences parses the blocks the way a reader of the prompt sees them: a line starting with <<<
// opens one, a line that is exactly >>> closes it. It fails the test on a block left open or a
// stray marker outside any block.
func fences(t *testing.T, content string) []fence {
	t.Helper()
	var (
		out  []fence
		cur  *fence
		body []string
	)
	for _, line := range strings.Split(content, "\n") {
		switch {
		case cur == nil && strings.HasPrefix(line, "<<<"):
			cur = &fence{label: strings.TrimPrefix(line, "<<<")}
			body = nil
		case cur != nil && line == ">>>":
			cur.body = strings.Join(body, "\n")
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			assert.NotContains(t, line, "<<<", "a fence marker inside fence %q", cur.label)
			assert.NotContains(t, line, ">>>", "a fence marker inside fence %q", cur.label)
			body = append(body, line)
		default:
			assert.NotContains(t, line, ">>>", "a closing marker outside any fence")
		}
	}
	require.Nil(t, cur, "a fence was left open")
	return out
}
