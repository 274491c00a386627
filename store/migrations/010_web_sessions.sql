-- v10: web chat sessions, by chat id (the hash of the browser's token; the token itself is
-- never stored). A session ends when the citizen ends it or after an idle time.
CREATE TABLE web_sessions (
    chat_id    TEXT   PRIMARY KEY,
    created_at BIGINT NOT NULL,
    seen_at    BIGINT NOT NULL,
    ended_at   BIGINT
);
CREATE INDEX web_sessions_seen ON web_sessions (seen_at);
