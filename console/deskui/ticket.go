package deskui

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/balai-id/balai"
)

type lineView struct {
	From, Label, Text, At string
}

type eventView struct {
	Who, What, At string
}

type noteView struct {
	Who, At string
	Text    []segment
}

type histTicket struct {
	Number, URL, Question, Status, At string
	Current                           bool
}

type histLine struct {
	From, Label, Text, At, EntryID, Feedback string
	Confidence                               float64
}

type field struct{ Label, Value string }

type formView struct {
	Kind      string
	Fields    []field
	Deadlines []field
}

type ticketData struct {
	T          Ticket
	Number     string
	Name       string
	Channel    string
	Status     string
	SLAState   string
	SLAText    string
	Mine       bool // the officer holds it: the reply form shows
	HeldBy     string
	Closed     bool
	Resolution string
	WhatsApp   bool
	WindowOpen bool
	WindowText string
	Lines      []lineView
	Events     []eventView
	Notes      []noteView
	Tickets    []histTicket
	Linked     []string // the citizen's other chats an officer linked, by channel
	History    []histLine
	Canned     []CannedReply
	Officers   []balai.Officer
	Categories []string
	Form       *formView
	Present    string
	Draft      string
	Reasons    []string // the guard's, with Confirm
	Confirm    bool
	Stale      bool
	NoteDraft  string
}

func (u *UI) ticket(w http.ResponseWriter, r *http.Request, q request) {
	id, ok := pathID(r, "id")
	if !ok {
		u.fail(w, q, ErrNotFound, "show ticket")
		return
	}
	u.showTicket(w, r, q, id, http.StatusOK, func(*page) {})
}

// showTicket renders ticket id as it is now, after adjust set a message or a draft.
func (u *UI) showTicket(w http.ResponseWriter, r *http.Request, q request, id int64, status int, adjust func(*page)) {
	ctx := r.Context()
	p := u.newPage(ctx, q, "deskui_ticket_title")
	t, err := u.cfg.Desk.Ticket(ctx, id)
	if err != nil {
		u.fail(w, q, err, "load ticket")
		return
	}
	evs, err := u.cfg.Desk.Events(ctx, id)
	if err != nil {
		u.fail(w, q, err, "load events")
		return
	}
	hist, err := u.cfg.Desk.CitizenHistory(ctx, t.Chat)
	if err != nil {
		u.fail(w, q, err, "load history")
		return
	}
	canned, err := u.cfg.Desk.CannedReplies(ctx)
	if err != nil {
		u.fail(w, q, err, "load canned replies")
		return
	}
	now := u.cfg.Now()
	l := p.L
	d := &ticketData{T: t, Number: t.Number(u.cfg.Prefix), Name: t.UserName, Channel: l.T("deskui_channel_" + string(t.Chat.Channel)),
		Status: l.T("deskui_status_" + string(t.Status)), Mine: t.Assignee == q.o.ID && t.Status != balai.Closed,
		HeldBy: t.AssigneeName, Closed: t.Status == balai.Closed, Categories: u.cfg.Categories}
	if d.Name == "" {
		d.Name = l.T("deskui_citizen")
	}
	if d.HeldBy == "" {
		d.HeldBy = t.Assignee
	}
	d.SLAState, d.SLAText = u.slaText(l, t)
	if t.Resolution != "" {
		d.Resolution = l.T("deskui_resolution_"+string(t.Resolution), "Entry", t.EntryID, "Agency", t.ReferTo)
	}
	if t.Chat.Channel == balai.WhatsApp {
		d.WhatsApp = true
		open, closes := u.cfg.Desk.WhatsAppWindow(t, now)
		d.WindowOpen = open
		if open {
			d.WindowText = l.T("deskui_wa_open", "At", u.when(closes), "D", duration(l, closes.Sub(now)))
		} else {
			d.WindowText = l.T("deskui_wa_closed", "At", u.when(closes))
		}
	}
	for _, ln := range conversation(t, evs) {
		d.Lines = append(d.Lines, lineView{From: ln.From, Label: l.T("deskui_from_" + from(ln.From)), Text: ln.Text, At: u.when(ln.At)})
	}
	for _, e := range evs {
		who := e.ActorName
		if who == "" {
			who = l.T("deskui_actor_" + actorKind(e.Actor))
		}
		if e.Action == "noted" {
			d.Notes = append(d.Notes, noteView{Who: who, At: u.when(e.At), Text: mentions(e.Detail)})
			continue
		}
		d.Events = append(d.Events, eventView{Who: who, What: l.T("deskui_event_" + eventKey(e.Action)), At: u.when(e.At)})
	}
	for _, c := range hist.Linked {
		d.Linked = append(d.Linked, l.T("deskui_channel_"+string(c.Channel)))
	}
	for _, h := range hist.Tickets {
		d.Tickets = append(d.Tickets, histTicket{Number: h.Number(u.cfg.Prefix), URL: u.ticketURL(h.ID), Question: h.Question,
			Status: l.T("deskui_status_" + string(h.Status)), At: u.when(h.CreatedAt), Current: h.ID == t.ID})
	}
	for _, h := range hist.Lines {
		fb := ""
		switch h.Feedback {
		case "helpful":
			fb = "👍"
		case "not_helpful":
			fb = "👎"
		}
		d.History = append(d.History, histLine{From: h.From, Label: l.T("deskui_from_" + from(h.From)), Text: h.Text, At: u.when(h.At),
			EntryID: h.EntryID, Confidence: h.Confidence, Feedback: fb})
	}
	for _, c := range canned {
		if (c.Category == "" || c.Category == t.Category) && (c.Lang == "" || t.Lang == "" || c.Lang == t.Lang) {
			d.Canned = append(d.Canned, c)
		}
	}
	if u.cfg.Directory != nil {
		if os, err := u.cfg.Directory.Officers(ctx); err == nil {
			for _, o := range os {
				if o.ID != q.o.ID {
					d.Officers = append(d.Officers, o)
				}
			}
		} else {
			u.cfg.Logger.Warn("Failed to list officers", "error", err)
		}
	}
	if u.cfg.Forms != nil {
		form, err := u.cfg.Forms.Form(ctx, id)
		switch {
		case err == nil:
			d.Form = u.formView(l, form)
		case !errors.Is(err, balai.ErrFormNotFound):
			u.cfg.Logger.Warn("Failed to load a ticket's form", "ticket", id, "error", err)
		}
	}
	if ps, err := u.cfg.Desk.Present(ctx, id, now); err == nil {
		d.Present = presentText(l, ps, q.o.ID)
	}
	p.Ticket, p.TicketID = d, id
	p.Title = d.Number
	adjust(p)
	u.render(w, status, "ticket", "page", p)
}

func from(f string) string {
	switch f {
	case "citizen", "bot", "officer":
		return f
	}
	return "other"
}

func actorKind(a string) string {
	if a == "citizen" || a == "system" {
		return a
	}
	return "officer"
}

var knownEvents = map[string]bool{"created": true, "claimed": true, "released": true, "replied": true, "closed": true,
	"reopened": true, "rated": true, "cancelled": true, "followed": true, "reminded": true, "transferred": true, "linked": true}

func eventKey(a string) string {
	if knownEvents[a] {
		return a
	}
	return "other"
}

// presentText words who else views or types in the ticket ("Sari sedang membalas").
func presentText(l tr, ps []Presence, me string) string {
	var parts []string
	for _, p := range ps {
		if p.Officer == me {
			continue
		}
		key := "deskui_present_viewing"
		if p.Typing {
			key = "deskui_present_typing"
		}
		parts = append(parts, l.T(key, "Name", p.Name))
	}
	return strings.Join(parts, " · ")
}

func (u *UI) formView(l tr, f balai.Form) *formView {
	v := &formView{}
	add := func(key, value string) {
		if strings.TrimSpace(value) != "" {
			v.Fields = append(v.Fields, field{l.T("deskui_form_" + key), value})
		}
	}
	yes := func(b bool) string {
		if b {
			return l.T("deskui_yes")
		}
		return ""
	}
	switch {
	case f.Kind == balai.KindComplaint && f.Complaint != nil:
		c := f.Complaint
		v.Kind = l.T("deskui_kind_complaint")
		add("title", c.Title)
		add("description", c.Description)
		if !c.EventDate.IsZero() {
			add("event_date", c.EventDate.In(u.cfg.Location).Format("02-01-2006"))
		}
		add("event_place", c.EventPlace)
		add("agency", c.Agency)
		add("category", c.Category)
		add("attachments", strings.Join(c.Attachments, ", "))
		add("anonymous", yes(c.Anonymous))
		add("confidential", yes(c.Confidential))
		add("reporter", c.ReporterName)
		add("contact", c.ReporterContact)
	case f.Kind == balai.KindInfoRequest && f.InfoRequest != nil:
		ir := f.InfoRequest
		v.Kind = l.T("deskui_kind_info_request")
		add("number", ir.Number)
		add("name", ir.Name)
		add("address", ir.Address)
		add("occupation", ir.Occupation)
		add("contact", strings.TrimSpace(ir.Phone+" "+ir.Email))
		add("information", ir.Information)
		add("purpose", ir.Purpose)
		add("obtain", strings.TrimSpace(string(ir.Obtain)+" "+string(ir.CopyForm)+" "+string(ir.Delivery)))
		add("extension", ir.ExtensionReason)
	default:
		return nil
	}
	add("received", u.when(f.ReceivedAt))
	if u.cfg.Calendar != nil && !f.ReceivedAt.IsZero() {
		for _, dl := range f.Deadlines(u.cfg.Calendar) {
			v.Deadlines = append(v.Deadlines, field{l.T("deskui_deadline_"+string(dl.Milestone), "Days", dl.WorkingDays), u.when(dl.Due)})
		}
	}
	return v
}

// segment is a piece of a note: plain text or an @mention.
type segment struct {
	Text    string
	Mention bool
}

var mentionRE = regexp.MustCompile(`(^|[^\w@])(@[\p{L}\p{N}_.\-]*[\p{L}\p{N}_])`)

// mentions splits a note into plain text and @mentions (highlighted by the template).
func mentions(s string) []segment {
	var out []segment
	last := 0
	for _, m := range mentionRE.FindAllStringSubmatchIndex(s, -1) {
		if m[4] > last {
			out = append(out, segment{Text: s[last:m[4]]})
		}
		out = append(out, segment{Text: s[m[4]:m[5]], Mention: true})
		last = m[5]
	}
	if last < len(s) {
		out = append(out, segment{Text: s[last:]})
	}
	return out
}

// act runs an officer's action on a ticket and goes back to it (303), or shows it again with
// why the action was refused.
func (u *UI) act(w http.ResponseWriter, r *http.Request, q request) {
	ctx := r.Context()
	id, ok := pathID(r, "id")
	if !ok {
		u.fail(w, q, ErrNotFound, "act")
		return
	}
	dk, o := u.cfg.Desk, q.o
	var err error
	switch action := r.PathValue("action"); action {
	case "presence":
		if err := dk.SetPresence(ctx, o, id, r.PostFormValue("typing") == "1", u.cfg.Now()); err != nil {
			u.fail(w, q, err, "set presence")
			return
		}
		w.WriteHeader(http.StatusNoContent)
		return
	case "claim":
		_, err = dk.Claim(ctx, o, id)
	case "release":
		_, err = dk.Release(ctx, o, id)
	case "transfer":
		if cat := r.PostFormValue("category"); cat != "" {
			_, err = dk.TransferCategory(ctx, o, id, cat)
			break
		}
		to, found := u.officer(r, r.PostFormValue("to"))
		if !found {
			err = &ActionError{Err: ErrNotAllowed, Action: "transfer"}
			break
		}
		_, err = dk.Transfer(ctx, o, id, to)
	case "reply":
		seen, _ := strconv.ParseInt(r.PostFormValue("seen"), 10, 64)
		_, err = dk.Reply(ctx, o, id, r.PostFormValue("text"), ReplyOptions{Seen: seen, Confirmed: r.PostFormValue("confirm") == "1"})
	case "note":
		_, err = dk.Note(ctx, o, id, r.PostFormValue("text"))
	case "close":
		_, err = dk.Close(ctx, o, id, Resolution{Kind: balai.ResolutionKind(r.PostFormValue("resolution")),
			EntryID: strings.TrimSpace(r.PostFormValue("entry")), ReferTo: strings.TrimSpace(r.PostFormValue("agency"))})
	case "reopen":
		_, err = dk.Reopen(ctx, o, id)
	case "link":
		other, ok := u.ticketNumber(r.PostFormValue("other"))
		if !ok {
			err = &ActionError{Err: ErrNotFound, Action: "link citizen"}
			break
		}
		_, err = dk.LinkCitizen(ctx, o, id, other)
	case "unlink":
		_, err = dk.UnlinkCitizen(ctx, o, id)
	default:
		u.fail(w, q, ErrNotFound, "act")
		return
	}
	if err == nil {
		http.Redirect(w, r, u.ticketURL(id), http.StatusSeeOther)
		return
	}
	u.refused(w, r, q, id, err)
}

// officer finds the officer an id names in the directory.
func (u *UI) officer(r *http.Request, id string) (balai.Officer, bool) {
	if u.cfg.Directory == nil || id == "" {
		return balai.Officer{}, false
	}
	os, err := u.cfg.Directory.Officers(r.Context())
	if err != nil {
		return balai.Officer{}, false
	}
	for _, o := range os {
		if o.ID == id {
			return o, true
		}
	}
	return balai.Officer{}, false
}

// refused shows the ticket again, as it is now, with why the action was refused; a reply's
// or a note's text stays in its box.
func (u *UI) refused(w http.ResponseWriter, r *http.Request, q request, id int64, err error) {
	var ae *ActionError
	errors.As(err, &ae)
	status, key := http.StatusConflict, ""
	var reasons []string
	holder := ""
	switch {
	case errors.Is(err, ErrNotFound):
		u.fail(w, q, err, "act")
		return
	case errors.Is(err, ErrAlreadyClaimed):
		key = "deskui_err_claimed"
		if ae != nil {
			holder = ae.Holder.Name
			if holder == "" {
				holder = ae.Holder.ID
			}
		}
	case errors.Is(err, ErrStale):
		key = "deskui_err_stale"
	case errors.Is(err, ErrClosed):
		key = "deskui_err_closed"
	case errors.Is(err, ErrNeedsConfirmation):
		status, key = http.StatusUnprocessableEntity, "deskui_err_confirm"
		if ae != nil {
			reasons = ae.Reasons
		}
	case errors.Is(err, ErrNotAllowed):
		status, key = http.StatusForbidden, "deskui_err_notallowed"
	default:
		u.fail(w, q, fmt.Errorf("deskui: %s: %w", r.PathValue("action"), err), "act on a ticket")
		return
	}
	action := r.PathValue("action")
	u.showTicket(w, r, q, id, status, func(p *page) {
		p.Error = p.L.T(key, "Name", holder)
		d := p.Ticket
		switch action {
		case "reply":
			d.Draft = r.PostFormValue("text")
			d.Reasons, d.Confirm = reasons, len(reasons) > 0
			d.Stale = errors.Is(err, ErrStale)
		case "note":
			d.NoteDraft = r.PostFormValue("text")
		}
	})
}

// conversation is the ticket's exchange with the citizen: the transcript it opened with, then
// the citizen's follow-ups and the officers' replies from its audit log (the desk records
// them there), in time order; a line already in the transcript is not repeated. Notes and
// other events are not part of it.
func conversation(t Ticket, evs []balai.Event) []balai.Line {
	lines := append([]balai.Line(nil), t.Transcript...)
	seen := map[balai.Line]bool{}
	for _, ln := range lines {
		seen[balai.Line{From: ln.From, Text: ln.Text}] = true
	}
	for _, e := range evs {
		var ln balai.Line
		switch e.Action {
		case "followed":
			ln = balai.Line{From: "citizen", Text: e.Detail, At: e.At}
		case "replied":
			ln = balai.Line{From: "officer", Text: e.Detail, At: e.At}
		default:
			continue
		}
		key := balai.Line{From: ln.From, Text: ln.Text}
		if ln.Text == "" || seen[key] {
			continue
		}
		seen[key] = true
		lines = append(lines, ln)
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].At.Before(lines[j].At) })
	return lines
}

// ticketNumber reads a ticket number as officers write it ("BLI-000123", "000123", "123").
func (u *UI) ticketNumber(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if p := u.cfg.Prefix + "-"; len(s) > len(p) && strings.EqualFold(s[:len(p)], p) {
		s = s[len(p):]
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}
