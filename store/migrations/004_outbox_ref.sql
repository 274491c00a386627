-- v4: find a ticket's card (and notices) in the outbox by reference without a scan.
CREATE INDEX outbox_ref ON outbox (ref, id);
