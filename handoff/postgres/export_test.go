package postgres

import "time"

// AheadQuery is the count behind Ahead, for the test that checks its plan.
const AheadQuery = aheadQuery

// The workflow's statements, for the test that checks their plans.
var (
	ClaimAnyQuery     = claimAny
	ClaimOneQuery     = claimOne
	ClaimAmongQuery   = claimAmong
	ReleaseQuery      = release
	BreachQuery       = breach
	CloseUnratedQuery = closeUnrated
)

// SetFeedSettle changes how long EventsAfter waits for a gap to settle, until the returned
// function restores it; tests that change it must not run in parallel with other feed readers.
func SetFeedSettle(d time.Duration) (restore func()) {
	old := feedSettle
	feedSettle = d
	return func() { feedSettle = old }
}
