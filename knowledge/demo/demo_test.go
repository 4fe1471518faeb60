package demo_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/knowledge"
	"github.com/faqbot/faqbot/knowledge/demo"
)

var mainCategories = []string{"account", "payment", "content", "live", "ads", "tech"}

func TestArticles(t *testing.T) {
	articles, err := demo.Articles()
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(articles), 48)

	perLanguage := map[string]int{}
	categories := map[string]map[string]int{"zh": {}, "en": {}}
	ids := map[string]bool{}
	for _, a := range articles {
		a.Normalize()
		require.NoError(t, a.Validate(), "article %q", a.ExternalID)

		assert.Equal(t, knowledge.StatusPublished, a.Status, a.ExternalID)
		assert.Contains(t, []string{"zh", "en"}, a.Language, a.ExternalID)
		assert.Equal(t, a.Language, knowledge.DetectLanguage(a.Question+" "+a.Answer), "%s: text and language disagree", a.ExternalID)
		perLanguage[a.Language]++
		categories[a.Language][a.Category]++

		prefix := "demo-" + a.Language + "-" + a.Category + "-"
		assert.True(t, strings.HasPrefix(a.ExternalID, prefix), "%s should start with %s", a.ExternalID, prefix)
		assert.False(t, ids[a.ExternalID], "external_id %s is used twice", a.ExternalID)
		ids[a.ExternalID] = true

		assert.GreaterOrEqual(t, len(a.SimilarQuestions), 2, a.ExternalID)
		assert.LessOrEqual(t, len(a.SimilarQuestions), 5, a.ExternalID)
		assert.GreaterOrEqual(t, len([]rune(a.Answer)), 150, "%s: answers should be concrete", a.ExternalID)
		assert.NotContains(t, a.Answer, "> similar", "%s: a field line leaked into the answer", a.ExternalID)
	}

	assert.GreaterOrEqual(t, perLanguage["zh"], 24)
	assert.GreaterOrEqual(t, perLanguage["en"], 24)
	assert.Equal(t, perLanguage["zh"], perLanguage["en"], "half Chinese, half English")
	for _, lang := range []string{"zh", "en"} {
		for _, c := range mainCategories {
			assert.Positive(t, categories[lang][c], "no %s article in category %s", lang, c)
		}
	}
}

// The topics the bot must later hand off need an article to match in both languages.
func TestArticlesCoverHandoffTopics(t *testing.T) {
	articles, err := demo.Articles()
	require.NoError(t, err)
	text := map[string]string{}
	for _, a := range articles {
		text[a.Language] += strings.ToLower(a.Question + "\n" + strings.Join(a.SimilarQuestions, "\n") + "\n")
	}
	topics := []struct{ zh, en string }{
		{"被盗", "hacked"},
		{"扣了两次", "charged twice"},
		{"退款", "refund"},
		{"诈骗", "scam"},
		{"青少年模式", "teen mode"},
		{"直播", "live stream"},
		{"礼物", "gift"},
		{"充值", "coins"},
		{"提现", "withdraw"},
		{"广告账户", "ad account"},
		{"扣费", "billing"},
		{"下架", "removed"},
		{"版权", "copyright"},
		{"导出", "download my data"},
		{"验证码", "verification code"},
		{"闪退", "crash"},
		{"上传", "upload"},
	}
	for _, topic := range topics {
		assert.Contains(t, text["zh"], topic.zh)
		assert.Contains(t, text["en"], topic.en)
	}
}

func TestFiles(t *testing.T) {
	data, err := demo.Files().Open("en-account.md")
	require.NoError(t, err)
	defer data.Close()
	st, err := data.Stat()
	require.NoError(t, err)
	assert.Positive(t, st.Size())
}
