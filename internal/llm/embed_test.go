package llm_test

import (
	"context"
	"math"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faqbot/faqbot/internal/llm"
)

// embedder mirrors knowledge.Embedder without importing it (internal/llm imports no faqbot
// package); cmd holds the real compile-time check.
type embedder interface {
	Model() string
	Dimensions() int
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

var _ embedder = (*llm.Embedder)(nil)

// vectorFor gives text i a distinct, not yet normalised vector: [i+1, 0, ..., 0, 2] of dims.
func vectorFor(i, dims int) []float64 {
	v := make([]float64, dims)
	v[0] = float64(i + 1)
	v[dims-1] = 2
	return v
}

// embedServer answers each input with vectorFor(its position), in the order given by order
// (a permutation of the batch positions) and with dims dimensions.
func embedServer(t *testing.T, dims int, order func(n int) []int) *fakeServer {
	var f *fakeServer
	f = newFake(t, "/v1/embeddings", func(w http.ResponseWriter, _ *http.Request, call int) {
		body := f.body(t, call-1)
		inputs, _ := body["input"].([]any)
		var data []any
		for _, i := range order(len(inputs)) {
			data = append(data, map[string]any{"object": "embedding", "index": i, "embedding": vectorFor(i, dims)})
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"object": "list", "data": data, "model": "test-embed",
			"usage": map[string]any{"prompt_tokens": 3, "total_tokens": 3},
		})
	})
	return f
}

func reversed(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = n - 1 - i
	}
	return out
}

func inOrder(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func TestEmbedRestoresOrderAndNormalises(t *testing.T) {
	f := embedServer(t, 3, reversed)
	cfg := testConfig(f.URL)
	cfg.EmbeddingDimensions = 3
	cfg.EmbedBatch = 2
	e := newClient(t, cfg).Embedder()
	texts := []string{"a", "b", "c", "d", "e"}

	vecs, err := e.Embed(context.Background(), texts)
	require.NoError(t, err)

	require.Len(t, vecs, len(texts))
	assert.Equal(t, int32(3), f.calls.Load(), "5 texts in batches of 2")
	for i, v := range vecs {
		batchPos := i % 2 // the server numbers inputs within each batch
		x := float64(batchPos + 1)
		norm := math.Sqrt(x*x + 4)
		assert.InDeltaSlice(t, []float32{float32(x / norm), 0, float32(2 / norm)}, v, 1e-6, "vector %d", i)
		assert.InDelta(t, 1.0, l2(v), 1e-6)
	}
	assert.Equal(t, []any{"a", "b"}, f.body(t, 0)["input"])
	assert.Equal(t, []any{"e"}, f.body(t, 2)["input"])
	assert.Equal(t, "test-embed", f.body(t, 0)["model"])
	assert.NotContains(t, f.body(t, 0), "dimensions", "only text-embedding-3 models are asked to shorten")
}

func TestEmbedAsksShorteningModelsForTheDimension(t *testing.T) {
	f := embedServer(t, 4, inOrder)
	cfg := testConfig(f.URL)
	cfg.EmbeddingModel = "text-embedding-3-small"
	cfg.EmbeddingDimensions = 4
	e := newClient(t, cfg).Embedder()
	_, err := e.Embed(context.Background(), []string{"x"})
	require.NoError(t, err)
	assert.Equal(t, float64(4), f.body(t, 0)["dimensions"])
	assert.Equal(t, "openai:text-embedding-3-small", e.Model())
}

func TestEmbedProbeLearnsDimensions(t *testing.T) {
	f := embedServer(t, 5, inOrder)
	e := newClient(t, testConfig(f.URL)).Embedder()
	assert.Equal(t, "openai:test-embed", e.Model())
	assert.Equal(t, 0, e.Dimensions())

	require.NoError(t, e.Probe(context.Background()))
	assert.Equal(t, 5, e.Dimensions())
	assert.Equal(t, int32(1), f.calls.Load())
}

func TestEmbedFailures(t *testing.T) {
	tests := []struct {
		name       string
		configured int // when set, the server answers with one dimension more
		handle     handleFunc
		texts      []string
		wantErr    []error
		wantMsg    string
		wantCalls  int32
	}{
		{
			name:       "wrong dimension is not retried",
			configured: 3,
			wantErr:    []error{llm.ErrBadResponse},
			wantMsg:    "returned 4 dimensions, want 3",
			wantCalls:  1,
		},
		{
			name: "missing vector",
			handle: func(w http.ResponseWriter, _ *http.Request, _ int) {
				writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": []any{
					map[string]any{"object": "embedding", "index": 0, "embedding": []float64{1, 0}},
				}})
			},
			texts:     []string{"a", "b"},
			wantErr:   []error{llm.ErrUnavailable, llm.ErrBadResponse},
			wantMsg:   "got 1 vectors for 2 texts",
			wantCalls: 3,
		},
		{
			name: "repeated index",
			handle: func(w http.ResponseWriter, _ *http.Request, _ int) {
				v := map[string]any{"object": "embedding", "index": 0, "embedding": []float64{1, 0}}
				writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": []any{v, v}})
			},
			texts:     []string{"a", "b"},
			wantErr:   []error{llm.ErrBadResponse},
			wantMsg:   "index 0 is out of range or repeated",
			wantCalls: 3,
		},
		{
			name: "zero vector",
			handle: func(w http.ResponseWriter, _ *http.Request, _ int) {
				writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": []any{
					map[string]any{"object": "embedding", "index": 0, "embedding": []float64{0, 0}},
				}})
			},
			wantErr:   []error{llm.ErrBadResponse},
			wantMsg:   "no direction",
			wantCalls: 1,
		},
		{
			name:      "empty text",
			texts:     []string{"ok", "  "},
			wantErr:   []error{llm.ErrBadRequest},
			wantMsg:   "texts[1]",
			wantCalls: 0,
		},
		{
			name:      "429 forever",
			handle:    apiError(http.StatusTooManyRequests, "requests", "rate_limit_exceeded", "slow down"),
			wantErr:   []error{llm.ErrUnavailable},
			wantCalls: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f *fakeServer
			if tt.configured > 0 {
				f = embedServer(t, tt.configured+1, inOrder)
			} else {
				handle := tt.handle
				if handle == nil {
					handle = func(w http.ResponseWriter, _ *http.Request, _ int) { writeJSON(w, http.StatusOK, nil) }
				}
				f = newFake(t, "/v1/embeddings", handle)
			}
			cfg := testConfig(f.URL)
			cfg.EmbeddingDimensions = tt.configured
			texts := tt.texts
			if texts == nil {
				texts = []string{"a"}
			}
			vecs, err := newClient(t, cfg).Embedder().Embed(context.Background(), texts)

			require.Error(t, err)
			assert.Nil(t, vecs)
			for _, want := range tt.wantErr {
				assert.ErrorIs(t, err, want)
			}
			assert.Contains(t, err.Error(), tt.wantMsg)
			assert.Equal(t, tt.wantCalls, f.calls.Load())
		})
	}
}

func TestEmbedNothing(t *testing.T) {
	f := embedServer(t, 3, inOrder)
	vecs, err := newClient(t, testConfig(f.URL)).Embedder().Embed(context.Background(), nil)
	require.NoError(t, err)
	assert.Empty(t, vecs)
	assert.Zero(t, f.calls.Load())
}

func l2(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}
