package sentiment

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// AngerReport measures an analyzer on a labelled set as a yes/no question: is the message
// angry? The bot hands angry users to a human, so this is the decision that matters.
type AngerReport struct {
	Set            string // the file's base name and folder
	Rows           int
	Angry          int // rows labelled angry
	TP, FP, FN, TN int
	Precision      float64
	Recall         float64
	F1             float64
	Accuracy       float64
	Predicted      map[Label]int // how often each label was given
	PerMessage     time.Duration // mean analysis time
}

// evalRow is one line of an emotion set (JSONL); other fields are ignored.
type evalRow struct {
	Text  *string `json:"text"`
	Angry *bool   `json:"angry"`
}

// Evaluate runs a over a JSONL file of {"text": ..., "angry": true|false} rows and reports
// angry-vs-rest precision, recall and F1. A malformed row stops it with an error naming the
// line; an analyzer error stops it too.
func Evaluate(ctx context.Context, a Analyzer, path string) (AngerReport, error) {
	f, err := os.Open(path)
	if err != nil {
		return AngerReport{}, fmt.Errorf("sentiment eval: %w", err)
	}
	defer f.Close()
	rep := AngerReport{
		Set:       filepath.Join(filepath.Base(filepath.Dir(path)), filepath.Base(path)),
		Predicted: make(map[Label]int),
	}
	var spent time.Duration
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		raw := sc.Bytes()
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return AngerReport{}, err
		}
		var row evalRow
		if err := json.Unmarshal(raw, &row); err != nil {
			if te := (*json.UnmarshalTypeError)(nil); errors.As(err, &te) {
				return AngerReport{}, fmt.Errorf("sentiment eval: %s line %d: field %s: want a %s, got a JSON %s: %w", path, line, te.Field, te.Type, te.Value, ErrInvalid)
			}
			return AngerReport{}, fmt.Errorf("sentiment eval: %s line %d: not a JSON object: %w", path, line, errors.Join(ErrInvalid, err))
		}
		switch {
		case row.Text == nil:
			return AngerReport{}, fmt.Errorf("sentiment eval: %s line %d: field text is missing: %w", path, line, ErrInvalid)
		case row.Angry == nil:
			return AngerReport{}, fmt.Errorf("sentiment eval: %s line %d: field angry is missing: %w", path, line, ErrInvalid)
		}
		start := time.Now()
		res, err := a.Analyze(ctx, *row.Text)
		spent += time.Since(start)
		if err != nil {
			return AngerReport{}, fmt.Errorf("sentiment eval: %s line %d: %w", path, line, err)
		}
		rep.add(*row.Angry, res.Label == LabelAngry)
		rep.Predicted[res.Label]++
	}
	if err := sc.Err(); err != nil {
		return AngerReport{}, fmt.Errorf("sentiment eval: %s: %w", path, err)
	}
	if rep.Rows == 0 {
		return AngerReport{}, fmt.Errorf("sentiment eval: %s: no rows: %w", path, ErrInvalid)
	}
	rep.PerMessage = spent / time.Duration(rep.Rows)
	rep.finish()
	return rep, nil
}

func (r *AngerReport) add(truth, predicted bool) {
	r.Rows++
	if truth {
		r.Angry++
	}
	switch {
	case truth && predicted:
		r.TP++
	case !truth && predicted:
		r.FP++
	case truth && !predicted:
		r.FN++
	default:
		r.TN++
	}
}

func (r *AngerReport) finish() {
	r.Precision = ratio(r.TP, r.TP+r.FP)
	r.Recall = ratio(r.TP, r.TP+r.FN)
	if r.Precision+r.Recall > 0 {
		r.F1 = 2 * r.Precision * r.Recall / (r.Precision + r.Recall)
	}
	r.Accuracy = ratio(r.TP+r.TN, r.Rows)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// WriteText prints the report for a terminal.
func (r AngerReport) WriteText(w io.Writer) {
	fmt.Fprintf(w, "sentiment %s: %d rows, %d angry\n", r.Set, r.Rows, r.Angry)
	fmt.Fprintf(w, "  angry vs rest  precision %.3f  recall %.3f  F1 %.3f  accuracy %.3f\n", r.Precision, r.Recall, r.F1, r.Accuracy)
	fmt.Fprintf(w, "  confusion      TP %d  FP %d  FN %d  TN %d\n", r.TP, r.FP, r.FN, r.TN)
	fmt.Fprintf(w, "  labels given  ")
	for _, l := range Labels {
		fmt.Fprintf(w, " %s %d", l, r.Predicted[l])
	}
	fmt.Fprintf(w, "\n  time           %s per message\n", r.PerMessage.Round(100*time.Nanosecond))
}
