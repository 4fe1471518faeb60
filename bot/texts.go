package bot

import (
	"fmt"
	"strings"
	"time"
)

// The bot's own words, in the user's language. Everything a user reads from the bot (not from
// an article or an agent) comes from here.

func textClarify(lang string, suggestions []string) string {
	if lang == "zh" {
		if len(suggestions) == 0 {
			return "抱歉，我没有完全理解你的问题。能再具体描述一下吗？比如发生了什么、在哪个页面、提示了什么。"
		}
		return "我不太确定你想问的是哪一个，是下面这些问题吗？\n" + numbered(suggestions) + "\n也可以换个说法再问一次。"
	}
	if len(suggestions) == 0 {
		return "Sorry, I'm not sure I understood. Could you tell me a bit more — what happened, on which screen, and what it said?"
	}
	return "I'm not sure which of these you mean — is it one of these?\n" + numbered(suggestions) + "\nOr try asking in other words."
}

func textHandoff(lang, number string, ahead int, wait time.Duration) string {
	if lang == "zh" {
		return fmt.Sprintf("已为你转接人工客服，工单号 %s。%s，预计等待约 %s。客服接入后会在这里直接回复你，你也可以继续补充情况。",
			number, placeZH(ahead), durationZH(wait))
	}
	return fmt.Sprintf("I've passed this to a human agent. Your ticket number is %s. %s; the expected wait is about %s. The agent will reply right here, and you can keep adding details.",
		number, placeEN(ahead), durationEN(wait))
}

func textQueued(lang, number string, ahead int, wait time.Duration) string {
	if lang == "zh" {
		return fmt.Sprintf("你的消息已转给人工客服（工单号 %s）。%s，预计等待约 %s，请稍候。", number, placeZH(ahead), durationZH(wait))
	}
	return fmt.Sprintf("Your message has been added to ticket %s. %s; the expected wait is about %s.",
		number, placeEN(ahead), durationEN(wait))
}

func placeZH(ahead int) string {
	if ahead == 0 {
		return "你是下一位"
	}
	return fmt.Sprintf("前面还有 %d 位", ahead)
}

func placeEN(ahead int) string {
	switch ahead {
	case 0:
		return "You're next in line"
	case 1:
		return "There is 1 person ahead of you"
	default:
		return fmt.Sprintf("There are %d people ahead of you", ahead)
	}
}

func textEscalated(lang string) string {
	if lang == "zh" {
		return "已为你加急处理。"
	}
	return "I've raised the priority of your ticket."
}

func textInterimHelp(lang, title string) string {
	if lang == "zh" {
		return "\n\n等待期间，你可以先参考：《" + title + "》。"
	}
	return "\n\nWhile you wait, this article may help: \"" + title + "\"."
}

func numbered(items []string) string {
	var b strings.Builder
	for i, s := range items {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%d. %s", i+1, s)
	}
	return b.String()
}

func durationZH(d time.Duration) string {
	if d < time.Minute {
		return "1 分钟"
	}
	if d < time.Hour {
		return fmt.Sprintf("%d 分钟", int(d.Round(time.Minute)/time.Minute))
	}
	return fmt.Sprintf("%.1f 小时", d.Hours())
}

func durationEN(d time.Duration) string {
	if d < 2*time.Minute {
		return "1 minute"
	}
	if d < time.Hour {
		return fmt.Sprintf("%d minutes", int(d.Round(time.Minute)/time.Minute))
	}
	return fmt.Sprintf("%.1f hours", d.Hours())
}
