package knowledge

// ChunkArticle splits an article into the pieces that are embedded and indexed: the question,
// each similar question, and the title with the answer. Embeddings are filled in by the caller.
func ChunkArticle(a Article) []Chunk {
	var out []Chunk
	add := func(kind ChunkKind, text string) {
		toks := Tokens(text)
		out = append(out, Chunk{Ordinal: len(out), Kind: kind, Text: text, Terms: Tokenize(text), Length: len(toks)})
	}
	add(ChunkQuestion, a.Question)
	for _, q := range a.SimilarQuestions {
		add(ChunkSimilar, q)
	}
	add(ChunkAnswer, a.Title+"\n"+a.Answer)
	return out
}
