package postgres

// The summary's statements, for the benchmark that explains them.
var SummaryStatements = map[string]string{
	"conversations": summaryConversations, "tickets": summaryTickets, "triggers": summaryTriggers,
	"ratings": summaryRatings, "open": summaryOpen, "gaps": summaryGaps,
}
