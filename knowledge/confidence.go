package knowledge

// confidenceDepth is how many hits Confidence looks at.
const confidenceDepth = 2

// Confidence estimates, in [0, 1], how likely the top hit answers the question.
func Confidence(queryTerms []string, hits []Hit) float64 {
	if len(hits) == 0 {
		return 0
	}
	c := hits[0].Similarity
	if c < 0 {
		c = 0
	}
	return min(c, 1)
}
