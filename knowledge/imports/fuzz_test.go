package imports_test

import (
	"bytes"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/imports"
)

// The seed corpora are in testdata/fuzz/<target>. Run one for a while with, for example,
// go test -run='^$' -fuzz=FuzzParseCSV -fuzztime=30s ./knowledge/imports

func FuzzParseJSON(f *testing.F)     { fuzzParse(f, imports.FormatJSON) }
func FuzzParseNDJSON(f *testing.F)   { fuzzParse(f, imports.FormatNDJSON) }
func FuzzParseCSV(f *testing.F)      { fuzzParse(f, imports.FormatCSV) }
func FuzzParseMarkdown(f *testing.F) { fuzzParse(f, imports.FormatMarkdown) }

// fuzzParse checks what must hold for any input: no panic, only ErrInvalid for a bad file
// (the reader never fails here), rows in file order, row errors of the ErrInvalid kind, and
// good rows made of valid UTF-8 no longer than the input.
func fuzzParse(f *testing.F, format imports.Format) {
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := imports.Parse(format, bytes.NewReader(data))
		if err != nil {
			require.ErrorIs(t, err, knowledge.ErrInvalid)
			require.Nil(t, rows)
			return
		}
		require.NotEmpty(t, rows)
		prev := 0
		for i, r := range rows {
			switch format {
			case imports.FormatJSON:
				require.Equal(t, i+1, r.Row)
			case imports.FormatCSV:
				require.Equal(t, i+2, r.Row)
			default:
				require.Greater(t, r.Row, prev)
				require.LessOrEqual(t, r.Row, bytes.Count(data, []byte{'\n'})+1)
			}
			prev = r.Row
			if r.Err != nil {
				require.ErrorIs(t, r.Err, knowledge.ErrInvalid)
				require.Equal(t, knowledge.Article{}, r.Article)
				continue
			}
			a := r.Article
			texts := append([]string{a.ExternalID, a.Title, a.Question, a.Answer, a.Category,
				a.Language, string(a.Status)}, a.SimilarQuestions...)
			texts = append(texts, a.Tags...)
			for _, s := range texts {
				require.True(t, utf8.ValidString(s), "row %d: %q", r.Row, s)
				require.LessOrEqual(t, len(s), len(data)+100) // slug ids add a prefix and dashes
			}
		}
	})
}
