-- The lexical side of the hybrid search moves into each server process (knowledge/postgres,
-- lexindex.go): every replica holds an index of the chunks' terms, built from chunks.terms at
-- its first search and kept current through a generation counter. BM25 over a shared
-- vocabulary cannot be both exact and fast in SQL (a question's common words occur in tens of
-- thousands of chunks), while in memory it costs tens of microseconds.
--
-- generation counts the committed writes of the knowledge base: every article write bumps it
-- in its own transaction, under the writers' lock (the knowledge_stats row), and lists the
-- articles it touched in knowledge_changes. A search reads the generation in the same
-- statement as its vector side; a replica that sees a newer one reads the changes since its
-- own and reloads those articles' chunks. horizon is the oldest generation a replica may
-- catch up from that way: changes at or below it are pruned, and a write that replaces too
-- much to list (a bulk import, a reindex) moves it to its own generation, so that every
-- replica reloads the index whole.
ALTER TABLE knowledge_stats
    ADD COLUMN generation bigint NOT NULL DEFAULT 0 CHECK (generation >= 0),
    ADD COLUMN horizon    bigint NOT NULL DEFAULT 0 CHECK (horizon >= 0),
    DROP COLUMN loose_chunks;

-- No foreign key: a deleted article must stay listed until every replica has seen it go.
CREATE TABLE knowledge_changes (
    generation bigint NOT NULL,
    article_id bigint NOT NULL,
    PRIMARY KEY (generation, article_id)
);

-- The SQL lexical side's structures: the in-process index computes document frequencies and
-- finds postings itself.
DROP INDEX chunks_terms_idx;
DROP TABLE lexicon;

-- Keep embeddings inside the chunk row. pgvector stores vectors EXTERNAL by default, so the
-- vector of any row over ~2 kB (an answer chunk with its text and terms) went to the TOAST
-- table, and every distance the search computed on such a chunk cost a TOAST fetch. MAIN
-- moves the text and terms out first. Rows written before this migration keep their layout
-- until they are rewritten (an article update, an import, `faqbot reindex`). ALTER COLUMN
-- TYPE resets the storage, so knowledge/postgres sets it again whenever it types the column.
ALTER TABLE chunks ALTER COLUMN embedding SET STORAGE MAIN;
