package knowledge

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// plainMatch is rerank's match without any cache: every match text featurized afresh.
func plainMatch(query string, h Hit) (float64, string) {
	var f featurizer
	q := sparseFeatures(&f, query)
	best, text := 0.0, h.ChunkText
	answers := 0
	for _, c := range chunkTexts(h.Article) {
		if c.kind == ChunkAnswer {
			if answers++; answers > 1 && c.text != h.ChunkText {
				continue
			}
		}
		if m := q.cosine(sparseFeatures(&f, c.text)); m > best {
			best, text = m, c.text
		}
	}
	return best, text
}

func TestRerankCacheMatchesUncached(t *testing.T) {
	long := strings.Repeat("Open the wallet and check the balance first. ", 12) + "\n\n" +
		strings.Repeat("Refunds to a frozen card go back to the wallet within five days. ", 10)
	articles := []Article{
		{ID: 1, Version: 1, Title: "Refunds", Question: "Where is my refund?", Answer: "Refunds take 5 working days.", Language: "en"},
		{ID: 2, Version: 3, Title: "Frozen card", Question: "Why is my card frozen?", SimilarQuestions: []string{"card blocked"},
			Answer: long, Language: "en"},
		{ID: 3, Version: 1, Title: "花呗还款", Question: "花呗怎么还款", Answer: "在花呗页面点击还款。", Language: "zh"},
	}
	var paragraphs strings.Builder
	for i := range 45 {
		fmt.Fprintf(&paragraphs, "Region %d: card details, limits and fees in region %d and its own currency, "+
			"with the steps to order, activate and replace a card there, and whom to call when it fails.\n\n", i, i)
	}
	huge := Article{ID: 4, Version: 1, Title: "Everything about cards", Question: "Tell me about cards",
		Answer: paragraphs.String() + "The frozen card refund goes back to the wallet.", Language: "en"}
	articles = append(articles, huge)
	later := ChunkArticle(articles[1])
	require.Greater(t, len(later), 3, "the long answer has several chunks")
	beyond := ChunkArticle(huge)
	require.Greater(t, len(beyond), 20, "an answer too long for the table")
	hits := []Hit{
		{Article: articles[0], ChunkText: "Where is my refund?"},
		{Article: articles[1], ChunkText: later[len(later)-1].Text}, // a later answer chunk the store found best
		{Article: articles[2], ChunkText: "花呗怎么还款"},
		{Article: huge, ChunkText: beyond[len(beyond)-1].Text}, // a later chunk the table left out
	}
	cache := newFeatureCache(defaultFeatureBytes)
	for _, query := range []string{"refund to my frozen card", "花呗还款", "card blocked"} {
		for pass := range 3 { // a miss, a hit, then prepared while the store would wait
			prep := newRerankPrep(query, cache)
			if pass == 2 {
				likely := make([]*Article, len(hits))
				for i := range hits {
					likely[i] = &hits[i].Article
				}
				prep.prepare(likely)
			}
			got := rerank(prep, "en", hits, false, 0.002)
			require.Len(t, got, len(hits))
			for _, c := range got {
				var h Hit
				for _, x := range hits {
					if x.Article.ID == c.Article.ID {
						h = x
					}
				}
				match, text := plainMatch(query, h)
				assert.Equal(t, match, c.Match, "%q pass %d article %d", query, pass, h.Article.ID)
				assert.Equal(t, text, c.ChunkText, "%q pass %d article %d", query, pass, h.Article.ID)
			}
		}
	}
	assert.Len(t, cache.byID, 4)
	assert.Less(t, len(cache.byID[4].Value.(*articleFeatures).texts), len(beyond), "the table stopped short")

	// A new version of an article is featurized anew.
	changed := hits[0]
	changed.Article.Version, changed.Article.Question = 2, "How long does a refund to a frozen card take?"
	prep := newRerankPrep("refund to a frozen card", cache)
	prep.prepare([]*Article{&hits[0].Article}) // the version the store expected
	got := rerank(prep, "en", []Hit{changed}, false, 0)
	match, _ := plainMatch("refund to a frozen card", changed)
	assert.Equal(t, match, got[0].Match, "what was prepared for another version is not used")
	assert.Len(t, cache.byID, 4, "one entry per article")
}

func TestFeatureCacheIsBounded(t *testing.T) {
	cache := newFeatureCache(4000)
	var f featurizer
	for id := int64(1); id <= 50; id++ {
		cache.of(&Article{ID: id, Version: 1, Question: "How do I reset my password quickly?", Answer: "Open Settings."}, &f)
	}
	assert.LessOrEqual(t, cache.size, int64(4000))
	assert.Less(t, len(cache.byID), 50, "old entries went")
	_, newest := cache.byID[50]
	assert.True(t, newest)
}

// TestArticleTableSumsAsTheMerge compares the cosines looked up in an article's table with the
// merge of sparseVector.cosine, bit for bit, for texts of very different lengths.
func TestArticleTableSumsAsTheMerge(t *testing.T) {
	a := Article{ID: 9, Version: 1, Title: "Refunds", Question: "Where is my refund to a frozen card?",
		SimilarQuestions: []string{"refund", "退款到银行卡要多久", "where is my refund to a frozen card"},
		Answer: strings.Repeat("Refunds to a frozen card go back to the wallet within five days. ", 3) +
			"退款会在五个工作日内原路退回到银行卡。 Open Settings > Payments > Refunds to follow one.", Language: "en"}
	var f featurizer
	af := newFeatureCache(defaultFeatureBytes).of(&a, &f)
	require.Len(t, af.texts, 5, "question, three similar questions, the answer")
	for _, q := range []string{"refund frozen card", "退款 银行卡", "settings", "nothing in common xyz", "", "wallet",
		"Where is my refund to a frozen card?"} {
		qv := sparseFeatures(&f, q)
		dots := make([]float64, len(af.texts))
		af.cosines(qv, dots)
		for k, text := range af.texts {
			assert.Equal(t, qv.cosine(sparseFeatures(&f, text.text)), dots[k], "%q against %q", q, text.text)
		}
	}
}
