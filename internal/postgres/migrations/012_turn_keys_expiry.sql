-- The sweeper deletes Idempotency-Keys older than their retention, a batch at a time, oldest
-- first (bot/postgres ExpireTurnKeys). Without an index on created_at every sweep would scan
-- the whole table to find the few keys that just got old.
--
-- Not CONCURRENTLY: that waits for every older transaction, among them the other replicas'
-- statements waiting for tern's advisory lock, which this migration holds: a deadlock when
-- replicas start together. The plain build holds off new keyed turns while it runs: about a
-- second for two million keys.
CREATE INDEX turn_keys_created_idx ON turn_keys (created_at);
