package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/balai-id/balai"
)

// formFields is how a form's fields are kept: the one of its kind, as JSON.
type formFields struct {
	Complaint   *balai.Complaint   `json:"complaint,omitempty"`
	InfoRequest *balai.InfoRequest `json:"info_request,omitempty"`
}

// SaveForm stores f as the form of its ticket, replacing an earlier version (the fields a
// citizen gave so far, then the complete form, then an officer's verification or
// extension). An information request gets its registration number the first time it is
// saved (prefix, ReceivedAt's year in its own zone, and the next number of that prefix and
// year, unique across replicas); a later save keeps it. f is returned as stored. The kind
// must be a complaint or an information request with its fields; the fields may be
// incomplete (Form.Validate says what is missing).
func (db *DB) SaveForm(ctx context.Context, f balai.Form, prefix string) (balai.Form, error) {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		f, err = db.saveFormTx(ctx, tx, f, prefix)
		return err
	})
	if err != nil {
		return f, fmt.Errorf("store: save form of ticket %d: %w", f.TicketID, err)
	}
	return f, nil
}

// saveFormTx is SaveForm in the caller's transaction (CreateTicketWith stores a ticket and
// its form together).
func (db *DB) saveFormTx(ctx context.Context, tx *sql.Tx, f balai.Form, prefix string) (balai.Form, error) {
	switch {
	case f.Kind == balai.KindComplaint && f.Complaint != nil && f.InfoRequest == nil:
	case f.Kind == balai.KindInfoRequest && f.InfoRequest != nil && f.Complaint == nil:
		r := *f.InfoRequest // the caller's form stays as it was
		f.InfoRequest = &r
	default:
		return f, fmt.Errorf("a %q form without its fields", f.Kind)
	}
	if f.ReceivedAt.IsZero() {
		return f, errors.New("no time received")
	}
	var number sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT reg_number FROM ticket_forms WHERE ticket_id = $1`, f.TicketID).Scan(&number)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return f, err
	}
	if r := f.InfoRequest; r != nil {
		switch {
		case number.String != "":
			r.Number = number.String
		case r.Number == "":
			year := f.ReceivedAt.Year()
			var seq int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO form_numbers (prefix, year, last) VALUES ($1, $2, 1)
				ON CONFLICT (prefix, year) DO UPDATE SET last = form_numbers.last + 1 RETURNING last`, prefix, year).Scan(&seq); err != nil {
				return f, fmt.Errorf("registration number: %w", err)
			}
			r.Number = balai.InfoRequestNumber(prefix, year, seq)
		}
		number = sql.NullString{String: r.Number, Valid: true}
	}
	fields, err := json.Marshal(formFields{Complaint: f.Complaint, InfoRequest: f.InfoRequest})
	if err != nil {
		return f, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO ticket_forms (ticket_id, kind, fields, reg_number, received_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (ticket_id) DO UPDATE SET kind = excluded.kind, fields = excluded.fields,
			reg_number = excluded.reg_number, received_at = excluded.received_at, updated_at = excluded.updated_at`,
		f.TicketID, string(f.Kind), string(fields), number, db.ms(f.ReceivedAt), db.ms(db.now()))
	return f, err
}

const formColumns = `ticket_id, kind, fields, received_at`

func scanForm(r rowScanner) (balai.Form, error) {
	var f balai.Form
	var kind, fields string
	var received int64
	if err := r.Scan(&f.TicketID, &kind, &fields, &received); err != nil {
		return f, err
	}
	f.Kind, f.ReceivedAt = balai.TicketKind(kind), time.UnixMilli(received)
	var ff formFields
	if err := json.Unmarshal([]byte(fields), &ff); err != nil {
		return f, fmt.Errorf("form of ticket %d: %w", f.TicketID, err)
	}
	f.Complaint, f.InfoRequest = ff.Complaint, ff.InfoRequest
	return f, nil
}

// Form returns the form of ticket id, or balai.ErrFormNotFound. The fields of an erased
// citizen's form are gone (nil); its kind, registration number and time received stay.
func (db *DB) Form(ctx context.Context, id int64) (balai.Form, error) {
	f, err := scanForm(db.r.QueryRowContext(ctx, `SELECT `+formColumns+` FROM ticket_forms WHERE ticket_id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return f, fmt.Errorf("store: form of ticket %d: %w", id, balai.ErrFormNotFound)
	}
	if err != nil {
		return f, fmt.Errorf("store: form of ticket %d: %w", id, err)
	}
	return f, nil
}

// FormByNumber returns the information request with registration number n, or
// balai.ErrFormNotFound.
func (db *DB) FormByNumber(ctx context.Context, n string) (balai.Form, error) {
	f, err := scanForm(db.r.QueryRowContext(ctx, `SELECT `+formColumns+` FROM ticket_forms WHERE reg_number = $1`, n))
	if errors.Is(err, sql.ErrNoRows) {
		return f, fmt.Errorf("store: form %s: %w", n, balai.ErrFormNotFound)
	}
	if err != nil {
		return f, fmt.Errorf("store: form %s: %w", n, err)
	}
	return f, nil
}

// Forms returns the forms of kind received from since (included) to until (excluded),
// oldest first (ties by ticket).
func (db *DB) Forms(ctx context.Context, kind balai.TicketKind, since, until time.Time) ([]balai.Form, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+formColumns+` FROM ticket_forms
		WHERE kind = $1 AND received_at >= $2 AND received_at < $3 ORDER BY received_at, ticket_id`,
		string(kind), db.ms(since), db.ms(until))
	if err != nil {
		return nil, fmt.Errorf("store: forms: %w", err)
	}
	defer rows.Close()
	var out []balai.Form
	for rows.Next() {
		f, err := scanForm(rows)
		if err != nil {
			return nil, fmt.Errorf("store: forms: %w", err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: forms: %w", err)
	}
	return out, nil
}
