-- v23: ticket search and a citizen's linked chats.
--
-- ticket_terms holds the words of each ticket (the citizen's name, question, transcript,
-- follow-ups and the officers' replies), lower-cased with accents folded (store/search.go),
-- so that the console's search looks words up by prefix in an index instead of scanning
-- every ticket. The store fills it as tickets are written; tickets from before this
-- version (terms_indexed = 0) are indexed by the store at its next start.
CREATE TABLE ticket_terms (
    term      TEXT{{BINARY}} NOT NULL,
    ticket_id BIGINT NOT NULL,
    PRIMARY KEY (term, ticket_id)
);
CREATE INDEX ticket_terms_ticket ON ticket_terms (ticket_id);
ALTER TABLE tickets ADD COLUMN terms_indexed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tickets_terms_pending ON tickets (terms_indexed, id);

-- Chats an officer said belong to one citizen (e.g. the same person on WhatsApp and on
-- Telegram): the chats of one citizen share a random citizen number. Balai never links chats
-- by itself; a link is an officer's audited action, and an erasure of the chat removes it.
CREATE TABLE citizen_links (
    channel   TEXT   NOT NULL,
    chat_id   TEXT   NOT NULL,
    citizen   BIGINT NOT NULL,
    linked_by TEXT   NOT NULL DEFAULT '',
    linked_at BIGINT NOT NULL,
    PRIMARY KEY (channel, chat_id)
);
CREATE INDEX citizen_links_citizen ON citizen_links (citizen);
