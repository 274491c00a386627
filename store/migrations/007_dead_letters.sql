-- v7: poison messages. An inbound message whose handling fails is retried with a back-off
-- (attempts, last_error, not_before: Pending skips it until then), and after its last try —
-- at once when the failure is permanent — parked as a dead letter: handled_at is set so it
-- leaves the queue, and a row in dead_letters tells it was not answered and why. The text
-- stays only in inbound.payload, as for every accepted message.
ALTER TABLE inbound ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inbound ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE inbound ADD COLUMN not_before BIGINT NOT NULL DEFAULT 0;

CREATE TABLE dead_letters (
    inbound_id BIGINT  PRIMARY KEY,
    channel    TEXT    NOT NULL,
    chat_id    TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    error      TEXT    NOT NULL,
    permanent  INTEGER NOT NULL,
    attempts   INTEGER NOT NULL,
    parked_at  BIGINT  NOT NULL
);
CREATE INDEX dead_letters_parked ON dead_letters (parked_at);
