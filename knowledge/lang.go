package knowledge

import "unicode"

// DetectLanguage guesses the language of a question from its script: "zh" for Chinese, "ja"
// when kana appear, "ko", "ru", "ar" and "th" by their scripts, "en" for Latin letters (other
// Latin-script languages are not told apart), and "other" when nothing decides.
func DetectLanguage(text string) string {
	var han, kana, latin, hangul, cyrillic, arabic, thai int
	for _, r := range text {
		switch {
		case r < 0x80:
			if unicode.IsLetter(r) {
				latin++
			}
		case unicode.Is(unicode.Han, r):
			han++
		case unicode.In(r, unicode.Hiragana, unicode.Katakana):
			kana++
		case unicode.Is(unicode.Latin, r):
			latin++
		case unicode.Is(unicode.Hangul, r):
			hangul++
		case unicode.Is(unicode.Cyrillic, r):
			cyrillic++
		case unicode.Is(unicode.Arabic, r):
			arabic++
		case unicode.Is(unicode.Thai, r):
			thai++
		}
	}
	// A few Latin letters inside Chinese ("VIP会员", "APP闪退") do not make it English.
	switch {
	case kana > 0 && kana+han >= latin:
		return "ja"
	case han > 0 && han*3 >= latin:
		return "zh"
	}
	best, lang := 0, "other"
	for _, c := range []struct {
		n    int
		lang string
	}{{latin, "en"}, {hangul, "ko"}, {cyrillic, "ru"}, {arabic, "ar"}, {thai, "th"}} {
		if c.n > best {
			best, lang = c.n, c.lang
		}
	}
	return lang
}
