package knowledge

// functionWords are English words (after suffix folding) that carry grammar rather than
// meaning; the local embedder lets them count little. Negations are not among them: "not
// working" and "working" ask different things.
var functionWords = setOf(
	"a", "an", "the", "i", "me", "my", "mine", "we", "us", "our", "you", "your", "he", "she", "it",
	"its", "they", "them", "their", "this", "that", "these", "those", "there", "here",
	"am", "is", "are", "was", "were", "be", "been", "being", "do", "does", "did", "doe", "have",
	"has", "had", "having", "will", "would", "shall", "should", "can", "could", "may", "might",
	"must", "to", "of", "in", "on", "at", "by", "for", "from", "with", "about", "into", "as",
	"and", "or", "but", "if", "so", "than", "then", "too", "very", "just", "also", "any",
	"some", "what", "which", "who", "whom", "how", "why", "when", "where", "please", "pleas",
	"thank", "thanks", "hi", "hello", "get", "got", "want", "need", "know", "tell", "help",
	"someth", "anyth", "able", "still", "yet", "again", "now", "ok", "okay",
)

// functionChars are Chinese characters that mostly carry grammar or politeness. Negations
// (不, 没) and characters that are often content (还 as in 还款, 到 as in 到账) are not.
var functionChars = setOf(
	"的", "了", "吗", "呢", "吧", "啊", "呀", "么", "嘛", "哦", "是", "我", "你", "他", "她", "它",
	"们", "在", "有", "和", "与", "就", "都", "也", "要", "会", "能", "可", "以", "这", "那", "个",
	"一", "怎", "什", "为", "请", "给", "把", "被", "说",
)

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}
