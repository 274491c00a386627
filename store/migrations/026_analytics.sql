-- v26: rollups for the console's analytics dashboard (store/analytics.go).
-- analytics_hours: citizens' messages (message_log, direction 'in') counted per UTC hour
-- (hour is the hour's first millisecond; a local day of any whole-hour zone is 24 of them),
-- channel, decision and reason. analytics_entries: per UTC hour, channel and FAQ entry, the
-- answers given with the entry and the 👍/👎 on them. Both are folded from message_log by
-- RollUpAnalytics past analytics_state's watermark (the last message_log id folded); the
-- dashboard adds the few rows past the watermark from message_log itself.
CREATE TABLE analytics_hours (
    hour     BIGINT NOT NULL,
    channel  TEXT   NOT NULL,
    decision TEXT   NOT NULL,
    reason   TEXT   NOT NULL,
    messages BIGINT NOT NULL,
    PRIMARY KEY (hour, channel, decision, reason)
);
CREATE TABLE analytics_entries (
    hour     BIGINT NOT NULL,
    channel  TEXT   NOT NULL,
    entry_id TEXT   NOT NULL,
    answers  BIGINT NOT NULL,
    up       BIGINT NOT NULL,
    down     BIGINT NOT NULL,
    PRIMARY KEY (hour, channel, entry_id)
);
CREATE TABLE analytics_state (
    name    TEXT   PRIMARY KEY,
    last_id BIGINT NOT NULL
);
INSERT INTO analytics_state (name, last_id) VALUES ('message_log', 0);
-- Messages already compacted into daily counts (before this version) count at their UTC
-- day's first hour.
INSERT INTO analytics_hours (hour, channel, decision, reason, messages)
    SELECT day, channel, decision, reason, SUM(messages) FROM message_counts WHERE direction = 'in'
    GROUP BY day, channel, decision, reason;
-- (Their 👍/👎 were counted without the entry.)
INSERT INTO analytics_entries (hour, channel, entry_id, answers, up, down)
    SELECT day, channel, entry_id, SUM(messages), 0, 0 FROM message_counts WHERE direction = 'in' AND decision = 'answer' AND entry_id <> ''
    GROUP BY day, channel, entry_id;
-- A ticket's first officer reply (tickets opened in a range use tickets_created, closed in a
-- range tickets_closed_at).
CREATE INDEX ticket_events_action ON ticket_events (ticket_id, action, created_at);
