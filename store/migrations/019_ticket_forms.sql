-- v19: the forms some tickets carry: a complaint (pengaduan) in SP4N-LAPOR!'s fields or a
-- request for public information (permohonan informasi, UU 14/2008) in the PPID form's, as
-- JSON (citizens' data: blanked when the ticket is erased). An information request's
-- registration number is unique; its sequence per prefix and year comes from form_numbers,
-- incremented in one statement so that replicas never hand out the same number.
CREATE TABLE ticket_forms (
    ticket_id   BIGINT PRIMARY KEY REFERENCES tickets (id),
    kind        TEXT   NOT NULL,
    fields      TEXT   NOT NULL DEFAULT '{}',
    reg_number  TEXT   UNIQUE,
    received_at BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX ticket_forms_received ON ticket_forms (kind, received_at);

CREATE TABLE form_numbers (
    prefix TEXT    NOT NULL,
    year   INTEGER NOT NULL,
    last   BIGINT  NOT NULL,
    PRIMARY KEY (prefix, year)
);
