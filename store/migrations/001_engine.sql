-- v1: the conversation engine: accepted messages, conversations, message log, outbox.
CREATE TABLE inbound (
    id          {{ID}},
    channel     TEXT   NOT NULL,
    chat_id     TEXT   NOT NULL,
    ext_key     TEXT   NOT NULL,
    payload     TEXT   NOT NULL,
    received_at BIGINT NOT NULL,
    handled_at  BIGINT,
    owner       TEXT,
    lease_until BIGINT,
    UNIQUE (channel, ext_key)
);
CREATE INDEX inbound_pending ON inbound (id) WHERE handled_at IS NULL;

CREATE TABLE conversations (
    channel    TEXT   NOT NULL,
    chat_id    TEXT   NOT NULL,
    state      TEXT   NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (channel, chat_id)
);

CREATE TABLE message_log (
    id         {{ID}},
    channel    TEXT   NOT NULL,
    chat_id    TEXT   NOT NULL,
    inbound_id BIGINT,
    direction  TEXT   NOT NULL,
    kind       TEXT   NOT NULL,
    text       TEXT   NOT NULL,
    decision   TEXT   NOT NULL DEFAULT '',
    reason     TEXT   NOT NULL DEFAULT '',
    entry_id   TEXT   NOT NULL DEFAULT '',
    confidence DOUBLE PRECISION NOT NULL DEFAULT 0,
    lang       TEXT   NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX message_log_chat ON message_log (channel, chat_id, id);
CREATE INDEX message_log_time ON message_log (created_at);

CREATE TABLE outbox (
    id          {{ID}},
    channel     TEXT    NOT NULL,
    chat_id     TEXT    NOT NULL,
    inbound_id  BIGINT,
    payload     TEXT    NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'pending',
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT    NOT NULL DEFAULT '',
    external_id TEXT    NOT NULL DEFAULT '',
    ref         TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL,
    sent_at     BIGINT,
    not_before  BIGINT  NOT NULL DEFAULT 0,
    owner       TEXT,
    lease_until BIGINT
);
CREATE INDEX outbox_pending ON outbox (id) WHERE state = 'pending';
CREATE INDEX outbox_chat ON outbox (channel, chat_id, id);
CREATE INDEX outbox_external ON outbox (channel, chat_id, external_id);
