-- v11: retention and compaction (the store no longer grows without bound).
-- message_counts: the message log past the retention, folded into counts per UTC day (day is
-- the day's first millisecond) and per what the statistics group by; the log's rows are then
-- deleted. confidence_sum / messages is the day's mean confidence.
CREATE TABLE message_counts (
    day            BIGINT NOT NULL,
    channel        TEXT   NOT NULL,
    direction      TEXT   NOT NULL,
    kind           TEXT   NOT NULL,
    decision       TEXT   NOT NULL,
    reason         TEXT   NOT NULL,
    entry_id       TEXT   NOT NULL,
    lang           TEXT   NOT NULL,
    messages       BIGINT NOT NULL,
    confidence_sum DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (day, channel, direction, kind, decision, reason, entry_id, lang)
);
-- Handled messages not yet stripped to their dedupe key (see store.PruneDone): the index
-- holds only the last days' messages, so the hourly pruning never scans the kept keys.
CREATE INDEX inbound_unstripped ON inbound (received_at) WHERE chat_id <> '';
