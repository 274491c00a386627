-- v21: a ticket's kind (question, complaint, info_request; its form is in ticket_forms) and
-- the last legal deadline of its form when it was opened, for the officers' card and queue.
ALTER TABLE tickets ADD COLUMN kind TEXT NOT NULL DEFAULT 'question';
ALTER TABLE tickets ADD COLUMN legal_due_at BIGINT;
