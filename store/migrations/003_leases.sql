-- v3: leases: which process holds a singleton resource (the WhatsApp session).
CREATE TABLE leases (
    name        TEXT   PRIMARY KEY,
    owner       TEXT   NOT NULL,
    expires_at  BIGINT NOT NULL
);
