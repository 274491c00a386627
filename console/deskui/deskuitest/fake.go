// Package deskuitest is an in-memory deskui.Desk with the desk's rules (claims held by one
// officer, stale versions, the outbound guard's confirmation, resolutions), for the pages'
// tests, the browser test and the benchmark.
package deskuitest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/console/deskui"
)

// Fake is an in-memory desk. Its zero value is not usable: use New.
type Fake struct {
	links map[balai.ChatRef][]balai.ChatRef // chats an officer linked as one citizen
	// Guard checks an officer's reply (guard.Guard.CheckReply): reasons to hold it back.
	Guard func(t balai.Ticket, notes []balai.Event, text string) []string
	// SoonWithin is how close to due a ticket is "soon" (default an hour; wall time, where
	// the desk counts working hours).
	SoonWithin time.Duration
	// Prefix is the ticket numbers' prefix searched by Query (default "BLI").
	Prefix string

	mu       sync.Mutex
	tickets  map[int64]*deskui.Ticket
	order    []int64
	events   map[int64][]balai.Event
	lines    map[string][]deskui.HistoryLine // by chat
	changes  []deskui.Change
	presence map[int64]map[string]deskui.Presence
	canned   []deskui.CannedReply
	officers []balai.Officer
	forms    map[int64]balai.Form
	filters  []deskui.Filter
	nextID   int64
	now      func() time.Time
}

var (
	_ deskui.Desk        = (*Fake)(nil)
	_ deskui.LastChanger = (*Fake)(nil)
	_ deskui.Directory   = (*Fake)(nil)
	_ deskui.Forms       = (*Fake)(nil)
)

// New returns an empty desk reading the time from now.
func New(now func() time.Time) *Fake {
	return &Fake{
		tickets: map[int64]*deskui.Ticket{}, events: map[int64][]balai.Event{},
		lines: map[string][]deskui.HistoryLine{}, presence: map[int64]map[string]deskui.Presence{},
		forms: map[int64]balai.Form{}, now: now, SoonWithin: time.Hour, Prefix: "BLI",
	}
}

// Add stores a ticket (its ID assigned when zero) and returns it.
func (f *Fake) Add(t deskui.Ticket) deskui.Ticket {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t.ID == 0 {
		f.nextID++
		t.ID = f.nextID
	} else {
		f.nextID = max(f.nextID, t.ID)
	}
	if t.Status == "" {
		t.Status = balai.Open
	}
	if t.Version == 0 {
		t.Version = 1
	}
	c := t
	f.tickets[t.ID] = &c
	f.order = append(f.order, t.ID)
	f.changed(t.ID, "created")
	return t
}

// AddOfficer adds an officer transfers can go to.
func (f *Fake) AddOfficer(o balai.Officer) {
	f.mu.Lock()
	f.officers = append(f.officers, o)
	f.mu.Unlock()
}

// AddLine adds a message of chat's conversation with the bot.
func (f *Fake) AddLine(chat balai.ChatRef, l deskui.HistoryLine) {
	f.mu.Lock()
	f.lines[chat.String()] = append(f.lines[chat.String()], l)
	f.mu.Unlock()
}

// SetForm attaches a form to its ticket.
func (f *Fake) SetForm(form balai.Form) {
	f.mu.Lock()
	f.forms[form.TicketID] = form
	f.mu.Unlock()
}

// CitizenWrites adds the citizen's follow-up to ticket id: a new version, in the feed.
func (f *Fake) CitizenWrites(id int64, text string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tickets[id]
	if !ok {
		return deskui.ErrNotFound
	}
	now := f.now()
	t.Transcript = append(t.Transcript, balai.Line{From: "citizen", Text: text, At: now})
	t.LastCitizenAt, t.ActivityAt = now, now
	if t.Status == balai.Answered {
		t.Status = balai.Claimed
		if t.Assignee == "" {
			t.Status = balai.Open
		}
	}
	f.event(t, balai.Officer{ID: "citizen"}, "followed", text)
	return nil
}

// Filters returns every Filter List was called with, in order.
func (f *Fake) Filters() []deskui.Filter {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.filters)
}

func (f *Fake) changed(id int64, action string) {
	f.changes = append(f.changes, deskui.Change{Seq: int64(len(f.changes) + 1), TicketID: id, Action: action})
}

// event records an action: the audit log, a new version, the feed.
func (f *Fake) event(t *deskui.Ticket, o balai.Officer, action, detail string) {
	f.events[t.ID] = append(f.events[t.ID], balai.Event{TicketID: t.ID, Actor: o.ID, ActorName: o.Name, Action: action, Detail: detail, At: f.now()})
	if action != "noted" {
		t.Version++
	}
	f.changed(t.ID, action)
}

func supervises(o balai.Officer) bool { return o.Role.Allows(balai.RoleSupervisor) }

func refuse(err error, action string) error { return &deskui.ActionError{Err: err, Action: action} }

// load returns the ticket for an action: not found, or closed unless closedOK.
func (f *Fake) load(id int64, action string, closedOK bool) (*deskui.Ticket, error) {
	t, ok := f.tickets[id]
	if !ok {
		return nil, fmt.Errorf("desk: %s ticket %d: %w", action, id, deskui.ErrNotFound)
	}
	if t.Status == balai.Closed && !closedOK {
		return nil, refuse(deskui.ErrClosed, action)
	}
	return t, nil
}

// holds checks that o may act on t as its holder (a supervisor may on anyone's).
func holds(t *deskui.Ticket, o balai.Officer, action string) error {
	if t.Assignee == o.ID || (t.Assignee != "" && supervises(o)) {
		return nil
	}
	if t.Assignee != "" {
		return &deskui.ActionError{Err: deskui.ErrAlreadyClaimed, Action: action, Holder: balai.Officer{ID: t.Assignee, Name: t.AssigneeName}}
	}
	return refuse(deskui.ErrNotAllowed, action)
}

// Claim implements deskui.Desk.
func (f *Fake) Claim(_ context.Context, o balai.Officer, id int64) (deskui.Ticket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, err := f.load(id, "claim", false)
	if err != nil {
		return deskui.Ticket{}, err
	}
	if t.Assignee != "" && t.Assignee != o.ID {
		return *t, &deskui.ActionError{Err: deskui.ErrAlreadyClaimed, Action: "claim", Holder: balai.Officer{ID: t.Assignee, Name: t.AssigneeName}}
	}
	if t.Assignee == o.ID {
		return *t, nil
	}
	t.Assignee, t.AssigneeName, t.ClaimedAt = o.ID, o.Name, f.now()
	if t.Status == balai.Open {
		t.Status = balai.Claimed
	}
	f.event(t, o, "claimed", "")
	return *t, nil
}

// Release implements deskui.Desk.
func (f *Fake) Release(_ context.Context, o balai.Officer, id int64) (deskui.Ticket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, err := f.load(id, "release", false)
	if err != nil {
		return deskui.Ticket{}, err
	}
	if err := holds(t, o, "release"); err != nil {
		return *t, err
	}
	t.Assignee, t.AssigneeName = "", ""
	if t.Status == balai.Claimed {
		t.Status = balai.Open
	}
	f.event(t, o, "released", "")
	return *t, nil
}

// Transfer implements deskui.Desk.
func (f *Fake) Transfer(_ context.Context, o balai.Officer, id int64, to balai.Officer) (deskui.Ticket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, err := f.load(id, "transfer", false)
	if err != nil {
		return deskui.Ticket{}, err
	}
	if !supervises(o) {
		if err := holds(t, o, "transfer"); err != nil {
			return *t, err
		}
	}
	t.Assignee, t.AssigneeName = to.ID, to.Name
	if t.Status == balai.Open {
		t.Status = balai.Claimed
	}
	f.event(t, o, "transferred", to.ID)
	return *t, nil
}

// TransferCategory implements deskui.Desk: the ticket goes back to the queue of category.
func (f *Fake) TransferCategory(_ context.Context, o balai.Officer, id int64, category string) (deskui.Ticket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, err := f.load(id, "transfer", false)
	if err != nil {
		return deskui.Ticket{}, err
	}
	if t.Assignee != "" && !supervises(o) {
		if err := holds(t, o, "transfer"); err != nil {
			return *t, err
		}
	}
	t.Category, t.Assignee, t.AssigneeName = category, "", ""
	if t.Status == balai.Claimed {
		t.Status = balai.Open
	}
	f.event(t, o, "transferred", "category:"+category)
	return *t, nil
}

// Reply implements deskui.Desk: only the holder replies, against the current version, and
// the guard's reasons hold the reply until it is confirmed.
func (f *Fake) Reply(_ context.Context, o balai.Officer, id int64, text string, opt deskui.ReplyOptions) (deskui.Ticket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, err := f.load(id, "reply", false)
	if err != nil {
		return deskui.Ticket{}, err
	}
	if t.Assignee != o.ID {
		if t.Assignee != "" {
			return *t, &deskui.ActionError{Err: deskui.ErrAlreadyClaimed, Action: "reply", Holder: balai.Officer{ID: t.Assignee, Name: t.AssigneeName}}
		}
		return *t, refuse(deskui.ErrNotAllowed, "reply")
	}
	if strings.TrimSpace(text) == "" {
		return *t, refuse(deskui.ErrNotAllowed, "reply")
	}
	if opt.Seen != 0 && opt.Seen != t.Version {
		return *t, refuse(deskui.ErrStale, "reply")
	}
	if f.Guard != nil {
		var notes []balai.Event
		for _, e := range f.events[id] {
			if e.Action == "noted" {
				notes = append(notes, e)
			}
		}
		if rs := f.Guard(*t, notes, text); len(rs) > 0 && !opt.Confirmed {
			return *t, &deskui.ActionError{Err: deskui.ErrNeedsConfirmation, Action: "reply", Reasons: rs}
		}
	}
	now := f.now()
	t.Transcript = append(t.Transcript, balai.Line{From: "officer", Text: text, At: now})
	t.Answer, t.AnsweredAt, t.Status = text, now, balai.Answered
	detail := ""
	if opt.Confirmed {
		detail = "confirmed"
	}
	f.event(t, o, "replied", detail)
	return *t, nil
}

// Note implements deskui.Desk: internal, never in the transcript.
func (f *Fake) Note(_ context.Context, o balai.Officer, id int64, text string) (deskui.Ticket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, err := f.load(id, "note", true)
	if err != nil {
		return deskui.Ticket{}, err
	}
	if strings.TrimSpace(text) == "" {
		return *t, refuse(deskui.ErrNotAllowed, "note")
	}
	f.event(t, o, "noted", text)
	return *t, nil
}

// Close implements deskui.Desk.
func (f *Fake) Close(_ context.Context, o balai.Officer, id int64, r deskui.Resolution) (deskui.Ticket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, err := f.load(id, "close", false)
	if err != nil {
		return deskui.Ticket{}, err
	}
	if t.Assignee != o.ID && !supervises(o) && !(t.Assignee == "" && r.Kind == deskui.ResolvedSpam) {
		if err := holds(t, o, "close"); err != nil {
			return *t, err
		}
	}
	switch {
	case r.Kind == deskui.ResolvedEntry && r.EntryID == "",
		r.Kind == deskui.ResolvedReferred && r.ReferTo == "",
		r.Kind != deskui.ResolvedAnswered && r.Kind != deskui.ResolvedEntry && r.Kind != deskui.ResolvedReferred && r.Kind != deskui.ResolvedSpam:
		return *t, refuse(deskui.ErrNotAllowed, "close")
	}
	t.Status, t.ClosedAt, t.Resolution, t.EntryID, t.ReferTo = balai.Closed, f.now(), r.Kind, r.EntryID, r.ReferTo
	f.event(t, o, "closed", string(r.Kind))
	return *t, nil
}

// Reopen implements deskui.Desk.
func (f *Fake) Reopen(_ context.Context, o balai.Officer, id int64) (deskui.Ticket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, err := f.load(id, "reopen", true)
	if err != nil {
		return deskui.Ticket{}, err
	}
	if t.Status != balai.Closed {
		return *t, refuse(deskui.ErrNotAllowed, "reopen")
	}
	t.Status, t.ClosedAt, t.Resolution, t.Assignee, t.AssigneeName = balai.Open, time.Time{}, "", "", ""
	f.event(t, o, "reopened", "")
	return *t, nil
}

// Ticket implements deskui.Desk.
func (f *Fake) Ticket(_ context.Context, id int64) (deskui.Ticket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tickets[id]
	if !ok {
		return deskui.Ticket{}, fmt.Errorf("desk: ticket %d: %w", id, deskui.ErrNotFound)
	}
	c := *t
	c.Transcript = slices.Clone(t.Transcript)
	return c, nil
}

// Events implements deskui.Desk.
func (f *Fake) Events(_ context.Context, id int64) ([]balai.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.events[id]), nil
}

// CitizenHistory implements deskui.Desk: the chat's tickets, newest first, and its lines.
func (f *Fake) CitizenHistory(_ context.Context, chat balai.ChatRef) (deskui.History, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var h deskui.History
	for i := len(f.order) - 1; i >= 0; i-- {
		if t := f.tickets[f.order[i]]; t.Chat == chat {
			h.Tickets = append(h.Tickets, *t)
		}
	}
	h.Lines = slices.Clone(f.lines[chat.String()])
	h.Linked = slices.Clone(f.links[chat])
	return h, nil
}

// LinkCitizen implements deskui.Desk: both tickets' chats become one citizen's.
func (f *Fake) LinkCitizen(_ context.Context, o balai.Officer, id, other int64) (deskui.Ticket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, err := f.load(id, "link citizen", true)
	if err != nil {
		return deskui.Ticket{}, err
	}
	ot, err := f.load(other, "link citizen", true)
	if err != nil {
		return deskui.Ticket{}, err
	}
	if t.Chat == ot.Chat {
		return *t, refuse(deskui.ErrNotAllowed, "link citizen")
	}
	if f.links == nil {
		f.links = map[balai.ChatRef][]balai.ChatRef{}
	}
	f.links[t.Chat] = append(f.links[t.Chat], ot.Chat)
	f.links[ot.Chat] = append(f.links[ot.Chat], t.Chat)
	f.event(t, o, "citizen_linked", "")
	return *t, nil
}

// UnlinkCitizen implements deskui.Desk.
func (f *Fake) UnlinkCitizen(_ context.Context, o balai.Officer, id int64) (deskui.Ticket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, err := f.load(id, "unlink citizen", true)
	if err != nil {
		return deskui.Ticket{}, err
	}
	for _, c := range f.links[t.Chat] {
		f.links[c] = slices.DeleteFunc(f.links[c], func(x balai.ChatRef) bool { return x == t.Chat })
	}
	delete(f.links, t.Chat)
	return *t, nil
}

// SLA implements deskui.Desk in wall time.
func (f *Fake) SLA(t deskui.Ticket, now time.Time) (time.Duration, string) {
	if (t.Status != balai.Open && t.Status != balai.Claimed) || t.DueAt.IsZero() {
		return 0, deskui.SLANone
	}
	left := t.DueAt.Sub(now)
	switch {
	case left <= 0:
		return left, deskui.SLAOverdue
	case left <= f.SoonWithin:
		return left, deskui.SLASoon
	}
	return left, deskui.SLAOK
}

// WhatsAppWindow implements deskui.Desk.
func (f *Fake) WhatsAppWindow(t deskui.Ticket, now time.Time) (bool, time.Time) {
	if t.Chat.Channel != balai.WhatsApp {
		return true, time.Time{}
	}
	last := t.LastCitizenAt
	if last.IsZero() {
		last = t.CreatedAt
	}
	closes := last.Add(24 * time.Hour)
	return now.Before(closes), closes
}

func (f *Fake) inView(t *deskui.Ticket, v deskui.View, officer string, now time.Time) bool {
	switch v {
	case deskui.ViewMine:
		return t.Assignee == officer && t.Status != balai.Closed
	case deskui.ViewUnassigned:
		return t.Status == balai.Open && t.Assignee == ""
	case deskui.ViewOpen, "":
		return t.Status != balai.Closed
	case deskui.ViewOverdue:
		_, s := f.SLA(*t, now)
		return s == deskui.SLAOverdue
	case deskui.ViewClosed:
		return t.Status == balai.Closed
	}
	return true
}

func (f *Fake) matches(t *deskui.Ticket, q Query, now time.Time) bool {
	if !f.inView(t, q.View, q.Officer, now) {
		return false
	}
	if (q.Channel != "" && t.Chat.Channel != q.Channel) || (q.Category != "" && t.Category != q.Category) {
		return false
	}
	if (q.Priority == "urgent" && t.Priority != 1) || (q.Priority == "normal" && t.Priority == 1) {
		return false
	}
	if q.SLA != "" {
		if _, s := f.SLA(*t, now); s != q.SLA {
			return false
		}
	}
	if s := strings.ToLower(strings.TrimSpace(q.Query)); s != "" {
		num := strings.TrimPrefix(s, strings.ToLower(f.Prefix)+"-")
		if n, err := strconv.ParseInt(num, 10, 64); err == nil {
			return n == t.ID
		}
		hay := strings.ToLower(t.Question + " " + t.UserName)
		for _, l := range t.Transcript {
			hay += " " + strings.ToLower(l.Text)
		}
		for _, w := range strings.Fields(s) {
			if !strings.Contains(hay, w) {
				return false
			}
		}
	}
	return true
}

// Query is deskui.Filter (a name of the fake's own for readability).
type Query = deskui.Filter

// List implements deskui.Desk: active views urgent first then by due time, closed by last
// closed, all newest first.
func (f *Fake) List(_ context.Context, q deskui.Filter) ([]deskui.Ticket, int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.filters = append(f.filters, q)
	now := f.now()
	var all []*deskui.Ticket
	for _, id := range f.order {
		if t := f.tickets[id]; f.matches(t, q, now) {
			all = append(all, t)
		}
	}
	switch q.View {
	case deskui.ViewClosed:
		slices.SortStableFunc(all, func(a, b *deskui.Ticket) int { return b.ClosedAt.Compare(a.ClosedAt) })
	case deskui.ViewAll:
		slices.SortStableFunc(all, func(a, b *deskui.Ticket) int { return int(b.ID - a.ID) })
	default:
		slices.SortStableFunc(all, func(a, b *deskui.Ticket) int {
			if a.Priority != b.Priority {
				return b.Priority - a.Priority
			}
			return a.DueAt.Compare(b.DueAt)
		})
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	lo := min(max(q.Offset, 0), len(all))
	hi := min(lo+limit, len(all))
	out := make([]deskui.Ticket, 0, hi-lo)
	for _, t := range all[lo:hi] {
		out = append(out, *t)
	}
	return out, len(all), nil
}

// Counts implements deskui.Desk.
func (f *Fake) Counts(_ context.Context, officer string) (map[deskui.View]int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	c := map[deskui.View]int{}
	for _, t := range f.tickets {
		for _, v := range deskui.Views {
			if f.inView(t, v, officer, now) {
				c[v]++
			}
		}
	}
	return c, nil
}

// Changes implements deskui.Desk.
func (f *Fake) Changes(_ context.Context, after int64) ([]deskui.Change, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if after < 0 || after >= int64(len(f.changes)) {
		return nil, nil
	}
	return slices.Clone(f.changes[after:]), nil
}

// LastChange implements deskui.LastChanger.
func (f *Fake) LastChange(context.Context) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return int64(len(f.changes)), nil
}

// presenceTTL is how long a presence lasts without a heartbeat (desk.PresenceTTL).
const presenceTTL = 30 * time.Second

// SetPresence implements deskui.Desk.
func (f *Fake) SetPresence(_ context.Context, o balai.Officer, id int64, typing bool, now time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.presence[id] == nil {
		f.presence[id] = map[string]deskui.Presence{}
	}
	f.presence[id][o.ID] = deskui.Presence{Officer: o.ID, Name: o.Name, Typing: typing, At: now}
	return nil
}

// Present implements deskui.Desk.
func (f *Fake) Present(_ context.Context, id int64, now time.Time) ([]deskui.Presence, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []deskui.Presence
	for _, p := range f.presence[id] {
		if now.Sub(p.At) < presenceTTL {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b deskui.Presence) int { return strings.Compare(a.Officer, b.Officer) })
	return out, nil
}

// CannedReplies implements deskui.Desk.
func (f *Fake) CannedReplies(context.Context) ([]deskui.CannedReply, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.canned), nil
}

// SaveCanned implements deskui.Desk.
func (f *Fake) SaveCanned(_ context.Context, o balai.Officer, c deskui.CannedReply) (deskui.CannedReply, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !supervises(o) {
		return c, refuse(deskui.ErrNotAllowed, "save canned reply")
	}
	c.Title, c.Text = strings.TrimSpace(c.Title), strings.TrimSpace(c.Text)
	if c.Title == "" || c.Text == "" {
		return c, refuse(deskui.ErrNotAllowed, "save canned reply")
	}
	c.UpdatedBy, c.UpdatedAt = o.ID, f.now()
	if c.ID == 0 {
		c.ID = int64(len(f.canned)) + 1
		for _, x := range f.canned {
			c.ID = max(c.ID, x.ID+1)
		}
		f.canned = append(f.canned, c)
		return c, nil
	}
	for i := range f.canned {
		if f.canned[i].ID == c.ID {
			f.canned[i] = c
			return c, nil
		}
	}
	return c, errors.New("desk: no such canned reply")
}

// DeleteCanned implements deskui.Desk.
func (f *Fake) DeleteCanned(_ context.Context, o balai.Officer, id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !supervises(o) {
		return refuse(deskui.ErrNotAllowed, "delete canned reply")
	}
	f.canned = slices.DeleteFunc(f.canned, func(c deskui.CannedReply) bool { return c.ID == id })
	return nil
}

// Officers implements deskui.Directory.
func (f *Fake) Officers(context.Context) ([]balai.Officer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.officers), nil
}

// Form implements deskui.Forms.
func (f *Fake) Form(_ context.Context, id int64) (balai.Form, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	form, ok := f.forms[id]
	if !ok {
		return balai.Form{}, balai.ErrFormNotFound
	}
	return form, nil
}
