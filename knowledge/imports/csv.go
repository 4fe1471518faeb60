package imports

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/faqbot/faqbot/knowledge"
)

// requiredColumns must be in every CSV header; the other fields may be left out.
var requiredColumns = []string{"question", "answer", "language"}

// ignoredColumn marks a header cell whose values are dropped (a read-only field).
const ignoredColumn = "-"

// parseCSV reads a header row and one article per record. Rows are numbered the way a
// spreadsheet shows them: the header is row 1, the first article row 2, and a cell holding
// line breaks does not shift the numbers.
func parseCSV(r io.Reader) ([]knowledge.ImportRow, error) {
	br, err := openText(r)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(br)
	cr.Comma = sniffDelimiter(br)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		var pe *csv.ParseError
		switch {
		case err == io.EOF:
			return nil, problemf("the file is empty")
		case errors.As(err, &pe):
			return nil, problemf("the header row is malformed CSV: %s", csvProblem(pe))
		default:
			return nil, fmt.Errorf("read import file: %w", err)
		}
	}
	cols, err := parseHeader(header)
	if err != nil {
		return nil, err
	}
	var rows []knowledge.ImportRow
	prev := cr.InputOffset()
	for n := 2; ; n++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		size := int(cr.InputOffset() - prev)
		prev = cr.InputOffset()
		row := knowledge.ImportRow{Row: n}
		var pe *csv.ParseError
		switch {
		case errors.As(err, &pe):
			row.Err = problemf("malformed CSV: %s", csvProblem(pe))
		case err != nil:
			return nil, fmt.Errorf("read import file: %w", err)
		case size > MaxRowBytes:
			row.Err = tooLongRow(size)
		default:
			row.Article, row.Err = csvArticle(cols, rec)
		}
		if rows, err = appendRow(rows, row); err != nil {
			return nil, err
		}
	}
	return finish(rows)
}

func csvProblem(pe *csv.ParseError) string {
	msg := fmt.Sprintf("line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
	if errors.Is(pe.Err, csv.ErrBareQuote) || errors.Is(pe.Err, csv.ErrQuote) {
		msg += ` (a cell that holds quotes must be wrapped in "..." with each inner quote doubled)`
	}
	return msg
}

// sniffDelimiter picks the separator of the header line: spreadsheets in many locales write
// ';' or tabs instead of ','. Commas win ties.
func sniffDelimiter(br *bufio.Reader) rune {
	head, _ := br.Peek(4096)
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	best, bestN := ',', bytes.Count(head, []byte{','})
	for _, d := range []rune{';', '\t'} {
		if n := bytes.Count(head, []byte(string(d))); n > bestN {
			best, bestN = d, n
		}
	}
	return best
}

// parseHeader maps column positions to field names ("" for an unnamed column).
func parseHeader(header []string) ([]string, error) {
	cols := make([]string, len(header))
	at := make(map[string]int)
	var unknown []string
	for i, h := range header {
		if !utf8.ValidString(h) {
			return nil, problemf(notUTF8File)
		}
		name := normalizeColumn(h)
		switch {
		case name == "":
			continue
		case readOnlyFields[name]:
			cols[i] = ignoredColumn
			continue
		case textField(&knowledge.Article{}, name) == nil && listField(&knowledge.Article{}, name) == nil:
			unknown = append(unknown, strconv.Quote(clip(h)))
			continue
		}
		if j, dup := at[name]; dup {
			return nil, problemf("the header names column %q twice (columns %d and %d)", name, j+1, i+1)
		}
		at[name] = i
		cols[i] = name
	}
	if len(unknown) > 0 {
		return nil, problemf("the header has unknown column(s) %s (known columns: %s)",
			strings.Join(unknown, ", "), strings.Join(fieldNames, ", "))
	}
	var missing []string
	for _, c := range requiredColumns {
		if _, ok := at[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, problemf("the header lacks the required column(s) %s (required: %s)",
			strings.Join(missing, ", "), strings.Join(requiredColumns, ", "))
	}
	return cols, nil
}

// normalizeColumn forgives the case and spacing spreadsheets invite: "Similar Questions" is
// similar_questions.
func normalizeColumn(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	return strings.NewReplacer(" ", "_", "-", "_").Replace(h)
}

func csvArticle(cols []string, rec []string) (knowledge.Article, error) {
	var a knowledge.Article
	for i, cell := range rec {
		if i >= len(cols) {
			if strings.TrimSpace(cell) != "" {
				return a, problemf("the row has a value in column %d, but the header has only %d columns", i+1, len(cols))
			}
			continue
		}
		name := cols[i]
		switch name {
		case "":
			if strings.TrimSpace(cell) != "" {
				return a, problemf("column %d has a value but no name in the header", i+1)
			}
			continue
		case ignoredColumn:
			continue
		}
		if !utf8.ValidString(cell) {
			return a, notUTF8(name)
		}
		if p := textField(&a, name); p != nil {
			*p = cell
			continue
		}
		seps := tagSeparators
		if name == "similar_questions" {
			seps = similarSeparators
		}
		*listField(&a, name) = splitList(cell, seps)
	}
	return a, nil
}
