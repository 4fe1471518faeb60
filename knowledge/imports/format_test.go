package imports_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/imports"
)

func TestFormatForContentType(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		want        imports.Format
		wantErr     string // substring of the error; "" for success
	}{
		{"json", "application/json", imports.FormatJSON, ""},
		{"json with utf-8 charset", "application/json; charset=utf-8", imports.FormatJSON, ""},
		{"charset case and spelling", "application/json; charset=UTF8", imports.FormatJSON, ""},
		{"ndjson", "application/x-ndjson", imports.FormatNDJSON, ""},
		{"ndjson without x-", "application/ndjson", imports.FormatNDJSON, ""},
		{"jsonl", "application/jsonl", imports.FormatNDJSON, ""},
		{"csv", "text/csv", imports.FormatCSV, ""},
		{"csv upper case", "Text/CSV; charset=\"utf-8\"", imports.FormatCSV, ""},
		{"markdown", "text/markdown; charset=utf-8", imports.FormatMarkdown, ""},
		{"gbk charset names the charset", "text/csv; charset=GBK", "", `charset "GBK"`},
		{"latin1 charset", "application/json; charset=iso-8859-1", "", `charset "iso-8859-1"`},
		{"plain text", "text/plain", "", `media type "text/plain"`},
		{"multipart is for the api to unpack", "multipart/form-data; boundary=x", "", "multipart/form-data"},
		{"missing", "", "", "Content-Type header is missing"},
		{"malformed", "application/json; charset", "", "cannot read Content-Type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := imports.FormatForContentType(tt.contentType)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.ErrorIs(t, err, imports.ErrUnsupportedFormat)
				assert.NotErrorIs(t, err, knowledge.ErrInvalid)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestFormatForFilename(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		want    imports.Format
		wantErr string
	}{
		{"json", "faq.json", imports.FormatJSON, ""},
		{"jsonl", "faq.jsonl", imports.FormatNDJSON, ""},
		{"ndjson", "export.NDJSON", imports.FormatNDJSON, ""},
		{"csv", "常见问题.csv", imports.FormatCSV, ""},
		{"md", "docs/account.md", imports.FormatMarkdown, ""},
		{"markdown", "account.Markdown", imports.FormatMarkdown, ""},
		{"windows path", `C:\Users\editor\faq.csv`, imports.FormatCSV, ""},
		{"dot in directory only", "v1.2/faq", "", "has no extension"},
		{"excel", "faq.xlsx", "", `extension ".xlsx"`},
		{"no extension", "faq", "", `file "faq" has no extension`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := imports.FormatForFilename(tt.file)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.ErrorIs(t, err, imports.ErrUnsupportedFormat)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseUnknownFormat(t *testing.T) {
	_, err := imports.Parse("xml", strings.NewReader("<faq/>"))
	require.Error(t, err)
	assert.ErrorIs(t, err, imports.ErrUnsupportedFormat)
	assert.Contains(t, err.Error(), `"xml"`)
}
