package knowledge_test

import (
	"context"
	"encoding/binary"
	"hash/fnv"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/knowledge"
)

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func cosine(a, b []float32) float64 {
	var dot float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
	}
	return dot / (norm(a) * norm(b))
}

func TestLocalEmbedder(t *testing.T) {
	ctx := context.Background()
	e := knowledge.NewLocalEmbedder(0)
	assert.Equal(t, knowledge.DefaultLocalDimensions, e.Dimensions())
	assert.Equal(t, "local-ngram-v1", e.Model())
	assert.Equal(t, 64, knowledge.NewLocalEmbedder(64).Dimensions())

	texts := []string{"How do I top up my card?", "", "？！…", "花呗怎么还款", "How do I top up my card?"}
	vecs, err := e.Embed(ctx, texts)
	require.NoError(t, err)
	require.Len(t, vecs, len(texts))
	for i, v := range vecs {
		assert.Len(t, v, e.Dimensions())
		assert.InDelta(t, 1, norm(v), 1e-5, "text %q", texts[i])
	}
	assert.Equal(t, vecs[0], vecs[4], "deterministic")

	again, err := e.Embed(ctx, texts[:1])
	require.NoError(t, err)
	assert.Equal(t, vecs[0], again[0], "the same across calls")

	vecs[0] = append(vecs[0], 42)
	assert.NotEqual(t, float32(42), vecs[1][0], "vectors do not share room to grow")

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = e.Embed(cancelled, texts)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestLocalEmbedderBringsParaphrasesClose(t *testing.T) {
	ctx := context.Background()
	e := knowledge.NewLocalEmbedder(0)
	tests := []struct {
		name             string
		query, near, far string
	}{
		{"english inflections", "my card payment was declined", "Why are card payments being declined?", "How do I change my PIN?"},
		{"english contraction", "the transfer isn't showing", "transfer not showing up", "exchange rate for euros"},
		{"chinese characters", "花呗怎么还款", "花呗如何还钱", "借呗额度提升"},
		{"full width", "ＶＩＰ会员", "vip会员", "退款到账"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := e.Embed(ctx, []string{tt.query, tt.near, tt.far})
			require.NoError(t, err)
			assert.Greater(t, cosine(v[0], v[1]), cosine(v[0], v[2]))
		})
	}
}

// TestLocalEmbedderOutputIsPinned guards the promise of Model: the same name, the same
// vectors. Stores keep vectors across releases; if this checksum changes, the new vectors
// would be compared with old ones. Bump localModel (local-ngram-vN) and then the checksum.
func TestLocalEmbedderOutputIsPinned(t *testing.T) {
	vecs, err := knowledge.NewLocalEmbedder(0).Embed(context.Background(), []string{
		"How do I top up my card? It isn't working!", "花呗为啥不能用了", "VIP会员 1,000元", "",
	})
	require.NoError(t, err)
	h := fnv.New64a()
	for _, v := range vecs {
		for _, x := range v {
			require.NoError(t, binary.Write(h, binary.LittleEndian, math.Float32bits(x)))
		}
	}
	assert.Equal(t, "local-ngram-v1", knowledge.NewLocalEmbedder(0).Model())
	assert.Equal(t, uint64(0x386c47a3a5055097), h.Sum64(), "the local embedder's output changed: bump its model version")
}

func BenchmarkLocalEmbedQuestion(b *testing.B) {
	benchmarkEmbed(b, []string{"Why was my card payment declined at the shop yesterday?", "花呗分期付款后可以提前还款吗"})
}

func BenchmarkLocalEmbedAnswerChunk(b *testing.B) {
	en := strings.Repeat("If a card payment is declined, check the balance and the card status in the app, then try again. ", 4)
	zh := strings.Repeat("如果付款失败，请先在应用里查看余额和卡片状态，然后再试一次。", 6)
	benchmarkEmbed(b, []string{en, zh})
}

func benchmarkEmbed(b *testing.B, texts []string) {
	ctx := context.Background()
	e := knowledge.NewLocalEmbedder(0)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Embed(ctx, texts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(texts))/b.Elapsed().Seconds(), "texts/s")
}
