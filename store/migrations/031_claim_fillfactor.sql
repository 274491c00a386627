-- v31: room in the pages of the claim tables (PostgreSQL).
--
-- A claim's lease is renewed a few times per lease on every message and reply a process
-- holds (RenewClaims). Over a long backlog (a channel's outage: thousands of undelivered
-- replies) that is thousands of row updates a second; with full pages each one writes a new
-- entry in every index of the table, and the table and its eight indexes bloat (407 MB for
-- 22,000 outbox rows in a 6-minute drill). With free room in the page the update is a
-- heap-only tuple (lease_until is in no index) that PostgreSQL prunes in place. The setting
-- applies to pages written from now on; SQLite has no such setting and rewrites rows anyway.
{{POSTGRES}} ALTER TABLE outbox SET (fillfactor = 50);
{{POSTGRES}} ALTER TABLE inbound SET (fillfactor = 50);
