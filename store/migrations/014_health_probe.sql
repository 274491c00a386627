-- v14: health probe: each running process upserts its row to prove the database takes writes
-- (/healthz, /readyz); a row is a process name and when it last wrote.
CREATE TABLE health_probe (
    owner     TEXT   PRIMARY KEY,
    probed_at BIGINT NOT NULL
);
