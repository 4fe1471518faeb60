package memory_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/memory"
)

var (
	benchTopicsEN = []string{"card", "payment", "refund", "transfer", "account", "password", "top-up", "exchange rate",
		"statement", "PIN", "cash withdrawal", "subscription", "live stream", "ad campaign", "app update", "verification"}
	benchVerbsEN = []string{"doesn't work", "was declined", "is pending", "is missing", "was charged twice",
		"needs changing", "is blocked", "takes too long", "shows an error", "can't be found"}
	benchTopicsZH = []string{"花呗", "借呗", "银行卡", "退款", "转账", "账户", "密码", "充值", "账单", "提现", "会员",
		"直播", "广告", "应用更新", "实名认证", "积分"}
	benchVerbsZH = []string{"用不了", "付款失败", "一直没到账", "被扣了两次", "怎么修改", "被冻结了", "显示错误",
		"找不到了", "怎么开通", "怎么关闭"}
)

// benchArticles makes n realistic-looking FAQ articles, half Chinese, half English.
func benchArticles(n int) []knowledge.ImportRow {
	r := rand.New(rand.NewPCG(1, 2))
	rows := make([]knowledge.ImportRow, n)
	for i := range rows {
		var q, a, lang string
		if i%2 == 0 {
			topic, verb := benchTopicsEN[r.IntN(len(benchTopicsEN))], benchVerbsEN[r.IntN(len(benchVerbsEN))]
			q = fmt.Sprintf("My %s %s, what should I do? (case %d)", topic, verb, i)
			a = strings.Repeat(fmt.Sprintf("When your %s %s, open the app, check the %s settings and try again. ", topic, verb, topic), 3)
			lang = "en"
		} else {
			topic, verb := benchTopicsZH[r.IntN(len(benchTopicsZH))], benchVerbsZH[r.IntN(len(benchVerbsZH))]
			q = fmt.Sprintf("我的%s%s怎么办（%d）", topic, verb, i)
			a = strings.Repeat(fmt.Sprintf("如果%s%s，请打开应用查看%s设置，然后再试一次。", topic, verb, topic), 3)
			lang = "zh"
		}
		rows[i] = knowledge.ImportRow{Row: i + 1, Article: knowledge.Article{
			ExternalID: fmt.Sprintf("bench-%d", i), Question: q, Answer: a, Language: lang, Status: knowledge.StatusPublished,
			SimilarQuestions: []string{q + "?"},
		}}
	}
	return rows
}

// BenchmarkImport10k imports 10,000 articles through knowledge.Service (validation, chunking,
// local embedding, store) and reports articles per second.
func BenchmarkImport10k(b *testing.B) {
	ctx := context.Background()
	rows := benchArticles(10_000)
	b.ReportAllocs()
	for b.Loop() {
		svc := knowledge.NewService(memory.New(), knowledge.NewLocalEmbedder(0), knowledge.DefaultSearchParams())
		rep, err := svc.Import(ctx, rows)
		if err != nil || rep.Created != len(rows) {
			b.Fatalf("import: %v, %+v", err, rep.Failed)
		}
	}
	b.ReportMetric(float64(b.N*len(rows))/b.Elapsed().Seconds(), "articles/s")
}

// BenchmarkSearch10k asks questions against 10,000 articles.
func BenchmarkSearch10k(b *testing.B) {
	ctx := context.Background()
	svc := knowledge.NewService(memory.New(), knowledge.NewLocalEmbedder(0), knowledge.DefaultSearchParams())
	if _, err := svc.Import(ctx, benchArticles(10_000)); err != nil {
		b.Fatal(err)
	}
	queries := []string{"my refund is missing", "花呗付款失败怎么办", "password was declined", "转账一直没到账"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := svc.Search(ctx, knowledge.SearchRequest{Query: queries[i%len(queries)], TopK: 5}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
