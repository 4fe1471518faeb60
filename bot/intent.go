package bot

import (
	"strings"

	"golang.org/x/text/width"
)

// Phrases are matched on folded text (lowercase, half-width), as substrings for Chinese and as
// whole words for English. They are configuration in spirit: lists an operator may extend.

// humanRequest: the user asks for a person.
var humanRequest = phraseSet{
	zh: []string{"转人工", "人工客服", "人工服务", "找客服", "真人客服", "接人工", "要人工", "客服小姐姐", "联系客服", "投诉"},
	en: []string{"human", "real person", "talk to someone", "speak to someone", "live agent", "an agent", "customer service",
		"representative", "customer support", "operator", "speak to a person", "talk to a person", "supervisor", "manager"},
}

// highRisk: account takeover, fraud, double charges, personal safety — a human at once (P1).
var highRisk = phraseSet{
	zh: []string{"被盗", "盗号", "号被盗", "被黑", "诈骗", "被骗", "骗子", "骗钱", "扣了两次", "扣两次", "重复扣款", "扣费两次", "多扣",
		"盗刷", "自杀", "轻生", "不想活", "威胁我", "人身安全", "跟踪我", "勒索", "敲诈"},
	en: []string{"hacked", "stolen", "stole", "fraud", "scam", "scammed", "charged twice", "double charged", "charged me twice",
		"duplicate charge", "unauthorized charge", "unauthorised charge", "suicide", "kill myself", "threatening me",
		"threatened", "stalking", "blackmail", "extortion", "unsafe"},
}

// urgent: money or a live show failing right now (P2).
var urgent = phraseSet{
	zh: []string{"支付失败", "付款失败", "充值失败", "充值没到账", "提现失败", "直播断", "直播卡", "推流失败", "直播间进不去", "开不了播", "直播黑屏"},
	en: []string{"payment failed", "payment declined", "top up failed", "recharge failed", "withdrawal failed",
		"stream dropped", "stream keeps dropping", "live stream down", "stream crashed", "can't go live", "cannot go live"},
}

type phraseSet struct{ zh, en []string }

// match returns the first phrase of the set found in text, or "".
func (p phraseSet) match(text string) string {
	folded := fold(text)
	for _, s := range p.zh {
		if strings.Contains(folded, s) {
			return s
		}
	}
	padded := " " + wordsOnly(folded) + " "
	for _, s := range p.en {
		if strings.Contains(padded, " "+s+" ") {
			return s
		}
	}
	return ""
}

func fold(s string) string { return strings.ToLower(width.Fold.String(s)) }

// wordsOnly turns punctuation into spaces and keeps apostrophes, so "human!" and "can't"
// match as words.
func wordsOnly(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return !(r == '\'' || r == '\u2019' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r > 127)
	}), " ")
}
