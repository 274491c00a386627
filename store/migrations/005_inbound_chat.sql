-- v5: when a chat last wrote (LastInbound, before every WhatsApp Cloud send) without scanning
-- the channel's whole intake.
CREATE INDEX inbound_chat ON inbound (channel, chat_id, received_at);
