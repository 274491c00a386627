-- v29: a smaller store per message (issue 11, retention and compaction).
--
-- log_texts: the texts of the replies logged in message_log, each distinct text once (most
-- replies are the same few FAQ answers and notices). A reply's log row names its text by
-- text_id (its own text column stays ''); rows logged before this version keep their text
-- inline. hash is the text's 64-bit FNV-1a (store/logtext.go), to find a text without an
-- index on the text itself. The retention and an erasure delete a text with the last row
-- that names it: on PostgreSQL by the index on text_id, the foreign key refusing to delete a
-- text another replica's turn has just named; on SQLite (one writer) by one pass over the
-- log per purge or erasure, without the index.
CREATE TABLE log_texts (
    id   {{ID}},
    hash BIGINT NOT NULL,
    text TEXT   NOT NULL
);
CREATE INDEX log_texts_hash ON log_texts (hash);
{{POSTGRES}} ALTER TABLE message_log ADD COLUMN text_id BIGINT REFERENCES log_texts (id);
{{POSTGRES}} CREATE INDEX message_log_text ON message_log (text_id) WHERE text_id IS NOT NULL;
{{SQLITE}} ALTER TABLE message_log ADD COLUMN text_id BIGINT;
-- message_log_kept (created_at, rows not erased) duplicated message_log_time: the queries
-- that looked rows up by time among those not erased use message_log_time.
DROP INDEX message_log_kept;

-- ticket_words replaces ticket_terms (one row per word and ticket, with two indexes): each
-- ticket's folded words (store/search.go) in a full-text index, SQLite's FTS5 (contentless:
-- the index alone, the row id is the ticket's; no positions: the search asks for
-- words and prefixes only, and the ascii tokenizer keeps each folded word whole) and
-- PostgreSQL's tsvector with a GIN index.
{{SQLITE}} CREATE VIRTUAL TABLE ticket_words USING fts5 (words, content = '', contentless_delete = 1, detail = none, tokenize = 'ascii');
{{SQLITE}} INSERT INTO ticket_words (rowid, words) SELECT ticket_id, group_concat(term, ' ') FROM ticket_terms GROUP BY ticket_id;
{{POSTGRES}} CREATE TABLE ticket_words (ticket_id BIGINT PRIMARY KEY, words tsvector NOT NULL);
{{POSTGRES}} INSERT INTO ticket_words (ticket_id, words) SELECT ticket_id, array_to_tsvector(array_agg(term)) FROM ticket_terms GROUP BY ticket_id;
{{POSTGRES}} CREATE INDEX ticket_words_words ON ticket_words USING gin (words);
DROP TABLE ticket_terms;
-- Only the few tickets not yet indexed (none once the store has started) need finding.
DROP INDEX tickets_terms_pending;
CREATE INDEX tickets_terms_pending ON tickets (id) WHERE terms_indexed = 0;

-- The analytics' officers' first replies (store/analytics.go) read the 'replied' events only.
CREATE INDEX ticket_events_replied ON ticket_events (created_at, ticket_id) WHERE action = 'replied';
DROP INDEX ticket_events_action;

-- A chat's (or a ticket's) rows are found by the chat (ticket) alone and sorted by id, a few
-- dozen at most: without the unique id in the key, PostgreSQL stores each key once with the
-- list of its rows (B-tree deduplication), a fifth of the size. (SQLite's index entries end
-- with the row id anyway: the same index there.)
DROP INDEX message_log_chat;
CREATE INDEX message_log_chat ON message_log (channel, chat_id);
DROP INDEX tickets_chat;
CREATE INDEX tickets_chat ON tickets (channel, chat_id);
DROP INDEX ticket_events_ticket;
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id);

-- The conversations past the retention are found by a pass over the table (one row per chat,
-- once an hour): without an index on updated_at, PostgreSQL updates a conversation's row in
-- place (HOT) instead of adding an index entry per message.
DROP INDEX conversations_updated;
-- The overdue and SLA lists (status IN ('open', 'claimed') AND due_at …) read tickets_urgency
-- (status, priority, due_at): open tickets are few.
DROP INDEX tickets_status;
