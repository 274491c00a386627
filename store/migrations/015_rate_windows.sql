-- v15: rate windows: limits several replicas share on PostgreSQL (a channel's send rate, a
-- chat's send pace, a citizen's flood limit), as counters per key and fixed window. Rows are
-- pruned once their window has passed (expires_at); SQLite (one process) keeps its limits in
-- memory and leaves the table empty.
CREATE TABLE rate_windows (
    key          TEXT   NOT NULL,
    window_start BIGINT NOT NULL,
    count        INTEGER NOT NULL,
    expires_at   BIGINT NOT NULL,
    PRIMARY KEY (key, window_start)
);
