package eval

import (
	"fmt"
	"io"
	"math"
	"text/tabwriter"
	"time"
)

// Report is the outcome of one Run.
type Report struct {
	Set          string // the folder the FAQ file sits in
	Language     string
	FAQs         int
	Queries      int
	Unanswerable int // queries without an faq_id

	Hybrid   Ranking // knowledge.Service.Search, as the bot retrieves
	Baseline Ranking // BM25 over the FAQ questions, same queries

	// ConfidenceAUROC: does the confidence rank right top-1 answers above wrong ones?
	ConfidenceAUROC float64
	// AbstainAUROC: does it rank answerable queries above unanswerable ones? NaN when every
	// query has an answer.
	AbstainAUROC float64
	Answering    Answering

	ImportTime           time.Duration
	SearchP50, SearchP95 time.Duration
	Results              []QueryResult // one per query, in file order
}

// QueryResult is what happened to one query.
type QueryResult struct {
	Query        string
	Want         string // expected FAQ id; "" when the set cannot answer it
	Got          string // the FAQ id ranked first
	Rank         int    // of Want among the hybrid candidates, 0 when not in the first ten
	BaselineRank int
	Confidence   float64
}

// WriteText prints the report as a small table.
func (r Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "set %s (%s): %d FAQs, %d queries, %d without an answer\n",
		r.Set, r.Language, r.FAQs, r.Queries, r.Unanswerable)
	fmt.Fprintf(tw, "\thit@1\thit@5\tMRR@10\n")
	row := func(name string, k Ranking) {
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\n", name, k.HitAt1, k.HitAt5, k.MRRAt10)
	}
	row("hybrid (bot)", r.Hybrid)
	row("BM25 baseline", r.Baseline)
	fmt.Fprintf(tw, "ratio\t%s\t%s\t%s\n", ratio(r.Hybrid.HitAt1, r.Baseline.HitAt1),
		ratio(r.Hybrid.HitAt5, r.Baseline.HitAt5), ratio(r.Hybrid.MRRAt10, r.Baseline.MRRAt10))
	if err := tw.Flush(); err != nil {
		return err
	}
	a := r.Answering
	_, err := fmt.Fprintf(w, "confidence: AUROC top-1 right vs wrong %s, abstain AUROC %s\n"+
		"threshold %.2f: answers %.1f%% of queries with precision %s\n"+
		"import %d FAQs in %s (%.0f/s); search p50 %s, p95 %s\n",
		num(r.ConfidenceAUROC), num(r.AbstainAUROC), a.Threshold, 100*a.Answered, num(a.Precision),
		r.FAQs, r.ImportTime.Round(time.Millisecond), float64(r.FAQs)/max(r.ImportTime.Seconds(), 1e-9),
		r.SearchP50.Round(time.Microsecond), r.SearchP95.Round(time.Microsecond))
	return err
}

func num(x float64) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	return fmt.Sprintf("%.3f", x)
}

func ratio(a, b float64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2fx", a/b)
}
