package imports_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/imports"
)

// sampleArticles is what every testdata/sample.* file holds.
var sampleArticles = []knowledge.Article{
	{
		ExternalID:       "faq-en-001",
		Title:            "Withdraw earnings",
		Question:         "How do I withdraw my earnings?",
		Answer:           "Go to Me > Wallet > Earnings and tap Withdraw.",
		SimilarQuestions: []string{"cant withdraw my coins", "how to cash out"},
		Category:         "payment",
		Tags:             []string{"wallet", "withdrawal"},
		Language:         "en",
		Status:           knowledge.StatusPublished,
	},
	{
		ExternalID:       "faq-zh-001",
		Question:         "验证码收不到怎么办？",
		Answer:           "请确认手机号正确，60 秒后再点“重新发送”。",
		SimilarQuestions: []string{"验证码一直不来", "收不到短信"},
		Category:         "account",
		Tags:             []string{"登录"},
		Language:         "zh",
		Status:           knowledge.StatusDraft,
	},
}

func TestParseSamples(t *testing.T) {
	tests := []struct {
		file     string
		format   imports.Format
		wantRows []int
	}{
		{"sample.json", imports.FormatJSON, []int{1, 2}},
		{"sample.jsonl", imports.FormatNDJSON, []int{1, 3}},
		{"sample.csv", imports.FormatCSV, []int{2, 3}},
		{"sample.md", imports.FormatMarkdown, []int{9, 18}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tt.file))
			require.NoError(t, err)
			defer f.Close()
			format, err := imports.FormatForFilename(tt.file)
			require.NoError(t, err)
			require.Equal(t, tt.format, format)

			rows, err := imports.Parse(format, f)
			require.NoError(t, err)
			require.Len(t, rows, len(sampleArticles))
			for i, r := range rows {
				require.NoError(t, r.Err, "row %d", r.Row)
				assert.Equal(t, tt.wantRows[i], r.Row)
				assert.Equal(t, normalized(sampleArticles[i]), normalized(r.Article))
			}
		})
	}
}

// normalized compares articles the way the service will see them, so nil and empty lists match.
func normalized(a knowledge.Article) knowledge.Article {
	a.Normalize()
	return a
}

var allFormats = []imports.Format{imports.FormatJSON, imports.FormatNDJSON, imports.FormatCSV, imports.FormatMarkdown}

// goodFile is a small valid file of each format, used to build whole-file cases.
var goodFile = map[imports.Format]string{
	imports.FormatJSON:     `[{"question":"账号被盗了怎么办","answer":"立即修改密码。","language":"zh"}]`,
	imports.FormatNDJSON:   `{"question":"账号被盗了怎么办","answer":"立即修改密码。","language":"zh"}`,
	imports.FormatCSV:      "question,answer,language\n账号被盗了怎么办,立即修改密码。,zh\n",
	imports.FormatMarkdown: "---\nlanguage: zh\n---\n## 账号被盗了怎么办\n立即修改密码。\n",
}

func TestParseWholeFileProblems(t *testing.T) {
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(goodFile[imports.FormatCSV])
	require.NoError(t, err)
	utf16NoBOM, err := unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewEncoder().String(goodFile[imports.FormatCSV])
	require.NoError(t, err)

	type tc struct {
		name  string
		input string
		want  string
	}
	for _, f := range allFormats {
		gbk, err := simplifiedchinese.GBK.NewEncoder().String(goodFile[f])
		require.NoError(t, err)
		cases := []tc{
			{"empty", "", "the file is empty"},
			{"white space only", " \n\t\r\n", "the file is empty"},
			{"byte order mark only", "\xef\xbb\xbf", "the file is empty"},
			{"utf-16 with bom", utf16, "not UTF-8"},
			{"utf-16 without bom", utf16NoBOM, "not UTF-8"},
			{"gbk", gbk, "not UTF-8"},
		}
		for _, c := range cases {
			t.Run(string(f)+"/"+c.name, func(t *testing.T) {
				rows, err := imports.Parse(f, strings.NewReader(c.input))
				require.Error(t, err)
				assert.ErrorIs(t, err, knowledge.ErrInvalid)
				assert.Contains(t, err.Error(), c.want)
				assert.Nil(t, rows)
			})
		}
		t.Run(string(f)+"/good file with a byte order mark", func(t *testing.T) {
			rows, err := imports.Parse(f, strings.NewReader("\xef\xbb\xbf"+goodFile[f]))
			require.NoError(t, err)
			require.Len(t, rows, 1)
			require.NoError(t, rows[0].Err)
			assert.Equal(t, "账号被盗了怎么办", rows[0].Article.Question)
		})
	}
}

func TestParseTooManyRows(t *testing.T) {
	inputs := map[imports.Format]func(n int) string{
		imports.FormatJSON:     func(n int) string { return "[" + strings.Repeat("{},", n-1) + "{}]" },
		imports.FormatNDJSON:   func(n int) string { return strings.Repeat("{}\n", n) },
		imports.FormatCSV:      func(n int) string { return csvHeader + strings.Repeat("q\n", n) },
		imports.FormatMarkdown: func(n int) string { return strings.Repeat("##\n", n) },
	}
	for f, input := range inputs {
		t.Run(string(f), func(t *testing.T) {
			if f == imports.FormatNDJSON { // the limit itself is allowed; one format shows it
				rows, err := imports.Parse(f, strings.NewReader(input(imports.MaxRows)))
				require.NoError(t, err)
				assert.Len(t, rows, imports.MaxRows)
			}
			_, err := imports.Parse(f, strings.NewReader(input(imports.MaxRows+1)))
			require.Error(t, err)
			assert.ErrorIs(t, err, knowledge.ErrInvalid)
			assert.Contains(t, err.Error(), "more than 100000 articles: split it")
		})
	}
}

// failingReader yields some bytes, then fails the way http.MaxBytesReader does.
type failingReader struct {
	data string
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestParseReaderErrorIsPassedThrough(t *testing.T) {
	errTooLarge := errors.New("http: request body too large")
	for _, f := range allFormats {
		t.Run(string(f), func(t *testing.T) {
			// A long enough prefix that the failure comes after the sniffing of the head.
			r := &failingReader{data: goodFile[f] + strings.Repeat(" ", 1000), err: errTooLarge}
			_, err := imports.Parse(f, r)
			require.Error(t, err)
			assert.ErrorIs(t, err, errTooLarge)
			assert.NotErrorIs(t, err, knowledge.ErrInvalid)
		})
		t.Run(string(f)+"/at once", func(t *testing.T) {
			_, err := imports.Parse(f, &failingReader{err: errTooLarge})
			assert.ErrorIs(t, err, errTooLarge)
		})
	}
}

var _ io.Reader = (*failingReader)(nil)
