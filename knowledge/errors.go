package knowledge

import (
	"errors"
	"fmt"
)

// The closed set of error kinds of the knowledge domain. Callers test with errors.Is; the api
// package maps each to one HTTP status.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	ErrInvalid  = errors.New("invalid")
	// ErrModelMismatch means the store holds vectors of another embedding model or dimension:
	// the operator must run `faqbot reindex`.
	ErrModelMismatch = errors.New("embedding model mismatch")
)

// FieldError names the input field that is wrong and why. It wraps ErrInvalid.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

func (e *FieldError) Unwrap() error { return ErrInvalid }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
