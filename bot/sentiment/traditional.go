package sentiment

// traditional folds common Traditional Chinese characters to their Simplified forms, so one
// lexicon serves users in Hong Kong and Taiwan too ("垃圾客服，氣死我了", "騙子").
var traditional = func() map[rune]rune {
	const pairs = `這这 個个 們们 來来 說说 話话 問问 題题 時时 間间 會会 對对 為为 麼么 沒没 還还 讓让 給给
		從从 後后 裡里 點点 頭头 開开 關关 門门 見见 現现 實实 體体 長长 東东 車车 電电 視视 網网
		頁页 機机 線线 號号 碼码 帳账 賬账 錢钱 費费 貨货 質质 買买 賣卖 價价 單单 態态 務务 處处
		辦办 發发 復复 補补 據据 證证 認认 識识 讀读 寫写 聽听 學学 習习 應应 該该 經经 過过 進进
		運运 動动 勞劳 氣气 爛烂 壞坏 難难 錯错 誤误 罵骂 媽妈 騙骗 詐诈 訴诉 賠赔 殺杀 瘋疯 腦脑
		殘残 賤贱 雞鸡 噁恶 惡恶 厭厌 討讨 煩烦 憤愤 惱恼 髒脏 傷伤 淚泪 謝谢 讚赞 愛爱 歡欢 樂乐
		滿满 強强 規规 無无 語语 嗎吗 覺觉 鬧闹 種种 樣样 變变 廢废 醜丑 極极 盡尽 滾滚 憐怜 恥耻
		擊击 戰战 鬥斗 罰罚 嚴严 禮礼 員员 闆板 層层 區区 優优 術术 幫帮 張张 將将 專专 業业 總总
		統统 結结 維维 護护 類类 憂忧 慮虑 驚惊 嚇吓 懼惧 擔担 緊紧 聯联 係系 絡络 續续 訂订 購购
		額额 餘余 產产 與与 於于 並并 隻只 塊块 歲岁 萬万 億亿 條条 誰谁 囉啰 罷罢 戀恋 傳传 國国
		內内 華华 陸陆 灣湾 臺台 衛卫 醫医 藥药 療疗 險险 損损 舊旧 轉转 換换 賴赖 負负 責责 級级
		線线 卡卡 樓楼 聲声 響响 讓让 吵吵 嘆叹 歎叹 啞哑 癢痒 屍尸 幹干 滅灭 爺爷 奶奶 娘娘 孫孙
		蠻蛮 賽赛 輸输 贏赢 獎奖 頂顶 廳厅 場场 麵面 飯饭 餓饿 飽饱 睏困 睡睡 覺觉 夢梦 驗验 裝装
		懶懒 髮发 鬍胡 衝冲 沖冲 爆爆 壓压 興兴 趣趣 麗丽 漂漂 帥帅 讚赞 棒棒 謊谎 詭诡 獄狱 團团`
	m := make(map[rune]rune)
	var from rune
	n := 0
	for _, r := range pairs {
		switch {
		case r == ' ' || r == '\t' || r == '\n':
			n = 0
		case n == 0:
			from, n = r, 1
		default:
			if r != from {
				m[from] = r
			}
			n = 0
		}
	}
	return m
}()
