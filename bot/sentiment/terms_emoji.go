package sentiment

import "strings"

// emojiGroups: Unicode emoji (one rune each; variation selectors are skipped by the
// tokenizer) and the bracketed codes of Chinese apps ("[怒]", "[微笑]" means a forced smile).
var emojiGroups = []group{
	term(classHostile, -1.5, 1.3, sigAngryEmoji, `
		😡 😠 🤬 👿 💢 🖕 😤 怒 怒骂 愤怒 抓狂 生气 鄙视 吐 左哼哼 右哼哼 哼 打脸 闭嘴 白眼 发怒
		暴怒 傲慢`),
	term(classAnger, -0.8, 0.5, sigAnnoyance, `
		🙄 😒 😑 🤦 汗 晕 衰 弱 费解 疑问 挖鼻 黑线 微笑 摊手 无聊 哈欠 阴险 斜眼`),
	term(classNegative, -1.2, 0, sigSadEmoji, `
		😭 😢 😞 😔 💔 ☹ 🙁 😿 😩 😫 😣 😖 泪 悲伤 失望 伤心 委屈 可怜 哭 泪流满面 允悲 大哭 流泪
		心碎 伤心欲绝 生病 悲催`),
	term(classNegative, -0.8, 0, sigWorry, `😱 😨 😰 😟 😥 😧 惊恐 吃惊 害怕 恐惧 紧张`),
	term(classPositive, 1.2, 0, sigHappyEmoji, `
		😂 🤣 😊 😀 😃 😄 😁 😆 😍 🥰 ❤ 💕 💖 💗 💓 💞 😘 👍 👏 🙏 🎉 🎊 ✨ 💯 🥳 😎 🤗 ☺ 🌹 哈哈
		嘻嘻 笑cry 偷笑 爱你 心 赞 good 鼓掌 耶 太开心 酷 礼物 蛋糕 抱抱 亲亲 好爱哦 可爱 威武
		给力 作揖 握手 ok 憧憬 馋嘴 害羞 doge 二哈 喵喵 哇 爱心 舔屏 玫瑰 中国赞 加油
		加油啊`),
}

// emojiRunes indexes the one-rune emoji.
func emojiRunes() map[rune]*entry {
	m := make(map[rune]*entry)
	for i := range emojiGroups {
		for _, t := range strings.Fields(emojiGroups[i].terms) {
			if rs := []rune(t); len(rs) == 1 && rs[0] > 0x2000 && !isHan(rs[0]) {
				m[rs[0]] = &emojiGroups[i].e
			}
		}
	}
	return m
}

// emojiCodes indexes the bracketed codes by their text.
func emojiCodes() map[string]*entry {
	m := make(map[string]*entry)
	for i := range emojiGroups {
		for _, t := range strings.Fields(emojiGroups[i].terms) {
			if rs := []rune(t); len(rs) > 1 || isHan(rs[0]) || rs[0] < 0x2000 {
				m[strings.ToLower(t)] = &emojiGroups[i].e
			}
		}
	}
	return m
}

// emoticons are matched as substrings of the normalised text.
var emoticons = []struct {
	text string
	e    entry
}{
	{">:(", entry{kind: kindTerm, class: classHostile, val: -1.5, ang: 1.3, signal: sigAngryEmoji}},
	{">:-(", entry{kind: kindTerm, class: classHostile, val: -1.5, ang: 1.3, signal: sigAngryEmoji}},
	{"┻━┻", entry{kind: kindTerm, class: classHostile, val: -1.5, ang: 1.3, signal: sigAngryEmoji}},
	{"-_-", entry{kind: kindTerm, class: classAnger, val: -0.8, ang: 0.5, signal: sigAnnoyance}},
	{"-.-", entry{kind: kindTerm, class: classAnger, val: -0.8, ang: 0.5, signal: sigAnnoyance}},
	{":(", entry{kind: kindTerm, class: classNegative, val: -1.2, signal: sigSadEmoji}},
	{":-(", entry{kind: kindTerm, class: classNegative, val: -1.2, signal: sigSadEmoji}},
	{":'(", entry{kind: kindTerm, class: classNegative, val: -1.2, signal: sigSadEmoji}},
	{"t_t", entry{kind: kindTerm, class: classNegative, val: -1.2, signal: sigSadEmoji}},
	{"qaq", entry{kind: kindTerm, class: classNegative, val: -1.2, signal: sigSadEmoji}},
	{":)", entry{kind: kindTerm, class: classPositive, val: 1.2, signal: sigHappyEmoji}},
	{":-)", entry{kind: kindTerm, class: classPositive, val: 1.2, signal: sigHappyEmoji}},
	{":d", entry{kind: kindTerm, class: classPositive, val: 1.2, signal: sigHappyEmoji}},
	{"^_^", entry{kind: kindTerm, class: classPositive, val: 1.2, signal: sigHappyEmoji}},
	{"^^", entry{kind: kindTerm, class: classPositive, val: 1.2, signal: sigHappyEmoji}},
}
