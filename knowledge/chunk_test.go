package knowledge_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/knowledge"
)

func kinds(cs []knowledge.Chunk) []knowledge.ChunkKind {
	out := []knowledge.ChunkKind{}
	for _, c := range cs {
		out = append(out, c.Kind)
	}
	return out
}

func TestChunkArticle(t *testing.T) {
	q, s, a, ans := knowledge.ChunkQuestion, knowledge.ChunkSimilar, knowledge.ChunkAnswer, "Open Settings, then Card."
	tests := []struct {
		name      string
		article   knowledge.Article
		wantKinds []knowledge.ChunkKind
		wantTexts []string
	}{
		{"question, similar, title with answer",
			knowledge.Article{Title: "Card PIN", Question: "How do I change my PIN?", SimilarQuestions: []string{"change pin"}, Answer: ans},
			[]knowledge.ChunkKind{q, s, a}, []string{"How do I change my PIN?", "change pin", "Card PIN\n" + ans}},
		{"a title equal to the question is not repeated",
			knowledge.Article{Title: "How do I change my PIN?", Question: "How do I change my PIN?", Answer: ans},
			[]knowledge.ChunkKind{q, a}, []string{"How do I change my PIN?", ans}},
		{"an answer standing in for a missing one is not indexed twice",
			knowledge.Article{Title: "花呗还款", Question: "花呗怎么还款", Answer: "花呗怎么还款"},
			[]knowledge.ChunkKind{q, a}, []string{"花呗怎么还款", "花呗还款"}},
		{"nothing but the question",
			knowledge.Article{Title: "花呗怎么还款", Question: "花呗怎么还款", Answer: "花呗怎么还款", SimilarQuestions: []string{"花呗怎么还款"}},
			[]knowledge.ChunkKind{q}, []string{"花呗怎么还款"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := knowledge.ChunkArticle(tt.article)
			assert.Equal(t, tt.wantKinds, kinds(cs))
			var texts []string
			for i, c := range cs {
				texts = append(texts, c.Text)
				assert.Equal(t, i, c.Ordinal)
				assert.Equal(t, knowledge.Tokenize(c.Text), c.Terms)
				assert.Equal(t, len(knowledge.Tokens(c.Text)), c.Length)
			}
			assert.Equal(t, tt.wantTexts, texts)
		})
	}
}

func TestChunkArticleSplitsLongAnswers(t *testing.T) {
	// repeat numbers the copies, so that no two slices are equal (equal ones are indexed once)
	repeat := func(format string, n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, format, i)
		}
		return b.String()
	}
	tests := []struct {
		name   string
		answer string
	}{
		{"english sentences", repeat("Open the app and go to Settings, then Security %d. ", 40)},
		{"paragraphs", repeat("Open the app and go to Settings, then Security %d.\n\n", 30)},
		{"chinese sentences", repeat("请打开应用，进入设置%d，然后选择安全。", 60)},
		{"no break at all", repeat("密码%d", 300)},
		{"one long word", repeat("x%d", 300)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := knowledge.ChunkArticle(knowledge.Article{Title: "Security", Question: "How do I lock my account?", Answer: tt.answer})
			require.Greater(t, len(cs), 2, "a long answer makes several chunks")
			var joined strings.Builder
			for _, c := range cs[1:] {
				assert.Equal(t, knowledge.ChunkAnswer, c.Kind)
				require.True(t, strings.HasPrefix(c.Text, "Security\n"), "every slice is led by the title")
				body := strings.TrimPrefix(c.Text, "Security\n")
				assert.LessOrEqual(t, utf8.RuneCountInString(body), 400)
				assert.True(t, utf8.ValidString(body))
				joined.WriteString(body)
			}
			strip := func(s string) string { return strings.Join(strings.Fields(s), "") }
			assert.Equal(t, strip(tt.answer), strip(joined.String()), "no text is lost")
		})
	}
}
