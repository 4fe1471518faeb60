-- API tokens of editors and agents. The admin token lives in the configuration, never here.
-- Only the SHA-256 of a token is stored: the plaintext is shown once, when it is minted.
CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    role         text        NOT NULL CHECK (role IN ('editor', 'agent')),
    hash         bytea       NOT NULL UNIQUE CHECK (octet_length(hash) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
