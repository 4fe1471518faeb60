// Package auth issues and checks the API tokens of staff: one admin token from the
// configuration, and editor and agent tokens that the admin mints. Only a SHA-256 hash of a
// minted token is stored, so a leaked database does not leak working credentials.
package auth

import (
	"errors"
	"fmt"
	"time"
)

// The closed set of error kinds of this package; the api package maps each to one status.
var (
	// ErrUnauthenticated means no credential, or one that is unknown, malformed or revoked.
	// It deliberately does not say which, so a caller cannot probe for tokens.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrForbidden means the credential is valid but its role may not do this.
	ErrForbidden = errors.New("forbidden")
	ErrNotFound  = errors.New("not found")
	ErrInvalid   = errors.New("invalid")
	ErrConflict  = errors.New("conflict")
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

// Role is what a principal may do.
type Role string

const (
	// RoleAdmin mints and revokes tokens and may do everything the other roles may.
	RoleAdmin  Role = "admin"
	RoleEditor Role = "editor"
	RoleAgent  Role = "agent"
)

// ParseRole accepts the roles a token can be minted for.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleEditor, RoleAgent:
		return r, nil
	case RoleAdmin:
		return "", fieldErr("role", "admin tokens cannot be minted: the admin token comes from FAQBOT_ADMIN_TOKEN")
	default:
		return "", fieldErr("role", "must be editor or agent, got %q", clip(s))
	}
}

// Token is a minted token as the admin sees it; the secret is never part of it.
type Token struct {
	ID   int64
	Name string
	Role Role
	// Queues limits an agent token to some ticket queues; empty means every queue. Only
	// agent tokens have any.
	Queues     []string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// Principal is who made a request.
type Principal struct {
	Role Role
	// TokenID is 0 for the configured admin token.
	TokenID int64
	Name    string
	// Queues are the ticket queues an agent works; empty means every queue (and always for
	// the admin).
	Queues []string
}

// Has reports whether p may act in role r; the admin may act in every role.
func (p Principal) Has(r Role) bool {
	return p.Role == RoleAdmin || (p.Role != "" && p.Role == r)
}
