package knowledge_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/faqbot/faqbot/knowledge"
)

func TestDetectLanguage(t *testing.T) {
	tests := []struct{ text, want string }{
		{"花呗怎么还款", "zh"},
		{"VIP会员怎么开通", "zh"},
		{"APP闪退了 help", "zh"},
		{"How do I reset my password?", "en"},
		{"My card 被冻结了 what should I do now please", "en"},
		{"カードが使えません", "ja"},
		{"비밀번호를 잊어버렸어요", "ko"},
		{"Как сменить пароль?", "ru"},
		{"كيف أغير كلمة المرور", "ar"},
		{"ลืมรหัสผ่าน", "th"},
		{"12345 ???", "other"},
		{"", "other"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			assert.Equal(t, tt.want, knowledge.DetectLanguage(tt.text))
		})
	}
}
