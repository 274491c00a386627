package main

import (
	"context"
	"net/http"
	"sort"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/console/deskui"
	"github.com/balai-id/balai/console/faqui"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/workhours"

	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/clock"
	"github.com/balai-id/balai/console"
)

// newConsole builds the officer console over the store, with the message catalogue.
func (s *Main) newConsole(msgs *bot.Messages) (*console.Server, error) {
	cc := s.cfg.Console
	cfg := console.Config{Store: s.db, Messages: msgs, Now: clock.Now, Logger: s.log, Secure: cc.Secure, TrustedProxies: s.cfg.TrustedProxies,
		SessionIdle: cc.SessionIdle, SessionLifetime: cc.SessionLifetime}
	if s.cfg.PublicOrigin != "" {
		cfg.TrustedOrigins = []string{s.cfg.PublicOrigin}
	}
	if s.cfg.WhatsApp.Enabled {
		cfg.WhatsApp = &s.wa // the adapter is set once serve built it
	}
	if cc.OIDCIssuer != "" {
		cfg.OIDC = &console.OIDCConfig{Issuer: cc.OIDCIssuer, ClientID: cc.OIDCClientID, ClientSecret: cc.OIDCClientSecret, RedirectURL: cc.OIDCRedirectURL}
	}
	con, err := console.New(cfg)
	if err != nil {
		return nil, err
	}
	s.mountFAQ(con, msgs)
	return con, nil
}

// faqPrefix is where the FAQ corpus's pages are in the console.
const faqPrefix = "/console/faq"

// mountFAQ serves the FAQ corpus's pages (entries, editor, preview, coba pertanyaan,
// review, history, export and import) for editors and admins, over the corpus versions;
// with BALAI_CORPUS=folder they show the served corpus read-only. Editors see the
// freshness list on the console's home page.
func (s *Main) mountFAQ(con *console.Server, msgs *bot.Messages) {
	ui := faqui.New(faqui.Config{Service: corpusService(s.cfg, s.db), Served: s.index, Auth: con.Auth(), Chrome: con.Chrome(), Texts: msgs,
		Index:  knowledge.Options{Thresholds: s.cfg.Calibration.Thresholds, Model: s.cfg.Calibration.Model},
		Reason: reasonText, Now: clock.Now, Logger: s.log, Feedback: feedbackRates{db: s.db, now: clock.Now}})
	mux := http.NewServeMux()
	ui.Routes(mux, faqPrefix)
	con.Mount(faqPrefix+"/", balai.RoleEditor, "console_nav_faq", mux)
	con.HomeSection(ui.HomeSection)
}

// feedbackWindow is how far back the FAQ pages count an entry's answers and 👎.
const feedbackWindow = 90 * 24 * time.Hour

// feedbackRates gives the FAQ pages each entry's answers and 👎 over the last
// feedbackWindow, from the dashboard's counts (the message log records the entry a 👎 rates).
type feedbackRates struct {
	db  *store.DB
	now func() time.Time
}

func (f feedbackRates) NotHelpful(ctx context.Context) (map[string]faqui.Rate, error) {
	now := f.now()
	counts, err := f.db.AnalyticsEntries(ctx, balai.AnalyticsFilter{From: now.Add(-feedbackWindow), To: now})
	if err != nil {
		return nil, err
	}
	out := make(map[string]faqui.Rate, len(counts))
	for _, c := range counts {
		out[c.EntryID] = faqui.Rate{Answers: int(c.Answers), NotHelpful: int(c.Down)}
	}
	return out, nil
}

// mountDesk serves the officer desk's pages (inbox, tickets, supervisor view, canned
// replies) in the console, over the desk's officer API.
func (s *Main) mountDesk(con *console.Server, msgs *bot.Messages, cal *workhours.Calendar) {
	var cats []string
	seen := map[string]bool{}
	for _, e := range s.index.Corpus().Entries {
		if e.Category != "" && !seen[e.Category] {
			seen[e.Category] = true
			cats = append(cats, e.Category)
		}
	}
	sort.Strings(cats)
	ui := deskui.New(deskui.Config{Desk: s.desk, Auth: con.Auth(), Chrome: con.Chrome(), Texts: msgs, Directory: officerDirectory{s.db},
		Forms: s.db, Calendar: cal, Categories: cats, Prefix: s.cfg.Desk.TicketPrefix, Location: cal.Location(), Logger: s.log})
	mux := http.NewServeMux()
	ui.Routes(mux, deskPrefix)
	s.con, s.deskUI = con, ui
	con.Mount(deskPrefix+"/", balai.RoleOfficer, "console_nav_desk", mux)
}

// deskPrefix is where the desk's pages are in the console.
const deskPrefix = "/console/desk"

// officerDirectory lists the officers a ticket can be handed to: enabled console accounts
// whose role may handle tickets.
type officerDirectory struct{ db *store.DB }

func (d officerDirectory) Officers(ctx context.Context) ([]balai.Officer, error) {
	accs, err := d.db.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	var out []balai.Officer
	for _, a := range accs {
		if !a.Disabled && a.Role.Allows(balai.RoleOfficer) {
			out = append(out, a.Officer())
		}
	}
	return out, nil
}

// purgeConsole deletes, every interval, console sessions that expired and old failed
// sign-ins.
func (s *Main) purgeConsole(ctx context.Context, con *console.Server, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n, err := con.Purge(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("Failed to purge console sessions", "err", err)
		} else if n > 0 {
			s.log.Debug("Purged console sessions", "sessions", n)
		}
	}
}
