package sentiment_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot/sentiment"
)

// TestLexiconChat holds the analyzer to customer-service chat, where it runs: anger must be
// caught, and a calm question must never be taken for it.
func TestLexiconChat(t *testing.T) {
	tests := []struct {
		text    string
		want    sentiment.Label
		signals []string // each must be among the result's signals
	}{
		// Angry.
		{text: "你们这什么破平台，钱都扣了还不到账！", want: sentiment.LabelAngry, signals: []string{"harsh criticism", "complaint"}},
		{text: "第三次问了，到底有没有人管", want: sentiment.LabelAngry, signals: []string{"repeated complaint"}},
		{text: "I've asked three times and nobody answers", want: sentiment.LabelAngry, signals: []string{"repeated complaint", "ignored"}},
		{text: "THIS IS RIDICULOUS", want: sentiment.LabelAngry, signals: []string{"all caps", "harsh criticism"}},
		{text: "垃圾客服，气死我了", want: sentiment.LabelAngry, signals: []string{"anger words"}},
		{text: "傻逼客服", want: sentiment.LabelAngry, signals: []string{"insult"}},
		{text: "What the hell is wrong with your app?!", want: sentiment.LabelAngry},
		{text: "This is a scam, I want my money back!", want: sentiment.LabelAngry},
		{text: "you guys are completely useless", want: sentiment.LabelAngry},
		{text: "f*ck this app", want: sentiment.LabelAngry, signals: []string{"hostile command"}},
		{text: "this app is sh1t", want: sentiment.LabelAngry, signals: []string{"profanity"}},
		{text: "fuuuuck, again", want: sentiment.LabelAngry, signals: []string{"profanity"}},
		{text: "等了半个多小时了还没人回复？？", want: sentiment.LabelAngry},
		{text: "你们客服是干什么吃的", want: sentiment.LabelAngry, signals: []string{"rhetorical question"}},
		{text: "[怒][怒]退钱", want: sentiment.LabelAngry, signals: []string{"angry emoji"}},
		{text: "凭什么扣我钱？？", want: sentiment.LabelAngry},
		{text: "说了多少遍了，账号被封了！", want: sentiment.LabelAngry, signals: []string{"repeated complaint"}},
		{text: "tmd 又闪退", want: sentiment.LabelAngry, signals: []string{"profanity"}},
		{text: "I'm so angry right now", want: sentiment.LabelAngry, signals: []string{"anger words"}},
		{text: "Still waiting for my refund, this is unacceptable", want: sentiment.LabelAngry},
		{text: "How many times do I have to tell you my order never arrived", want: sentiment.LabelAngry},
		{text: "😡😡 where is my money", want: sentiment.LabelAngry},
		{text: "垃圾客服，氣死我了", want: sentiment.LabelAngry, signals: []string{"anger words"}}, // Traditional
		{text: "因为一直等不到回复我很生气！", want: sentiment.LabelAngry, signals: []string{"anger words"}},
		{text: "你是不是傻，傻不傻啊", want: sentiment.LabelAngry}, // "傻不傻" asks, it does not negate

		// Negative, not angry.
		{text: "有点担心我的账户安全", want: sentiment.LabelNegative, signals: []string{"worry"}},
		{text: "I'm a bit worried about my account", want: sentiment.LabelNegative, signals: []string{"worry"}},
		{text: "有点失望", want: sentiment.LabelNegative},
		{text: "this is not helpful", want: sentiment.LabelNegative, signals: []string{"negated praise"}},
		{text: "视频还是加载不出来", want: sentiment.LabelNegative},
		{text: "It still doesn't work", want: sentiment.LabelNegative},
		{text: "好难过，钱丢了", want: sentiment.LabelNegative, signals: []string{"sadness"}},

		// Neutral: plain questions and negated anger.
		{text: "请问怎么提现？", want: sentiment.LabelNeutral},
		{text: "我的订单什么时候发货", want: sentiment.LabelNeutral},
		{text: "How do I reset my password?", want: sentiment.LabelNeutral},
		{text: "What is your refund policy?", want: sentiment.LabelNeutral},
		{text: "怎么退款", want: sentiment.LabelNeutral},
		{text: "我想投诉一个主播", want: sentiment.LabelNeutral},
		{text: "不好意思，打扰一下，银行卡怎么解绑？", want: sentiment.LabelNeutral},
		{text: "麻烦帮我查一下订单", want: sentiment.LabelNeutral},
		{text: "转人工", want: sentiment.LabelNeutral},
		{text: "When will my refund arrive?", want: sentiment.LabelNeutral},
		{text: "2024年4月7日，直播间上线了新功能。", want: sentiment.LabelNeutral},
		{text: "HOW DO I CHANGE MY EMAIL", want: sentiment.LabelNegative}, // shouting, but no anger in the words
		{text: "我不生气，就是问问", want: sentiment.LabelNeutral, signals: []string{"negated anger"}},
		{text: "I'm not angry, just asking", want: sentiment.LabelNeutral, signals: []string{"negated anger"}},
		{text: "别生气，我慢慢说", want: sentiment.LabelNeutral},
		{text: "这个答案不太好用", want: sentiment.LabelNegative, signals: []string{"negated praise"}},
		{text: "This didn't help", want: sentiment.LabelNegative, signals: []string{"negated praise"}},
		{text: "", want: sentiment.LabelNeutral},

		// Positive.
		{text: "thanks, that helped!", want: sentiment.LabelPositive, signals: []string{"thanks"}},
		{text: "not bad", want: sentiment.LabelPositive},
		{text: "谢谢，问题解决了", want: sentiment.LabelPositive, signals: []string{"thanks"}},
		{text: "太好了，客服很专业，点赞！", want: sentiment.LabelPositive},
		{text: "Great, it works now :)", want: sentiment.LabelPositive},
		{text: "不错不错", want: sentiment.LabelPositive},
		{text: "Holy shit, that was fast. Thank you!", want: sentiment.LabelPositive},
	}
	lex := sentiment.NewLexicon()
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, err := lex.Analyze(context.Background(), tt.text)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.Label, "signals %v, score %v", got.Signals, got.Score)
			for _, s := range tt.signals {
				assert.Contains(t, got.Signals, s)
			}
			assertConsistent(t, got)
		})
	}
}

// assertConsistent checks what every result must satisfy, whatever the text.
func assertConsistent(t *testing.T, r sentiment.Result) {
	t.Helper()
	assert.True(t, r.Label.Valid(), "label %q", r.Label)
	assert.GreaterOrEqual(t, r.Score, -1.0)
	assert.LessOrEqual(t, r.Score, 1.0)
	switch r.Label {
	case sentiment.LabelAngry, sentiment.LabelNegative:
		assert.Less(t, r.Score, 0.0, "a %s message scores below zero", r.Label)
	case sentiment.LabelPositive:
		assert.Greater(t, r.Score, 0.0)
	}
}

func TestLexiconScoreOrdersMoods(t *testing.T) {
	lex := sentiment.NewLexicon()
	score := func(text string) float64 {
		r, err := lex.Analyze(context.Background(), text)
		require.NoError(t, err)
		return r.Score
	}
	assert.Greater(t, score("thank you so much, perfect!"), score("ok"))
	assert.Greater(t, score("ok"), score("有点失望"))
	assert.Greater(t, score("有点失望"), score("垃圾平台，骗子！！！"))
	assert.Greater(t, score("annoying"), score("FUCK YOU, YOU IDIOTS!!!"), "stronger anger scores lower")
}

func TestLexiconIsDeterministicAndBounded(t *testing.T) {
	lex := sentiment.NewLexicon()
	long := strings.Repeat("垃圾！", 5000) // far beyond a chat message
	a, err := lex.Analyze(context.Background(), long)
	require.NoError(t, err)
	b, err := lex.Analyze(context.Background(), long)
	require.NoError(t, err)
	assert.Equal(t, a, b)
	assert.Equal(t, sentiment.LabelAngry, a.Label)
}

func BenchmarkLexicon(b *testing.B) {
	msgs := []string{
		"你们这什么破平台，钱都扣了还不到账！",
		"请问怎么提现？",
		"I've asked three times and nobody answers",
		"thanks, that helped!",
		"How do I reset my password? I tried twice and it still doesn't work.",
		"第三次问了，到底有没有人管",
	}
	lex := sentiment.NewLexicon()
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_, _ = lex.Analyze(ctx, msgs[i%len(msgs)])
	}
}
