package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/balai-id/balai"
)

// Apply commits an officer's action on a ticket with its events and messages; see
// desk.ServiceStore.
func (db *DB) Apply(ctx context.Context, a balai.TicketAction) (balai.Ticket, []balai.StoredOutgoing, error) {
	var t balai.Ticket
	var items []balai.StoredOutgoing
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if t, err = db.ApplyTx(ctx, tx, a); err != nil {
			return err
		}
		items, err = db.enqueue(ctx, tx, a.Out, 0, a.At)
		return err
	})
	if err != nil {
		return t, nil, err
	}
	return t, items, nil
}

// ApplyTx is Apply within a caller's transaction (a turn); a.Out is left to the caller.
func (db *DB) ApplyTx(ctx context.Context, tx balai.Tx, a balai.TicketAction) (balai.Ticket, error) {
	if err := db.lockEvents(ctx, tx); err != nil {
		return balai.Ticket{}, fmt.Errorf("store: ticket %d: %w", a.ID, err)
	}
	at := a.At
	if at.IsZero() && len(a.Events) > 0 {
		at = a.Events[0].At
	}
	args := []any{db.ms(at), a.ID}
	sets := []string{"activity_at = $1"}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	add := func(col string, v any) { sets = append(sets, col+" = "+arg(v)) }
	if a.To != "" {
		add("status", string(a.To))
		switch a.To {
		case balai.Claimed:
			add("claimed_at", db.ms(at))
		case balai.Answered:
			add("answered_at", db.ms(at))
		case balai.Closed:
			add("closed_at", db.ms(at))
		case balai.Open:
			sets = append(sets, "closed_at = NULL")
		}
	}
	set := a.Set
	if set.Answer != "" {
		add("answer", set.Answer)
	}
	if set.Assignee != "" {
		add("assignee", set.Assignee)
		add("assignee_name", set.AssigneeName)
	}
	if set.ClearClaim {
		sets = append(sets, "assignee = ''", "assignee_name = ''", "claimed_at = NULL")
	}
	if set.Rating != 0 {
		add("rating", set.Rating)
	}
	if set.Category != "" {
		add("category", set.Category)
	}
	if set.ClearResolution {
		sets = append(sets, "resolution = ''", "refer_to = ''")
	}
	if set.Resolution != "" {
		add("resolution", string(set.Resolution))
		add("refer_to", set.ReferTo)
	}
	if set.EntryID != "" {
		add("entry_id", set.EntryID)
	}
	where := "id = $2"
	if len(a.From) > 0 {
		var in []string
		for _, s := range a.From {
			in = append(in, arg(string(s)))
		}
		where += " AND status IN (" + strings.Join(in, ", ") + ")"
	}
	if a.Version != 0 {
		where += " AND version = " + arg(a.Version)
	}
	res, err := tx.ExecContext(ctx, `UPDATE tickets SET `+strings.Join(sets, ", ")+` WHERE `+where, args...)
	if err != nil {
		return balai.Ticket{}, fmt.Errorf("store: ticket %d: %w", a.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		var c int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets WHERE id = $1`, a.ID).Scan(&c); err != nil {
			return balai.Ticket{}, fmt.Errorf("store: ticket %d: %w", a.ID, err)
		}
		if c == 0 {
			return balai.Ticket{}, balai.ErrTicketNotFound
		}
		return balai.Ticket{}, balai.ErrConflict
	}
	for _, ev := range a.Events {
		ev.TicketID = a.ID
		if err := addEvent(ctx, tx, db, ev); err != nil {
			return balai.Ticket{}, fmt.Errorf("store: ticket %d event: %w", a.ID, err)
		}
	}
	t, err := scanTicket(tx.QueryRowContext(ctx, qTicket, a.ID))
	if err != nil {
		return t, fmt.Errorf("store: ticket %d: %w", a.ID, err)
	}
	return t, nil
}

// likeEscape escapes LIKE's wildcards in s (with \ as the escape character).
var likeEscape = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// listWhere builds the conditions of a desk filter; args holds $1.. as it grows. byNumber:
// the query is the number of an existing ticket, which it selects alone.
func (db *DB) listWhere(f balai.TicketFilter, byNumber bool, args *[]any) string {
	arg := func(v any) string {
		*args = append(*args, v)
		return "$" + strconv.Itoa(len(*args))
	}
	var conds []string
	switch f.View {
	case balai.ViewMine:
		conds = append(conds, "assignee = "+arg(f.Officer), "status <> 'closed'")
	case balai.ViewUnassigned:
		conds = append(conds, "status = 'open'")
	case balai.ViewOverdue:
		conds = append(conds, "status IN ('open', 'claimed')", "due_at <= "+arg(db.ms(f.Now)))
	case balai.ViewClosed:
		conds = append(conds, "status = 'closed'")
	case balai.ViewAll:
	default: // open
		conds = append(conds, "status <> 'closed'")
	}
	if f.Channel != "" {
		conds = append(conds, "channel = "+arg(string(f.Channel)))
	}
	if f.Category != "" {
		conds = append(conds, "category = "+arg(f.Category))
	}
	switch f.Priority {
	case "urgent":
		conds = append(conds, "priority > 0")
	case "normal":
		conds = append(conds, "priority = 0")
	}
	switch f.SLA {
	case balai.SLAOK:
		conds = append(conds, "status IN ('open', 'claimed')", "due_at > "+arg(db.ms(f.Soon)))
	case balai.SLASoon:
		conds = append(conds, "status IN ('open', 'claimed')", "due_at > "+arg(db.ms(f.Now)), "due_at <= "+arg(db.ms(f.Soon)))
	case balai.SLAOverdue:
		conds = append(conds, "status IN ('open', 'claimed')", "due_at <= "+arg(db.ms(f.Now)))
	case balai.SLANone:
		conds = append(conds, "status IN ('answered', 'closed')")
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		if byNumber {
			conds = append(conds, "id = "+arg(f.Number))
		} else if match, ok := db.searchCond(q, arg); ok {
			conds = append(conds, match)
		} else {
			// No word at all (punctuation): the text as typed, anywhere, by a scan.
			var words []string
			for _, w := range strings.Fields(strings.ToLower(q)) {
				p := arg("%" + likeEscape.Replace(w) + "%")
				words = append(words, `(LOWER(question) LIKE `+p+` ESCAPE '\' OR LOWER(transcript) LIKE `+p+
					` ESCAPE '\' OR LOWER(user_name) LIKE `+p+` ESCAPE '\')`)
			}
			conds = append(conds, strings.Join(words, " AND "))
		}
	}
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// List returns a page of the tickets a desk filter selects; see desk.ServiceStore. A query
// that reads as the number of an existing ticket (f.Number) selects that ticket alone;
// otherwise each of its words must begin a word of the ticket (search.go).
func (db *DB) List(ctx context.Context, f balai.TicketFilter) ([]balai.Ticket, int, error) {
	byNumber := false
	if f.Number > 0 && strings.TrimSpace(f.Query) != "" {
		var n int
		if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets WHERE id = $1`, f.Number).Scan(&n); err != nil {
			return nil, 0, fmt.Errorf("store: list tickets: %w", err)
		}
		byNumber = n > 0
	}
	var args []any
	where := db.listWhere(f, byNumber, &args)
	var total int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: list tickets: %w", err)
	}
	order := "priority DESC, due_at, id"
	switch f.View {
	case balai.ViewClosed:
		order = "closed_at DESC, id DESC"
	case balai.ViewAll:
		order = "id DESC"
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	args = append(args, limit, max(f.Offset, 0))
	rows, err := db.r.QueryContext(ctx, `SELECT `+ticketColumns+` FROM tickets`+where+` ORDER BY `+order+
		` LIMIT $`+strconv.Itoa(len(args)-1)+` OFFSET $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list tickets: %w", err)
	}
	ts, err := scanTickets(rows)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list tickets: %w", err)
	}
	return ts, total, nil
}

// Counts counts the tickets of each view; see desk.ServiceStore.
func (db *DB) Counts(ctx context.Context, officer string, now time.Time) (map[balai.TicketView]int, error) {
	var mine, unassigned, open, overdue, closed, all int64
	err := db.r.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN assignee = $1 AND status <> 'closed' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status <> 'closed' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status IN ('open', 'claimed') AND due_at <= $2 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END), 0),
		COUNT(*)
		FROM tickets`, officer, db.ms(now)).Scan(&mine, &unassigned, &open, &overdue, &closed, &all)
	if err != nil {
		return nil, fmt.Errorf("store: ticket counts: %w", err)
	}
	return map[balai.TicketView]int{balai.ViewMine: int(mine), balai.ViewUnassigned: int(unassigned), balai.ViewOpen: int(open),
		balai.ViewOverdue: int(overdue), balai.ViewClosed: int(closed), balai.ViewAll: int(all)}, nil
}

// Changes returns the audit events after seq after: their ids, which become visible in
// increasing order (lockEvents); see desk.ServiceStore.
func (db *DB) Changes(ctx context.Context, after int64, limit int) ([]balai.TicketChange, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, ticket_id, action FROM ticket_events WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: changes: %w", err)
	}
	defer rows.Close()
	var out []balai.TicketChange
	for rows.Next() {
		var c balai.TicketChange
		if err := rows.Scan(&c.Seq, &c.TicketID, &c.Action); err != nil {
			return nil, fmt.Errorf("store: changes: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ChatTickets returns a chat's tickets, newest first; see desk.ServiceStore.
func (db *DB) ChatTickets(ctx context.Context, chat balai.ChatRef, limit int) ([]balai.Ticket, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE channel = $1 AND chat_id = $2
		ORDER BY id DESC LIMIT $3`, string(chat.Channel), chat.ID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: chat tickets: %w", err)
	}
	return scanTickets(rows)
}

// ChatLog returns a chat's last messages with what the engine decided; see
// desk.ServiceStore.
func (db *DB) ChatLog(ctx context.Context, chat balai.ChatRef, limit int) ([]balai.HistoryLine, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT m.direction, `+logTextCol+`, m.decision, m.reason, m.entry_id, m.confidence, m.created_at
		FROM message_log m`+logTextJoin+` WHERE m.channel = $1 AND m.chat_id = $2 ORDER BY m.id DESC LIMIT $3`, string(chat.Channel), chat.ID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: chat log: %w", err)
	}
	defer rows.Close()
	var out []balai.HistoryLine
	for rows.Next() {
		l := balai.HistoryLine{Chat: chat}
		var dir string
		var at int64
		if err := rows.Scan(&dir, &l.Text, &l.Decision, &l.Reason, &l.EntryID, &l.Confidence, &at); err != nil {
			return nil, fmt.Errorf("store: chat log: %w", err)
		}
		l.From, l.At = "citizen", time.UnixMilli(at)
		if dir == "out" {
			l.From = "bot"
		}
		out = append(out, l)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, rows.Err()
}

// SetPresence records an officer on a ticket; see desk.ServiceStore. Presences older than
// an hour are pruned on the way.
func (db *DB) SetPresence(ctx context.Context, id int64, p balai.Presence) error {
	typing := 0
	if p.Typing {
		typing = 1
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO desk_presence (ticket_id, officer_id, name, typing, at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (ticket_id, officer_id) DO UPDATE SET name = excluded.name, typing = excluded.typing, at = excluded.at`,
			id, p.Officer, p.Name, typing, db.ms(p.At)); err != nil {
			return fmt.Errorf("store: presence: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM desk_presence WHERE at < $1`, db.ms(p.At.Add(-time.Hour))); err != nil {
			return fmt.Errorf("store: presence: %w", err)
		}
		return nil
	})
}

// Present returns the officers on a ticket since a time; see desk.ServiceStore.
func (db *DB) Present(ctx context.Context, id int64, since time.Time) ([]balai.Presence, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT officer_id, name, typing, at FROM desk_presence WHERE ticket_id = $1 AND at >= $2
		ORDER BY at, officer_id`, id, db.ms(since))
	if err != nil {
		return nil, fmt.Errorf("store: presence: %w", err)
	}
	defer rows.Close()
	var out []balai.Presence
	for rows.Next() {
		var p balai.Presence
		var typing int
		var at int64
		if err := rows.Scan(&p.Officer, &p.Name, &typing, &at); err != nil {
			return nil, fmt.Errorf("store: presence: %w", err)
		}
		p.Typing, p.At = typing != 0, time.UnixMilli(at)
		out = append(out, p)
	}
	return out, rows.Err()
}

const cannedColumns = `id, title, text, category, lang, updated_by, updated_at`

func scanCanned(r rowScanner) (balai.CannedReply, error) {
	var c balai.CannedReply
	var at int64
	err := r.Scan(&c.ID, &c.Title, &c.Text, &c.Category, &c.Lang, &c.UpdatedBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return c, balai.ErrCannedNotFound
	}
	c.UpdatedAt = time.UnixMilli(at)
	return c, err
}

// CannedReplies lists the canned replies by title; see desk.ServiceStore.
func (db *DB) CannedReplies(ctx context.Context) ([]balai.CannedReply, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+cannedColumns+` FROM canned_replies ORDER BY title, id`)
	if err != nil {
		return nil, fmt.Errorf("store: canned replies: %w", err)
	}
	defer rows.Close()
	var out []balai.CannedReply
	for rows.Next() {
		c, err := scanCanned(rows)
		if err != nil {
			return nil, fmt.Errorf("store: canned replies: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SaveCanned creates or updates a canned reply; see desk.ServiceStore.
func (db *DB) SaveCanned(ctx context.Context, c balai.CannedReply) (balai.CannedReply, error) {
	var out balai.CannedReply
	var err error
	if c.ID == 0 {
		out, err = scanCanned(db.w.QueryRowContext(ctx, `INSERT INTO canned_replies (title, text, category, lang, updated_by, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+cannedColumns, c.Title, c.Text, c.Category, c.Lang, c.UpdatedBy, db.ms(c.UpdatedAt)))
	} else {
		out, err = scanCanned(db.w.QueryRowContext(ctx, `UPDATE canned_replies SET title = $1, text = $2, category = $3, lang = $4,
			updated_by = $5, updated_at = $6 WHERE id = $7 RETURNING `+cannedColumns, c.Title, c.Text, c.Category, c.Lang, c.UpdatedBy, db.ms(c.UpdatedAt), c.ID))
	}
	if err != nil {
		return out, fmt.Errorf("store: save canned reply: %w", err)
	}
	return out, nil
}

// DeleteCanned deletes a canned reply; see desk.ServiceStore.
func (db *DB) DeleteCanned(ctx context.Context, id int64) error {
	res, err := db.w.ExecContext(ctx, `DELETE FROM canned_replies WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("store: delete canned reply: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return balai.ErrCannedNotFound
	}
	return nil
}
