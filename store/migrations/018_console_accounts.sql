-- v18: console accounts, their sessions, failed sign-ins (throttling shared by replicas) and
-- the console's audit log. A session is stored by the hash of its token; a password by its
-- argon2id hash (PHC string with its parameters).
CREATE TABLE accounts (
    id            {{ID}},
    username      TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    email         TEXT    NOT NULL DEFAULT '',
    oidc_subject  TEXT    NOT NULL DEFAULT '',
    role          TEXT    NOT NULL,
    telegram_id   BIGINT  NOT NULL DEFAULT 0,
    password_hash TEXT    NOT NULL DEFAULT '',
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
CREATE UNIQUE INDEX accounts_email ON accounts (email) WHERE email <> '';
CREATE UNIQUE INDEX accounts_oidc_subject ON accounts (oidc_subject) WHERE oidc_subject <> '';
CREATE UNIQUE INDEX accounts_telegram ON accounts (telegram_id) WHERE telegram_id <> 0;
CREATE TABLE console_sessions (
    token_hash TEXT   PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    csrf       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    seen_at    BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX console_sessions_account ON console_sessions (account_id);
CREATE INDEX console_sessions_seen ON console_sessions (seen_at);
CREATE TABLE login_failures (
    id  {{ID}},
    key TEXT   NOT NULL,
    at  BIGINT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, at);
CREATE TABLE console_audit (
    id     {{ID}},
    at     BIGINT NOT NULL,
    actor  TEXT   NOT NULL DEFAULT '',
    action TEXT   NOT NULL,
    target TEXT   NOT NULL DEFAULT '',
    detail TEXT   NOT NULL DEFAULT '',
    addr   TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX console_audit_at ON console_audit (at);
