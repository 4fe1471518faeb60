package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
	"github.com/labstack/echo/v4"

	"github.com/faqbot/faqbot/bot"
	"github.com/faqbot/faqbot/internal/auth"
)

// endUser is who chats: a user of the host app, named by its token's sub, or the holder of
// one anonymous conversation's token.
type endUser struct {
	ownerID string
	// conv is the one conversation a conversation token opens; nil for a user token.
	conv *bot.Conversation
}

const keyEndUser = "end_user"

func endUserOf(c echo.Context) endUser {
	u, _ := c.Get(keyEndUser).(endUser)
	return u
}

// Limits of what we take from a host app's token.
const (
	userTokenAlg    = "HS256"
	userTokenSkew   = 30 * time.Second // clocks of the host app and ours disagree a little
	maxBearerLen    = 4096
	maxSubjectLen   = 256
	anonOwnerPrefix = "anon:" // bot's owner ids of anonymous conversations
)

var (
	msgNeedUser         = text{"this route needs an end-user token: send Authorization: Bearer <the JWT your app signed for the user>", "此接口需要终端用户令牌：请发送 Authorization: Bearer <应用为该用户签发的 JWT>"}
	msgNeedUserOrConv   = text{"this route needs an end-user token: send Authorization: Bearer <the JWT your app signed for the user, or the conversation token>", "此接口需要终端用户令牌：请发送 Authorization: Bearer <应用为该用户签发的 JWT，或会话令牌>"}
	msgNotEndUser       = text{"this route is for end users and your token's role is %s: send the user's JWT or a conversation token", "此接口供终端用户使用，而你的令牌角色是 %s：请使用用户的 JWT 或会话令牌"}
	msgUserTokensOff    = text{"user tokens are not accepted: the server has no FAQBOT_USER_SECRET", "服务器未配置 FAQBOT_USER_SECRET，不接受用户令牌"}
	msgTokenMalformed   = text{"user token rejected: token malformed", "用户令牌被拒绝：格式错误（token malformed）"}
	msgTokenExpired     = text{"user token rejected: token expired", "用户令牌被拒绝：令牌已过期（token expired）"}
	msgTokenNotYetValid = text{"user token rejected: token not valid yet (nbf is in the future)", "用户令牌被拒绝：令牌尚未生效（nbf 晚于当前时间）"}
	msgTokenSignature   = text{"user token rejected: signature invalid", "用户令牌被拒绝：签名无效（signature invalid）"}
	msgAlgNone          = text{"user token rejected: alg none not allowed", "用户令牌被拒绝：不允许 alg none（alg none not allowed）"}
	msgAlgNotAllowed    = text{"user token rejected: alg %s not allowed, only HS256", "用户令牌被拒绝：不允许 alg %s，只接受 HS256"}
	msgTokenNoExp       = text{"user token rejected: exp is required", "用户令牌被拒绝：缺少 exp（过期时间）"}
	msgTokenNoSub       = text{"user token rejected: sub (the user id) is required", "用户令牌被拒绝：缺少 sub（用户 ID）"}
	msgTokenBadSub      = text{"user token rejected: sub must be at most 256 characters without control characters and must not start with \"anon:\"", "用户令牌被拒绝：sub 最多 256 个字符，不能含控制字符，也不能以 \"anon:\" 开头"}
	msgTokenInvalid     = text{"user token rejected: %s", "用户令牌被拒绝：%s"}
	msgUnknownBearer    = text{"the token is neither a user token (JWT) nor a known conversation token", "该令牌既不是用户令牌（JWT），也不是有效的会话令牌"}
	msgUnknownBearerJWT = text{"the token is not a user token (JWT); anonymous chat is off, so conversation tokens are not accepted", "该令牌不是用户令牌（JWT）；匿名聊天未开启，不接受会话令牌"}
)

func unauthenticated(msg text, args ...any) *apiError {
	return newError(http.StatusUnauthorized, codeUnauthenticated, msg, args...).wrap(auth.ErrUnauthenticated)
}

// requireEndUser lets a request through when its bearer is an end user's: staff tokens are
// refused, because an admin or agent acting as a user would write into users' chats.
func (s *Server) requireEndUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token, ok := bearerToken(c.Request())
		if !ok {
			return s.needUser()
		}
		u, staff, err := s.identify(c, token)
		if err != nil {
			return err
		}
		if staff != nil {
			return newError(http.StatusForbidden, codeForbidden, msgNotEndUser, staff.Role).wrap(auth.ErrForbidden)
		}
		c.Set(keyEndUser, u)
		return next(c)
	}
}

// allowAnonymous is requireEndUser for starting a conversation: without a token it is an
// anonymous start when anonymous chat is allowed. A conversation token starts a new
// anonymous conversation too: it only ever opens its own.
func (s *Server) allowAnonymous(next echo.HandlerFunc) echo.HandlerFunc {
	withUser := s.requireEndUser(next)
	return func(c echo.Context) error {
		if _, ok := bearerToken(c.Request()); !ok && s.cfg.Anonymous {
			return next(c)
		}
		return withUser(c)
	}
}

// requireUserOrStaff is for routes that serve end users and staff differently: the handler
// dispatches on which of keyEndUser and keyPrincipal is set.
func (s *Server) requireUserOrStaff(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token, ok := bearerToken(c.Request())
		if !ok {
			return s.needUser()
		}
		u, staff, err := s.identify(c, token)
		if err != nil {
			return err
		}
		if staff != nil {
			c.Set(keyPrincipal, *staff)
		} else {
			c.Set(keyEndUser, u)
		}
		return next(c)
	}
}

func (s *Server) needUser() error {
	if s.cfg.Anonymous {
		return unauthenticated(msgNeedUserOrConv)
	}
	return unauthenticated(msgNeedUser)
}

// identify resolves a bearer token to a staff principal or an end user. Staff tokens are
// tried first: the admin token is free-form and could look like anything else.
func (s *Server) identify(c echo.Context, token string) (endUser, *auth.Principal, error) {
	ctx := c.Request().Context()
	if len(token) > maxBearerLen {
		return endUser{}, nil, unauthenticated(msgTokenMalformed)
	}
	p, err := s.auth.Authenticate(ctx, token)
	if err == nil {
		return endUser{}, &p, nil
	}
	if !errors.Is(err, auth.ErrUnauthenticated) {
		return endUser{}, nil, err
	}
	if strings.HasPrefix(token, auth.TokenPrefix) {
		// A minted token that is unknown or revoked: say so in the staff routes' words.
		return endUser{}, nil, err
	}
	if strings.Count(token, ".") == 2 {
		sub, aerr := s.verifyUserToken(token)
		if aerr != nil {
			return endUser{}, nil, aerr
		}
		return endUser{ownerID: sub}, nil, nil
	}
	// Without the engine there are no conversations: GET /v1/me is served without one.
	if !s.cfg.Anonymous || s.bot == nil {
		return endUser{}, nil, unauthenticated(msgUnknownBearerJWT)
	}
	conv, err := s.bot.ConversationByToken(ctx, token)
	if errors.Is(err, bot.ErrNotFound) {
		return endUser{}, nil, unauthenticated(msgUnknownBearer)
	}
	if err != nil {
		return endUser{}, nil, err
	}
	return endUser{ownerID: conv.OwnerID, conv: &conv}, nil, nil
}

// verifyUserToken checks a host app's HS256 token and returns its sub. Each refusal says
// what is wrong, so the host app's developer can fix the signing side.
func (s *Server) verifyUserToken(token string) (string, *apiError) {
	if s.cfg.UserSecret == "" {
		// Never verify against an empty key: anyone could sign with it.
		return "", unauthenticated(msgUserTokensOff)
	}
	alg, ok := tokenAlg(token)
	switch {
	case !ok:
		return "", unauthenticated(msgTokenMalformed)
	case strings.EqualFold(alg, "none"):
		return "", unauthenticated(msgAlgNone)
	case alg != userTokenAlg:
		return "", unauthenticated(msgAlgNotAllowed, clip(alg))
	}
	var claims jwt.RegisteredClaims
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{userTokenAlg}),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(userTokenSkew),
	)
	_, err := parser.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) {
		return []byte(s.cfg.UserSecret), nil
	})
	switch {
	case err == nil:
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "", unauthenticated(msgTokenMalformed)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "", unauthenticated(msgTokenSignature)
	case errors.Is(err, jwt.ErrTokenExpired):
		return "", unauthenticated(msgTokenExpired)
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "", unauthenticated(msgTokenNoExp)
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "", unauthenticated(msgTokenNotYetValid)
	default:
		return "", unauthenticated(msgTokenInvalid, clip(err.Error()))
	}
	sub := claims.Subject
	if sub == "" {
		return "", unauthenticated(msgTokenNoSub)
	}
	if !validSubject(sub) {
		return "", unauthenticated(msgTokenBadSub)
	}
	return sub, nil
}

// tokenAlg reads the alg of a JWT's header, before anything else is trusted.
func tokenAlg(token string) (string, bool) {
	head, _, _ := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return "", false
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(raw, &h) != nil || h.Alg == "" {
		return "", false
	}
	return h.Alg, true
}

// validSubject keeps user ids apart from the bot's anonymous owners, and out of logs' way.
func validSubject(sub string) bool {
	if utf8.RuneCountInString(sub) > maxSubjectLen || strings.HasPrefix(sub, anonOwnerPrefix) {
		return false
	}
	for _, r := range sub {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}
