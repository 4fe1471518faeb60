package api

import (
	"fmt"
	"net/http"

	"golang.org/x/text/language"
)

// text is a message the API itself writes, in the two languages of our users. Messages that
// come from the domain (a field's reason) are English and are passed through as they are.
type text struct{ en, zh string }

// Messages of the API, with fmt verbs filled from apiError.args.
var (
	msgInternal        = text{"internal error; quote the request id when you report it", "服务器内部错误；反馈问题时请附上请求编号 request_id"}
	msgNoToken         = text{"this route needs a token: send Authorization: Bearer <token>", "此接口需要令牌：请发送 Authorization: Bearer <令牌>"}
	msgBadToken        = text{"the token is unknown, malformed or revoked", "令牌无效、格式错误或已被吊销"}
	msgForbidden       = text{"this route needs a %s token; yours is a %s token", "此接口需要 %s 令牌；你的令牌角色是 %s"}
	msgNoRoute         = text{"no such route: %s %s (see /openapi.yaml)", "没有这个接口：%s %s（见 /openapi.yaml）"}
	msgNoMethod        = text{"%s is not allowed on %s", "%[2]s 不支持 %[1]s 方法"}
	msgTooLarge        = text{"the request body is larger than the limit of %d bytes", "请求体超过了 %d 字节的上限"}
	msgRateLimited     = text{"too many requests; retry after %d s", "请求过于频繁，请 %d 秒后重试"}
	msgTimeout         = text{"the request took too long and was stopped; try again", "请求处理超时，已中止，请重试"}
	msgModelMismatch   = text{"the stored vectors come from another embedding model; an operator must run `faqbot reindex`", "知识库向量来自另一个嵌入模型，需要运维人员执行 `faqbot reindex`"}
	msgJSONType        = text{"send Content-Type: application/json (got %q)", "请使用 Content-Type: application/json（收到的是 %q）"}
	msgCharset         = text{"charset %q is not supported: send UTF-8", "不支持字符集 %q，请使用 UTF-8"}
	msgNotUTF8         = text{"the request body is not valid UTF-8", "请求体不是有效的 UTF-8 编码"}
	msgEmptyBody       = text{"the request body is empty: send a JSON object", "请求体为空：请发送一个 JSON 对象"}
	msgSyntax          = text{"malformed JSON at byte %d: %s", "JSON 格式错误（第 %d 字节）：%s"}
	msgTruncated       = text{"the JSON body ends too early", "JSON 请求体不完整"}
	msgUnknownField    = text{"unknown field %q", "未知字段 %q"}
	msgWrongType       = text{"%s must be %s, got %s", "%s 应为 %s，收到的是 %s"}
	msgWrongItem       = text{"every item of %s must be %s, got %s", "%s 的每一项都应为 %s，收到的是 %s"}
	msgNotObject       = text{"the request body must be a JSON object, got %s", "请求体必须是 JSON 对象，收到的是 %s"}
	msgTrailing        = text{"the request body must hold exactly one JSON object", "请求体只能包含一个 JSON 对象"}
	msgBadID           = text{"%s must be a positive integer, got %q", "%s 必须是正整数，收到的是 %q"}
	msgBadLimit        = text{"limit must be an integer between 1 and %d, got %q", "limit 必须是 1 到 %d 之间的整数，收到的是 %q"}
	msgBadCursor       = text{"cursor is not one this API returned; start again without it", "cursor 无效，请不带 cursor 重新开始翻页"}
	msgTooLong         = text{"%s is %d characters long, at most %d allowed", "%s 长度为 %d 个字符，最多允许 %d 个"}
	msgStale           = text{"article %d was changed by someone else: you edited version %d, it is now at version %d; reload it, apply your edit again and save", "文章 %d 已被他人修改：你编辑的是第 %d 版，现在是第 %d 版。请重新加载，再次修改后保存"}
	msgVersionOnCreate = text{"version is set by the server: leave it out when creating an article", "version 由服务器设置：创建文章时请不要填写"}
	msgGone            = text{"article %d was deleted meanwhile", "文章 %d 已被删除"}
	msgStaleDelete     = text{"article %d is at another version than %d now; reload it before deleting", "文章 %d 的版本已不是 %d，请重新加载后再删除"}
	msgExternalIDInUse = text{"external_id %q is already used by another article", "external_id %q 已被其他文章使用"}
	msgArticleNotFound = text{"article %d not found", "未找到文章 %d"}
	msgTokenNotFound   = text{"token %d not found", "未找到令牌 %d"}
	msgNoFile          = text{"the multipart form has no file part: send the file in a part named \"file\"", "表单中没有文件：请把文件放在名为 \"file\" 的字段中"}
	msgBadMultipart    = text{"cannot read the multipart form: %s", "无法读取 multipart 表单：%s"}
	msgImportFile      = text{"the file cannot be imported: %s", "文件无法导入：%s"}
	msgNotReady        = text{"not ready: %s", "尚未就绪：%s"}
	msgDomain          = text{"%s", "%s"}
)

var (
	supportedLanguages = []language.Tag{language.English, language.Chinese}
	languageMatcher    = language.NewMatcher(supportedLanguages)
)

// prefersChinese reads Accept-Language; English is the default.
func prefersChinese(r *http.Request) bool {
	h := r.Header.Get("Accept-Language")
	if h == "" {
		return false
	}
	_, i := language.MatchStrings(languageMatcher, h)
	return supportedLanguages[i] == language.Chinese
}

func (t text) format(zh bool, args ...any) string {
	f := t.en
	if zh {
		f = t.zh
	}
	if len(args) == 0 {
		return f
	}
	return fmt.Sprintf(f, args...)
}
