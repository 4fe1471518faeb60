package knowledge

import "unicode"

// DetectLanguage tells Chinese ("zh") from English ("en"); anything else is "other".
func DetectLanguage(text string) string {
	var han, latin, otherLetters int
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
		case r < unicode.MaxLatin1 && unicode.IsLetter(r):
			latin++
		case unicode.IsLetter(r):
			otherLetters++
		}
	}
	switch {
	case han > 0 && han*3 >= latin:
		return "zh"
	case latin > 0 && latin >= otherLetters:
		return "en"
	default:
		return "other"
	}
}
