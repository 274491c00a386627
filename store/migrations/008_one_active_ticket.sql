-- v8: identity is (channel, id); one active ticket per chat; cards held back in a flood.
-- Officers were stored by their bare Telegram user id: they are "telegram:<id>" now (see
-- balai.Actor), so an id on another channel can never match one.
UPDATE tickets SET assignee = 'telegram:' || assignee WHERE assignee <> '' AND assignee NOT LIKE '%:%';
UPDATE ticket_events SET actor = 'telegram:' || actor
    WHERE actor NOT IN ('citizen', 'system', '') AND actor NOT LIKE '%:%';
-- A chat has at most one ticket that is not closed. Before, /petugas or a thumbs-down could
-- open several: the newest stays (it is the one that took the chat's messages), the older
-- ones are closed, with the reason in their audit log.
INSERT INTO ticket_events (ticket_id, actor, action, detail, created_at)
    SELECT t.id, 'system', 'closed', 'merged: the chat has a newer open ticket', t.activity_at FROM tickets t
    WHERE t.status <> 'closed' AND EXISTS (SELECT 1 FROM tickets n
        WHERE n.channel = t.channel AND n.chat_id = t.chat_id AND n.status <> 'closed' AND n.id > t.id);
UPDATE tickets SET status = 'closed', closed_at = activity_at
    WHERE status <> 'closed' AND EXISTS (SELECT 1 FROM tickets n
        WHERE n.channel = tickets.channel AND n.chat_id = tickets.chat_id AND n.status <> 'closed' AND n.id > tickets.id);
CREATE UNIQUE INDEX tickets_one_active ON tickets (channel, chat_id) WHERE status <> 'closed';
-- Tickets per hour per chat and cards per minute are counted by creation time.
CREATE INDEX tickets_created ON tickets (created_at);
-- card_held: 0 the card was posted; 1 held back by the officers' chat's card limit, waiting
-- for the summary post; 2 held back and listed in a summary.
ALTER TABLE tickets ADD COLUMN card_held INTEGER NOT NULL DEFAULT 0;
