package postgres

// SetFeedSettle shortens the wait for a gap in the message feed, for the test of a gap that
// does not settle in time.
var SetFeedSettle = setFeedSettle
