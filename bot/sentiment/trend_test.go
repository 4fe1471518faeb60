package sentiment_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/faqbot/faqbot/bot/sentiment"
)

func r(label sentiment.Label, score float64) sentiment.Result {
	return sentiment.Result{Label: label, Score: score}
}

var (
	pos   = r(sentiment.LabelPositive, 0.6)
	neu   = r(sentiment.LabelNeutral, 0)
	neg   = r(sentiment.LabelNegative, -0.3)
	worse = r(sentiment.LabelNegative, -0.6)
	angry = r(sentiment.LabelAngry, -0.8)
)

func TestTrendOf(t *testing.T) {
	tests := []struct {
		name   string
		window []sentiment.Result
		want   sentiment.Trend
	}{
		{
			name: "empty is neutral",
			want: sentiment.Trend{Last: sentiment.Result{Label: sentiment.LabelNeutral}},
		},
		{
			name:   "calm conversation",
			window: []sentiment.Result{neu, pos, neu},
			want:   sentiment.Trend{Mean: 0.2, Last: neu},
		},
		{
			name:   "one negative turn is not a trend",
			window: []sentiment.Result{neu, worse},
			want:   sentiment.Trend{Mean: -0.3, Last: worse, NegativeStreak: 1},
		},
		{
			name:   "two negative turns, score falling, worsen",
			window: []sentiment.Result{neu, neg, worse},
			want:   sentiment.Trend{Mean: -0.3, Last: worse, NegativeStreak: 2, Worsening: true},
		},
		{
			name:   "two negative turns, score rising, do not",
			window: []sentiment.Result{neu, worse, neg},
			want:   sentiment.Trend{Mean: -0.3, Last: neg, NegativeStreak: 2},
		},
		{
			name:   "negative then angry worsens and is angry",
			window: []sentiment.Result{neg, angry},
			want:   sentiment.Trend{Mean: -0.55, Last: angry, NegativeStreak: 2, Worsening: true, Angry: true},
		},
		{
			name:   "a calm turn ends the streak",
			window: []sentiment.Result{angry, worse, neu},
			want:   sentiment.Trend{Mean: -0.467, Last: neu},
		},
		{
			name:   "angry alone",
			window: []sentiment.Result{angry},
			want:   sentiment.Trend{Mean: -0.8, Last: angry, NegativeStreak: 1, Angry: true},
		},
		{
			name: "only the last seven count",
			// The three angry turns before the window are forgotten.
			window: []sentiment.Result{angry, angry, angry, pos, pos, pos, pos, pos, pos, neu},
			want:   sentiment.Trend{Mean: 0.514, Last: neu},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, sentiment.TrendOf(tt.window))
		})
	}
}
