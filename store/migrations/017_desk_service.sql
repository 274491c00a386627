-- v17: the desk as one service for the officers' group and the web console: a version per
-- ticket (a stale reply is refused), resolutions, the citizen's last message (WhatsApp's
-- 24-hour window), canned replies, officers' presence on a ticket, and indexes for the
-- console's views.
ALTER TABLE tickets ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN resolution TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN entry_id TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN refer_to TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN last_citizen_at BIGINT;
-- Existing tickets: one version per event so far; the citizen last wrote at the ticket's
-- creation or their last event.
UPDATE tickets SET version = (SELECT COUNT(*) FROM ticket_events e WHERE e.ticket_id = tickets.id);
UPDATE tickets SET last_citizen_at = COALESCE((SELECT MAX(e.created_at) FROM ticket_events e
    WHERE e.ticket_id = tickets.id AND e.actor = 'citizen'), created_at);
-- The console's views: mine, the queue by urgency, overdue, closed (newest first).
CREATE INDEX tickets_assignee ON tickets (assignee, status, due_at);
CREATE INDEX tickets_urgency ON tickets (status, priority, due_at);
CREATE INDEX tickets_closed_at ON tickets (status, closed_at, id);

CREATE TABLE canned_replies (
    id         {{ID}},
    title      TEXT   NOT NULL,
    text       TEXT   NOT NULL,
    category   TEXT   NOT NULL DEFAULT '',
    lang       TEXT   NOT NULL DEFAULT 'id',
    updated_by TEXT   NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL
);

-- An officer viewing (or typing in) a ticket, renewed every few seconds by their page; rows
-- older than the expiry are ignored and pruned.
CREATE TABLE desk_presence (
    ticket_id  BIGINT  NOT NULL,
    officer_id TEXT    NOT NULL,
    name       TEXT    NOT NULL DEFAULT '',
    typing     INTEGER NOT NULL DEFAULT 0,
    at         BIGINT  NOT NULL,
    PRIMARY KEY (ticket_id, officer_id)
);
CREATE INDEX desk_presence_at ON desk_presence (at);
