package imports

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"path"
	"strings"

	"github.com/faqbot/faqbot/knowledge"
)

// Format names an import file format.
type Format string

const (
	FormatJSON     Format = "json"
	FormatNDJSON   Format = "ndjson"
	FormatCSV      Format = "csv"
	FormatMarkdown Format = "markdown"
)

// ErrUnsupportedFormat means the file's media type, charset or extension is not one we read.
// It is not a kind of knowledge.ErrInvalid: the API answers it with 415, not 400.
var ErrUnsupportedFormat = errors.New("unsupported import format")

// MaxRowBytes bounds one row: a JSON element, a JSON line, a CSV record or a Markdown
// article. A longer row is reported as a row error; it never stops the other rows.
const MaxRowBytes = 2 << 20

// MaxRows bounds the rows of one file. A row costs far more memory parsed than its few bytes of
// text ("{}," is an article), so without it a small file could still exhaust memory.
const MaxRows = 100_000

var formatsByMediaType = map[string]Format{
	"application/json":     FormatJSON,
	"application/x-ndjson": FormatNDJSON,
	"application/ndjson":   FormatNDJSON,
	"application/jsonl":    FormatNDJSON,
	"application/x-jsonl":  FormatNDJSON,
	"text/csv":             FormatCSV,
	"text/markdown":        FormatMarkdown,
	"text/x-markdown":      FormatMarkdown,
}

var formatsByExtension = map[string]Format{
	".json":     FormatJSON,
	".jsonl":    FormatNDJSON,
	".ndjson":   FormatNDJSON,
	".csv":      FormatCSV,
	".md":       FormatMarkdown,
	".markdown": FormatMarkdown,
}

// FormatForContentType maps a Content-Type header to a format. Parameters are allowed, but a
// charset other than UTF-8 is refused: the parsers read UTF-8 only.
func FormatForContentType(contentType string) (Format, error) {
	if strings.TrimSpace(contentType) == "" {
		return "", fmt.Errorf("%w: the Content-Type header is missing (use application/json, application/x-ndjson, text/csv or text/markdown)", ErrUnsupportedFormat)
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", fmt.Errorf("%w: cannot read Content-Type %q: %v", ErrUnsupportedFormat, clip(contentType), err)
	}
	f, ok := formatsByMediaType[mediaType]
	if !ok {
		return "", fmt.Errorf("%w: media type %q (use application/json, application/x-ndjson, text/csv or text/markdown)", ErrUnsupportedFormat, clip(mediaType))
	}
	if cs, ok := params["charset"]; ok {
		switch strings.ToLower(strings.TrimSpace(cs)) {
		case "utf-8", "utf8":
		default:
			return "", fmt.Errorf("%w: charset %q (save the file as UTF-8 and send charset=utf-8)", ErrUnsupportedFormat, clip(cs))
		}
	}
	return f, nil
}

// FormatForFilename maps a file name's extension (case-insensitive) to a format.
func FormatForFilename(name string) (Format, error) {
	// Browsers on Windows may send the whole path, with backslashes, as the file name.
	base := name[strings.LastIndexAny(name, `/\`)+1:]
	ext := strings.ToLower(path.Ext(base))
	if f, ok := formatsByExtension[ext]; ok {
		return f, nil
	}
	if ext == "" {
		return "", fmt.Errorf("%w: file %q has no extension (use .json, .jsonl, .ndjson, .csv, .md or .markdown)", ErrUnsupportedFormat, clip(base))
	}
	return "", fmt.Errorf("%w: extension %q of file %q (use .json, .jsonl, .ndjson, .csv, .md or .markdown)", ErrUnsupportedFormat, clip(ext), clip(base))
}

// Parse reads every row of an import file. Row problems are in ImportRow.Err and never stop
// the other rows; a problem with the whole file is an error wrapping knowledge.ErrInvalid.
// Errors from r itself (for instance a body size limit) are returned wrapped, as they are.
// Parse checks shape only: knowledge.Service.Import validates the articles.
func Parse(f Format, r io.Reader) ([]knowledge.ImportRow, error) {
	switch f {
	case FormatJSON:
		return parseJSON(r)
	case FormatNDJSON:
		return parseNDJSON(r)
	case FormatCSV:
		return parseCSV(r)
	case FormatMarkdown:
		return parseMarkdown(r)
	default:
		return nil, fmt.Errorf("%w: format %q", ErrUnsupportedFormat, clip(string(f)))
	}
}
