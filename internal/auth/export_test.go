package auth

import "time"

// SetClock makes the service's token cache read time from now.
func SetClock(s *Service, now func() time.Time) { s.tokens.now = now }

// TokenCacheTTL is how long a successful lookup is trusted.
const TokenCacheTTL = tokenCacheTTL
