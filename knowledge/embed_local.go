package knowledge

import (
	"context"
	"math"
	"unicode/utf8"
)

// DefaultLocalDimensions is the vector size of the local embedder when none is configured. It
// is the dimension of the pgvector column, so it stays well below HNSW's limit of 2000.
const DefaultLocalDimensions = 384

// localModel names the local embedder's output. Bump the version whenever a change alters
// any vector (features, weights, hashing), so that stores holding old vectors ask for
// `faqbot reindex` instead of mixing two spaces.
const localModel = "local-ngram-v1"

// LocalEmbedder maps a text to a vector offline and deterministically: the text's words (as
// Tokens normalises them), pairs of neighbouring words, character trigrams of words, and the
// characters and character pairs of Chinese (and other scripts written without spaces) are
// weighted, hashed into signed buckets (feature hashing), and the vector scaled to unit length.
// It knows no synonyms; it brings two wordings of a question close when they share words,
// word stems or characters, and it is fast.
type LocalEmbedder struct {
	dims int
}

var _ Embedder = (*LocalEmbedder)(nil)

// NewLocalEmbedder returns an embedder of dims dimensions (DefaultLocalDimensions when dims
// < 1).
func NewLocalEmbedder(dims int) *LocalEmbedder {
	if dims < 1 {
		dims = DefaultLocalDimensions
	}
	return &LocalEmbedder{dims: dims}
}

// Model implements Embedder.
func (e *LocalEmbedder) Model() string { return localModel }

// Dimensions implements Embedder.
func (e *LocalEmbedder) Dimensions() int { return e.dims }

// Embed implements Embedder. All vectors share one allocation.
func (e *LocalEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	backing := make([]float32, len(texts)*e.dims)
	out := make([][]float32, len(texts))
	var f featurizer
	for i, t := range texts {
		v := backing[i*e.dims : (i+1)*e.dims : (i+1)*e.dims]
		f.run(t)
		f.project(v)
		out[i] = v
	}
	return out, nil
}

// Feature weights, tuned with `faqbot eval` (docs/quality.md). Each feature counts once per
// text however often it occurs: for short questions presence matters, repetition is noise.
// Chinese characters weigh more than character pairs: paraphrases share characters far more
// often than they share pairs. Function words and characters count for less.
const (
	weightWord         = 1.0
	weightWordPair     = 0.25
	weightWordGram     = 0.25
	weightChar         = 1.0
	weightCharPair     = 0.4
	weightFunctionWord = 0.2 // multiplies the weight of a function word
	weightFunctionChar = 0.5 // ... of a function character, or a pair of them
)

// Feature kinds salt the hash so that equal strings of different kinds land apart.
const (
	saltWord byte = iota + 1
	saltWordPair
	saltWordGram
	saltChar
	saltCharPair
)

// feature is one hashed feature of a text and its weight.
type feature struct {
	hash   uint64
	weight float32
}

// featurizer collects the distinct features of one text, in the order they occur, so that
// projecting them sums in a fixed order and the vector is the same bit for bit every time.
type featurizer struct {
	feats    []feature
	seen     map[uint64]struct{}
	prevWord string
	gramBuf  [64]byte
}

// run replaces the collected features with those of text.
func (f *featurizer) run(text string) {
	if f.seen == nil {
		f.seen = make(map[uint64]struct{}, 128)
		f.feats = make([]feature, 0, 128)
	}
	clear(f.seen)
	f.feats = f.feats[:0]
	f.prevWord = ""
	scanTokens(text, f.add)
}

func (f *featurizer) add(t token) {
	switch t.kind {
	case tokWord:
		w := weightWord
		if functionWords[t.text] {
			w *= weightFunctionWord
		}
		f.put(saltWord, t.text, "", w)
		if f.prevWord != "" {
			f.put(saltWordPair, f.prevWord, t.text, weightWordPair)
		}
		f.prevWord = t.text
		f.addGrams(t.raw)
	case tokChar:
		w := weightChar
		if functionChars[t.text] {
			w *= weightFunctionChar
		}
		f.put(saltChar, t.text, "", w)
		f.prevWord = ""
	case tokBigram:
		w := weightCharPair
		if isFunctionPair(t.text) {
			w *= weightFunctionChar
		}
		f.put(saltCharPair, t.text, "", w)
	}
}

// addGrams adds the character trigrams of "<word>", so that "refund" and "refunded" or a
// misspelt "refnd" still share features. Words too long for the buffer are not real words.
func (f *featurizer) addGrams(raw string) {
	if len(raw)+2 > len(f.gramBuf) {
		return
	}
	b := f.gramBuf[:0]
	b = append(b, '<')
	b = append(b, raw...)
	b = append(b, '>')
	for i := 0; i+3 <= len(b); i++ {
		f.putBytes(saltWordGram, b[i:i+3], weightWordGram)
	}
}

func (f *featurizer) put(salt byte, a, b string, w float64) {
	h := fnvOffset ^ uint64(salt)
	h *= fnvPrime
	for i := 0; i < len(a); i++ {
		h = (h ^ uint64(a[i])) * fnvPrime
	}
	if b != "" {
		h = (h ^ ' ') * fnvPrime
		for i := 0; i < len(b); i++ {
			h = (h ^ uint64(b[i])) * fnvPrime
		}
	}
	f.bump(h, w)
}

func (f *featurizer) putBytes(salt byte, a []byte, w float64) {
	h := fnvOffset ^ uint64(salt)
	h *= fnvPrime
	for _, c := range a {
		h = (h ^ uint64(c)) * fnvPrime
	}
	f.bump(h, w)
}

// bump records the feature h once; later occurrences are ignored.
func (f *featurizer) bump(h uint64, w float64) {
	if _, dup := f.seen[h]; dup {
		return
	}
	f.seen[h] = struct{}{}
	f.feats = append(f.feats, feature{hash: mix(h), weight: float32(w)})
}

// mix spreads the bits of an FNV hash, whose low bits are weak, over the whole word.
func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}

// project hashes the features into v (signed buckets: collisions cancel out on average
// instead of piling up) and scales it to unit length. A text without any feature, or whose
// features cancelled out, gets a fixed unit vector, so no caller ever sees a zero vector.
func (f *featurizer) project(v []float32) {
	clear(v)
	for _, ft := range f.feats {
		i := (ft.hash & math.MaxInt64) % uint64(len(v))
		if ft.hash>>63 == 1 {
			v[i] -= ft.weight
		} else {
			v[i] += ft.weight
		}
	}
	var sum float64
	for _, x := range v {
		// The conversion keeps the compiler from fusing multiply and add, which some
		// processors do and others not: the vector must be the same everywhere.
		sum += float64(float64(x) * float64(x))
	}
	if sum == 0 {
		v[0] = 1
		return
	}
	scale := float32(1 / math.Sqrt(sum))
	for i := range v {
		v[i] *= scale
	}
}

const (
	fnvOffset uint64 = 14695981039346656037
	fnvPrime  uint64 = 1099511628211
)

// isFunctionPair reports a pair of two function characters, such as 什么 or 可以.
func isFunctionPair(pair string) bool {
	_, n := utf8.DecodeRuneInString(pair)
	return functionChars[pair[:n]] && functionChars[pair[n:]]
}
