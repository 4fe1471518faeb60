package eval

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRankTally(t *testing.T) {
	var r rankTally
	for _, rank := range []int{1, 2, 5, 6, 11, 0} {
		r.add(rank)
	}
	got := r.ranking()
	assert.InDelta(t, 1.0/6, got.HitAt1, 1e-12)
	assert.InDelta(t, 3.0/6, got.HitAt5, 1e-12)
	assert.InDelta(t, (1+0.5+0.2+1.0/6)/6, got.MRRAt10, 1e-12, "ranks past ten and misses add nothing")
	assert.Equal(t, Ranking{}, rankTally{}.ranking())
}

func TestAUROC(t *testing.T) {
	tests := []struct {
		name     string
		pos, neg []float64
		want     float64
	}{
		{"perfect", []float64{0.9, 0.8}, []float64{0.1, 0.2}, 1},
		{"inverted", []float64{0.1}, []float64{0.9, 0.8}, 0},
		{"all tied", []float64{0.5, 0.5}, []float64{0.5}, 0.5},
		{"ties count half", []float64{0.8, 0.5}, []float64{0.5, 0.2}, (1 + 1 + 0.5 + 1) / 4.0},
		{"mixed", []float64{0.9, 0.4, 0.6}, []float64{0.5, 0.7}, 3.0 / 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.InDelta(t, tt.want, auroc(tt.pos, tt.neg), 1e-12)
		})
	}
	assert.True(t, math.IsNaN(auroc(nil, []float64{1})), "undefined without both classes")
}

func TestAnswering(t *testing.T) {
	conf := []float64{0.9, 0.8, 0.7, 0.2}
	right := []bool{true, false, true, true}
	a := answering(0.7, conf, right)
	assert.InDelta(t, 0.75, a.Answered, 1e-12)
	assert.InDelta(t, 2.0/3, a.Precision, 1e-12)
	none := answering(0.95, conf, right)
	assert.Zero(t, none.Answered)
	assert.True(t, math.IsNaN(none.Precision))
}
