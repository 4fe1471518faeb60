package bot

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRatingScoreReadsWhatPeopleType(t *testing.T) {
	for in, want := range map[string]int{
		"5": 5, " 4 ": 4, "５": 5, "5分": 5, "给5分": 5, "打 3 分": 3, "4 星": 4, "2颗星": 2,
		"3 stars": 3, "1 star": 1, "5/5": 5, "5!": 5, "5。": 5, "4 out of 5": 4,
	} {
		got, ok := ratingScore(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "0", "6", "10", "55", "5 apples", "5元怎么提现", "five", "a5", "-5", "2.5"} {
		_, ok := ratingScore(in)
		assert.False(t, ok, in)
	}
}
