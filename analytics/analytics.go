// Package analytics computes the console's dashboard: how citizens' questions were handled
// (containment), which FAQ entries answer them and how citizens rated the answers, what went
// unanswered, and how the desk kept its SLA and was rated. Every figure is a count or a
// time: no citizen's name, chat, NIK, phone number or e-mail is read.
//
// The dashboard is a list of Tables; the console's page draws each table as a chart and
// shows it as an accessible table and a CSV file, so all three come from the same numbers.
//
// Definitions (what the figures count):
//   - Days are the agency's calendar days (the working-hours calendar's zone); a range is
//     From to To, both included.
//   - Messages: citizens' messages (the log's inbound rows) per day and channel.
//   - Containment: citizens' questions by the engine's decision: answered (answer, except a
//     pressed suggestion or confirmation, which is the follow-up of a question), confirmed
//     (the engine asked "did you mean…"), suggested, escalated (to an officer, any reason).
//   - Top entries: answers per FAQ entry (any answer, pressed ones included); top
//     categories: the same per entry category (the corpus's).
//   - Unanswered per day: escalations, and suggestions not taken (suggestions that day
//     less the suggestions pressed that day, not below zero).
//   - 👍/👎 per entry: feedback on an entry's answer.
//   - Tickets opened (created that day) and closed (closed that day).
//   - First response: working time from a ticket's creation to the first officer reply, for
//     tickets opened in the range; within SLA when the reply came by the ticket's due time.
//     A ticket still unanswered past its due time counts as outside the SLA; one closed
//     without a reply (spam, cancelled) is not counted. Resolution: working time from
//     creation to closing, for tickets closed in the range, within SLA when closed by the
//     due time. Median and p90 are nearest-rank percentiles, in working hours.
//   - CSAT: ratings (1–5) of tickets closed in the range, by category and by officer:
//     count, mean and the share of 4 and 5.
//   - Queue now: open, claimed, answered (waiting for the citizen) and overdue tickets.
package analytics

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/balai-id/balai"
)

// Store is what the dashboard reads (store.DB implements it).
type Store interface {
	AnalyticsDays(ctx context.Context, f balai.AnalyticsFilter) ([]balai.DayCount, error)
	AnalyticsEntries(ctx context.Context, f balai.AnalyticsFilter) ([]balai.EntryCount, error)
	AnalyticsTickets(ctx context.Context, f balai.AnalyticsFilter) ([]balai.TicketFact, error)
	AnalyticsQueue(ctx context.Context, channel balai.Channel, now time.Time) (balai.QueueCounts, error)
}

// Calendar is the agency's working time (workhours.Calendar).
type Calendar interface {
	Between(a, b time.Time) time.Duration
	Location() *time.Location
}

// Config is what a Service is built from.
type Config struct {
	Store    Store
	Calendar Calendar
	// Category gives an FAQ entry's category ("" when unknown); optional.
	Category func(entryID string) string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Top is how many rows the top lists keep (default 10).
	Top int
}

// Service computes dashboards.
type Service struct{ cfg Config }

// New returns a service over cfg.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Top <= 0 {
		cfg.Top = 10
	}
	if cfg.Category == nil {
		cfg.Category = func(string) string { return "" }
	}
	return &Service{cfg: cfg}
}

// Channels are the channels the dashboard knows, in its order.
var Channels = []balai.Channel{balai.Telegram, balai.WhatsApp, balai.Web}

// Query selects a dashboard: days From to To (dates in the agency's zone; their clock is
// ignored), both included, and a channel ("" for all).
type Query struct {
	From, To time.Time
	Channel  balai.Channel
}

// MaxDays is the longest range a dashboard covers.
const MaxDays = 366

// Format is how a column's values are written.
type Format int

// Formats: a count, a percentage (0–100, one decimal), hours (one decimal), a mean rating
// (two decimals).
const (
	Count Format = iota
	Percent
	Hours
	Mean
)

// Column is a table's column: its header is the catalogue text Key, or Label as is (a
// channel's name).
type Column struct {
	Key    string
	Label  string
	Format Format
}

// Row is a table's row: a label (catalogue key LabelKey, or Label as is) and one value
// per column after the first.
type Row struct {
	Label    string
	LabelKey string
	Values   []float64
}

// Chart is how a table is drawn.
type Chart int

// Charts: stacked vertical bars per row (days), lines per series (days), horizontal bars
// (one per row).
const (
	Stacked Chart = iota
	Lines
	HBars
)

// Table is one section of the dashboard: its numbers, and how they are drawn. Series are
// the indexes of Values that the chart draws.
type Table struct {
	ID     string // in URLs and element ids: "messages", "containment", …
	Title  string // catalogue key
	Note   string // catalogue key of the definition shown under the title
	Cols   []Column
	Rows   []Row
	Chart  Chart
	Series []int
}

// Dashboard is every table of one query.
type Dashboard struct {
	Query  Query
	At     time.Time
	Tables []Table
}

// Table returns the table with id.
func (d Dashboard) Table(id string) (Table, bool) {
	for _, t := range d.Tables {
		if t.ID == id {
			return t, true
		}
	}
	return Table{}, false
}

// Dashboard computes the dashboard of q.
func (s *Service) Dashboard(ctx context.Context, q Query) (Dashboard, error) {
	loc := s.cfg.Calendar.Location()
	from := day(q.From, loc)
	to := day(q.To, loc)
	if to.Before(from) {
		from, to = to, from
	}
	days := dayList(from, to)
	if len(days) > MaxDays {
		return Dashboard{}, fmt.Errorf("analytics: range of %d days: at most %d", len(days), MaxDays)
	}
	f := balai.AnalyticsFilter{From: from, To: days[len(days)-1].AddDate(0, 0, 1), Channel: q.Channel}
	now := s.cfg.Now()
	counts, err := s.cfg.Store.AnalyticsDays(ctx, f)
	if err != nil {
		return Dashboard{}, fmt.Errorf("analytics: %w", err)
	}
	entries, err := s.cfg.Store.AnalyticsEntries(ctx, f)
	if err != nil {
		return Dashboard{}, fmt.Errorf("analytics: %w", err)
	}
	tickets, err := s.cfg.Store.AnalyticsTickets(ctx, f)
	if err != nil {
		return Dashboard{}, fmt.Errorf("analytics: %w", err)
	}
	queue, err := s.cfg.Store.AnalyticsQueue(ctx, q.Channel, now)
	if err != nil {
		return Dashboard{}, fmt.Errorf("analytics: %w", err)
	}
	first := civilDay(days[0])
	dayOf := func(t time.Time) (int, bool) {
		i := int(civilDay(t.In(loc)) - first)
		return i, i >= 0 && i < len(days)
	}
	channels := Channels
	if q.Channel != "" {
		channels = []balai.Channel{q.Channel}
	}
	d := Dashboard{Query: Query{From: from, To: days[len(days)-1], Channel: q.Channel}, At: now}
	d.Tables = append(d.Tables,
		messagesTable(days, channels, counts, dayOf),
		containmentTable(counts),
		s.topEntries(entries),
		s.topCategories(entries),
		unansweredTable(days, counts, dayOf),
		feedbackTable(entries),
		ticketsTable(days, tickets, dayOf, f),
		s.slaTable(tickets, f, now),
		csatTable("csat_category", "console_analytics_csat_category", "console_analytics_col_category", tickets, f, func(t balai.TicketFact) string { return t.Category }),
		csatTable("csat_officer", "console_analytics_csat_officer", "console_analytics_col_officer", tickets, f, func(t balai.TicketFact) string { return t.Officer }),
		queueTable(queue),
	)
	return d, nil
}

// civilDay numbers t's calendar date (in t's zone) as days since 1970-01-01.
func civilDay(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

func day(t time.Time, loc *time.Location) time.Time {
	y, m, dd := t.Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, loc)
}

func dayList(from, to time.Time) []time.Time {
	var out []time.Time
	for d := from; !d.After(to) && len(out) <= MaxDays; d = d.AddDate(0, 0, 1) {
		out = append(out, d)
	}
	return out
}

func dayRows(days []time.Time, n int) []Row {
	rows := make([]Row, len(days))
	for i, d := range days {
		rows[i] = Row{Label: d.Format(time.DateOnly), Values: make([]float64, n)}
	}
	return rows
}

func messagesTable(days []time.Time, channels []balai.Channel, hours []balai.DayCount, dayOf func(time.Time) (int, bool)) Table {
	t := Table{ID: "messages", Title: "console_analytics_messages", Note: "console_analytics_messages_note", Chart: Stacked,
		Cols: []Column{{Key: "console_analytics_col_date"}}}
	col := map[balai.Channel]int{}
	for i, ch := range channels {
		col[ch] = i
		t.Cols = append(t.Cols, Column{Label: ChannelName(ch)})
		t.Series = append(t.Series, i)
	}
	t.Cols = append(t.Cols, Column{Key: "console_analytics_col_total"})
	t.Rows = dayRows(days, len(channels)+1)
	for _, h := range hours {
		i, ok := dayOf(h.Day)
		c, known := col[h.Channel]
		if !ok || !known {
			continue
		}
		t.Rows[i].Values[c] += float64(h.Messages)
		t.Rows[i].Values[len(channels)] += float64(h.Messages)
	}
	return t
}

// ChannelName is a channel's proper name.
func ChannelName(ch balai.Channel) string {
	switch ch {
	case balai.Telegram:
		return "Telegram"
	case balai.WhatsApp:
		return "WhatsApp"
	case balai.Web:
		return "Web"
	}
	return string(ch)
}

// outcome is a citizen's question's outcome for containment ("" when the message is not a
// question).
func outcome(decision, reason string) string {
	switch decision {
	case "answer":
		if reason == "chosen" || reason == "confirmed" {
			return ""
		}
		return "answered"
	case "confirm":
		return "confirmed"
	case "suggest":
		return "suggested"
	case "escalate":
		return "escalated"
	}
	return ""
}

var outcomes = []string{"answered", "confirmed", "suggested", "escalated"}

func containmentTable(hours []balai.DayCount) Table {
	t := Table{ID: "containment", Title: "console_analytics_containment", Note: "console_analytics_containment_note", Chart: HBars, Series: []int{0},
		Cols: []Column{{Key: "console_analytics_col_outcome"}, {Key: "console_analytics_col_questions"}, {Key: "console_analytics_col_share", Format: Percent}}}
	n := map[string]float64{}
	var total float64
	for _, h := range hours {
		if o := outcome(h.Decision, h.Reason); o != "" {
			n[o] += float64(h.Messages)
			total += float64(h.Messages)
		}
	}
	for _, o := range outcomes {
		t.Rows = append(t.Rows, Row{LabelKey: "console_analytics_outcome_" + o, Values: []float64{n[o], share(n[o], total)}})
	}
	return t
}

func share(part, whole float64) float64 {
	if whole == 0 {
		return 0
	}
	return math.Round(part/whole*1000) / 10
}

// ranked sorts rows by their first value, largest first, then label; keeps top.
func ranked(rows []Row, top int) []Row {
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Values[0] != rows[j].Values[0] {
			return rows[i].Values[0] > rows[j].Values[0]
		}
		return rows[i].Label < rows[j].Label
	})
	if len(rows) > top {
		rows = rows[:top]
	}
	return rows
}

func answersPerEntry(entries []balai.EntryCount) map[string]float64 {
	n := map[string]float64{}
	for _, e := range entries {
		if e.Answers > 0 {
			n[e.EntryID] += float64(e.Answers)
		}
	}
	return n
}

func (s *Service) topEntries(entries []balai.EntryCount) Table {
	t := Table{ID: "entries", Title: "console_analytics_entries", Note: "console_analytics_entries_note", Chart: HBars, Series: []int{0},
		Cols: []Column{{Key: "console_analytics_col_entry"}, {Key: "console_analytics_col_answers"}}}
	for id, n := range answersPerEntry(entries) {
		t.Rows = append(t.Rows, Row{Label: id, Values: []float64{n}})
	}
	t.Rows = ranked(t.Rows, s.cfg.Top)
	return t
}

func (s *Service) topCategories(entries []balai.EntryCount) Table {
	t := Table{ID: "categories", Title: "console_analytics_categories", Note: "console_analytics_categories_note", Chart: HBars, Series: []int{0},
		Cols: []Column{{Key: "console_analytics_col_category"}, {Key: "console_analytics_col_answers"}}}
	n := map[string]float64{}
	for id, k := range answersPerEntry(entries) {
		n[s.cfg.Category(id)] += k
	}
	for c, k := range n {
		r := Row{Label: c, Values: []float64{k}}
		if c == "" {
			r.LabelKey = "console_analytics_none"
		}
		t.Rows = append(t.Rows, r)
	}
	t.Rows = ranked(t.Rows, s.cfg.Top)
	return t
}

func unansweredTable(days []time.Time, hours []balai.DayCount, dayOf func(time.Time) (int, bool)) Table {
	t := Table{ID: "unanswered", Title: "console_analytics_unanswered", Note: "console_analytics_unanswered_note", Chart: Lines, Series: []int{0, 1},
		Cols: []Column{{Key: "console_analytics_col_date"}, {Key: "console_analytics_col_escalated"}, {Key: "console_analytics_col_not_taken"}, {Key: "console_analytics_col_total"}}}
	t.Rows = dayRows(days, 3)
	chosen := make([]float64, len(days))
	suggested := make([]float64, len(days))
	for _, h := range hours {
		i, ok := dayOf(h.Day)
		if !ok {
			continue
		}
		switch {
		case h.Decision == "escalate":
			t.Rows[i].Values[0] += float64(h.Messages)
		case h.Decision == "suggest":
			suggested[i] += float64(h.Messages)
		case h.Decision == "answer" && h.Reason == "chosen":
			chosen[i] += float64(h.Messages)
		}
	}
	for i := range t.Rows {
		v := t.Rows[i].Values
		v[1] = max(0, suggested[i]-chosen[i])
		v[2] = v[0] + v[1]
	}
	return t
}

func feedbackTable(entries []balai.EntryCount) Table {
	t := Table{ID: "feedback", Title: "console_analytics_feedback", Note: "console_analytics_feedback_note", Chart: HBars, Series: []int{0, 1},
		Cols: []Column{{Key: "console_analytics_col_entry"}, {Key: "console_analytics_col_up"}, {Key: "console_analytics_col_down"}, {Key: "console_analytics_col_down_share", Format: Percent}}}
	for _, e := range entries {
		if up, down := float64(e.Up), float64(e.Down); up+down > 0 {
			t.Rows = append(t.Rows, Row{Label: e.EntryID, Values: []float64{up, down, share(down, up+down)}})
		}
	}
	// Most 👎 first: the entries to look at.
	sort.Slice(t.Rows, func(i, j int) bool {
		a, b := t.Rows[i].Values, t.Rows[j].Values
		if a[1] != b[1] {
			return a[1] > b[1]
		}
		if a[0] != b[0] {
			return a[0] > b[0]
		}
		return t.Rows[i].Label < t.Rows[j].Label
	})
	return t
}

func in(t time.Time, f balai.AnalyticsFilter) bool {
	return !t.IsZero() && !t.Before(f.From) && t.Before(f.To)
}

func ticketsTable(days []time.Time, tickets []balai.TicketFact, dayOf func(time.Time) (int, bool), f balai.AnalyticsFilter) Table {
	t := Table{ID: "tickets", Title: "console_analytics_tickets", Note: "console_analytics_tickets_note", Chart: Lines, Series: []int{0, 1},
		Cols: []Column{{Key: "console_analytics_col_date"}, {Key: "console_analytics_col_opened"}, {Key: "console_analytics_col_closed"}}}
	t.Rows = dayRows(days, 2)
	for _, tk := range tickets {
		if i, ok := dayOf(tk.CreatedAt); ok && in(tk.CreatedAt, f) {
			t.Rows[i].Values[0]++
		}
		if i, ok := dayOf(tk.ClosedAt); ok && tk.Status == balai.Closed && in(tk.ClosedAt, f) {
			t.Rows[i].Values[1]++
		}
	}
	return t
}

// percentile is the nearest-rank p-th percentile of sorted xs (0 when empty).
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	k := int(math.Ceil(p*float64(len(xs)))) - 1
	return xs[max(0, min(k, len(xs)-1))]
}

func hours(d time.Duration) float64 { return d.Hours() }

func (s *Service) slaTable(tickets []balai.TicketFact, f balai.AnalyticsFilter, now time.Time) Table {
	t := Table{ID: "sla", Title: "console_analytics_sla", Note: "console_analytics_sla_note", Chart: HBars, Series: []int{3},
		Cols: []Column{{Key: "console_analytics_col_measure"}, {Key: "console_analytics_col_tickets"}, {Key: "console_analytics_col_median", Format: Hours},
			{Key: "console_analytics_col_p90", Format: Hours}, {Key: "console_analytics_col_within", Format: Percent}}}
	cal := s.cfg.Calendar
	var first, resol []float64
	var firstN, firstIn, resolIn float64
	for _, tk := range tickets {
		if in(tk.CreatedAt, f) {
			switch {
			case !tk.FirstReplyAt.IsZero():
				first = append(first, hours(cal.Between(tk.CreatedAt, tk.FirstReplyAt)))
				firstN++
				if !tk.FirstReplyAt.After(tk.DueAt) {
					firstIn++
				}
			case tk.Status != balai.Closed && now.After(tk.DueAt):
				firstN++ // still unanswered, past its due time
			}
		}
		if tk.Status == balai.Closed && in(tk.ClosedAt, f) {
			resol = append(resol, hours(cal.Between(tk.CreatedAt, tk.ClosedAt)))
			if !tk.ClosedAt.After(tk.DueAt) {
				resolIn++
			}
		}
	}
	sort.Float64s(first)
	sort.Float64s(resol)
	t.Rows = []Row{
		{LabelKey: "console_analytics_first_response", Values: []float64{firstN, round1(percentile(first, 0.5)), round1(percentile(first, 0.9)), share(firstIn, firstN)}},
		{LabelKey: "console_analytics_resolution", Values: []float64{float64(len(resol)), round1(percentile(resol, 0.5)), round1(percentile(resol, 0.9)), share(resolIn, float64(len(resol)))}},
	}
	return t
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

func csatTable(id, title, col string, tickets []balai.TicketFact, f balai.AnalyticsFilter, key func(balai.TicketFact) string) Table {
	t := Table{ID: id, Title: title, Note: "console_analytics_csat_note", Chart: HBars, Series: []int{1},
		Cols: []Column{{Key: col}, {Key: "console_analytics_col_ratings"}, {Key: "console_analytics_col_mean", Format: Mean}, {Key: "console_analytics_col_satisfied", Format: Percent}}}
	type agg struct{ n, sum, good float64 }
	by := map[string]*agg{}
	for _, tk := range tickets {
		if tk.Rating < 1 || tk.Status != balai.Closed || !in(tk.ClosedAt, f) {
			continue
		}
		a := by[key(tk)]
		if a == nil {
			a = &agg{}
			by[key(tk)] = a
		}
		a.n++
		a.sum += float64(tk.Rating)
		if tk.Rating >= 4 {
			a.good++
		}
	}
	for k, a := range by {
		r := Row{Label: k, Values: []float64{a.n, math.Round(a.sum/a.n*100) / 100, share(a.good, a.n)}}
		if k == "" {
			r.LabelKey = "console_analytics_none"
		}
		t.Rows = append(t.Rows, r)
	}
	sort.Slice(t.Rows, func(i, j int) bool {
		if t.Rows[i].Values[0] != t.Rows[j].Values[0] {
			return t.Rows[i].Values[0] > t.Rows[j].Values[0]
		}
		return t.Rows[i].Label < t.Rows[j].Label
	})
	return t
}

func queueTable(q balai.QueueCounts) Table {
	return Table{ID: "queue", Title: "console_analytics_queue", Note: "console_analytics_queue_note", Chart: HBars, Series: []int{0},
		Cols: []Column{{Key: "console_analytics_col_state"}, {Key: "console_analytics_col_tickets"}},
		Rows: []Row{
			{LabelKey: "console_analytics_queue_open", Values: []float64{float64(q.Open)}},
			{LabelKey: "console_analytics_queue_claimed", Values: []float64{float64(q.Claimed)}},
			{LabelKey: "console_analytics_queue_answered", Values: []float64{float64(q.Answered)}},
			{LabelKey: "console_analytics_queue_overdue", Values: []float64{float64(q.Overdue)}},
		}}
}

// FormatValue writes v as format f: the same text in the page's table and the CSV file.
func FormatValue(v float64, f Format) string {
	switch f {
	case Percent, Hours:
		return fmt.Sprintf("%.1f", v)
	case Mean:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.0f", v)
}
