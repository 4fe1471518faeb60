package knowledge

import (
	"strings"
	"unicode/utf8"
)

// maxChunkRunes bounds the answer text in one chunk: long enough to keep a step-by-step
// answer's context together, short enough that one vector still means one thing.
const maxChunkRunes = 400

// ChunkArticle splits an article into the pieces that are embedded and indexed: the question,
// each similar question, and the title with the answer, the answer cut into slices of at most
// maxChunkRunes at paragraph or sentence ends, each slice led by the title. Text that repeats
// the question (a title left empty, an answer standing in for a missing one) is not indexed
// twice. Embeddings are filled in by the caller.
func ChunkArticle(a Article) []Chunk {
	var out []Chunk
	for _, p := range chunkTexts(a) {
		out = append(out, Chunk{Ordinal: len(out), Kind: p.kind, Text: p.text, Terms: Tokenize(p.text),
			Length: len(Tokens(p.text))})
	}
	return out
}

type chunkText struct {
	kind ChunkKind
	text string
}

func chunkTexts(a Article) []chunkText {
	var out []chunkText
	seen := make(map[string]bool)
	add := func(kind ChunkKind, text string) {
		if text == "" || seen[text] {
			return
		}
		seen[text] = true
		out = append(out, chunkText{kind, text})
	}
	add(ChunkQuestion, a.Question)
	for _, q := range a.SimilarQuestions {
		add(ChunkSimilar, q)
	}
	title := a.Title
	if title == a.Question {
		title = ""
	}
	answer := a.Answer
	if answer == a.Question {
		answer = ""
	}
	if answer == "" {
		add(ChunkAnswer, title)
		return out
	}
	for _, part := range splitText(answer, maxChunkRunes) {
		if title != "" {
			part = title + "\n" + part
		}
		add(ChunkAnswer, part)
	}
	return out
}

// splitText cuts s into pieces of at most max runes, preferring to cut after a paragraph,
// then after a sentence, then after a space; a piece without any of those is cut hard.
func splitText(s string, max int) []string {
	var out []string
	for utf8.RuneCountInString(s) > max {
		cut := cutPoint(s, max)
		if piece := strings.TrimSpace(s[:cut]); piece != "" {
			out = append(out, piece)
		}
		s = s[cut:]
	}
	if s = strings.TrimSpace(s); s != "" {
		out = append(out, s)
	}
	return out
}

// cutPoint returns a byte offset within the first max runes of s at which to cut: after the
// last paragraph break, line break, sentence end or space there, in that order of preference,
// provided the piece keeps at least a third of its room; else right after the max-th rune.
func cutPoint(s string, max int) int {
	limit := len(s)
	for i := range s {
		if max == 0 {
			limit = i
			break
		}
		max--
	}
	head := s[:limit]
	for _, sep := range []struct {
		anyOf bool
		chars string
	}{{false, "\n\n"}, {false, "\n"}, {true, "。！？!?；;"}, {false, ". "}, {false, " "}} {
		end := -1
		if sep.anyOf {
			if i := strings.LastIndexAny(head, sep.chars); i >= 0 {
				_, size := utf8.DecodeRuneInString(head[i:])
				end = i + size
			}
		} else if i := strings.LastIndex(head, sep.chars); i >= 0 {
			end = i + len(sep.chars)
		}
		if end > len(head)/3 {
			return end
		}
	}
	return limit
}
