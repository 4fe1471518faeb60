package imports

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/faqbot/faqbot/knowledge"
)

// problem is a shape error that concerns a whole file or a whole row rather than one field.
type problem struct{ msg string }

func (p *problem) Error() string { return p.msg }

func (p *problem) Unwrap() error { return knowledge.ErrInvalid }

func problemf(format string, args ...any) error {
	return &problem{msg: fmt.Sprintf(format, args...)}
}

func fieldProblem(field, format string, args ...any) error {
	return &knowledge.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

const notUTF8Reason = "is not valid UTF-8 (save the file as UTF-8)"

// notUTF8File is the message for a file in another encoding. Chinese spreadsheets are often
// saved as GBK by default, hence the hint.
const notUTF8File = "the file is not UTF-8 text: if it was saved as GBK, GB18030, Big5 or UTF-16 (spreadsheets often do), save it as UTF-8 and import it again"

func notUTF8(field string) error { return &knowledge.FieldError{Field: field, Reason: notUTF8Reason} }

func isNotUTF8(err error) bool {
	var fe *knowledge.FieldError
	return errors.As(err, &fe) && fe.Reason == notUTF8Reason
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// sniffLen is how much of a file is looked at before parsing to recognise other encodings.
const sniffLen = 512

// openText buffers r, drops a UTF-8 byte order mark and refuses UTF-16 (by its mark, or by the
// NUL bytes its ASCII text is full of) and empty files before a parser sees a byte.
func openText(r io.Reader) (*bufio.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(sniffLen)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("read import file: %w", err)
	}
	switch {
	case bytes.HasPrefix(head, utf8BOM):
		head = head[len(utf8BOM):]
		if _, err := br.Discard(len(utf8BOM)); err != nil {
			return nil, fmt.Errorf("read import file: %w", err)
		}
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return nil, problemf(notUTF8File)
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return nil, problemf(notUTF8File)
	}
	if err == io.EOF && len(bytes.TrimSpace(head)) == 0 {
		return nil, problemf("the file is empty")
	}
	return br, nil
}

// finish applies the whole-file checks every format shares: at least one row, and not every
// row broken by its encoding (that is a file in another encoding, not bad rows).
func finish(rows []knowledge.ImportRow) ([]knowledge.ImportRow, error) {
	if len(rows) == 0 {
		return nil, problemf("the file holds no articles")
	}
	allNotUTF8 := true
	for i := range rows {
		if rows[i].Err != nil {
			// Half-read fields must not look like data to a caller that forgets to check Err.
			rows[i].Article = knowledge.Article{}
		}
		allNotUTF8 = allNotUTF8 && isNotUTF8(rows[i].Err)
	}
	if allNotUTF8 {
		return nil, problemf(notUTF8File)
	}
	return rows, nil
}

// appendRow adds r unless the file already has MaxRows rows.
func appendRow(rows []knowledge.ImportRow, r knowledge.ImportRow) ([]knowledge.ImportRow, error) {
	if len(rows) >= MaxRows {
		return nil, problemf("the file holds more than %d articles: split it into smaller files", MaxRows)
	}
	return append(rows, r), nil
}

// lineReader reads lines of at most max bytes while holding no more than that: the rest of a
// longer line is skipped and only its size is reported.
type lineReader struct {
	r   *bufio.Reader
	max int
	num int // 1-based number of the line last returned
	buf []byte
}

func newLineReader(r *bufio.Reader, max int) *lineReader {
	return &lineReader{r: r, max: max}
}

// next returns the next line without its line ending, and its size in bytes. When size exceeds
// max, line is nil. The line is valid until the next call. At the end it returns io.EOF.
func (l *lineReader) next() (line []byte, size int, err error) {
	l.buf = l.buf[:0]
	for {
		chunk, err := l.r.ReadSlice('\n')
		size += len(chunk)
		if size <= l.max+2 { // +2: the line ending does not count against the limit
			l.buf = append(l.buf, chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF && size > 0 {
			break
		}
		if err == io.EOF {
			return nil, 0, io.EOF
		}
		if err != nil {
			return nil, 0, fmt.Errorf("read import file: %w", err)
		}
		break
	}
	l.num++
	if size > l.max+2 {
		return nil, size, nil
	}
	line = bytes.TrimSuffix(l.buf, []byte{'\n'})
	line = bytes.TrimSuffix(line, []byte{'\r'})
	if len(line) > l.max {
		return nil, len(line), nil
	}
	return line, len(line), nil
}

// splitList splits a cell or value on any of seps, trimming and dropping empty items.
func splitList(s, seps string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) })
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// clip shortens a value before it is echoed in a message.
func clip(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}

func humanSize(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}

func tooLongRow(size int) error {
	return problemf("the row is %s long, at most %s allowed", humanSize(size), humanSize(MaxRowBytes))
}
