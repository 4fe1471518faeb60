package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"

	openai "github.com/sashabaranov/go-openai"
)

// The closed set of error kinds. Every error returned by this package wraps at least one of
// them; callers test with errors.Is and fall back (extractive answers, local embedder).
var (
	// ErrUnavailable: the circuit is open, retries are exhausted, or the server is down.
	ErrUnavailable = errors.New("model unavailable")
	// ErrBadRequest: the server refused the request (400, 401, 403, 404, quota exhausted, ...)
	// or the input was unusable; repeating it would not help.
	ErrBadRequest = errors.New("request refused")
	// ErrTimeout: an attempt took longer than Config.Timeout, or the caller's deadline passed.
	ErrTimeout = errors.New("timed out")
	// ErrBadResponse: the server answered with something unusable (malformed JSON, no choices,
	// a vector of the wrong dimension, a stream that stopped without finishing).
	ErrBadResponse = errors.New("bad response")
	// ErrInvalidConfig: Config.Validate found a field that cannot work.
	ErrInvalidConfig = errors.New("invalid config")
)

// outcome is what an attempt tells the circuit breaker about the server's health.
type outcome int

const (
	healthy   outcome = iota // the server answered, even if it refused the request
	unhealthy                // the server failed or did not answer in time
	unknown                  // the caller gave up; says nothing about the server
)

// verdict is the classification of a failed attempt.
type verdict struct {
	err    error // wraps the package sentinel and the original error
	retry  bool
	health outcome
}

// errAttemptTimeout is the cancel cause of an attempt that ran past Config.Timeout; it tells
// our own deadline apart from the caller's.
var errAttemptTimeout = errors.New("attempt deadline exceeded")

// callerError marks an error returned by the caller's onDelta: it is passed back untouched.
type callerError struct{ err error }

func (e *callerError) Error() string { return e.err.Error() }
func (e *callerError) Unwrap() error { return e.err }

// badResponse builds an ErrBadResponse; retry says whether a new attempt could plausibly
// return something better (a truncated body) or not (a wrong model dimension).
type badResponse struct {
	msg   string
	retry bool
}

func (e *badResponse) Error() string { return e.msg }
func (e *badResponse) Unwrap() error { return ErrBadResponse }

func classify(parent, attempt context.Context, err error) verdict {
	var ce *callerError
	if errors.As(err, &ce) {
		return verdict{err: ce.err, health: unknown}
	}
	if parent.Err() != nil {
		cause := context.Cause(parent)
		if errors.Is(cause, context.DeadlineExceeded) {
			return verdict{err: fmt.Errorf("%w: %w", ErrTimeout, cause), health: unknown}
		}
		return verdict{err: cause, health: unknown}
	}
	if attempt != nil && errors.Is(context.Cause(attempt), errAttemptTimeout) {
		return verdict{err: fmt.Errorf("%w: %w", ErrTimeout, errAttemptTimeout), retry: true, health: unhealthy}
	}
	var br *badResponse
	if errors.As(err, &br) {
		return verdict{err: err, retry: br.retry, health: healthyUnless(br.retry)}
	}
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		if apiErr.HTTPStatusCode == 0 {
			// An error frame inside a stream: the server failed mid-way.
			return verdict{err: fmt.Errorf("%w: %w", ErrBadResponse, err), retry: true, health: unhealthy}
		}
		return byStatus(apiErr.HTTPStatusCode, isQuota(apiErr), err)
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		return byStatus(reqErr.HTTPStatusCode, false, err)
	}
	if isClientSideRefusal(err) {
		return verdict{err: fmt.Errorf("%w: %w", ErrBadRequest, err), health: unknown}
	}
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &syntaxErr) || errors.As(err, &typeErr) {
		return verdict{err: fmt.Errorf("%w: malformed JSON: %w", ErrBadResponse, err), retry: true, health: unhealthy}
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return verdict{err: fmt.Errorf("%w: %w", ErrTimeout, err), retry: true, health: unhealthy}
	}
	// Connection refused or reset, truncated bodies, DNS: the network or the server is at fault.
	return verdict{err: err, retry: true, health: unhealthy}
}

func healthyUnless(b bool) outcome {
	if b {
		return unhealthy
	}
	return healthy
}

func byStatus(status int, quota bool, err error) verdict {
	switch {
	case status == http.StatusTooManyRequests && quota:
		return verdict{err: fmt.Errorf("%w: quota exhausted: %w", ErrBadRequest, err), health: healthy}
	case status == http.StatusRequestTimeout, status == http.StatusConflict,
		status == http.StatusTooManyRequests, status >= 500:
		return verdict{err: err, retry: true, health: unhealthy}
	case status >= 400:
		return verdict{err: fmt.Errorf("%w: %w", ErrBadRequest, err), health: healthy}
	default:
		return verdict{err: fmt.Errorf("%w: unexpected status %d: %w", ErrBadResponse, status, err), retry: true, health: unhealthy}
	}
}

// isQuota tells a spent quota, which no wait will fix, from a rate limit, which a wait will.
func isQuota(e *openai.APIError) bool {
	const quota = "insufficient_quota"
	code, _ := e.Code.(string)
	return code == quota || e.Type == quota
}

// isClientSideRefusal catches go-openai's own validation, which fails before any request is sent.
func isClientSideRefusal(err error) bool {
	for _, target := range []error{
		openai.ErrChatCompletionInvalidModel,
		openai.ErrChatCompletionStreamNotSupported,
		openai.ErrContentFieldsMisused,
		openai.ErrReasoningModelMaxTokensDeprecated,
		openai.ErrReasoningModelLimitationsLogprobs,
		openai.ErrReasoningModelLimitationsOther,
		openai.ErrReasoningEffortUnsupported,
		openai.ErrReasoningSamplingUnsupported,
		openai.ErrReasoningToolsRequireResponses,
	} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}
