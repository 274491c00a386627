-- v9: citizens' data (UU 27/2022): retention and erasure. erased_at marks tickets whose
-- personal fields were blanked (kept as counts: status, times, category, rating); the indexes
-- find what is older than the retention without scanning, and skip what was blanked before.
ALTER TABLE tickets ADD COLUMN erased_at BIGINT;
CREATE INDEX tickets_unerased ON tickets (activity_at) WHERE erased_at IS NULL;
CREATE INDEX inbound_received ON inbound (received_at);
CREATE INDEX outbox_created ON outbox (created_at);
CREATE INDEX conversations_updated ON conversations (updated_at);
CREATE INDEX message_log_kept ON message_log (created_at) WHERE chat_id <> '';
