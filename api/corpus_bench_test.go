package api_test

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/faqbot/faqbot/knowledge"
)

// A synthetic help centre for the HTTP benchmarks: Chinese and English FAQ articles of a
// short-video app, built from word lists with a skew towards the head of each list, so that
// the corpus has a few very common words, a broad middle and a long tail (codes, numbers), as
// a real one does. The idea follows knowledge/postgres's generator; the lists are our own and
// smaller, since these benchmarks measure the service around the search, not its ranking.

type benchTopic struct {
	category string
	en, zh   []string // things users ask about
}

var benchTopics = []benchTopic{
	{"account", []string{"password", "phone number", "email", "username", "avatar", "login session", "account"},
		[]string{"密码", "手机号", "邮箱", "用户名", "头像", "登录状态", "账号"}},
	{"payment", []string{"coin balance", "bank card", "refund", "withdrawal", "membership", "receipt", "top-up"},
		[]string{"金币余额", "银行卡", "退款", "提现", "会员", "收据", "充值"}},
	{"content", []string{"video", "comment", "draft", "subtitle", "cover image", "music", "duet"},
		[]string{"视频", "评论", "草稿", "字幕", "封面", "配乐", "合拍"}},
	{"live", []string{"live room", "stream key", "gift", "replay", "co-host", "live title"},
		[]string{"直播间", "推流码", "礼物", "回放", "连麦", "直播标题"}},
	{"ads", []string{"campaign", "budget", "audience", "creative", "pixel"},
		[]string{"推广计划", "预算", "定向人群", "创意素材", "转化组件"}},
	{"tech", []string{"notification", "cache", "camera", "storage", "app update", "network"},
		[]string{"通知", "缓存", "相机", "存储空间", "版本更新", "网络"}},
	{"general", []string{"feedback", "privacy setting", "data export", "community rule"},
		[]string{"反馈", "隐私设置", "数据导出", "社区规则"}},
}

// Feature names are the long tail that tells otherwise alike questions apart, as the many
// features of a large app do ("change the payout in Creator Fund" is not the same article as
// "change the payout in Shop Wallet"); 24 x 24 of them per language.
var (
	benchEnFeature = [2][]string{
		{"Quick", "Smart", "Family", "Creator", "Live", "Studio", "Pro", "Kids", "Travel", "Music", "Shop", "Gaming",
			"Campus", "Fitness", "Food", "Photo", "Event", "Partner", "Brand", "Local", "Night", "Story", "Club", "Pocket"},
		{"Hub", "Pass", "Center", "Mode", "Space", "Board", "Lab", "Market", "Circle", "Corner", "Channel", "Plan",
			"Fund", "Desk", "Zone", "Room", "Wallet", "Link", "Point", "Box", "Garden", "Stage", "Path", "Spot"},
	}
	benchZhFeature = [2][]string{
		{"快捷", "智能", "亲子", "创作", "直播", "影棚", "专业", "少儿", "旅行", "音乐", "好物", "游戏",
			"校园", "健身", "美食", "摄影", "活动", "伙伴", "品牌", "同城", "夜间", "故事", "社团", "口袋"},
		{"中心", "通行证", "广场", "模式", "空间", "看板", "实验室", "集市", "圈子", "角落", "频道", "计划",
			"基金", "工作台", "专区", "小屋", "钱包", "链接", "站点", "盒子", "花园", "舞台", "路线", "地图"},
	}

	benchEnVerbs = []string{"change", "reset", "remove", "restore", "link", "turn off", "turn on", "find",
		"edit", "download", "share", "hide", "renew", "cancel", "move"}
	benchEnWhere = []string{"on Android", "on iOS", "on the website", "after an update", "on a new phone",
		"abroad", "on a tablet"}
	benchEnAsk = []string{
		"How do I %[1]s my %[2]s in %[4]s?",
		"How can I %[1]s the %[2]s in %[4]s %[3]s?",
		"Why can't I %[1]s my %[2]s in %[4]s %[3]s?",
		"Where do I %[1]s my %[2]s for %[4]s?",
		"Can I %[1]s a %[2]s in %[4]s %[3]s?",
		"What happens to %[4]s if I %[1]s my %[2]s?",
	}
	benchEnScreens = []string{"Profile", "Settings", "Wallet", "Creator Tools", "Live Studio", "Promote"}
	benchEnTails   = []string{
		"The change shows within %d minutes.",
		"Restart the app if the option is missing.",
		"Code E%04d means the server was busy; try again shortly.",
		"Quote case number C%05d when you write to us.",
		"You need version %d.%d or later.",
	}

	benchZhVerbs = []string{"修改", "重置", "删除", "恢复", "绑定", "关闭", "开启", "找到", "编辑", "下载",
		"分享", "隐藏", "续费", "取消", "转移"}
	benchZhWhere = []string{"在安卓上", "在苹果手机上", "在网页版", "升级后", "换新手机后", "在国外", "在平板上"}
	benchZhAsk   = []string{
		"%[4]s里怎么%[1]s%[2]s",
		"%[3]s如何在%[4]s%[1]s%[2]s",
		"为什么%[3]s在%[4]s%[1]s不了%[2]s",
		"%[4]s在哪里%[1]s%[2]s",
		"%[3]s可以在%[4]s%[1]s%[2]s吗",
		"%[1]s%[2]s会影响%[4]s吗",
	}
	benchZhScreens = []string{"我", "设置", "钱包", "创作工具", "直播工作台", "推广"}
	benchZhTails   = []string{
		"一般%d分钟内生效。",
		"找不到该选项时请重启应用。",
		"错误码E%04d表示服务器繁忙，请稍后再试。",
		"联系我们时请提供工单号C%05d。",
		"需要%d.%d及以上版本。",
	}
)

type benchCorpus struct{ r *rand.Rand }

func newBenchCorpus(seed uint64) *benchCorpus {
	return &benchCorpus{r: rand.New(rand.NewPCG(seed, ^seed))}
}

func (c *benchCorpus) any(list []string) string { return list[c.r.IntN(len(list))] }

// head picks with a skew towards the start of list: the product of two uniforms.
func (c *benchCorpus) head(list []string) string {
	return list[int(float64(len(list))*c.r.Float64()*c.r.Float64())]
}

func (c *benchCorpus) tail(list []string) string {
	t := c.any(list)
	switch strings.Count(t, "%") {
	case 0:
		return t
	case 1:
		return fmt.Sprintf(t, 1+c.r.IntN(9999))
	default:
		return fmt.Sprintf(t, 5+c.r.IntN(30), c.r.IntN(10))
	}
}

// article returns the i-th article: half English, half Chinese, 90% published, the rest
// drafts and archived ones that search must skip.
func (c *benchCorpus) article(i int) knowledge.Article {
	t := benchTopics[int(float64(len(benchTopics))*c.r.Float64()*c.r.Float64())]
	zh := c.r.IntN(2) == 1
	verbs, objects, where, asks, screens, tails := benchEnVerbs, t.en, benchEnWhere, benchEnAsk, benchEnScreens, benchEnTails
	if zh {
		verbs, objects, where, asks, screens, tails = benchZhVerbs, t.zh, benchZhWhere, benchZhAsk, benchZhScreens, benchZhTails
	}
	verb, object := c.head(verbs), c.head(objects)
	var feature string
	if zh {
		feature = c.any(benchZhFeature[0]) + c.any(benchZhFeature[1])
	} else {
		feature = c.any(benchEnFeature[0]) + " " + c.any(benchEnFeature[1])
	}
	ask := func() string { return fmt.Sprintf(c.any(asks), verb, object, c.any(where), feature) }
	var answer strings.Builder
	if zh {
		fmt.Fprintf(&answer, "打开「%s」里的%s，找到%s，选择%s并确认。", c.any(screens), feature, object, verb)
	} else {
		fmt.Fprintf(&answer, "Open %s > %s, find your %s, choose %s and confirm.", c.any(screens), feature, object, verb)
	}
	for n := 1 + c.r.IntN(3); n > 0; n-- {
		if !zh {
			answer.WriteByte(' ')
		}
		answer.WriteString(c.tail(tails))
	}
	a := knowledge.Article{
		ExternalID: fmt.Sprintf("http-bench-%d", i),
		Question:   ask(),
		Answer:     answer.String(),
		Category:   t.category,
		Language:   "en",
		Status:     knowledge.StatusPublished,
	}
	if zh {
		a.Language = "zh"
	}
	for n := 1 + c.r.IntN(3); n > 0; n-- {
		a.SimilarQuestions = append(a.SimilarQuestions, ask())
	}
	switch p := c.r.IntN(100); {
	case p >= 97:
		a.Status = knowledge.StatusArchived
	case p >= 90:
		a.Status = knowledge.StatusDraft
	}
	return a
}

// question is what a user might type about one of articles: one of its questions, now and
// then with a greeting or a thank-you around it.
func (c *benchCorpus) question(articles []knowledge.Article) string {
	a := articles[c.r.IntN(len(articles))]
	q := a.Question
	if k := c.r.IntN(len(a.SimilarQuestions) + 1); k > 0 {
		q = a.SimilarQuestions[k-1]
	}
	switch c.r.IntN(4) {
	case 0:
		if a.Language == "zh" {
			return "你好，" + q
		}
		return "Hi, " + strings.ToLower(q[:1]) + q[1:]
	case 1:
		if a.Language == "zh" {
			return q + "？谢谢"
		}
		return q + " Thanks!"
	}
	return q
}
