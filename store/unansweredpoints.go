package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/balai-id/balai"
)

// The unanswered questions' clusters, kept incrementally (migration 028): unanswered_points
// holds every unanswered question with its cluster; unanswered_state the watermarks of the
// message log, the tickets and their events it was derived up to, and the points' epoch,
// version and last order. SyncUnanswered brings it up to date under a lock, so that one
// process at a time clusters the news and every replica reads the same clusters.

// pointsLock serializes the syncs on PostgreSQL (SQLite has one writer at a time).
const pointsLock = 774415

// pointsLag is how far back before the last sync the log's rows are looked at again: a
// PostgreSQL transaction may commit a row with a lower id than one already synced.
const pointsLag = time.Minute

// pointsFullChats is the number of chats with news past which a sync derives all the
// questions at once (one scan) rather than chat by chat.
const pointsFullChats = 300

// pointColumns are the columns scanPoint reads.
const pointColumns = `ref, seq, version, cluster, channel, chat_id, ticket_id, source, at, text, entry_id, answer, resolution, category, terms`

func scanPoint(rows *sql.Rows) (balai.UnansweredPoint, error) {
	var p balai.UnansweredPoint
	var channel, source, resolution string
	var at int64
	err := rows.Scan(&p.Ref, &p.Seq, &p.Version, &p.Cluster, &channel, &p.Chat, &p.TicketID, &source, &at, &p.Text, &p.EntryID,
		&p.Answer, &resolution, &p.Category, &p.Terms)
	p.Channel, p.Source, p.Resolution, p.At = balai.Channel(channel), balai.AskSource(source), balai.ResolutionKind(resolution), time.UnixMilli(at)
	return p, err
}

type pointsWatermark struct {
	state                    balai.PointsState
	logID, ticketID, event   int64
	syncedAt                 int64
	maxLog, maxTicket, maxEv int64
}

// readPointsState reads the stored state and the newest ids of the log, tickets and events.
func readPointsState(ctx context.Context, q interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}) (pointsWatermark, error) {
	var w pointsWatermark
	err := q.QueryRowContext(ctx, `SELECT log_id, ticket_id, event_id, synced_at, epoch, version, seq,
		(SELECT COALESCE(MAX(id), 0) FROM message_log), (SELECT COALESCE(MAX(id), 0) FROM tickets), (SELECT COALESCE(MAX(id), 0) FROM ticket_events)
		FROM unanswered_state WHERE name = 'points'`).
		Scan(&w.logID, &w.ticketID, &w.event, &w.syncedAt, &w.state.Epoch, &w.state.Version, &w.state.Seq, &w.maxLog, &w.maxTicket, &w.maxEv)
	return w, err
}

// news reports whether rows were added to the log, tickets or events since the last sync.
func (w pointsWatermark) news() bool {
	return w.maxLog > w.logID || w.maxTicket > w.ticketID || w.maxEv > w.event
}

// UnansweredPointsState returns the clustering's stored state and whether the message log
// or the tickets have news since its last sync.
func (db *DB) UnansweredPointsState(ctx context.Context) (balai.PointsState, bool, error) {
	w, err := readPointsState(ctx, db.r)
	if err != nil {
		return balai.PointsState{}, false, fmt.Errorf("store: unanswered points state: %w", err)
	}
	return w.state, w.news(), nil
}

// SyncUnanswered brings the clustering's points up to date for a caller holding the points
// of have (zero: none). From one snapshot of the database it reads the points changed since
// have (all of them when have's epoch is not the stored one) and the current unanswered
// questions of the chats with news in the log or the tickets since the last sync (all the
// questions on the first sync, or past pointsFullChats chats), and hands them to fn; then it
// stores the points fn returns (new ones, changed ones, and left ones with Cluster "") with
// the next version, advancing the watermarks, unless another process stored a sync (or
// deleted points) since the snapshot: then it returns an error wrapping balai.ErrPointsMoved,
// and the caller's model holds changes that were not stored. Without news it only reads the
// changed points (fn's returned points must then be none). It returns the state the caller
// now has.
func (db *DB) SyncUnanswered(ctx context.Context, have balai.PointsState, fn func(balai.PointsDelta) ([]balai.UnansweredPoint, error)) (balai.PointsState, error) {
	w, err := readPointsState(ctx, db.r)
	if err != nil {
		return have, fmt.Errorf("store: sync unanswered: %w", err)
	}
	if !w.news() {
		if w.state == have {
			return have, nil
		}
		// The points are read after the state: they may be newer than it, never older (a
		// point read again later replaces itself).
		d := balai.PointsDelta{State: w.state}
		d.Reload, d.Points, err = changedPoints(ctx, db.r, have, w.state)
		if err != nil {
			return have, fmt.Errorf("store: sync unanswered: %w", err)
		}
		if _, err := fn(d); err != nil {
			return have, err
		}
		return d.State, nil
	}
	// The news is read and clustered outside the write lock (the first sync clusters the
	// whole log, which takes a while; SQLite's writer is the bot's too), then stored if no
	// other process stored a sync meanwhile (compare-and-set on the state).
	var d balai.PointsDelta
	err = db.snapshot(ctx, func(tx *sql.Tx) error {
		w, err = readPointsState(ctx, tx)
		if err != nil {
			return err
		}
		d.State = w.state
		d.Reload, d.Points, err = changedPoints(ctx, tx, have, w.state)
		if err != nil {
			return err
		}
		d.Chats, err = newsChats(ctx, tx, w)
		if err != nil {
			return err
		}
		d.Full = w.logID == 0 && w.ticketID == 0 && w.event == 0 || len(d.Chats) > pointsFullChats
		if d.Full {
			d.Chats = nil
			d.Asked, err = askedQuestions(ctx, tx, 0, math.MaxInt64, nil)
			return err
		}
		for _, c := range d.Chats {
			qs, err := askedQuestions(ctx, tx, 0, math.MaxInt64, &c)
			if err != nil {
				return err
			}
			d.Asked = append(d.Asked, qs...)
		}
		return nil
	})
	if err != nil {
		return have, fmt.Errorf("store: sync unanswered: %w", err)
	}
	ps, err := fn(d)
	if err != nil {
		return have, err
	}
	out := w.state
	if len(ps) > 0 {
		out.Version++
	}
	for _, p := range ps {
		out.Seq = max(out.Seq, p.Seq)
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if db.dialect == Postgres { // SQLite's transactions begin with the write lock
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, pointsLock); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE unanswered_state SET log_id = $1, ticket_id = $2, event_id = $3, synced_at = $4, version = $5, seq = $6
			WHERE name = 'points' AND epoch = $7 AND version = $8 AND log_id = $9 AND ticket_id = $10 AND event_id = $11`,
			w.maxLog, w.maxTicket, w.maxEv, db.ms(db.now()), out.Version, out.Seq, w.state.Epoch, w.state.Version, w.logID, w.ticketID, w.event)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return balai.ErrPointsMoved
		}
		for i := 0; i < len(ps); i += pointsBatch {
			if err := putPoints(ctx, tx, ps[i:min(len(ps), i+pointsBatch)], out.Version); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return have, fmt.Errorf("store: sync unanswered: %w", err)
	}
	return out, nil
}

// snapshot runs fn in a read-only transaction that sees one state of the database.
func (db *DB) snapshot(ctx context.Context, fn func(*sql.Tx) error) error {
	var opts *sql.TxOptions
	if db.dialect == Postgres {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	tx, err := db.r.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(tx)
}

// changedPoints reads the points changed since have (all when its epoch is not st's).
func changedPoints(ctx context.Context, tx queryer, have, st balai.PointsState) (reload bool, out []balai.UnansweredPoint, err error) {
	reload = have.Epoch != st.Epoch
	q, args := `SELECT `+pointColumns+` FROM unanswered_points WHERE cluster <> '' ORDER BY seq`, []any(nil)
	if !reload {
		q, args = `SELECT `+pointColumns+` FROM unanswered_points WHERE version > $1 ORDER BY seq`, []any{have.Version}
	}
	err = eachRow(ctx, tx, q, args, func(rows *sql.Rows) error {
		p, err := scanPoint(rows)
		out = append(out, p)
		return err
	})
	return reload, out, err
}

// newsChats lists the chats with rows in the log past the watermark (or logged since
// pointsLag before the last sync), with tickets past it, or with ticket events past it.
func newsChats(ctx context.Context, tx *sql.Tx, w pointsWatermark) ([]balai.ChatRef, error) {
	seen := map[balai.ChatRef]bool{}
	var out []balai.ChatRef
	add := func(rows *sql.Rows) error {
		var c balai.ChatRef
		var ch string
		if err := rows.Scan(&ch, &c.ID); err != nil {
			return err
		}
		c.Channel = balai.Channel(ch)
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
		return nil
	}
	if w.logID == 0 && w.ticketID == 0 && w.event == 0 {
		return nil, nil // the first sync derives everything
	}
	for _, q := range []struct {
		query string
		args  []any
	}{
		{`SELECT DISTINCT channel, chat_id FROM message_log WHERE id > $1 AND direction = 'in' AND chat_id <> ''`, []any{w.logID}},
		{`SELECT DISTINCT channel, chat_id FROM message_log WHERE created_at >= $1 AND id <= $2 AND direction = 'in' AND chat_id <> ''`, []any{w.syncedAt - pointsLag.Milliseconds(), w.logID}},
		{`SELECT DISTINCT channel, chat_id FROM tickets WHERE id > $1 AND chat_id <> ''`, []any{w.ticketID}},
		{`SELECT DISTINCT t.channel, t.chat_id FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE e.id > $1 AND t.chat_id <> ''`, []any{w.event}},
	} {
		if err := eachRow(ctx, tx, q.query, q.args, add); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b balai.ChatRef) int {
		if c := strings.Compare(string(a.Channel), string(b.Channel)); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// pointsBatch is how many points one statement stores.
const pointsBatch = 200

// putPoints stores ps at version; a point with Cluster "" is kept blank.
func putPoints(ctx context.Context, tx *sql.Tx, ps []balai.UnansweredPoint, version int64) error {
	var q strings.Builder
	q.WriteString(`INSERT INTO unanswered_points (ref, seq, version, cluster, channel, chat_id, log_id, ticket_id, source, at, text, entry_id, answer, resolution, category, terms) VALUES `)
	args := make([]any, 0, 16*len(ps))
	for i, p := range ps {
		var logID int64
		if id, ok := strings.CutPrefix(p.Ref, "log:"); ok {
			logID, _ = strconv.ParseInt(id, 10, 64)
		}
		if p.Cluster == "" {
			p = balai.UnansweredPoint{AskedQuestion: balai.AskedQuestion{Ref: p.Ref, TicketID: p.TicketID, At: p.At}, Seq: p.Seq}
		}
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteByte('(')
		for k := range 16 {
			if k > 0 {
				q.WriteString(", ")
			}
			q.WriteString("$" + strconv.Itoa(len(args)+k+1))
		}
		q.WriteByte(')')
		args = append(args, p.Ref, p.Seq, version, p.Cluster, string(p.Channel), p.Chat, logID, p.TicketID, string(p.Source), p.At.UnixMilli(), p.Text, p.EntryID,
			p.Answer, string(p.Resolution), p.Category, p.Terms)
	}
	q.WriteString(` ON CONFLICT (ref) DO UPDATE SET seq = excluded.seq, version = excluded.version, cluster = excluded.cluster, channel = excluded.channel,
		chat_id = excluded.chat_id, log_id = excluded.log_id, ticket_id = excluded.ticket_id, source = excluded.source, at = excluded.at,
		text = excluded.text, entry_id = excluded.entry_id, answer = excluded.answer, resolution = excluded.resolution,
		category = excluded.category, terms = excluded.terms`)
	if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
		return fmt.Errorf("points %s…: %w", ps[0].Ref, err)
	}
	return nil
}

// deletePoints deletes the points where cond holds (args its arguments) in tx and, when it
// deleted some, changes the epoch: every reader reloads the points.
func deletePoints(ctx context.Context, tx *sql.Tx, cond string, args ...any) error {
	res, err := tx.ExecContext(ctx, `DELETE FROM unanswered_points WHERE `+cond, args...)
	if err != nil {
		return fmt.Errorf("unanswered points: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE unanswered_state SET epoch = epoch + 1 WHERE name = 'points'`); err != nil {
			return fmt.Errorf("unanswered points: %w", err)
		}
	}
	return nil
}
