-- The knowledge base: articles with their history, the chunks retrieval ranks (vector and
-- lexical), the corpus statistics of the lexical side, and the recorded embedding model.

CREATE TABLE articles (
    id                bigserial PRIMARY KEY,
    external_id       text UNIQUE,           -- NULL when the editor gave none
    title             text        NOT NULL,
    question          text        NOT NULL,
    answer            text        NOT NULL,
    similar_questions text[]      NOT NULL DEFAULT '{}',
    category          text        NOT NULL,
    tags              text[]      NOT NULL DEFAULT '{}',
    language          text        NOT NULL,
    status            text        NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    version           integer     NOT NULL CHECK (version >= 1),
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);

-- Every earlier state of an article; the current one lives in articles.
CREATE TABLE article_versions (
    article_id        bigint      NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    version           integer     NOT NULL,
    external_id       text,
    title             text        NOT NULL,
    question          text        NOT NULL,
    answer            text        NOT NULL,
    similar_questions text[]      NOT NULL,
    category          text        NOT NULL,
    tags              text[]      NOT NULL,
    language          text        NOT NULL,
    status            text        NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    PRIMARY KEY (article_id, version)
);

-- The indexed pieces of articles. published, language and category copy the article's, so the
-- filtered searches never join articles before they have their candidates; every write of an
-- article rewrites its chunks, which keeps the copies true.
--
-- embedding is untyped until the store records an embedding model: EnsureModel and Reindex
-- type it vector(N) and build the HNSW index over the published chunks, since an HNSW index
-- needs a fixed dimension.
--
-- terms are the application's own lexical terms (knowledge.Tokenize: Chinese unigrams and
-- bigrams, Latin words), distinct per chunk, with overlong ones replaced by a digest so that
-- every term fits an index entry. The GIN index finds the chunks holding any query term.
CREATE TABLE chunks (
    article_id bigint  NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    ordinal    integer NOT NULL,
    kind       text    NOT NULL CHECK (kind IN ('question', 'similar', 'answer')),
    text       text    NOT NULL,
    terms      text[]  NOT NULL,
    length     integer NOT NULL CHECK (length >= 0),
    embedding  vector,
    published  boolean NOT NULL,
    language   text    NOT NULL,
    category   text    NOT NULL,
    PRIMARY KEY (article_id, ordinal)
);

CREATE INDEX chunks_terms_idx ON chunks USING gin (terms);

-- Corpus statistics of BM25 over every chunk of any status: N and the summed lengths (one row),
-- and the document frequency of each term. Article writes maintain them in their own
-- transaction; every writer locks the single stats row first, which orders the writers and so
-- keeps their row locks on the lexicon free of deadlocks.
--
-- loose_chunks counts chunks whose length is below their number of distinct terms, which no
-- tokenizer produces but a caller could send; search uses a tighter score bound while it is 0.
CREATE TABLE knowledge_stats (
    singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    chunks       bigint  NOT NULL CHECK (chunks >= 0),
    total_length bigint  NOT NULL CHECK (total_length >= 0),
    loose_chunks bigint  NOT NULL CHECK (loose_chunks >= 0)
);
INSERT INTO knowledge_stats (chunks, total_length, loose_chunks) VALUES (0, 0, 0);

CREATE TABLE lexicon (
    term text    PRIMARY KEY,
    df   integer NOT NULL CHECK (df >= 0)
);

-- The embedding model whose vectors the chunks hold; at most one row.
CREATE TABLE embedding_model (
    singleton  boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    name       text        NOT NULL,
    dimensions integer     NOT NULL CHECK (dimensions > 0),
    updated_at timestamptz NOT NULL DEFAULT now()
);
