package eval

import "slices"

// Ranking holds the retrieval figures of one ranker over the answerable queries.
type Ranking struct {
	HitAt1  float64 // share of queries whose right FAQ is ranked first
	HitAt5  float64 // ... within the first five
	MRRAt10 float64 // mean reciprocal rank of the right FAQ, 0 when below the tenth
}

// rankTally accumulates Ranking from the 1-based rank of the right answer (0: not found).
type rankTally struct {
	n, at1, at5 int
	rr          float64
}

func (t *rankTally) add(rank int) {
	t.n++
	if rank == 1 {
		t.at1++
	}
	if rank >= 1 && rank <= 5 {
		t.at5++
	}
	if rank >= 1 && rank <= 10 {
		t.rr += 1 / float64(rank)
	}
}

func (t rankTally) ranking() Ranking {
	if t.n == 0 {
		return Ranking{}
	}
	n := float64(t.n)
	return Ranking{HitAt1: float64(t.at1) / n, HitAt5: float64(t.at5) / n, MRRAt10: t.rr / n}
}

// auroc is the probability that a random positive scores above a random negative, ties
// counting half (the Mann-Whitney statistic). It is NaN without both classes.
func auroc(pos, neg []float64) float64 {
	if len(pos) == 0 || len(neg) == 0 {
		return nan()
	}
	type item struct {
		score float64
		pos   bool
	}
	all := make([]item, 0, len(pos)+len(neg))
	for _, s := range pos {
		all = append(all, item{s, true})
	}
	for _, s := range neg {
		all = append(all, item{s, false})
	}
	slices.SortFunc(all, func(a, b item) int {
		switch {
		case a.score < b.score:
			return -1
		case a.score > b.score:
			return 1
		}
		return 0
	})
	// Sum the average ranks of the positives; a group of ties shares its mean rank.
	var rankSum float64
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].score == all[i].score {
			j++
		}
		mean := float64(i+j+1) / 2 // ranks i+1..j
		for k := i; k < j; k++ {
			if all[k].pos {
				rankSum += mean
			}
		}
		i = j
	}
	np, nn := float64(len(pos)), float64(len(neg))
	return (rankSum - np*(np+1)/2) / (np * nn)
}

// Answering is what a confidence threshold does to the answers.
type Answering struct {
	Threshold float64
	Answered  float64 // share of all queries with confidence >= Threshold
	Precision float64 // share of those whose top-1 is right (NaN when none is answered)
}

// answering applies threshold to (confidence, top-1 right) pairs.
func answering(threshold float64, conf []float64, right []bool) Answering {
	a := Answering{Threshold: threshold, Precision: nan()}
	var answered, correct int
	for i, c := range conf {
		if c >= threshold {
			answered++
			if right[i] {
				correct++
			}
		}
	}
	if len(conf) > 0 {
		a.Answered = float64(answered) / float64(len(conf))
	}
	if answered > 0 {
		a.Precision = float64(correct) / float64(answered)
	}
	return a
}
