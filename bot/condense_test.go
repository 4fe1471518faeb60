package bot_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/bot"
)

func user(text string) bot.Message  { return bot.Message{Role: bot.RoleUser, Text: text} }
func reply(text string) bot.Message { return bot.Message{Role: bot.RoleBot, Text: text} }

func TestHeuristicCondenser(t *testing.T) {
	tests := []struct {
		name    string
		history []bot.Message
		text    string
		want    bot.Query
	}{
		{
			name: "a first message stands alone",
			text: "  那提现呢?  ",
			want: bot.Query{Text: "那提现呢?", Focus: "那提现呢?"},
		},
		{
			name:    "那…呢 borrows the previous question",
			history: []bot.Message{user("充值多久到账"), reply("充值一般即时到账。")},
			text:    "那提现呢?",
			want:    bot.Query{Text: "提现 充值多久到账", Focus: "提现", Context: "充值多久到账", FollowUp: true},
		},
		{
			name:    "full-width question mark",
			history: []bot.Message{user("充值多久到账"), reply("即时到账。")},
			text:    "那提现呢？",
			want:    bot.Query{Text: "提现 充值多久到账", Focus: "提现", Context: "充值多久到账", FollowUp: true},
		},
		{
			name:    "the longest Chinese marker wins",
			history: []bot.Message{user("充值多久到账"), reply("即时到账。")},
			text:    "那如果是海外卡呢",
			want:    bot.Query{Text: "是海外卡 充值多久到账", Focus: "是海外卡", Context: "充值多久到账", FollowUp: true},
		},
		{
			name:    "a long Chinese message stands alone even with a marker",
			history: []bot.Message{user("充值多久到账")},
			text:    "那我昨天晚上用银行卡充值的六百块钱到现在都没有到账呢",
			want:    bot.Query{Text: "那我昨天晚上用银行卡充值的六百块钱到现在都没有到账呢", Focus: "那我昨天晚上用银行卡充值的六百块钱到现在都没有到账呢"},
		},
		{
			name:    "an unmarked Chinese question stands alone",
			history: []bot.Message{user("充值多久到账")},
			text:    "提现多久到账",
			want:    bot.Query{Text: "提现多久到账", Focus: "提现多久到账"},
		},
		{
			name:    "and for … borrows the previous question",
			history: []bot.Message{user("how do I get a refund"), reply("Open Wallet > Orders.")},
			text:    "and for coins?",
			want:    bot.Query{Text: "coins how do I get a refund", Focus: "coins", Context: "how do I get a refund", FollowUp: true},
		},
		{
			name:    "what about …",
			history: []bot.Message{user("How do I change my password?")},
			text:    "What about my email?",
			want:    bot.Query{Text: "my email How do I change my password?", Focus: "my email", Context: "How do I change my password?", FollowUp: true},
		},
		{
			name:    "a short question with a pronoun",
			history: []bot.Message{user("how do I get a refund")},
			text:    "is it free?",
			want:    bot.Query{Text: "is it free how do I get a refund", Focus: "is it free", Context: "how do I get a refund", FollowUp: true},
		},
		{
			name:    "a long English message stands alone even with a marker",
			history: []bot.Message{user("how do I get a refund")},
			text:    "and also I would like to know how to delete my account forever",
			want: bot.Query{Text: "and also I would like to know how to delete my account forever",
				Focus: "and also I would like to know how to delete my account forever"},
		},
		{
			name:    "the previous question's rewrite is borrowed, not its raw text",
			history: []bot.Message{{Role: bot.RoleUser, Text: "那提现呢", Query: "提现多久到账"}, reply("1-3 个工作日。")},
			text:    "那退款呢",
			want:    bot.Query{Text: "退款 提现多久到账", Focus: "退款", Context: "提现多久到账", FollowUp: true},
		},
		{
			name:    "only the user's messages are borrowed",
			history: []bot.Message{user("how do I get a refund"), reply("Open Wallet."), {Role: bot.RoleAgent, Text: "Anything else?"}},
			text:    "and for coins?",
			want:    bot.Query{Text: "coins how do I get a refund", Focus: "coins", Context: "how do I get a refund", FollowUp: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := bot.HeuristicCondenser{}.Condense(context.Background(), tt.history, tt.text)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
