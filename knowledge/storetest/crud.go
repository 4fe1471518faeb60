package storetest

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/knowledge"
)

func testCreateAndGet(t *testing.T, s knowledge.Store) {
	ctx := ctxFor(t)
	a := newArticle("kb-1", "en", "account", knowledge.StatusPublished, "How do I reset my password?",
		"Open Settings > Account > Password.", "I forgot my password", "密码 重置")
	before := knowledge.Now()
	require.NoError(t, s.CreateArticle(ctx, &a, chunked(a, axis(0, 0))))
	assert.Positive(t, a.ID)
	assert.Equal(t, 1, a.Version)
	assert.False(t, a.CreatedAt.Before(before), "created_at is set by the store")
	assert.True(t, a.CreatedAt.Equal(a.UpdatedAt))

	got, err := s.GetArticle(ctx, a.ID)
	require.NoError(t, err)
	assertSameArticle(t, a, got)

	// Empty lists come back empty, not nil, whatever the store keeps.
	bare := newArticle("", "zh", "general", knowledge.StatusDraft, "怎么联系客服", "点击右上角的客服按钮。")
	bare.Tags = nil
	require.NoError(t, s.CreateArticle(ctx, &bare, nil))
	got, err = s.GetArticle(ctx, bare.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{}, got.Tags)
	assert.Equal(t, []string{}, got.SimilarQuestions)
	assert.Empty(t, got.ExternalID)
	assert.Greater(t, bare.ID, a.ID, "ids grow")

	// Articles without external_id never conflict with each other.
	another := newArticle("", "en", "general", knowledge.StatusDraft, "Second without id", "Fine.")
	require.NoError(t, s.CreateArticle(ctx, &another, nil))

	tests := []struct {
		name string
		err  error
		do   func() error
	}{
		{"unknown id", knowledge.ErrNotFound, func() error { _, err := s.GetArticle(ctx, a.ID+1000); return err }},
		{"duplicate external_id", knowledge.ErrConflict, func() error {
			dup := newArticle("kb-1", "en", "general", knowledge.StatusDraft, "Another question", "Another answer.")
			return s.CreateArticle(ctx, &dup, nil)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.ErrorIs(t, tc.do(), tc.err)
		})
	}
	n, err := s.CountArticles(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, n, "the refused duplicate was not written")
}

func testUpdate(t *testing.T, s knowledge.Store) {
	ctx := ctxFor(t)
	v1 := create(t, s, newArticle("kb-1", "en", "account", knowledge.StatusDraft, "How do I log out?", "Tap Log out."), nil)
	other := create(t, s, newArticle("kb-2", "en", "account", knowledge.StatusDraft, "How do I log in?", "Tap Log in."), nil)

	v2 := v1
	v2.Answer = "Open Me > Settings > Log out."
	v2.Status = knowledge.StatusPublished
	require.NoError(t, s.UpdateArticle(ctx, &v2, chunked(v2, axis(1, 0))))
	assert.Equal(t, 2, v2.Version)
	assert.True(t, v2.CreatedAt.Equal(v1.CreatedAt), "created_at stays")
	assert.False(t, v2.UpdatedAt.Before(v1.UpdatedAt))

	v3 := v2
	v3.Title = "Logging out"
	require.NoError(t, s.UpdateArticle(ctx, &v3, nil))
	assert.Equal(t, 3, v3.Version)

	got, err := s.GetArticle(ctx, v1.ID)
	require.NoError(t, err)
	assertSameArticle(t, v3, got)

	history, err := s.History(ctx, v1.ID)
	require.NoError(t, err)
	require.Len(t, history, 2, "the earlier versions, newest first")
	assertSameArticle(t, v2, history[0])
	assertSameArticle(t, v1, history[1])

	none, err := s.History(ctx, other.ID)
	require.NoError(t, err)
	assert.Empty(t, none, "a first version has no history")

	tests := []struct {
		name string
		edit func(a *knowledge.Article)
		want error
	}{
		{"stale version", func(a *knowledge.Article) { a.Version = 2 }, knowledge.ErrConflict},
		{"unknown id", func(a *knowledge.Article) { a.ID += 1000 }, knowledge.ErrNotFound},
		{"external_id of another article", func(a *knowledge.Article) { a.ExternalID = "kb-2" }, knowledge.ErrConflict},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := v3
			tc.edit(&a)
			a.Answer = "must not be written"
			assert.ErrorIs(t, s.UpdateArticle(ctx, &a, nil), tc.want)
			got, err := s.GetArticle(ctx, v1.ID)
			require.NoError(t, err)
			assert.Equal(t, v3.Answer, got.Answer)
			assert.Equal(t, 3, got.Version)
		})
	}
	_, err = s.History(ctx, v1.ID+1000)
	assert.ErrorIs(t, err, knowledge.ErrNotFound)
}

func testConcurrentUpdates(t *testing.T, s knowledge.Store) {
	ctx := ctxFor(t)
	base := create(t, s, newArticle("", "en", "general", knowledge.StatusPublished, "Race?", "Start."), nil)
	const editors = 6
	errs := make([]error, editors)
	var wg sync.WaitGroup
	for i := range editors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := base
			a.Answer = "Edit by one editor."
			errs[i] = s.UpdateArticle(ctx, &a, chunked(a, axis(i, 0)))
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
			continue
		}
		assert.ErrorIs(t, err, knowledge.ErrConflict)
	}
	assert.Equal(t, 1, won, "editors of the same version: exactly one wins")
	got, err := s.GetArticle(ctx, base.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, got.Version)
}

func testDelete(t *testing.T, s knowledge.Store) {
	ctx := ctxFor(t)
	a := create(t, s, newArticle("kb-1", "en", "general", knowledge.StatusPublished, "Delete me", "Gone soon."), nil)
	b := create(t, s, newArticle("kb-2", "en", "general", knowledge.StatusPublished, "Delete me too", "Gone soon."), nil)
	b2 := b
	require.NoError(t, s.UpdateArticle(ctx, &b2, nil))

	assert.ErrorIs(t, s.DeleteArticle(ctx, a.ID, 2), knowledge.ErrConflict, "a stale version")
	assert.ErrorIs(t, s.DeleteArticle(ctx, a.ID+1000, 0), knowledge.ErrNotFound)
	require.NoError(t, s.DeleteArticle(ctx, a.ID, 1))
	require.NoError(t, s.DeleteArticle(ctx, b.ID, 0), "version 0 deletes whatever is current")

	for _, id := range []int64{a.ID, b.ID} {
		_, err := s.GetArticle(ctx, id)
		assert.ErrorIs(t, err, knowledge.ErrNotFound)
		assert.ErrorIs(t, s.DeleteArticle(ctx, id, 0), knowledge.ErrNotFound)
	}
	n, err := s.CountArticles(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)

	// The external id is free again.
	again := newArticle("kb-1", "en", "general", knowledge.StatusDraft, "Back again", "Yes.")
	require.NoError(t, s.CreateArticle(ctx, &again, nil))
	assert.NotEqual(t, a.ID, again.ID, "ids are not reused")
}

func testList(t *testing.T, s knowledge.Store) {
	ctx := ctxFor(t)
	var ids []int64
	for _, a := range []knowledge.Article{
		newArticle("", "en", "account", knowledge.StatusPublished, "How do I change my PASSWORD?", "Settings."),
		newArticle("", "zh", "account", knowledge.StatusDraft, "如何修改密码", "在设置中修改。"),
		newArticle("", "en", "payment", knowledge.StatusPublished, "Refund policy", "Within 7 days."),
		newArticle("", "en", "account", knowledge.StatusArchived, "Old password rules", "Obsolete."),
		newArticle("", "zh", "payment", knowledge.StatusPublished, "退款多久到账", "3个工作日。"),
	} {
		ids = append(ids, create(t, s, a, nil).ID)
	}
	tests := []struct {
		name string
		f    knowledge.ListFilter
		want []int64
		more bool
	}{
		{"all", knowledge.ListFilter{Limit: 10}, ids, false},
		{"first page", knowledge.ListFilter{Limit: 2}, ids[:2], true},
		{"second page", knowledge.ListFilter{Limit: 2, AfterID: ids[1]}, ids[2:4], true},
		{"last page", knowledge.ListFilter{Limit: 2, AfterID: ids[3]}, ids[4:], false},
		{"exact fit has no next page", knowledge.ListFilter{Limit: 5}, ids, false},
		{"category", knowledge.ListFilter{Limit: 10, Category: "payment"}, []int64{ids[2], ids[4]}, false},
		{"status", knowledge.ListFilter{Limit: 10, Status: knowledge.StatusPublished}, []int64{ids[0], ids[2], ids[4]}, false},
		{"language", knowledge.ListFilter{Limit: 10, Language: "zh"}, []int64{ids[1], ids[4]}, false},
		{"query ignores case", knowledge.ListFilter{Limit: 10, Query: "password"}, []int64{ids[0], ids[3]}, false},
		{"query in Chinese", knowledge.ListFilter{Limit: 10, Query: "密码"}, []int64{ids[1]}, false},
		{"filters combine", knowledge.ListFilter{Limit: 10, Category: "account", Status: knowledge.StatusPublished, Language: "en"}, ids[:1], false},
		{"filtered pages", knowledge.ListFilter{Limit: 1, Category: "account"}, ids[:1], true},
		{"filtered next page", knowledge.ListFilter{Limit: 1, Category: "account", AfterID: ids[0]}, ids[1:2], true},
		{"nothing matches", knowledge.ListFilter{Limit: 10, Query: "nowhere"}, []int64{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, more, err := s.ListArticles(ctx, tc.f)
			require.NoError(t, err)
			gotIDs := []int64{}
			for _, a := range got {
				gotIDs = append(gotIDs, a.ID)
			}
			assert.Equal(t, tc.want, gotIDs)
			assert.Equal(t, tc.more, more)
		})
	}
	_, _, err := s.ListArticles(ctx, knowledge.ListFilter{Limit: 0})
	assert.ErrorIs(t, err, knowledge.ErrInvalid, "a limit below 1")
}

func testUpsert(t *testing.T, s knowledge.Store) {
	ctx := ctxFor(t)
	require.NoError(t, s.EnsureModel(ctx, testModel))
	old := create(t, s, newArticle("kb-1", "en", "payment", knowledge.StatusPublished, "How do I pay?", "By card."), nil)

	upd := newArticle("kb-1", "en", "payment", knowledge.StatusPublished, "How do I pay?", "By card or wallet.")
	fresh := newArticle("kb-2", "zh", "payment", knowledge.StatusPublished, "怎么付款", "用银行卡或钱包。")
	noExt := newArticle("", "en", "general", knowledge.StatusDraft, "No external id", "Always created.")
	items := []knowledge.ArticleChunks{
		{Article: &upd, Chunks: chunked(upd, axis(0, 1))},
		{Article: &fresh, Chunks: chunked(fresh, axis(1, 1), axis(2, 1))},
		{Article: &noExt, Chunks: nil},
	}
	res, err := s.UpsertArticles(ctx, items)
	require.NoError(t, err)
	require.Len(t, res, 3)
	assert.Equal(t, knowledge.UpsertResult{ID: old.ID, Created: false}, res[0], "an existing external_id is replaced")
	assert.True(t, res[1].Created)
	assert.True(t, res[2].Created)
	assert.NotEqual(t, res[1].ID, res[2].ID)

	assert.Equal(t, old.ID, upd.ID, "the items carry the stored ids and versions")
	assert.Equal(t, 2, upd.Version)
	assert.True(t, upd.CreatedAt.Equal(old.CreatedAt))
	assert.Equal(t, res[1].ID, fresh.ID)
	assert.Equal(t, 1, fresh.Version)

	for _, want := range []knowledge.Article{upd, fresh, noExt} {
		got, err := s.GetArticle(ctx, want.ID)
		require.NoError(t, err)
		assertSameArticle(t, want, got)
	}
	history, err := s.History(ctx, old.ID)
	require.NoError(t, err)
	require.Len(t, history, 1)
	assertSameArticle(t, old, history[0])

	// The replaced article is found by its new text only.
	hits, err := s.Search(ctx, lexicalQuery([]string{"wallet"}))
	require.NoError(t, err)
	require.Len(t, hits, 1)
	assert.Equal(t, old.ID, hits[0].Article.ID)

	empty, err := s.UpsertArticles(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, empty)
}

func testUpsertAllOrNothing(t *testing.T, s knowledge.Store) {
	ctx := ctxFor(t)
	require.NoError(t, s.EnsureModel(ctx, testModel))
	keep := create(t, s, newArticle("kb-1", "en", "payment", knowledge.StatusPublished, "How do I pay?", "By card."),
		chunked(newArticle("kb-1", "en", "payment", knowledge.StatusPublished, "How do I pay?", "By card."), axis(0, 0)))

	good := func() *knowledge.Article {
		a := newArticle("kb-new", "en", "general", knowledge.StatusPublished, "Brand new", "Should not stay.")
		return &a
	}
	replace := func() *knowledge.Article {
		a := newArticle("kb-1", "en", "payment", knowledge.StatusPublished, "How do I pay?", "Changed answer must not stay.")
		return &a
	}
	tests := []struct {
		name  string
		items func() []knowledge.ArticleChunks
		want  error
	}{
		{"a vector of another dimension", func() []knowledge.ArticleChunks {
			g, r := good(), replace()
			bad := newArticle("kb-bad", "en", "general", knowledge.StatusPublished, "Bad vector", "Three dimensions.")
			return []knowledge.ArticleChunks{
				{Article: g, Chunks: chunked(*g, axis(0, 0))},
				{Article: r, Chunks: chunked(*r, axis(1, 0))},
				{Article: &bad, Chunks: chunked(bad, []float32{1, 0, 0})},
			}
		}, knowledge.ErrModelMismatch},
		{"one external_id twice", func() []knowledge.ArticleChunks {
			g, r, r2 := good(), replace(), replace()
			return []knowledge.ArticleChunks{{Article: g}, {Article: r}, {Article: r2}}
		}, knowledge.ErrConflict},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			items := tc.items()
			_, err := s.UpsertArticles(ctx, items)
			assert.ErrorIs(t, err, tc.want)

			n, err := s.CountArticles(ctx)
			require.NoError(t, err)
			assert.Equal(t, 1, n, "nothing was created")
			got, err := s.GetArticle(ctx, keep.ID)
			require.NoError(t, err)
			assertSameArticle(t, keep, got, "nothing was replaced")
			history, err := s.History(ctx, keep.ID)
			require.NoError(t, err)
			assert.Empty(t, history)
			assert.Zero(t, items[0].Article.ID, "a failed upsert hands out no id")

			hits, err := s.Search(ctx, lexicalQuery([]string{"should", "changed", "pay"}))
			require.NoError(t, err)
			require.Len(t, hits, 1, "the index holds only what was committed")
			assert.Equal(t, keep.ID, hits[0].Article.ID)
		})
	}
}
