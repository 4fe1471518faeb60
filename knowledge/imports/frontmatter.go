package imports

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/faqbot/faqbot/knowledge"
)

// maxFrontMatter bounds the front matter, so a file whose opening "---" is never closed is
// refused early instead of being read as one huge header.
const maxFrontMatter = 64 << 10

// frontMatter holds the file-wide defaults of a Markdown import.
type frontMatter struct {
	category, language, status string
	tags                       []string
	idPrefix                   string
}

const frontMatterKeys = "category, language, status, tags, id_prefix"

// hasFrontMatter tells whether the file starts with a "---" line.
func hasFrontMatter(br *bufio.Reader) bool {
	head, _ := br.Peek(64)
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	} else if len(head) == 64 {
		return false
	}
	return string(bytes.TrimRight(head, " \t\r")) == "---"
}

// readFrontMatter reads the lines after the opening "---" up to the closing one. It accepts
// the small part of YAML editors use: "key: value" lines, quoted values, "# comments", and
// tags as "[a, b]", "a, b" or "- a" lines under "tags:".
func readFrontMatter(lines *lineReader) (frontMatter, error) {
	var fm frontMatter
	if _, _, err := lines.next(); err != nil {
		return fm, err
	}
	seen := make(map[string]int)
	total := 0
	inTagList := false
	for {
		line, size, err := lines.next()
		if err == io.EOF {
			return fm, problemf("the front matter opened on line 1 is never closed with a \"---\" line")
		}
		if err != nil {
			return fm, err
		}
		total += size
		if line == nil || total > maxFrontMatter {
			return fm, problemf("the front matter is longer than %s: close it with a \"---\" line", humanSize(maxFrontMatter))
		}
		if !utf8.Valid(line) {
			return fm, problemf(notUTF8File)
		}
		s := strings.TrimSpace(string(line))
		switch {
		case s == "---":
			return fm, nil
		case s == "" || strings.HasPrefix(s, "#"):
			continue
		case strings.HasPrefix(s, "- ") || s == "-":
			if !inTagList {
				return fm, problemf("front matter line %d: a \"- item\" line must follow \"tags:\"", lines.num)
			}
			v, err := scalar(strings.TrimSpace(s[1:]))
			if err != nil {
				return fm, problemf("front matter line %d: %v", lines.num, err)
			}
			if v != "" {
				fm.tags = append(fm.tags, v)
			}
			if err := checkFileTags(fm.tags, lines.num); err != nil {
				return fm, err
			}
			continue
		}
		inTagList = false
		key, value, ok := cutKey(s)
		if !ok {
			return fm, problemf("front matter line %d: expected \"key: value\", got %q", lines.num, clip(s))
		}
		if prev, dup := seen[key]; dup {
			return fm, problemf("front matter line %d: %q is already set on line %d", lines.num, clip(key), prev)
		}
		seen[key] = lines.num
		var target *string
		switch key {
		case "category":
			target = &fm.category
		case "language":
			target = &fm.language
		case "status":
			target = &fm.status
		case "id_prefix":
			// Bounded because it is copied into every article's external_id.
			if n := utf8.RuneCountInString(value); n > knowledge.MaxExternalIDLen {
				return fm, problemf("front matter line %d: id_prefix is %d characters long, at most %d allowed", lines.num, n, knowledge.MaxExternalIDLen)
			}
			target = &fm.idPrefix
		case "tags":
			if value == "" {
				inTagList = true
				continue
			}
			tags, err := list(value)
			if err != nil {
				return fm, problemf("front matter line %d: tags: %v", lines.num, err)
			}
			fm.tags = tags
			if err := checkFileTags(fm.tags, lines.num); err != nil {
				return fm, err
			}
			continue
		default:
			return fm, problemf("front matter line %d: unknown key %q (known keys: %s)", lines.num, clip(key), frontMatterKeys)
		}
		v, err := scalar(value)
		if err != nil {
			return fm, problemf("front matter line %d: %s: %v", lines.num, key, err)
		}
		*target = v
	}
}

// checkFileTags bounds the file's tags, which are copied into every article of the file.
func checkFileTags(tags []string, line int) error {
	if len(tags) > knowledge.MaxTags {
		return problemf("front matter line %d: at most %d tags allowed", line, knowledge.MaxTags)
	}
	return nil
}

// cutKey splits "key: value"; the full-width colon Chinese keyboards type is accepted too.
func cutKey(s string) (key, value string, ok bool) {
	i := strings.IndexAny(s, ":：")
	if i <= 0 {
		return "", "", false
	}
	key = strings.ToLower(strings.TrimSpace(s[:i]))
	_, w := utf8.DecodeRuneInString(s[i:])
	return key, strings.TrimSpace(s[i+w:]), key != ""
}

type valueError string

func (e valueError) Error() string { return string(e) }

// scalar reads a plain, "double-quoted" or 'single-quoted' value. A plain value ends at " #",
// where a YAML comment starts.
func scalar(v string) (string, error) {
	switch {
	case v == "":
		return "", nil
	case v[0] == '"':
		s, err := strconv.Unquote(v)
		if err != nil {
			return "", valueError("the double-quoted value " + strconv.Quote(clip(v)) + " is not closed or has a bad escape")
		}
		return s, nil
	case v[0] == '\'':
		if len(v) < 2 || v[len(v)-1] != '\'' {
			return "", valueError("the single-quoted value " + strconv.Quote(clip(v)) + " is not closed")
		}
		return strings.ReplaceAll(v[1:len(v)-1], "''", "'"), nil
	case v[0] == '[' || v[0] == '{':
		return "", valueError("expected a single value, got a list")
	}
	if i := strings.Index(v, " #"); i >= 0 {
		v = strings.TrimSpace(v[:i])
	}
	return v, nil
}

// list reads "[a, b]" or "a, b"; items may be quoted. Chinese commas separate items too.
func list(v string) ([]string, error) {
	if strings.HasPrefix(v, "[") {
		if !strings.HasSuffix(v, "]") {
			return nil, valueError("the list " + strconv.Quote(clip(v)) + " is not closed with ]")
		}
		v = v[1 : len(v)-1]
	}
	var out []string
	for _, item := range splitOutsideQuotes(v) {
		s, err := scalar(strings.TrimSpace(item))
		if err != nil {
			return nil, err
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// splitOutsideQuotes splits on commas that are not inside an item that opens with a quote; an
// apostrophe in the middle of a word ("don't") opens nothing.
func splitOutsideQuotes(v string) []string {
	var out []string
	var quote rune
	escaped := false
	start := 0
	blank := true // nothing but spaces since start: tracked, not rescanned, to stay linear
	for i, r := range v {
		switch {
		case quote != 0:
			switch {
			case escaped:
				escaped = false
			case r == '\\' && quote == '"':
				escaped = true
			case r == quote:
				quote = 0
			}
		case (r == '"' || r == '\'') && blank:
			quote = r
		case r == ',' || r == '，' || r == '、':
			out = append(out, v[start:i])
			start = i + utf8.RuneLen(r)
			blank = true
			continue
		}
		if !unicode.IsSpace(r) {
			blank = false
		}
	}
	return append(out, v[start:])
}
