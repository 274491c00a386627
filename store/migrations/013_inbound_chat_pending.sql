-- v13: per-chat order across processes. Accepting a message looks up the oldest unhandled
-- message of its chat (whose owner then handles the new one too), and claims are taken chat
-- by chat: both read only the chat's unhandled messages, not its whole history.
CREATE INDEX inbound_chat_pending ON inbound (channel, chat_id, id) WHERE handled_at IS NULL;
