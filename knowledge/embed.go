package knowledge

import "context"

// Embedder turns texts into vectors. The local hashed n-gram embedder and the
// OpenAI-compatible client in internal/llm both satisfy it.
type Embedder interface {
	// Model names the model; together with Dimensions it is recorded by the store.
	Model() string
	Dimensions() int
	// Embed returns one unit-length vector per text, in order.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}
