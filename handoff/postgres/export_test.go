package postgres

// AheadQuery is the count behind Ahead, for the test that checks its plan.
const AheadQuery = aheadQuery
