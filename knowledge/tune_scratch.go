package knowledge

// TuneSet is a temporary tuning hook (removed before hand-off).
func TuneSet(name string, v float64) {
	switch name {
	case "word":
		weightWord = v
	case "wordpair":
		weightWordPair = v
	case "wordgram":
		weightWordGram = v
	case "char":
		weightChar = v
	case "charpair":
		weightCharPair = v
	case "fword":
		weightFunctionWord = v
	case "fchar":
		weightFunctionChar = v
	case "variants":
		useVariants = v != 0
	default:
		panic(name)
	}
}

func FuncWeight(t string) float64 {
	if functionWords[t] || functionChars[t] {
		return 0.3
	}
	if len([]rune(t)) == 2 && isCharScript([]rune(t)[0]) && isFunctionPair(t) {
		return 0.3
	}
	return 1
}
