-- v16: replies of a chat in order across processes. A new outbox item joins the owner of its
-- chat's oldest undelivered item (store/engine.go), and a claim takes a chat's items only
-- from its oldest undelivered one: both look that item up by chat without a scan of the
-- chat's delivered items.
CREATE INDEX outbox_chat_pending ON outbox (channel, chat_id, id) WHERE state = 'pending';
