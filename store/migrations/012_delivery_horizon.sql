-- v12: deliveries retried up to a horizon. failing_since is when an outbox item's delivery
-- first failed (NULL: it has not failed since it was queued or released from a hold): a
-- transient failure is retried until the horizon after it, whichever process retries. The
-- index serves the backlog metrics (undelivered items by channel and age) without a scan
-- of the sent ones.
ALTER TABLE outbox ADD COLUMN failing_since BIGINT;
CREATE INDEX outbox_undelivered ON outbox (channel, state, created_at) WHERE state IN ('pending', 'held');
