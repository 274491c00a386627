package deskui

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/balai-id/balai"
)

type viewTab struct {
	View    View
	Label   string
	Count   int
	Current bool
	Query   string
}

type option struct {
	Value, Label string
	Selected     bool
}

type row struct {
	ID       int64
	Number   string
	URL      string
	Name     string
	Question string
	Channel  string
	Category string
	Urgent   bool
	Status   string
	Assignee string
	SLAState string
	SLAText  string
}

type inboxData struct {
	Filter     Filter
	Tabs       []viewTab
	Channels   []option
	Categories []option
	Priorities []option
	SLAs       []option
	Rows       []row
	Total      int
	Page       int
	Pages      int
	PrevQuery  string
	NextQuery  string
}

var channels = []balai.Channel{balai.Telegram, balai.WhatsApp, balai.Web}

func (u *UI) inbox(w http.ResponseWriter, r *http.Request, q request) {
	ctx := r.Context()
	in := r.URL.Query()
	f := Filter{
		View:     View(in.Get("view")),
		Officer:  q.o.ID,
		Channel:  balai.Channel(in.Get("channel")),
		Category: in.Get("category"),
		Priority: in.Get("priority"),
		SLA:      in.Get("sla"),
		Query:    in.Get("q"),
		Limit:    u.cfg.PageSize,
	}
	if !validView(f.View) {
		f.View = ViewOpen
	}
	if !slices.Contains(channels, f.Channel) {
		f.Channel = ""
	}
	if f.Priority != "urgent" && f.Priority != "normal" {
		f.Priority = ""
	}
	if !slices.Contains([]string{SLAOK, SLASoon, SLAOverdue, SLANone}, f.SLA) {
		f.SLA = ""
	}
	pageNo, _ := strconv.Atoi(in.Get("page"))
	pageNo = max(pageNo, 1)
	f.Offset = (pageNo - 1) * f.Limit

	p := u.newPage(ctx, q, "deskui_inbox_title")
	ts, total, err := u.cfg.Desk.List(ctx, f)
	if err != nil {
		u.fail(w, q, err, "list tickets")
		return
	}
	counts, err := u.cfg.Desk.Counts(ctx, q.o.ID)
	if err != nil {
		u.fail(w, q, err, "count tickets")
		return
	}
	d := &inboxData{Filter: f, Total: total, Page: pageNo, Pages: max(1, (total+f.Limit-1)/f.Limit)}
	for _, v := range Views {
		tf := f
		tf.View = v
		d.Tabs = append(d.Tabs, viewTab{View: v, Label: p.L.T("deskui_view_" + string(v)), Count: counts[v], Current: v == f.View, Query: query(tf, 1)})
	}
	d.Channels = append(d.Channels, option{"", p.L.T("deskui_any"), f.Channel == ""})
	for _, c := range channels {
		d.Channels = append(d.Channels, option{string(c), p.L.T("deskui_channel_" + string(c)), f.Channel == c})
	}
	d.Categories = append(d.Categories, option{"", p.L.T("deskui_any"), f.Category == ""})
	for _, c := range u.cfg.Categories {
		d.Categories = append(d.Categories, option{c, c, f.Category == c})
	}
	d.Priorities = []option{{"", p.L.T("deskui_any"), f.Priority == ""}, {"urgent", p.L.T("deskui_priority_urgent"), f.Priority == "urgent"}, {"normal", p.L.T("deskui_priority_normal"), f.Priority == "normal"}}
	d.SLAs = []option{{"", p.L.T("deskui_any"), f.SLA == ""}}
	for _, s := range []string{SLAOK, SLASoon, SLAOverdue, SLANone} {
		d.SLAs = append(d.SLAs, option{s, p.L.T("deskui_slastate_" + s), f.SLA == s})
	}
	d.Rows = make([]row, 0, len(ts))
	for _, t := range ts {
		d.Rows = append(d.Rows, u.row(p.L, t))
	}
	if pageNo > 1 {
		d.PrevQuery = query(f, pageNo-1)
	}
	if pageNo < d.Pages {
		d.NextQuery = query(f, pageNo+1)
	}
	p.Inbox = d
	tmpl := "page"
	if in.Get("partial") == "rows" {
		tmpl = "live"
	}
	u.render(w, http.StatusOK, "inbox", tmpl, p)
}

func (u *UI) row(l tr, t Ticket) row {
	state, text := u.slaText(l, t)
	name := t.UserName
	if name == "" {
		name = l.T("deskui_citizen")
	}
	return row{ID: t.ID, Number: t.Number(u.cfg.Prefix), URL: u.ticketURL(t.ID), Name: name, Question: t.Question,
		Channel: l.T("deskui_channel_" + string(t.Chat.Channel)), Category: t.Category, Urgent: t.Priority == 1,
		Status: l.T("deskui_status_" + string(t.Status)), Assignee: t.AssigneeName, SLAState: state, SLAText: text}
}
