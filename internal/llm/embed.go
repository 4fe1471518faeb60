package llm

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync/atomic"

	openai "github.com/sashabaranov/go-openai"
)

// Embedder turns texts into unit-length vectors with the server's embedding model. Its method
// set matches knowledge.Embedder. Safe for concurrent use.
type Embedder struct {
	c     *Client
	model string
	// dims is the configured dimension, or the one learned from the server; 0 until known.
	dims atomic.Int64
	// shorten asks the server for the configured dimension, which only some models can honour.
	shorten bool
}

func newEmbedder(c *Client) *Embedder {
	e := &Embedder{
		c:     c,
		model: c.cfg.EmbeddingModel,
		// Other servers reject or ignore "dimensions"; for them the configured value is a check.
		shorten: c.cfg.EmbeddingDimensions > 0 && strings.HasPrefix(c.cfg.EmbeddingModel, "text-embedding-3"),
	}
	e.dims.Store(int64(c.cfg.EmbeddingDimensions))
	return e
}

// Model names the model as the store records it, so vectors of two providers never mix.
func (e *Embedder) Model() string { return "openai:" + e.model }

// Dimensions is the configured dimension, or the one learned by Probe (0 before that).
func (e *Embedder) Dimensions() int { return int(e.dims.Load()) }

// Probe embeds one short text: it learns the dimension when none was configured and otherwise
// checks that the server agrees with it. Call it at start-up, before Dimensions is recorded.
func (e *Embedder) Probe(ctx context.Context) error {
	_, err := e.Embed(ctx, []string{"dimension probe"})
	return err
}

// Embed returns one unit-length vector per text, in the order of texts. Texts are sent in
// batches of Config.EmbedBatch; a vector of another length than Dimensions is an error.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	for i, t := range texts {
		if strings.TrimSpace(t) == "" {
			return nil, fmt.Errorf("llm: embed: texts[%d]: empty text: %w", i, ErrBadRequest)
		}
	}
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += e.c.cfg.EmbedBatch {
		batch := texts[start:min(start+e.c.cfg.EmbedBatch, len(texts))]
		vecs, err := e.embedBatch(ctx, batch)
		if err != nil {
			return nil, err
		}
		out = append(out, vecs...)
	}
	return out, nil
}

func (e *Embedder) embedBatch(ctx context.Context, batch []string) ([][]float32, error) {
	req := openai.EmbeddingRequest{Input: batch, Model: openai.EmbeddingModel(e.model)}
	if e.shorten {
		req.Dimensions = e.Dimensions()
	}
	var vecs [][]float32
	err := e.c.do(ctx, "embed", func(ctx context.Context, _ *idleTimer) error {
		resp, err := e.c.api.CreateEmbeddings(ctx, req)
		if err != nil {
			return err
		}
		vecs, err = e.collect(resp.Data, len(batch))
		return err
	}, nil)
	return vecs, err
}

// collect puts the vectors back in input order (servers may answer in any order and say
// where each belongs by index), checks their dimension and normalises them.
func (e *Embedder) collect(data []openai.Embedding, n int) ([][]float32, error) {
	if len(data) != n {
		return nil, &badResponse{msg: fmt.Sprintf("embeddings: got %d vectors for %d texts", len(data), n), retry: true}
	}
	out := make([][]float32, n)
	for _, d := range data {
		if d.Index < 0 || d.Index >= n || out[d.Index] != nil {
			return nil, &badResponse{msg: fmt.Sprintf("embeddings: index %d is out of range or repeated", d.Index), retry: true}
		}
		if err := e.checkDimensions(len(d.Embedding)); err != nil {
			return nil, err
		}
		v, ok := normalize(d.Embedding)
		if !ok {
			return nil, &badResponse{msg: fmt.Sprintf("embeddings: vector %d has no direction (zero or not finite)", d.Index)}
		}
		out[d.Index] = v
	}
	return out, nil
}

func (e *Embedder) checkDimensions(got int) error {
	if got == 0 {
		return &badResponse{msg: "embeddings: empty vector", retry: true}
	}
	// The first vector seen fixes an unconfigured dimension; concurrent learners agree or fail.
	e.dims.CompareAndSwap(0, int64(got))
	if want := e.Dimensions(); got != want {
		return &badResponse{msg: fmt.Sprintf("embeddings: model %q returned %d dimensions, want %d "+
			"(wrong model, or the store needs a reindex)", e.model, got, want)}
	}
	return nil
}

// normalize returns v scaled to unit length, so cosine distance and dot product agree whatever
// the server sends.
func normalize(v []float32) ([]float32, bool) {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	norm := math.Sqrt(sum)
	if norm == 0 || math.IsNaN(norm) || math.IsInf(norm, 0) {
		return nil, false
	}
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(float64(x) / norm)
	}
	return out, true
}
