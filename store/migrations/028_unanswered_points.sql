-- v28: the unanswered questions' clusters, kept incrementally (unanswered/incremental.go).
-- unanswered_points: one row per question the corpus did not answer (ref as in
-- unanswered_marks), derived from message_log and tickets past unanswered_state's
-- watermarks, with its cluster (the ref of the cluster's first question), its clustering
-- order (seq), its weighted analysed terms, and the fields the console shows (texts masked).
-- A question that is no longer unanswered (a suggestion taken, a ticket closed as spam) stays
-- as a blank row with cluster '' (so that every replica drops it); the retention and an
-- erasure delete rows outright with their log rows or tickets (and bump the epoch).
CREATE TABLE unanswered_points (
    ref        TEXT   PRIMARY KEY,
    seq        BIGINT NOT NULL,
    version    BIGINT NOT NULL,
    cluster    TEXT   NOT NULL DEFAULT '',
    channel    TEXT   NOT NULL DEFAULT '',
    chat_id    TEXT   NOT NULL DEFAULT '',
    log_id     BIGINT NOT NULL DEFAULT 0,
    ticket_id  BIGINT NOT NULL DEFAULT 0,
    source     TEXT   NOT NULL DEFAULT '',
    at         BIGINT NOT NULL DEFAULT 0,
    text       TEXT   NOT NULL DEFAULT '',
    entry_id   TEXT   NOT NULL DEFAULT '',
    answer     TEXT   NOT NULL DEFAULT '',
    resolution TEXT   NOT NULL DEFAULT '',
    category   TEXT   NOT NULL DEFAULT '',
    terms      TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX unanswered_points_version ON unanswered_points (version);
CREATE INDEX unanswered_points_chat ON unanswered_points (channel, chat_id);
CREATE INDEX unanswered_points_log ON unanswered_points (log_id) WHERE log_id <> 0;
CREATE INDEX unanswered_points_ticket ON unanswered_points (ticket_id) WHERE ticket_id <> 0;
CREATE INDEX unanswered_points_at ON unanswered_points (at);
-- log_id: the last message_log id synced; ticket_id and event_id the last tickets and
-- ticket_events ids; synced_at when (the log's rows since a minute before it are looked at
-- again: a PostgreSQL transaction may commit a lower id late).
CREATE TABLE unanswered_state (
    name      TEXT   PRIMARY KEY,
    log_id    BIGINT NOT NULL,
    ticket_id BIGINT NOT NULL,
    event_id  BIGINT NOT NULL,
    synced_at BIGINT NOT NULL,
    epoch     BIGINT NOT NULL,
    version   BIGINT NOT NULL,
    seq       BIGINT NOT NULL
);
INSERT INTO unanswered_state (name, log_id, ticket_id, event_id, synced_at, epoch, version, seq) VALUES ('points', 0, 0, 0, 0, 1, 0, 0);
