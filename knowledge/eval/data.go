package eval

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// faq is one row of an FAQ file. Answer is null in sets built from question pairs; the
// question then stands in for it.
type faq struct {
	ID       string  `json:"id"`
	Question string  `json:"question"`
	Answer   *string `json:"answer"`
	Title    string  `json:"title"`
	Category string  `json:"category"`
}

// query is one row of a queries file; an empty FAQID marks a question the knowledge base
// cannot answer, on which the bot should abstain.
type query struct {
	Query string `json:"query"`
	FAQID string `json:"faq_id"`
}

func loadFAQs(path string) ([]faq, error) {
	rows, err := readJSONL[faq](path)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]int, len(rows))
	for i, r := range rows {
		if strings.TrimSpace(r.ID) == "" || strings.TrimSpace(r.Question) == "" {
			return nil, fmt.Errorf("%s line %d: id and question are required", path, i+1)
		}
		if first, dup := seen[r.ID]; dup {
			return nil, fmt.Errorf("%s line %d: id %q already on line %d", path, i+1, r.ID, first)
		}
		seen[r.ID] = i + 1
	}
	return rows, nil
}

func loadQueries(path string, faqs []faq) ([]query, error) {
	rows, err := readJSONL[query](path)
	if err != nil {
		return nil, err
	}
	known := make(map[string]bool, len(faqs))
	for _, f := range faqs {
		known[f.ID] = true
	}
	for i, r := range rows {
		if strings.TrimSpace(r.Query) == "" {
			return nil, fmt.Errorf("%s line %d: query is empty", path, i+1)
		}
		if r.FAQID != "" && !known[r.FAQID] {
			return nil, fmt.Errorf("%s line %d: faq_id %q is not in the FAQ file", path, i+1, r.FAQID)
		}
	}
	return rows, nil
}

// readJSONL decodes one T per non-blank line.
func readJSONL[T any](path string) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	for line := 1; sc.Scan(); line++ {
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		var v T
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, line, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}
