package prompts_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/prompts"
)

func TestCondenseGolden(t *testing.T) {
	tests := []struct {
		name string
		in   prompts.CondenseInput
	}{
		{
			name: "condense_zh",
			in: prompts.CondenseInput{
				History: []prompts.Turn{
					{Role: prompts.RoleUser, Text: "充值多久到账"},
					{Role: prompts.RoleAssistant, Text: "充值一般即时到账，高峰期最长 10 分钟。"},
				},
				Message:  "那提现呢?",
				Language: "zh",
			},
		},
		{
			name: "condense_en",
			in: prompts.CondenseInput{
				History: []prompts.Turn{
					{Role: prompts.RoleUser, Text: "how do I get a refund"},
					{Role: prompts.RoleAssistant, Text: "Open Wallet > Orders and tap Request refund."},
				},
				Message:  "and for coins?",
				Language: "en",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs, err := prompts.Condense(tt.in)
			require.NoError(t, err)
			require.Len(t, msgs, 2)
			assert.Equal(t, "system", msgs[0].Role)
			assert.Equal(t, "user", msgs[1].Role)
			assertGolden(t, tt.name, msgs)
		})
	}
}

func TestCondenseRejectsBadInput(t *testing.T) {
	tests := []struct {
		name  string
		in    prompts.CondenseInput
		field string
	}{
		{"empty message", prompts.CondenseInput{History: []prompts.Turn{{Role: "user", Text: "a"}}, Message: " "}, "message"},
		{"no history", prompts.CondenseInput{Message: "and for coins?"}, "history"},
		{"unknown role", prompts.CondenseInput{History: []prompts.Turn{{Role: "bot", Text: "a"}}, Message: "b"}, "history[0].role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := prompts.Condense(tt.in)
			require.Error(t, err)
			assert.ErrorIs(t, err, prompts.ErrInvalid)
			assert.Contains(t, err.Error(), tt.field)
		})
	}
}
