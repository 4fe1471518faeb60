package imports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/faqbot/faqbot/knowledge"
)

// parseJSON reads an array of article objects. Row n is the n-th element. A syntax error
// leaves no way to find where the next element starts, so it fails the whole file.
func parseJSON(r io.Reader) ([]knowledge.ImportRow, error) {
	src := &readTracker{r: r}
	br, err := openText(src)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(br)
	dec.UseNumber() // a number is a shape error to report, not a float to overflow
	fileError := func(err error, row int) error {
		if src.err != nil {
			return fmt.Errorf("read import file: %w", src.err)
		}
		return jsonFileError(err, row)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, fileError(err, 0)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, problemf("expected a JSON array of articles ([{...}, {...}]), got %s", tokenKind(tok))
	}
	var rows []knowledge.ImportRow
	for dec.More() {
		n := len(rows) + 1
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fileError(err, n)
		}
		row := knowledge.ImportRow{Row: n}
		if len(raw) > MaxRowBytes {
			row.Err = tooLongRow(len(raw))
		} else {
			row.Article, row.Err = decodeArticle(raw)
		}
		if rows, err = appendRow(rows, row); err != nil {
			return nil, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, fileError(err, len(rows)+1)
	}
	if _, err := dec.Token(); err != io.EOF {
		if src.err != nil {
			return nil, fmt.Errorf("read import file: %w", src.err)
		}
		return nil, problemf("unexpected data after the closing ] of the array")
	}
	return finish(rows)
}

// readTracker remembers a failure of the underlying reader, because encoding/json returns it
// like any decoding error and only a failed read must not be blamed on the file.
type readTracker struct {
	r   io.Reader
	err error
}

func (t *readTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && err != io.EOF {
		t.err = err
	}
	return n, err
}

// jsonFileError explains why the file as a whole is not a JSON array; row is the element being
// read, 0 before the array starts. Failures of the reader are handled before.
func jsonFileError(err error, row int) error {
	where := ""
	if row > 0 {
		where = "row " + strconv.Itoa(row) + ": "
	}
	var syn *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		if row == 0 {
			return problemf("the file is empty")
		}
		return problemf("%sthe file ends before the array is closed with ]", where)
	case errors.As(err, &syn):
		if row == 0 {
			return problemf("the file is not JSON (at byte %d: %v)", syn.Offset, syn)
		}
		return problemf("%smalformed JSON at byte %d: %v", where, syn.Offset, syn)
	default:
		return problemf("%smalformed JSON: %v", where, err)
	}
}

// parseNDJSON reads one article object per line. Row n is line n of the file; blank lines are
// skipped but counted, so the numbers match what an editor shows.
func parseNDJSON(r io.Reader) ([]knowledge.ImportRow, error) {
	br, err := openText(r)
	if err != nil {
		return nil, err
	}
	lines := newLineReader(br, MaxRowBytes)
	var rows []knowledge.ImportRow
	sawObject := false
	for {
		line, size, err := lines.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if line == nil {
			if rows, err = appendRow(rows, knowledge.ImportRow{Row: lines.num, Err: tooLongRow(size)}); err != nil {
				return nil, err
			}
			continue
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if line[0] == '[' && len(rows) == 0 {
			return nil, problemf("line %d starts a JSON array: import an array as JSON (application/json, .json), or put one object per line", lines.num)
		}
		sawObject = sawObject || line[0] == '{'
		row := knowledge.ImportRow{Row: lines.num}
		if err := json.Unmarshal(line, new(json.RawMessage)); err != nil {
			row.Err = malformedLine(err)
		} else {
			row.Article, row.Err = decodeArticle(line)
		}
		if rows, err = appendRow(rows, row); err != nil {
			return nil, err
		}
	}
	if len(rows) > 0 && !sawObject {
		return nil, problemf("the file is not JSON Lines: no line holds a JSON object")
	}
	return finish(rows)
}

func malformedLine(err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return problemf("malformed JSON at column %d: %v", syn.Offset, syn)
	}
	return problemf("malformed JSON: %v", err)
}

// decodeArticle reads one article object, naming the first field whose shape is wrong. It walks
// the object itself instead of unmarshalling into a struct, to catch unknown and repeated
// fields, name wrong types, and see invalid UTF-8 that encoding/json would silently replace.
func decodeArticle(raw []byte) (knowledge.Article, error) {
	var a knowledge.Article
	if kind := jsonKind(raw); kind != "an object" {
		return a, problemf("a row must be a JSON object, got %s", kind)
	}
	valid := utf8.Valid(raw)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return a, malformedLine(err)
	}
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return a, malformedLine(err)
		}
		name, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return a, malformedLine(err)
		}
		if !valid && strings.ContainsRune(name, utf8.RuneError) {
			// encoding/json replaced the bad bytes of the name, so it cannot be echoed.
			return a, notUTF8("a field name")
		}
		if !utf8.Valid(val) {
			return a, notUTF8(clip(name))
		}
		if seen[name] {
			return a, fieldProblem(clip(name), "appears twice in the object")
		}
		seen[name] = true
		if readOnlyFields[name] {
			continue
		}
		if p := textField(&a, name); p != nil {
			if err := decodeString(name, val, p); err != nil {
				return a, err
			}
			continue
		}
		if p := listField(&a, name); p != nil {
			if err := decodeStrings(name, val, p); err != nil {
				return a, err
			}
			continue
		}
		return a, unknownField(name)
	}
	return a, nil
}

func decodeString(name string, val json.RawMessage, dst *string) error {
	switch kind := jsonKind(val); kind {
	case "null":
		return nil
	case "a string":
		return json.Unmarshal(val, dst)
	default:
		return fieldProblem(name, "must be a string, got %s", kind)
	}
}

func decodeStrings(name string, val json.RawMessage, dst *[]string) error {
	switch kind := jsonKind(val); kind {
	case "null":
		return nil
	case "an array":
	default:
		return fieldProblem(name, "must be an array of strings, got %s", kind)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(val, &items); err != nil {
		return malformedLine(err)
	}
	out := make([]string, 0, len(items))
	for i, item := range items {
		if kind := jsonKind(item); kind != "a string" {
			return fieldProblem(name+"["+strconv.Itoa(i)+"]", "must be a string, got %s", kind)
		}
		var s string
		if err := json.Unmarshal(item, &s); err != nil {
			return malformedLine(err)
		}
		out = append(out, s)
	}
	*dst = out
	return nil
}

// jsonKind names the type of a syntactically valid JSON value for messages.
func jsonKind(raw []byte) string {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

func tokenKind(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		if v == '{' {
			return "an object"
		}
		return "a stray " + v.String()
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	default:
		return "a number"
	}
}
