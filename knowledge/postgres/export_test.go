package postgres

// SearchSQL exposes the statement to the plan probes of the benchmarks.
const SearchSQL = searchSQL

// WithBudgets returns s with other lexical cascade budgets, so that tests on small corpora
// reach the second and third levels.
func WithBudgets(s *Store, first, second int) *Store {
	c := *s
	c.firstBudget, c.secondBudget = first, second
	return &c
}

// SearchStatement exposes the statement for a set of limits to the plan probes.
var SearchStatement = searchStatement
