-- v26: rollups for the console's analytics dashboard (store/analytics.go).
-- analytics_days: citizens' messages (message_log, direction 'in') counted per day of the
-- agency's zone (day is the local midnight's millisecond), channel, decision and reason.
-- analytics_entries: per day, channel and FAQ entry, the answers given with the entry and the
-- 👍/👎 on them. Both are folded from message_log by
-- RollUpAnalytics past analytics_state's watermark (the last message_log id folded); the
-- dashboard adds the few rows past the watermark from message_log itself.
CREATE TABLE analytics_days (
    day      BIGINT NOT NULL,
    channel  TEXT   NOT NULL,
    decision TEXT   NOT NULL,
    reason   TEXT   NOT NULL,
    messages BIGINT NOT NULL,
    PRIMARY KEY (day, channel, decision, reason)
);
CREATE TABLE analytics_entries (
    day      BIGINT NOT NULL,
    channel  TEXT   NOT NULL,
    entry_id TEXT   NOT NULL,
    answers  BIGINT NOT NULL,
    up       BIGINT NOT NULL,
    down     BIGINT NOT NULL,
    PRIMARY KEY (day, channel, entry_id)
);
CREATE TABLE analytics_state (
    name    TEXT   PRIMARY KEY,
    last_id BIGINT NOT NULL
);
INSERT INTO analytics_state (name, last_id) VALUES ('message_log', 0);
-- Messages already compacted into daily counts (before this version) count on the local day
-- of their UTC day's start.
INSERT INTO analytics_days (day, channel, decision, reason, messages)
    SELECT day, channel, decision, reason, SUM(messages) FROM message_counts WHERE direction = 'in'
    GROUP BY day, channel, decision, reason;
-- (Their 👍/👎 were counted without the entry.)
INSERT INTO analytics_entries (day, channel, entry_id, answers, up, down)
    SELECT day, channel, entry_id, SUM(messages), 0, 0 FROM message_counts WHERE direction = 'in' AND decision = 'answer' AND entry_id <> ''
    GROUP BY day, channel, entry_id;
-- Officers' first replies to the tickets opened in a range (those use tickets_created; tickets
-- closed in a range tickets_closed_at).
CREATE INDEX ticket_events_action ON ticket_events (action, created_at, ticket_id);
