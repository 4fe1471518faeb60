package postgres

// The read queries, for the tests that check their plans.
const (
	RecentQuery   = recentQuery
	MessagesQuery = messagesQuery
)
