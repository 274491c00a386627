-- v20: FAQ corpus versions kept in the database (BALAI_CORPUS=db). A version is the complete
-- corpus: its files (entries as the documented Markdown with front matter, and the data files
-- under _balai/), stored by content hash so that versions share what they do not change.
-- At most one version is published at a time; replicas poll its id and are woken on publish.
CREATE TABLE corpus_versions (
    id             {{ID}},
    parent_id      BIGINT NOT NULL DEFAULT 0,
    state          TEXT   NOT NULL,
    author         TEXT   NOT NULL,
    contributors   TEXT   NOT NULL DEFAULT '',
    approver       TEXT   NOT NULL DEFAULT '',
    publisher      TEXT   NOT NULL DEFAULT '',
    rejecter       TEXT   NOT NULL DEFAULT '',
    note           TEXT   NOT NULL DEFAULT '',
    review_note    TEXT   NOT NULL DEFAULT '',
    rollback_of    BIGINT NOT NULL DEFAULT 0,
    entries        INTEGER NOT NULL DEFAULT 0,
    fingerprint    TEXT   NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    submitted_at   BIGINT NOT NULL DEFAULT 0,
    approved_at    BIGINT NOT NULL DEFAULT 0,
    published_at   BIGINT NOT NULL DEFAULT 0,
    superseded_at  BIGINT NOT NULL DEFAULT 0,
    rejected_at    BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX corpus_versions_one_published ON corpus_versions (state) WHERE state = 'published';
CREATE INDEX corpus_versions_state ON corpus_versions (state, id);
CREATE TABLE corpus_blobs (
    hash TEXT PRIMARY KEY,
    data TEXT NOT NULL
);
CREATE TABLE corpus_files (
    version_id BIGINT NOT NULL REFERENCES corpus_versions (id) ON DELETE CASCADE,
    path       TEXT   NOT NULL,
    hash       TEXT   NOT NULL REFERENCES corpus_blobs (hash),
    PRIMARY KEY (version_id, path)
);
