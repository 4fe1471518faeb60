package eval_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/eval"
)

func runSet(t *testing.T, dir, set string, p knowledge.SearchParams) eval.Report {
	dims, _ := strconv.Atoi(os.Getenv("DIMS"))
	rep, err := eval.Run(context.Background(), eval.Options{Embedder: knowledge.NewLocalEmbedder(dims),
		FAQs: filepath.Join(dir, set, "faqs.jsonl"), Queries: filepath.Join(dir, set, "queries.jsonl"), Params: p})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TUNE="word=1,char=2;word=2" TUNEP="vw=1,lw=0.3;..."
func TestScratchTune(t *testing.T) {
	dir := os.Getenv("FAQBOT_TUNE_DIR")
	if dir == "" {
		t.Skip()
	}
	sets := []string{"faq_zh_atec", "faq_en_banking77"}
	if s := os.Getenv("SETS"); s != "" {
		sets = strings.Split(s, ",")
	}
	for _, wv := range strings.Split(os.Getenv("TUNE"), ";") {
		for _, kv := range strings.Split(wv, ",") {
			if kv == "" {
				continue
			}
			k, v, _ := strings.Cut(kv, "=")
			f, _ := strconv.ParseFloat(v, 64)
			knowledge.TuneSet(k, f)
		}
		for _, pv := range strings.Split(os.Getenv("TUNEP"), ";") {
			p := knowledge.DefaultSearchParams()
			for _, kv := range strings.Split(pv, ",") {
				if kv == "" {
					continue
				}
				k, v, _ := strings.Cut(kv, "=")
				f, _ := strconv.ParseFloat(v, 64)
				switch k {
				case "vw":
					p.VectorWeight = f
				case "lw":
					p.LexicalWeight = f
				case "k":
					p.RRFK = f
				case "mt":
					p.MaxTerms = int(f)
				case "k1":
					p.K1 = f
				case "b":
					p.B = f
				case "ps":
					p.PerSide = int(f)
				}
			}
			line := fmt.Sprintf("%-28s %-22s", wv, pv)
			for _, set := range sets {
				rep := runSet(t, dir, set, p)
				line += fmt.Sprintf("| %s %.3f %.3f %.3f c%.3f ", set[4:6], rep.Hybrid.HitAt1, rep.Hybrid.HitAt5, rep.Hybrid.MRRAt10, rep.ConfidenceAUROC)
			}
			fmt.Println(line)
		}
	}
}
