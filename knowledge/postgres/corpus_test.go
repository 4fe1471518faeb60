package postgres_test

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/faqbot/faqbot/knowledge"
)

// A synthetic FAQ knowledge base for benchmarks: Chinese and English questions and answers of
// a consumer app, built from word lists so that, like a real one, it has a few very common
// words, a broad middle and a long tail (error codes, versions).

var enObjects = map[string][]string{
	"account": {"password", "phone number", "email address", "username", "profile photo", "two-factor authentication",
		"login device", "account", "nickname", "security question", "linked accounts"},
	"payment": {"bank card", "wallet balance", "payout", "refund", "invoice", "subscription", "coupon", "gift card",
		"payment method", "transaction history", "creator earnings", "tax form"},
	"content": {"video", "comment", "playlist", "caption", "draft", "post", "story", "music track", "thumbnail",
		"channel", "collection"},
	"live": {"live stream", "stream key", "co-host", "live replay", "live gift", "viewer list", "stream title",
		"live schedule", "stream quality"},
	"ads": {"ad campaign", "ad budget", "target audience", "ad creative", "conversion pixel", "billing threshold",
		"ad account", "promotion"},
	"tech": {"app", "notification", "cache", "camera permission", "microphone", "network connection", "app version",
		"dark mode", "language setting"},
	"general": {"support ticket", "feedback", "community guidelines", "privacy policy", "terms of service",
		"human agent", "data download"},
}

var (
	enVerbs = []string{"reset", "change", "update", "verify", "link", "unlink", "delete", "recover", "cancel",
		"renew", "withdraw", "transfer", "download", "upload", "share", "report", "block", "restore", "export",
		"enable", "disable", "edit", "schedule", "boost", "check"}
	enStates = []string{"not working", "stuck", "missing", "locked", "disabled", "delayed", "rejected",
		"showing an error", "not loading", "greyed out"}
	enContexts = []string{"on Android", "on iPhone", "on the web", "after updating the app", "while abroad",
		"without my old phone", "for a business account", "during a live stream", "in the new version", "on a tablet"}
	enQuestions = []string{
		"How do I %[1]s my %[2]s?",
		"How can I %[1]s the %[2]s %[3]s?",
		"Why can't I %[1]s my %[2]s?",
		"What should I do if my %[2]s is %[4]s?",
		"Is it possible to %[1]s my %[2]s %[3]s?",
		"My %[2]s is %[4]s %[3]s, what now?",
		"Where do I %[1]s the %[2]s?",
		"Can I %[1]s a %[2]s %[3]s?",
	}
	enScreens = []string{"Me", "Settings", "Wallet", "Creator Center", "Live Center", "Ads Manager", "Help Center"}
	enMenus   = []string{"Account", "Security", "Payments", "Privacy", "Notifications", "Content", "Payouts", "Devices"}
	enButtons = []string{"Save", "Confirm", "Continue", "Verify", "Submit", "Done", "Apply"}
	enExtras  = []string{
		"Changes take effect within %d minutes.",
		"If it still fails, clear the app cache and try again.",
		"Error code E%04d means the request timed out; wait a moment and retry.",
		"Contact support with reference R%05d if the problem continues.",
		"This option is available in version %d.%d and later.",
		"Payouts made on weekends arrive %d business days later.",
		"For security reasons we send a verification code to your phone first.",
		"Business accounts need an administrator to approve the change.",
	}
)

var zhObjects = map[string][]string{
	"account": {"密码", "手机号", "邮箱", "账号", "头像", "昵称", "实名认证", "登录设备", "二次验证"},
	"payment": {"银行卡", "钱包余额", "优惠券", "会员", "订单", "发票", "自动续费", "提现记录", "创作收益"},
	"content": {"视频", "评论", "作品", "草稿", "合集", "字幕", "封面", "背景音乐"},
	"live":    {"直播间", "推流地址", "连麦", "礼物", "直播回放", "直播标题", "开播提醒", "直播清晰度"},
	"ads":     {"广告计划", "广告预算", "投放人群", "广告素材", "转化追踪", "广告账户"},
	"tech":    {"通知", "缓存", "摄像头权限", "麦克风", "网络连接", "深色模式", "语言设置", "版本更新"},
	"general": {"客服", "意见反馈", "社区规范", "隐私政策", "用户协议", "数据下载"},
}

var (
	zhVerbs     = []string{"修改", "重置", "绑定", "解绑", "注销", "找回", "提现", "充值", "退款", "删除", "下载", "上传", "举报", "屏蔽", "开通", "关闭", "取消", "续费", "设置", "更换", "查看"}
	zhStates    = []string{"收不到", "一直失败", "显示异常", "被冻结", "无法加载", "卡住了", "没有到账", "提示错误"}
	zhContexts  = []string{"在安卓手机上", "在苹果手机上", "用电脑", "换了新手机后", "出国时", "更新版本后", "直播时", "企业号"}
	zhQuestions = []string{
		"怎么%[1]s%[2]s",
		"%[2]s怎么%[1]s",
		"为什么%[1]s不了%[2]s",
		"%[2]s%[4]s怎么办",
		"%[3]s%[1]s%[2]s需要多久",
		"如何%[1]s%[2]s？",
		"%[3]s能不能%[1]s%[2]s",
		"我的%[2]s%[4]s了",
	}
	zhScreens = []string{"我的", "设置", "钱包", "创作者中心", "直播中心", "广告管理", "帮助中心"}
	zhMenus   = []string{"账号与安全", "支付设置", "隐私设置", "通知设置", "内容管理", "提现管理", "设备管理"}
	zhButtons = []string{"保存", "确认", "提交", "验证", "完成", "下一步"}
	zhExtras  = []string{
		"一般%d分钟内生效。",
		"如仍失败，请清除缓存后重试。",
		"错误码E%04d表示请求超时，请稍后再试。",
		"问题持续时请带上编号R%05d联系客服。",
		"该功能需要%d.%d及以上版本。",
		"节假日提现会顺延%d个工作日到账。",
		"为了账号安全，我们会先向你的手机发送验证码。",
		"企业号需要管理员审核后才能修改。",
	}
)

// Topics make an article specific, as real ones are (a feature, a plan, a payment method, a
// region); amounts, ages and order numbers make questions tell apart further. Without them a
// large corpus repeats the same few thousand questions hundreds of times, which no knowledge
// base does and which no nearest-neighbour index handles well.
var (
	enTopics = []string{"with PayPal", "with Apple Pay", "via bank transfer", "in the Lite app", "on the Pro plan",
		"for the Creator Fund", "in the Shop", "for Live Gifts", "in Business Suite", "with Family Pairing",
		"in the EU", "in Brazil", "in Indonesia", "in Japan", "in Mexico", "for a teen account",
		"as a verified creator", "on a shared device", "after a name change", "during a promotion",
		"for a gift order", "for a subscription bundle", "with two-step login", "for an ad agency",
		"on a smart TV", "in Studio", "in the Music Library", "in a group chat", "for a brand account",
		"with a prepaid card", "in Canada", "in India", "with Google Pay", "on the Family plan",
		"for a charity account", "in the Creator Marketplace", "with a work email", "in dark mode",
		"on a school account", "after a refund"}
	enAmounts = []string{"over $%d", "older than %d days", "for order #%d", "for %d accounts", "after %d attempts"}
	zhTopics  = []string{"用支付宝", "用微信支付", "用银行转账", "在极速版里", "开通会员后", "创作者基金的", "小店里的",
		"直播带货时", "商家版的", "海外版的", "在香港", "在台湾", "在新加坡", "在日本", "青少年模式下", "认证创作者的",
		"共享设备上", "改名后", "活动期间", "礼品订单的", "连续包月的", "开了两步验证后", "代理商账户的", "电视端",
		"音乐库里的", "群聊里的", "品牌号的", "用预付卡", "在马来西亚", "用云闪付", "家庭套餐的", "公益账号的",
		"工作邮箱注册的", "深色模式下", "学生认证后", "退款之后"}
	zhAmounts = []string{"超过%d元的", "%d天前的", "订单号%d的", "%d个账号", "试了%d次后"}
)

// qualify makes a question specific: the article's topic most of the time, an amount or a
// number sometimes.
func (g *corpusGen) qualify(q, topic string, amounts []string, zh bool) string {
	var extra []string
	if g.r.IntN(10) < 8 {
		extra = append(extra, topic)
	}
	if g.r.IntN(10) < 4 {
		extra = append(extra, fmt.Sprintf(g.pick(amounts), 2+g.r.IntN(998)))
	}
	if len(extra) == 0 {
		return q
	}
	if zh {
		return strings.Join(extra, "") + q
	}
	return strings.TrimSuffix(q, "?") + " " + strings.Join(extra, " ") + "?"
}

var benchCategories = []string{"account", "payment", "content", "live", "ads", "tech", "general"}

type corpusGen struct{ r *rand.Rand }

func newCorpusGen(seed uint64) *corpusGen {
	return &corpusGen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (g *corpusGen) pick(list []string) string { return list[g.r.IntN(len(list))] }

// zipf picks from list with a skew towards its head, like word use in real questions.
func (g *corpusGen) zipf(list []string) string {
	i := int(float64(len(list)) * g.r.Float64() * g.r.Float64())
	return list[i]
}

func (g *corpusGen) extra(extras []string) string {
	e := g.pick(extras)
	switch strings.Count(e, "%") {
	case 0:
		return e
	case 1:
		return fmt.Sprintf(e, 1+g.r.IntN(9999))
	default:
		return fmt.Sprintf(e, 8+g.r.IntN(20), g.r.IntN(10))
	}
}

// article returns the i-th synthetic article: half Chinese, half English; nine in ten
// published.
func (g *corpusGen) article(i int) knowledge.Article {
	cat := g.zipf(benchCategories)
	var a knowledge.Article
	if g.r.IntN(2) == 0 {
		a = g.english(cat)
	} else {
		a = g.chinese(cat)
	}
	a.ExternalID = fmt.Sprintf("bench-%d", i)
	a.Category = cat
	a.Tags = []string{cat, a.Language}
	switch p := g.r.IntN(100); {
	case p < 90:
		a.Status = knowledge.StatusPublished
	case p < 97:
		a.Status = knowledge.StatusDraft
	default:
		a.Status = knowledge.StatusArchived
	}
	return a
}

func (g *corpusGen) english(cat string) knowledge.Article {
	verb, obj, topic := g.zipf(enVerbs), g.zipf(enObjects[cat]), g.pick(enTopics)
	q := func() string {
		q := fmt.Sprintf(g.pick(enQuestions), verb, obj, g.pick(enContexts), g.pick(enStates))
		return g.qualify(q, topic, enAmounts, false)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "Open %s > %s > %s, choose %s and tap %s.", g.pick(enScreens), g.pick(enMenus),
		strings.ToUpper(obj[:1])+obj[1:], verb, g.pick(enButtons))
	for n := 1 + g.r.IntN(3); n > 0; n-- {
		sb.WriteString(" " + g.extra(enExtras))
	}
	a := knowledge.Article{Question: q(), Answer: sb.String(), Language: "en"}
	for n := 1 + g.r.IntN(3); n > 0; n-- {
		a.SimilarQuestions = append(a.SimilarQuestions, q())
	}
	return a
}

func (g *corpusGen) chinese(cat string) knowledge.Article {
	verb, obj, topic := g.zipf(zhVerbs), g.zipf(zhObjects[cat]), g.pick(zhTopics)
	q := func() string {
		q := fmt.Sprintf(g.pick(zhQuestions), verb, obj, g.pick(zhContexts), g.pick(zhStates))
		return g.qualify(q, topic, zhAmounts, true)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "请在%s-%s中找到%s，选择%s后点击%s。", g.pick(zhScreens), g.pick(zhMenus), obj, verb, g.pick(zhButtons))
	for n := 1 + g.r.IntN(3); n > 0; n-- {
		sb.WriteString(g.extra(zhExtras))
	}
	a := knowledge.Article{Question: q(), Answer: sb.String(), Language: "zh"}
	for n := 1 + g.r.IntN(3); n > 0; n-- {
		a.SimilarQuestions = append(a.SimilarQuestions, q())
	}
	return a
}

// query returns a question a user might ask about one of the articles (one of its questions,
// sometimes with a context or a filler word added), its language and the article's external id.
func (g *corpusGen) query(articles []knowledge.Article) (q, lang, externalID string) {
	a := articles[g.r.IntN(len(articles))]
	qs := append([]string{a.Question}, a.SimilarQuestions...)
	q = g.pick(qs)
	switch g.r.IntN(3) {
	case 0:
		if a.Language == "zh" {
			q = g.pick(zhContexts) + q
		} else {
			q = strings.TrimSuffix(q, "?") + " " + g.pick(enContexts) + "?"
		}
	case 1:
		if a.Language == "zh" {
			q = "请问" + q + "呢"
		} else {
			q = "Hi, " + strings.ToLower(q[:1]) + q[1:] + " Thanks"
		}
	}
	return q, a.Language, a.ExternalID
}
