package sentiment

import "math"

// Window is how many user messages a trend looks back over: the bot's seven-turn memory.
const Window = 7

// Trend is the mood over the last user messages of a conversation.
type Trend struct {
	Mean           float64 // mean score over the window
	Last           Result  // the current message
	NegativeStreak int     // consecutive negative or angry messages, ending with the current one
	// Worsening: the last two messages are negative or angry and the score fell between them.
	Worsening bool
	Angry     bool // the current message is angry
}

// TrendOf summarises window, the results of a conversation's user messages, oldest first;
// only the last Window count. An empty window is a neutral trend.
func TrendOf(window []Result) Trend {
	if len(window) > Window {
		window = window[len(window)-Window:]
	}
	if len(window) == 0 {
		return Trend{Last: Result{Label: LabelNeutral}}
	}
	t := Trend{Last: window[len(window)-1]}
	sum := 0.0
	for _, r := range window {
		sum += r.Score
	}
	t.Mean = math.Round(sum/float64(len(window))*1000) / 1000
	for i := len(window) - 1; i >= 0 && window[i].Label.Negative(); i-- {
		t.NegativeStreak++
	}
	if n := len(window); n >= 2 && t.NegativeStreak >= 2 {
		t.Worsening = window[n-1].Score < window[n-2].Score
	}
	t.Angry = t.Last.Label == LabelAngry
	return t
}
