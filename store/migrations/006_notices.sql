-- v6: notices posted at most once (the officers' daily notice of FAQ entries past review):
-- one row per notice key, written in the transaction that queues the notice.
CREATE TABLE notices (
    name       TEXT   PRIMARY KEY,
    created_at BIGINT NOT NULL
);
