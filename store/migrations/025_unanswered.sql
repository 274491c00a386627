-- v25: the unanswered-questions loop: what editors did with a question the corpus did not
-- answer (dismissed, out of scope, added as a phrasing, answered by a new entry), one row per
-- question (ref: "log:<id>" or "ticket:<id>"; a later action replaces an earlier one). The
-- question's text is kept masked, as the label of an eval file.
CREATE TABLE unanswered_marks (
    ref        TEXT   PRIMARY KEY,
    action     TEXT   NOT NULL,
    entry_id   TEXT   NOT NULL DEFAULT '',
    version_id BIGINT NOT NULL DEFAULT 0,
    question   TEXT   NOT NULL DEFAULT '',
    channel    TEXT   NOT NULL DEFAULT '',
    actor      TEXT   NOT NULL DEFAULT '',
    at         BIGINT NOT NULL
);
CREATE INDEX unanswered_marks_action ON unanswered_marks (action, at);
-- Tickets an officer resolved with an entry: the labelled examples of the eval export.
CREATE INDEX tickets_resolution ON tickets (resolution, closed_at);
