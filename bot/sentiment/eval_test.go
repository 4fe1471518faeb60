package sentiment_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot/sentiment"
)

func writeSet(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "emotion.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func TestEvaluate(t *testing.T) {
	path := writeSet(t, `{"text": "垃圾客服，气死我了", "angry": true, "label": "angry"}
{"text": "I've asked three times and nobody answers", "angry": true}
{"text": "我只是随便说说", "angry": true}

{"text": "请问怎么提现？", "angry": false}
{"text": "thanks, that helped!", "angry": false}
{"text": "WHAT THE HELL, thanks!!!", "angry": false}
`)
	rep, err := sentiment.Evaluate(context.Background(), sentiment.NewLexicon(), path)
	require.NoError(t, err)

	assert.Equal(t, 6, rep.Rows, "blank lines are skipped")
	assert.Equal(t, 3, rep.Angry)
	assert.Equal(t, [4]int{2, 1, 1, 2}, [4]int{rep.TP, rep.FP, rep.FN, rep.TN})
	assert.InDelta(t, 2.0/3, rep.Precision, 1e-9)
	assert.InDelta(t, 2.0/3, rep.Recall, 1e-9)
	assert.InDelta(t, 2.0/3, rep.F1, 1e-9)
	assert.InDelta(t, 4.0/6, rep.Accuracy, 1e-9)
	assert.Equal(t, 3, rep.Predicted[sentiment.LabelAngry])
	assert.Equal(t, 6, rep.Predicted[sentiment.LabelAngry]+rep.Predicted[sentiment.LabelNegative]+
		rep.Predicted[sentiment.LabelNeutral]+rep.Predicted[sentiment.LabelPositive])

	var out bytes.Buffer
	rep.WriteText(&out)
	assert.Contains(t, out.String(), "F1 0.667")
	assert.Contains(t, out.String(), "TP 2  FP 1  FN 1  TN 2")
}

func TestEvaluateRejectsBadSets(t *testing.T) {
	tests := []struct {
		name    string
		content string
		wantMsg string
	}{
		{name: "not JSON", content: "{\"text\": \"a\", \"angry\": true}\nnot json\n", wantMsg: "line 2: not a JSON object"},
		{name: "no text", content: `{"angry": true}`, wantMsg: "line 1: field text is missing"},
		{name: "no angry", content: `{"text": "hi"}`, wantMsg: "line 1: field angry is missing"},
		{name: "angry not a bool", content: `{"text": "hi", "angry": "yes"}`, wantMsg: "line 1: field angry: want a bool, got a JSON string"},
		{name: "empty", content: "\n\n", wantMsg: "no rows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sentiment.Evaluate(context.Background(), sentiment.NewLexicon(), writeSet(t, tt.content))
			require.Error(t, err)
			assert.ErrorIs(t, err, sentiment.ErrInvalid)
			assert.Contains(t, err.Error(), tt.wantMsg)
		})
	}

	_, err := sentiment.Evaluate(context.Background(), sentiment.NewLexicon(), filepath.Join(t.TempDir(), "missing.jsonl"))
	assert.ErrorIs(t, err, os.ErrNotExist)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = sentiment.Evaluate(ctx, sentiment.NewLexicon(), writeSet(t, `{"text": "hi", "angry": false}`))
	assert.ErrorIs(t, err, context.Canceled)
}
