-- Agent tokens limited to some ticket queues (issue 4). Empty means every queue. Which queues
-- exist is the deployment's routing, so the names are checked by the application; the table
-- only keeps editors unscoped and the list bounded.
ALTER TABLE api_tokens
    ADD COLUMN queues text[] NOT NULL DEFAULT '{}'
        CHECK (cardinality(queues) <= 50 AND (role = 'agent' OR cardinality(queues) = 0));
