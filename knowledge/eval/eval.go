// Package eval measures retrieval quality on a labeled FAQ set: it imports the FAQs through
// knowledge.Service, asks every query through the same Search the bot uses, and compares the
// ranking with a plain BM25 baseline run on the same data. `faqbot eval` prints its report.
package eval

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"path/filepath"
	"slices"
	"time"

	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/memory"
)

// Options says what to measure. Zero values take the product's defaults: an empty in-memory
// store, the local embedder, DefaultSearchParams and DefaultConfidenceThreshold.
type Options struct {
	FAQs      string // JSONL: id, question, answer (may be null), title?, category?
	Queries   string // JSONL: query, faq_id (null or absent: the set cannot answer it)
	Store     knowledge.Store
	Embedder  knowledge.Embedder
	Params    knowledge.SearchParams
	Threshold float64
	// Withhold, in [0, 1), is the share of FAQs left out of the knowledge base; their queries
	// become questions the bot cannot answer. Sets without such questions can so measure how
	// well the confidence tells answerable from unanswerable ones (the abstain AUROC). The
	// choice is a hash of the FAQ id: the same FAQs every run.
	Withhold float64
}

// depth is how many candidates each query retrieves; MRR@10 needs ten.
const depth = 10

// Run imports the FAQs into o.Store, which should be empty, and measures every query.
func Run(ctx context.Context, o Options) (Report, error) {
	if o.FAQs == "" || o.Queries == "" {
		return Report{}, fmt.Errorf("eval: both an FAQ file and a queries file are needed: %w", knowledge.ErrInvalid)
	}
	if o.Withhold < 0 || o.Withhold >= 1 {
		return Report{}, fmt.Errorf("eval: withhold must be in [0, 1), got %g: %w", o.Withhold, knowledge.ErrInvalid)
	}
	if o.Store == nil {
		o.Store = memory.New()
	}
	if o.Embedder == nil {
		o.Embedder = knowledge.NewLocalEmbedder(0)
	}
	if o.Params == (knowledge.SearchParams{}) {
		o.Params = knowledge.DefaultSearchParams()
	}
	if o.Threshold == 0 {
		o.Threshold = knowledge.DefaultConfidenceThreshold
	}
	faqs, err := loadFAQs(o.FAQs)
	if err != nil {
		return Report{}, fmt.Errorf("eval: %w", err)
	}
	queries, err := loadQueries(o.Queries, faqs)
	if err != nil {
		return Report{}, fmt.Errorf("eval: %w", err)
	}
	faqs, queries = withhold(faqs, queries, o.Withhold)

	r := Report{Set: filepath.Base(filepath.Dir(o.FAQs)), Language: setLanguage(faqs), FAQs: len(faqs),
		Queries: len(queries)}
	svc := knowledge.NewService(o.Store, o.Embedder, o.Params)
	if err := svc.EnsureModel(ctx); err != nil {
		return Report{}, fmt.Errorf("eval: %w", err)
	}
	start := time.Now()
	if err := importFAQs(ctx, svc, faqs, r.Language); err != nil {
		return Report{}, err
	}
	r.ImportTime = time.Since(start)

	questions := make([]string, len(faqs))
	for i, f := range faqs {
		questions[i] = f.Question
	}
	baseline := knowledge.NewBM25(questions, 1.2, 0.75)

	var hybrid, plain rankTally
	var conf, confAnswerable, confUnanswerable, confRight, confWrong []float64
	var right []bool
	latencies := make([]time.Duration, 0, len(queries))
	for _, q := range queries {
		t0 := time.Now()
		res, err := svc.Search(ctx, knowledge.SearchRequest{Query: q.Query, TopK: depth})
		if err != nil {
			return Report{}, fmt.Errorf("eval: query %q: %w", q.Query, err)
		}
		latencies = append(latencies, time.Since(t0))
		qr := QueryResult{Query: q.Query, Want: q.FAQID, Confidence: res.Confidence}
		for i, c := range res.Candidates {
			if i == 0 {
				qr.Got = c.Article.ExternalID
			}
			if q.FAQID != "" && c.Article.ExternalID == q.FAQID {
				qr.Rank = i + 1
				break
			}
		}
		conf = append(conf, res.Confidence)
		right = append(right, q.FAQID != "" && qr.Rank == 1)
		if q.FAQID == "" {
			r.Unanswerable++
			confUnanswerable = append(confUnanswerable, res.Confidence)
		} else {
			for i, h := range baseline.Search(q.Query, depth) {
				if faqs[h.Doc].ID == q.FAQID {
					qr.BaselineRank = i + 1
					break
				}
			}
			hybrid.add(qr.Rank)
			plain.add(qr.BaselineRank)
			confAnswerable = append(confAnswerable, res.Confidence)
			if qr.Rank == 1 {
				confRight = append(confRight, res.Confidence)
			} else {
				confWrong = append(confWrong, res.Confidence)
			}
		}
		r.Results = append(r.Results, qr)
	}
	r.Hybrid, r.Baseline = hybrid.ranking(), plain.ranking()
	r.ConfidenceAUROC = auroc(confRight, confWrong)
	r.AbstainAUROC = auroc(confAnswerable, confUnanswerable)
	r.Answering = answering(o.Threshold, conf, right)
	r.SearchP50, r.SearchP95 = percentile(latencies, 0.50), percentile(latencies, 0.95)
	return r, nil
}

// importFAQs writes the FAQs as published articles keyed by their id, through the same
// import path editors use.
func importFAQs(ctx context.Context, svc *knowledge.Service, faqs []faq, lang string) error {
	rows := make([]knowledge.ImportRow, len(faqs))
	for i, f := range faqs {
		answer := f.Question
		if f.Answer != nil && *f.Answer != "" {
			answer = *f.Answer
		}
		rows[i] = knowledge.ImportRow{Row: i + 1, Article: knowledge.Article{
			ExternalID: f.ID, Title: f.Title, Question: f.Question, Answer: answer,
			Category: f.Category, Language: lang, Status: knowledge.StatusPublished,
		}}
	}
	rep, err := svc.Import(ctx, rows)
	if err != nil {
		return fmt.Errorf("eval: import: %w", err)
	}
	if len(rep.Failed) > 0 {
		f := rep.Failed[0]
		return fmt.Errorf("eval: import: %d FAQs failed, the first (line %d): %s: %w",
			len(rep.Failed), f.Row, f.Error, knowledge.ErrInvalid)
	}
	if rep.Updated > 0 {
		return errors.New("eval: import: the store already held some of these FAQs; use an empty store")
	}
	return nil
}

// withhold drops the share w of the FAQs, chosen by a hash of their id, and marks their
// queries unanswerable.
func withhold(faqs []faq, queries []query, w float64) ([]faq, []query) {
	if w == 0 {
		return faqs, queries
	}
	dropped := make(map[string]bool)
	var kept []faq
	for _, f := range faqs {
		h := fnv.New32a()
		h.Write([]byte(f.ID))
		if float64(h.Sum32()%1000) < w*1000 {
			dropped[f.ID] = true
			continue
		}
		kept = append(kept, f)
	}
	out := slices.Clone(queries)
	for i := range out {
		if dropped[out[i].FAQID] {
			out[i].FAQID = ""
		}
	}
	return kept, out
}

// setLanguage is the language most FAQ questions are written in.
func setLanguage(faqs []faq) string {
	counts := make(map[string]int)
	for _, f := range faqs {
		counts[knowledge.DetectLanguage(f.Question)]++
	}
	best, lang := 0, "en"
	for _, l := range []string{"zh", "en", "ja", "ko", "ru", "ar", "th"} {
		if counts[l] > best {
			best, lang = counts[l], l
		}
	}
	return lang
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(math.Ceil(p*float64(len(s))))-1)]
}

func nan() float64 { return math.NaN() }
