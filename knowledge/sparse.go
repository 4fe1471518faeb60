package knowledge

import (
	"cmp"
	"math"
	"slices"
)

// sparseVector holds the exact features of a text (those the local embedder hashes into
// buckets), sorted by hash and scaled to unit length. Comparing two of them gives the cosine
// the local embedder's vectors approximate, without the noise of bucket collisions; the
// search reranks its candidates with it.
type sparseVector []feature

// sparseFeatures returns the sparse vector of text; f is scratch space, reused across calls.
func sparseFeatures(f *featurizer, text string) sparseVector {
	f.run(text)
	out := slices.Clone(f.feats)
	slices.SortFunc(out, func(a, b feature) int { return cmp.Compare(a.hash, b.hash) })
	var sum float64
	for _, ft := range out {
		sum += float64(float64(ft.weight) * float64(ft.weight)) // no fused multiply-add: see project
	}
	if sum > 0 {
		scale := float32(1 / math.Sqrt(sum))
		for i := range out {
			out[i].weight *= scale
		}
	}
	return out
}

// cosine of two unit sparse vectors: the dot product over their shared features, summed in
// hash order (articleFeatures.cosines sums the same).
func (a sparseVector) cosine(b sparseVector) float64 {
	var dot float64
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i].hash < b[j].hash:
			i++
		case a[i].hash > b[j].hash:
			j++
		default:
			dot += float64(float64(a[i].weight) * float64(b[j].weight))
			i++
			j++
		}
	}
	return dot
}
