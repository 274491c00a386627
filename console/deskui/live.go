package deskui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// events is a live page's server-sent event stream: "change" for every entry of the desk's
// change feed (of one ticket with ?ticket=), read every Poll from ?after= (or Last-Event-ID);
// on a ticket also "presence" with who else views or types in it, when that changes.
func (u *UI) events(w http.ResponseWriter, r *http.Request, q request) {
	ctx := r.Context()
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, u.cfg.Texts.Text(q.lang, "deskui_err_internal", nil), http.StatusInternalServerError)
		return
	}
	ticket, _ := strconv.ParseInt(r.URL.Query().Get("ticket"), 10, 64)
	after, err := strconv.ParseInt(r.Header.Get("Last-Event-ID"), 10, 64)
	if err != nil {
		after, err = strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	}
	if err != nil {
		// No position: start from now, past the feed's backlog.
		if lc, ok := u.cfg.Desk.(LastChanger); ok {
			after, err = lc.LastChange(ctx)
		} else {
			after, err = u.skipBacklog(r, 0)
		}
		if err != nil {
			u.fail(w, q, err, "read the change feed")
			return
		}
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 3000\n\n")
	fl.Flush()
	l := tr{Cat: u.cfg.Texts, Code: q.lang}
	tick := time.NewTicker(u.cfg.Poll)
	defer tick.Stop()
	var present string
	for {
		changes, err := u.cfg.Desk.Changes(ctx, after)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			u.cfg.Logger.Warn("Failed to read the change feed", "error", err)
		}
		for _, c := range changes {
			after = c.Seq
			if ticket != 0 && c.TicketID != ticket {
				continue
			}
			b, _ := json.Marshal(map[string]any{"seq": c.Seq, "ticket": c.TicketID, "action": c.Action,
				"text": l.T("deskui_live_updated")})
			fmt.Fprintf(w, "id: %d\nevent: change\ndata: %s\n\n", c.Seq, b)
		}
		if ticket != 0 {
			if ps, err := u.cfg.Desk.Present(ctx, ticket, u.cfg.Now()); err == nil {
				if s := presentText(l, ps, q.o.ID); s != present {
					present = s
					b, _ := json.Marshal(map[string]string{"text": s})
					fmt.Fprintf(w, "event: presence\ndata: %s\n\n", b)
				}
			}
		}
		fl.Flush()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// skipBacklog reads the change feed to its end and returns its last sequence number.
func (u *UI) skipBacklog(r *http.Request, after int64) (int64, error) {
	for {
		cs, err := u.cfg.Desk.Changes(r.Context(), after)
		if err != nil || len(cs) == 0 {
			return after, err
		}
		after = cs[len(cs)-1].Seq
	}
}
