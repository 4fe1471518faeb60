package imports

import (
	"io"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/faqbot/faqbot/knowledge"
)

// sectionFields are the keys of the "> key: value" block under a question heading.
const sectionFields = "similar, title, tags, category, language, status"

var headingID = regexp.MustCompile(`\{#([^{}]*)\}\s*$`)

// maxSlugRunes keeps a generated external_id well inside knowledge.MaxExternalIDLen.
const maxSlugRunes = 80

// parseMarkdown reads front matter and one article per "## question" section (see the package
// documentation). Row n is the line number of the article's heading.
func parseMarkdown(r io.Reader) ([]knowledge.ImportRow, error) {
	br, err := openText(r)
	if err != nil {
		return nil, err
	}
	lines := newLineReader(br, MaxRowBytes)
	var fm frontMatter
	if hasFrontMatter(br) {
		if fm, err = readFrontMatter(lines); err != nil {
			return nil, err
		}
	}
	var rows []knowledge.ImportRow
	var sec *section
	var fence fence
	flush := func() error {
		if sec == nil {
			return nil
		}
		var err error
		rows, err = appendRow(rows, sec.row(fm))
		sec = nil
		return err
	}
	for {
		line, size, err := lines.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if line != nil && !fence.open() {
			switch headingLevel(line) {
			case 1:
				// A level-1 heading starts a new part of the file, not more of the answer.
				if err := flush(); err != nil {
					return nil, err
				}
				continue
			case 2:
				if err := flush(); err != nil {
					return nil, err
				}
				sec = newSection(lines.num, line)
				continue
			}
		}
		if line != nil {
			fence.feed(line)
		}
		if sec != nil {
			sec.feed(lines.num, line, size)
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, problemf("no article found: each article starts with a \"## question\" heading")
	}
	return finish(rows)
}

// headingLevel returns 1 for "# x", 2 for "## x" (the space may be left out, as it often is
// after Chinese text), and 0 for anything else, including deeper headings.
func headingLevel(line []byte) int {
	switch {
	case len(line) >= 2 && line[0] == '#' && line[1] == '#':
		if len(line) == 2 || line[2] != '#' {
			return 2
		}
	case len(line) >= 1 && line[0] == '#':
		if len(line) == 1 || line[1] == ' ' || line[1] == '\t' {
			return 1
		}
	}
	return 0
}

// fence tracks fenced code blocks, inside which "## " is text, not a heading.
type fence struct {
	marker string // the opening run of ` or ~, "" when no block is open
}

func (f *fence) open() bool { return f.marker != "" }

func (f *fence) feed(line []byte) {
	s := strings.TrimLeft(string(line), " ")
	if f.marker != "" {
		if strings.HasPrefix(s, f.marker) && strings.TrimSpace(strings.TrimLeft(s, f.marker[:1])) == "" {
			f.marker = ""
		}
		return
	}
	for _, c := range []string{"`", "~"} {
		if n := len(s) - len(strings.TrimLeft(s, c)); n >= 3 {
			f.marker = s[:n]
			return
		}
	}
}

// section gathers one article while its lines are read.
type section struct {
	line     int
	question string
	title    string
	similar  []string
	tags     []string
	over     map[string]string // category, language, status set under the heading
	answer   strings.Builder
	size     int
	inFields bool
	err      error
}

func newSection(line int, heading []byte) *section {
	s := &section{line: line, size: len(heading), inFields: true, over: map[string]string{}}
	if !utf8.Valid(heading) {
		s.err = notUTF8("question")
		return s
	}
	q := strings.TrimSpace(string(heading[2:]))
	// "## Question ##" is the closed form of an ATX heading; the trailing #s are decoration.
	if t := strings.TrimRight(q, "#"); t != q && (t == "" || strings.HasSuffix(t, " ")) {
		q = strings.TrimSpace(t)
	}
	s.question = q
	return s
}

// feed adds one line; line is nil when it was longer than the row limit.
func (s *section) feed(num int, line []byte, size int) {
	s.size += size + 1
	if line == nil || s.size > MaxRowBytes {
		// Keep counting to report the size, but stop holding text that will be refused.
		s.answer.Reset()
		return
	}
	if s.inFields {
		t := strings.TrimSpace(string(line))
		switch {
		case t == "":
			return
		case strings.HasPrefix(t, ">"):
			s.field(num, strings.TrimSpace(t[1:]))
			return
		}
		s.inFields = false
	}
	if !utf8.Valid(line) && s.err == nil {
		s.err = notUTF8("answer")
	}
	s.answer.Write(line)
	s.answer.WriteByte('\n')
}

// field reads one "> key: value" line of the block under the heading.
func (s *section) field(num int, text string) {
	if s.err != nil || text == "" {
		return
	}
	key, value, ok := cutKey(strings.ToValidUTF8(text, "\uFFFD"))
	if !ok {
		s.err = problemf("line %d: expected \"> field: value\" under the question (fields: %s)", num, sectionFields)
		return
	}
	if !utf8.ValidString(text) {
		s.err = notUTF8(clip(key))
		return
	}
	_, value, _ = cutKey(text)
	switch key {
	case "similar":
		s.similar = append(s.similar, splitList(value, "|｜")...)
	case "tags":
		tags, err := list(value)
		if err != nil {
			s.err = fieldProblem("tags", "%v", err)
			return
		}
		s.tags = append(s.tags, tags...)
	case "title", "category", "language", "status":
		if _, dup := s.over[key]; dup || key == "title" && s.title != "" {
			s.err = fieldProblem(key, "is set twice under the question on line %d", s.line)
			return
		}
		v, err := scalar(value)
		if err != nil {
			s.err = fieldProblem(key, "%v", err)
			return
		}
		if key == "title" {
			s.title = v
			return
		}
		s.over[key] = v
	default:
		s.err = fieldProblem(clip(key), "unknown field on line %d: the \"> field: value\" lines right under a question may set %s", num, sectionFields)
	}
}

// row turns the section into an import row, applying the file's defaults.
func (s *section) row(fm frontMatter) knowledge.ImportRow {
	row := knowledge.ImportRow{Row: s.line}
	if s.size > MaxRowBytes {
		row.Err = tooLongRow(s.size)
		return row
	}
	if s.err != nil {
		row.Err = s.err
		return row
	}
	a := knowledge.Article{
		Title:            s.title,
		Question:         s.question,
		Answer:           strings.TrimSpace(s.answer.String()),
		SimilarQuestions: s.similar,
		Category:         pick(s.over["category"], fm.category),
		Language:         pick(s.over["language"], fm.language),
		Status:           knowledge.Status(pick(s.over["status"], fm.status)),
		Tags:             append(append([]string(nil), fm.tags...), s.tags...),
	}
	if m := headingID.FindStringSubmatchIndex(a.Question); m != nil {
		id := strings.TrimSpace(a.Question[m[2]:m[3]])
		a.Question = strings.TrimSpace(a.Question[:m[0]])
		if id == "" {
			row.Err = fieldProblem("external_id", "the {#id} after the question on line %d is empty", s.line)
			return row
		}
		a.ExternalID = id
	} else if fm.idPrefix != "" {
		a.ExternalID = fm.idPrefix + slug(a.Question)
	}
	row.Article = a
	return row
}

func pick(v, fallback string) string {
	if v != "" {
		return v
	}
	return fallback
}

// slug keeps letters and digits of any script, so Chinese questions get readable ids too, and
// joins the runs between them with '-'.
func slug(s string) string {
	var b strings.Builder
	n := 0
	gap := false
	for _, r := range strings.ToLower(s) {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			gap = true
			continue
		}
		dash := gap && b.Len() > 0
		gap = false
		if dash {
			n++
		}
		if n++; n > maxSlugRunes {
			break
		}
		if dash {
			b.WriteByte('-')
		}
		b.WriteRune(r)
	}
	return b.String()
}
