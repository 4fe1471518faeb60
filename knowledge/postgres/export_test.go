package postgres

// Generation is the generation the store's lexical index reflects (-1 before it is loaded).
func Generation(s *Store) int64 {
	s.lex.mu.RLock()
	defer s.lex.mu.RUnlock()
	if s.lex.st == nil {
		return -1
	}
	return s.lex.st.gen
}

// Epoch counts the store's full loads of its lexical index.
func Epoch(s *Store) int64 { return s.lex.epochs.Load() }

// CachedArticles is how many articles the store's content cache holds.
func CachedArticles(s *Store) int {
	s.content.mu.Lock()
	defer s.content.mu.Unlock()
	return len(s.content.byID)
}
