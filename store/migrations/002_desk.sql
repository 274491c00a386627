-- v2: the officer desk: tickets and their events (claims, replies, notes, closes: the audit log).
CREATE TABLE tickets (
    id             {{ID}},
    source_key     TEXT    NOT NULL UNIQUE,
    channel        TEXT    NOT NULL,
    chat_id        TEXT    NOT NULL,
    user_name      TEXT    NOT NULL DEFAULT '',
    question       TEXT    NOT NULL,
    transcript     TEXT    NOT NULL DEFAULT '[]',
    reason         TEXT    NOT NULL,
    topic          TEXT    NOT NULL DEFAULT '',
    topic_label    TEXT    NOT NULL DEFAULT '',
    category       TEXT    NOT NULL DEFAULT '',
    candidates     TEXT    NOT NULL DEFAULT '',
    lang           TEXT    NOT NULL DEFAULT 'id',
    status         TEXT    NOT NULL DEFAULT 'open',
    priority       INTEGER NOT NULL DEFAULT 0,
    assignee       TEXT    NOT NULL DEFAULT '',
    assignee_name  TEXT    NOT NULL DEFAULT '',
    created_at     BIGINT  NOT NULL,
    due_at         BIGINT  NOT NULL,
    claimed_at     BIGINT,
    answered_at    BIGINT,
    closed_at      BIGINT,
    activity_at    BIGINT  NOT NULL,
    reminded_at    BIGINT,
    overdue_at     BIGINT,
    rating         INTEGER NOT NULL DEFAULT 0,
    answer         TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX tickets_chat ON tickets (channel, chat_id, id);
CREATE INDEX tickets_status ON tickets (status, due_at);

CREATE TABLE ticket_events (
    id         {{ID}},
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id),
    actor      TEXT   NOT NULL,
    actor_name TEXT   NOT NULL DEFAULT '',
    action     TEXT   NOT NULL,
    detail     TEXT   NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);
