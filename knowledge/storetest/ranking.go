package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/knowledge"
)

// fixture is one article of the ranking corpus with a hand-made vector per chunk (question,
// similar questions, then title + answer).
type fixture struct {
	article knowledge.Article
	vecs    [][]float32
}

func rankingCorpus() []fixture {
	pub, draft, archived := knowledge.StatusPublished, knowledge.StatusDraft, knowledge.StatusArchived
	return []fixture{
		{newArticle("reset-en", "en", "account", pub, "How do I reset my password?",
			"Open Settings > Account > Password and follow the reset link we email you.",
			"I forgot my password", "password reset link not working"),
			[][]float32{{1, 0, 0, 0}, {0.9, 0.3, 0, 0}, {0.8, 0, 0.45, 0}, {0.6, 0.2, 0.2, 0.1}}},
		{newArticle("reset-zh", "zh", "account", pub, "忘记密码怎么办",
			"在设置-账号-密码中点击重置，我们会发送验证码。", "密码重置"),
			[][]float32{{0.95, 0.1, 0.12, 0}, {0.85, 0, 0.3, 0.2}, {0.5, 0.5, 0, 0}}},
		{newArticle("withdraw-en", "en", "payment", pub, "How do I withdraw my earnings?",
			"Go to Wallet > Withdraw; payouts arrive in 1-3 business days.", "withdraw money to my bank card"),
			[][]float32{{0, 1, 0, 0}, {0.1, 0.9, 0.2, 0}, {0, 0.7, 0.5, 0.1}}},
		{newArticle("withdraw-zh", "zh", "payment", pub, "提现多久到账",
			"提现一般1到3个工作日到账，节假日顺延。", "提现到银行卡要多久", "钱什么时候到账"),
			[][]float32{{0.05, 0.92, 0.1, 0.3}, {0.2, 0.8, 0, 0.4}, {0, 0.6, 0.6, 0.3}, {0.1, 0.85, 0.3, 0}}},
		{newArticle("buffer-en", "en", "live", pub, "Why does my live stream keep buffering?",
			"Check your network, lower the stream quality, then restart the live stream.", "live video lag"),
			[][]float32{{0, 0, 1, 0}, {0.1, 0, 0.9, 0.35}, {0.2, 0.1, 0.8, 0.2}}},
		{newArticle("withdraw-draft", "en", "payment", draft, "How do I withdraw my earnings fast?",
			"Draft: instant payouts are coming.", "withdraw earnings instantly"),
			[][]float32{{0, 1, 0, 0}, {0, 1, 0.05, 0}, {0, 0.9, 0, 0}}},
		{newArticle("reset-archived", "en", "account", archived, "Reset password via email",
			"Archived: use the reset link in the email.", "password reset email"),
			[][]float32{{1, 0, 0, 0}, {0.98, 0.05, 0, 0}, {0.9, 0.1, 0, 0}}},
		{newArticle("buffer-zh", "zh", "live", pub, "直播卡顿怎么办",
			"检查网络，降低直播清晰度后重新开播。", "直播一直转圈"),
			[][]float32{{0.1, 0, 0.95, 0.1}, {0, 0.2, 0.9, 0.3}, {0.3, 0, 0.7, 0.5}}},
		{newArticle("ads-en", "en", "ads", pub, "How much does an ad campaign cost?",
			"You set a daily budget; you pay per thousand views of your ad.", "ad pricing"),
			[][]float32{{0, 0, 0, 1}, {0.2, 0.1, 0, 0.9}, nil}},
		{newArticle("human-en", "en", "general", pub, "How do I contact a human agent?",
			"Type 'talk to a human' in the chat or call support.", "talk to a person", "customer service phone"),
			[][]float32{{0.3, 0.3, 0.3, 0.8}, {0.35, 0.3, 0.25, 0.7}, {0.4, 0.4, 0.1, 0.6}, {0.3, 0.2, 0.4, 0.75}}},
	}
}

// rankingQueries cover the knobs: both sides, one side, MaxTerms, PerSide, Limit, category,
// other weights, duplicate and unknown terms.
func rankingQueries() map[string]knowledge.SearchQuery {
	qs := map[string]knowledge.SearchQuery{}
	qs["en both sides"] = query(knowledge.Tokenize("how do I reset my password"), []float32{0.97, 0.1, 0.05, 0}, "en")
	qs["zh both sides"] = query(knowledge.Tokenize("忘记密码了怎么重置"), []float32{0.9, 0.2, 0.2, 0.1}, "zh")
	q := query(knowledge.Tokenize("withdraw earnings to bank"), []float32{0.05, 0.95, 0.3, 0}, "en")
	q.Category = "payment"
	qs["category"] = q
	qs["lexical only"] = query(knowledge.Tokenize("提现 到账 多久"), nil, "zh")
	qs["vector only"] = query(nil, []float32{0, 0.2, 0.1, 1}, "")
	q = query(knowledge.Tokenize("how do I reset my password on the live stream"), []float32{0.5, 0.1, 0.7, 0.2}, "en")
	q.MaxTerms, q.PerSide, q.Limit = 2, 3, 4
	qs["few terms, short sides"] = q
	q = query(knowledge.Tokenize("password 密码 live 直播 human"), []float32{0.3, 0.3, 0.6, 0.4}, "zh")
	q.K1, q.B, q.RRFK, q.VectorWeight, q.LexicalWeight, q.LanguageBonus = 0.9, 0.4, 10, 2, 0.5, 0.05
	qs["other weights"] = q
	qs["unknown and repeated terms"] = query([]string{"zzz", "password", "password", "qqq", "my"}, nil, "")
	q = query(knowledge.Tokenize("how do I reset my password on the live stream"), []float32{0.5, 0.1, 0.7, 0.2}, "en")
	q.PerSide, q.OmitLexicalOnlySimilarity = 2, true
	qs["lexical-only similarity omitted"] = q
	return qs
}

// testRanking loads the corpus, compares every query with Reference, then changes the corpus
// (update, unpublish, delete, upsert) so the statistics the store maintains are compared too.
func testRanking(t *testing.T, s knowledge.Store) {
	ctx := ctxFor(t)
	require.NoError(t, s.EnsureModel(ctx, testModel))
	corpus := map[int64]Stored{}
	ids := map[string]int64{}
	for _, f := range rankingCorpus() {
		a := f.article
		chunks := chunked(a, f.vecs...)
		require.NoError(t, s.CreateArticle(ctx, &a, chunks))
		corpus[a.ID] = Stored{Article: a, Chunks: chunks}
		ids[a.ExternalID] = a.ID
	}
	compareAll(t, s, corpus, "as loaded")

	// Update: new text and vectors.
	upd := corpus[ids["reset-en"]].Article
	upd.Answer = "Tap Forgot password on the sign-in page; the reset email arrives within a minute."
	upd.SimilarQuestions = []string{"cannot sign in"}
	chunks := chunked(upd, []float32{0.9, 0.1, 0.1, 0.2}, []float32{0.7, 0.3, 0.1, 0.3}, []float32{0.8, 0.2, 0.3, 0})
	require.NoError(t, s.UpdateArticle(ctx, &upd, chunks))
	corpus[upd.ID] = Stored{Article: upd, Chunks: chunks}

	// Unpublish: stays in the statistics, leaves the results.
	unpub := corpus[ids["buffer-zh"]]
	unpub.Article.Status = knowledge.StatusArchived
	require.NoError(t, s.UpdateArticle(ctx, &unpub.Article, unpub.Chunks))
	corpus[unpub.Article.ID] = unpub

	// Delete: leaves both.
	require.NoError(t, s.DeleteArticle(ctx, ids["ads-en"], 0))
	delete(corpus, ids["ads-en"])

	// Upsert: one replaced by external_id, one new.
	repl := newArticle("withdraw-zh", "zh", "payment", knowledge.StatusPublished, "提现多久能到账",
		"提现一般2小时内到账。", "提现什么时候到")
	neu := newArticle("refund-en", "en", "payment", knowledge.StatusPublished, "How do I get a refund?",
		"Open the order and tap Refund; the money returns to your card.", "refund my order")
	replChunks := chunked(repl, []float32{0.1, 0.9, 0.2, 0.25}, []float32{0.15, 0.85, 0.1, 0.35}, []float32{0, 0.65, 0.55, 0.2})
	neuChunks := chunked(neu, []float32{0.2, 0.7, 0.1, 0.6}, []float32{0.25, 0.6, 0.2, 0.55}, []float32{0.1, 0.75, 0.3, 0.5})
	_, err := s.UpsertArticles(ctx, []knowledge.ArticleChunks{{Article: &repl, Chunks: replChunks}, {Article: &neu, Chunks: neuChunks}})
	require.NoError(t, err)
	corpus[repl.ID] = Stored{Article: repl, Chunks: replChunks}
	corpus[neu.ID] = Stored{Article: neu, Chunks: neuChunks}

	compareAll(t, s, corpus, "after changes")
}

func compareAll(t *testing.T, s knowledge.Store, corpus map[int64]Stored, stage string) {
	t.Helper()
	docs := make([]Stored, 0, len(corpus))
	for _, d := range corpus {
		docs = append(docs, d)
	}
	slices.SortFunc(docs, func(a, b Stored) int { return int(a.Article.ID - b.Article.ID) })
	for name, q := range rankingQueries() {
		t.Run(stage+"/"+name, func(t *testing.T) {
			want := Reference(docs, q)
			require.NotEmpty(t, want, "the fixture query finds something")
			requireNoNearTies(t, docs, q)
			got, err := s.Search(ctxFor(t), q)
			require.NoError(t, err)
			AssertSameHits(t, want, got)
		})
	}
}

// AssertSameHits checks that got ranks like want: same articles in the same order with the
// same ranks, shown chunk and scores (to Tolerance).
func AssertSameHits(t testing.TB, want, got []knowledge.Hit) {
	t.Helper()
	require.Equal(t, hitIDs(want), hitIDs(got), "the same articles in the same order")
	for i := range want {
		w, g := want[i], got[i]
		at := fmt.Sprintf("hit %d (article %d)", i, w.Article.ID)
		assert.Equal(t, w.VectorRank, g.VectorRank, "%s: vector rank", at)
		assert.Equal(t, w.LexicalRank, g.LexicalRank, "%s: lexical rank", at)
		assert.InDelta(t, w.Fused, g.Fused, Tolerance, "%s: fused", at)
		assert.InDelta(t, w.Similarity, g.Similarity, Tolerance, "%s: similarity", at)
		assert.InDelta(t, w.LexicalScore, g.LexicalScore, Tolerance, "%s: lexical score", at)
		assert.Equal(t, w.ChunkKind, g.ChunkKind, "%s: chunk kind", at)
		assert.Equal(t, w.ChunkText, g.ChunkText, "%s: chunk text", at)
		assert.Equal(t, w.Article.Version, g.Article.Version, "%s: version", at)
		assert.Equal(t, w.Article.Title, g.Article.Title, "%s: title", at)
	}
}

// requireNoNearTies guards the fixture: ranked values that differ by less than float32
// arithmetic can move would make the comparison flaky rather than wrong, so they must not
// occur. Exact ties are fine (identical vectors, identical term sets): every store breaks them
// the same way.
func requireNoNearTies(t *testing.T, docs []Stored, q knowledge.SearchQuery) {
	t.Helper()
	var sims, scores []float64
	stats := newCorpusStats(docs)
	kept := stats.keep(q.Terms, q.MaxTerms)
	for _, d := range docs {
		if d.Article.Status != knowledge.StatusPublished || (q.Category != "" && d.Article.Category != q.Category) {
			continue
		}
		var own []float64
		if hasDirection(q.Vector) {
			for _, c := range d.Chunks {
				if c.Embedding != nil {
					own = append(own, cosine(c.Embedding, q.Vector))
				}
			}
			if sim, at := bestSimilarity(d.Chunks, q.Vector); at >= 0 {
				sims = append(sims, sim)
			}
		}
		requireApart(t, own, "chunk similarities of article %d", d.Article.ID)
		if sc, at := stats.best(d.Chunks, kept, q.K1, q.B); at >= 0 {
			scores = append(scores, sc)
		}
	}
	requireApart(t, sims, "article similarities")
	requireApart(t, scores, "article lexical scores")
}

func requireApart(t *testing.T, values []float64, what string, args ...any) {
	t.Helper()
	values = slices.Clone(values)
	slices.Sort(values)
	for i := 1; i < len(values); i++ {
		gap := values[i] - values[i-1]
		if gap > 0 && gap < 1e-5 {
			require.Failf(t, "near tie in the fixture", "%s: %v vs %v; change the fixture", fmt.Sprintf(what, args...), values[i-1], values[i])
		}
	}
}
