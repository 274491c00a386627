package deskui

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/balai-id/balai"
)

// superScan bounds how many active tickets the supervisor's view reads to count queues.
const superScan = 10000

type queueRow struct {
	Name                      string
	Open, Unassigned, Overdue int
	Officer                   bool
}

type superData struct {
	Categories []queueRow
	Officers   []queueRow
	Overdue    []row
	Directory  []balai.Officer
	Truncated  bool
}

func (u *UI) supervisor(w http.ResponseWriter, r *http.Request, q request) {
	ctx := r.Context()
	p := u.newPage(ctx, q, "deskui_super_title")
	d := &superData{}
	cats, offs := map[string]*queueRow{}, map[string]*queueRow{}
	if u.cfg.Directory != nil {
		os, err := u.cfg.Directory.Officers(ctx)
		if err != nil {
			u.fail(w, q, err, "list officers")
			return
		}
		d.Directory = os
		for _, o := range os {
			offs[o.ID] = &queueRow{Name: o.Name, Officer: true}
		}
	}
	now := u.cfg.Now()
	for off := 0; off < superScan; {
		ts, total, err := u.cfg.Desk.List(ctx, Filter{View: ViewOpen, Limit: 500, Offset: off})
		if err != nil {
			u.fail(w, q, err, "list tickets")
			return
		}
		for _, t := range ts {
			_, state := u.cfg.Desk.SLA(t, now)
			cat := t.Category
			if cat == "" {
				cat = p.L.T("deskui_no_category")
			}
			c := cats[cat]
			if c == nil {
				c = &queueRow{Name: cat}
				cats[cat] = c
			}
			c.Open++
			if t.Assignee == "" {
				c.Unassigned++
			}
			if state == SLAOverdue {
				c.Overdue++
			}
			if t.Assignee != "" {
				o := offs[t.Assignee]
				if o == nil {
					o = &queueRow{Name: t.AssigneeName, Officer: true}
					offs[t.Assignee] = o
				}
				o.Open++
				if state == SLAOverdue {
					o.Overdue++
				}
			}
		}
		off += len(ts)
		if len(ts) == 0 || off >= total {
			break
		}
		d.Truncated = off >= superScan
	}
	for _, c := range cats {
		d.Categories = append(d.Categories, *c)
	}
	for _, o := range offs {
		d.Officers = append(d.Officers, *o)
	}
	byName := func(a, b queueRow) int { return strings.Compare(a.Name, b.Name) }
	slices.SortFunc(d.Categories, byName)
	slices.SortFunc(d.Officers, func(a, b queueRow) int {
		if a.Open != b.Open {
			return b.Open - a.Open
		}
		return byName(a, b)
	})
	overdue, _, err := u.cfg.Desk.List(ctx, Filter{View: ViewOverdue, Limit: 100})
	if err != nil {
		u.fail(w, q, err, "list overdue tickets")
		return
	}
	for _, t := range overdue {
		d.Overdue = append(d.Overdue, u.row(p.L, t))
	}
	p.Super = d
	u.render(w, http.StatusOK, "supervisor", "page", p)
}

// reassign moves a ticket to another officer from the supervisor's view.
func (u *UI) reassign(w http.ResponseWriter, r *http.Request, q request) {
	id, err := strconv.ParseInt(r.PostFormValue("ticket"), 10, 64)
	to, ok := u.officer(r, r.PostFormValue("to"))
	if err != nil || !ok {
		u.fail(w, q, ErrNotAllowed, "reassign")
		return
	}
	if _, err := u.cfg.Desk.Transfer(r.Context(), q.o, id, to); err != nil {
		u.refused(w, r, q, id, err)
		return
	}
	http.Redirect(w, r, u.prefix+"/supervisor", http.StatusSeeOther)
}

func (u *UI) cannedPage(w http.ResponseWriter, r *http.Request, q request) {
	p := u.newPage(r.Context(), q, "deskui_canned_title")
	cs, err := u.cfg.Desk.CannedReplies(r.Context())
	if err != nil {
		u.fail(w, q, err, "list canned replies")
		return
	}
	p.Canned = cs
	u.render(w, http.StatusOK, "canned", "page", p)
}

func (u *UI) cannedSave(w http.ResponseWriter, r *http.Request, q request) {
	id, _ := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	c := CannedReply{ID: id, Title: r.PostFormValue("title"), Text: r.PostFormValue("text"),
		Category: strings.TrimSpace(r.PostFormValue("category")), Lang: r.PostFormValue("lang")}
	if c.Lang != "en" {
		c.Lang = "id"
	}
	if _, err := u.cfg.Desk.SaveCanned(r.Context(), q.o, c); err != nil {
		u.fail(w, q, err, "save a canned reply")
		return
	}
	http.Redirect(w, r, u.prefix+"/canned", http.StatusSeeOther)
}

func (u *UI) cannedDelete(w http.ResponseWriter, r *http.Request, q request) {
	id, ok := pathID(r, "cid")
	if !ok {
		u.fail(w, q, ErrNotFound, "delete a canned reply")
		return
	}
	if err := u.cfg.Desk.DeleteCanned(r.Context(), q.o, id); err != nil {
		u.fail(w, q, err, "delete a canned reply")
		return
	}
	http.Redirect(w, r, u.prefix+"/canned", http.StatusSeeOther)
}
