package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

// fakeIntake is the engine's intake as readiness sees it.
type fakeIntake struct {
	mu   sync.Mutex
	full bool
}

func (f *fakeIntake) HasRoom() bool { f.mu.Lock(); defer f.mu.Unlock(); return !f.full }

// healthFixture is a server over the review fixture (nothing due on its clock's date) with a
// real SQLite store, a settable clock, a fake disk and a fake intake.
type healthFixture struct {
	s      *Main
	clk    *storetest.Clock
	faqDir string
	logs   *bytes.Buffer
	intake *fakeIntake
	disk   diskSpace
	diskEr error
	public string // loopback URLs
	admin  string
}

func newHealthFixture(t *testing.T) *healthFixture {
	t.Helper()
	ctx := context.Background()
	f := &healthFixture{clk: storetest.NewClock(time.Date(2030, 6, 1, 9, 0, 0, 0, time.UTC)), faqDir: reviewFixture(t),
		logs: &bytes.Buffer{}, intake: &fakeIntake{}, disk: diskSpace{Free: 50 << 30, Total: 100 << 30}}
	c, ps, err := knowledge.LoadCorpus(f.faqDir)
	if err != nil || ps.Err() != nil {
		t.Fatal(err, ps)
	}
	ix, err := knowledge.Open(ctx, c, knowledge.Options{Now: f.clk.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "balai.db"), store.Options{Owner: "test", Now: f.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	msgs, err := bot.LoadMessages("", "Dinas Uji")
	if err != nil {
		t.Fatal(err)
	}
	f.s = &Main{cfg: Config{DataDir: t.TempDir(), FAQDir: f.faqDir, Health: defaultHealth()},
		log: slog.New(slog.NewTextHandler(f.logs, nil)), now: f.clk.Now, index: ix, db: db, msgs: msgs,
		health: map[string]string{"web": "ok"}, intake: f.intake}
	f.s.statfs = func(path string) (diskSpace, error) {
		if path != f.s.cfg.DataDir {
			t.Errorf("statfs of %s, want the data directory", path)
		}
		return f.disk, f.diskEr
	}
	f.s.cfg.AdminToken = "0123456789abcdef-admin"
	mux := http.NewServeMux()
	f.s.public(mux, http.NotFoundHandler())
	f.public = serveOn(t, mux, defaultHTTPLimits)
	f.admin = serveOn(t, f.s.admin(http.NotFoundHandler()), defaultHTTPLimits)
	return f
}

// report fetches the admin /healthz.
func (f *healthFixture) report(t *testing.T) (int, healthReport) {
	t.Helper()
	code, body := get(t, f.admin+"/healthz", "")
	var r healthReport
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("/healthz: %v: %s", err, body)
	}
	return code, r
}

// TestHealthParts: each part of /healthz, both ways, and what /readyz, the public endpoints
// and /livez make of it.
func TestHealthParts(t *testing.T) {
	for _, tt := range []struct {
		name   string
		setup  func(t *testing.T, f *healthFixture)
		part   string
		state  string
		detail string // part of the part's detail
		status string // overall
		ready  bool
	}{
		{"all ok", func(*testing.T, *healthFixture) {}, "database", stateOK, "", stateOK, true},
		{"write probe fails", func(t *testing.T, f *healthFixture) { f.s.db.Close() }, "database", stateFailing, "writes fail", stateFailing, false},
		// A database that answers pings but takes no writes (like a full disk) is failing.
		{"writes refused, pings answered", func(t *testing.T, f *healthFixture) {
			if _, err := f.s.db.SQL().Exec(`PRAGMA query_only = ON`); err != nil { // SQLite's one writer connection
				t.Fatal(err)
			}
			if err := f.s.db.Ping(context.Background()); err != nil {
				t.Fatal(err)
			}
		}, "database", stateFailing, "writes fail", stateFailing, false},
		{"disk roomy", func(t *testing.T, f *healthFixture) { f.disk = diskSpace{Free: 20 << 30, Total: 100 << 30} }, "disk", stateOK, "20.0 GiB free", stateOK, true},
		{"disk low", func(t *testing.T, f *healthFixture) { f.disk = diskSpace{Free: 5 << 30, Total: 100 << 30} }, "disk", stateDegraded, "below 10%", stateDegraded, true},
		{"disk nearly full", func(t *testing.T, f *healthFixture) { f.disk = diskSpace{Free: 1 << 30, Total: 100 << 30} }, "disk", stateFailing, "writes are about to fail", stateFailing, true},
		{"disk unknown", func(t *testing.T, f *healthFixture) { f.diskEr = errors.New("statfs: no such file") }, "disk", stateDegraded, "unknown", stateDegraded, true},
		{"disk size limits", func(t *testing.T, f *healthFixture) {
			f.s.cfg.Health.DiskLow, f.s.cfg.Health.DiskFull = diskLimit{Bytes: 8 << 30}, diskLimit{Bytes: 1 << 30}
			f.disk = diskSpace{Free: 4 << 30, Total: 1 << 40} // 0.4 %, yet 4 GiB
		}, "disk", stateDegraded, "below 8.0 GiB", stateDegraded, true},
		{"backlog young", func(t *testing.T, f *healthFixture) { backlog(t, f, time.Minute, 0) }, "backlog", stateOK, "1 messages to handle, oldest 1m0s", stateOK, true},
		{"inbound backlog old", func(t *testing.T, f *healthFixture) { backlog(t, f, 3*time.Minute, 0) }, "backlog", stateDegraded, "oldest 3m0s", stateDegraded, true},
		{"inbound backlog stuck", func(t *testing.T, f *healthFixture) { backlog(t, f, 20*time.Minute, 0) }, "backlog", stateFailing, "oldest 20m0s", stateFailing, true},
		{"outbox young", func(t *testing.T, f *healthFixture) { backlog(t, f, 0, 4*time.Minute) }, "backlog", stateOK, "1 deliveries pending, oldest 4m0s", stateOK, true},
		{"outbox old", func(t *testing.T, f *healthFixture) { backlog(t, f, 0, 10*time.Minute) }, "backlog", stateDegraded, "deliveries pending", stateDegraded, true},
		{"outbox stuck", func(t *testing.T, f *healthFixture) { backlog(t, f, 0, 2*time.Hour) }, "backlog", stateFailing, "oldest 2h0m0s", stateFailing, true},
		{"intake full", func(t *testing.T, f *healthFixture) { f.intake.full = true }, "intake", stateDegraded, "busy", stateDegraded, false},
		{"engine not started", func(t *testing.T, f *healthFixture) { f.s.intake = nil }, "database", stateOK, "", stateOK, false},
		{"shutting down", func(t *testing.T, f *healthFixture) { f.s.draining.Store(true) }, "database", stateOK, "", stateOK, false},
		{"channel connected", func(t *testing.T, f *healthFixture) { f.s.setHealth("whatsapp", "connected") }, "channel:whatsapp", stateOK, "connected", stateOK, true},
		{"channel reconnecting", func(t *testing.T, f *healthFixture) { f.s.setHealth("whatsapp", "disconnected") }, "channel:whatsapp", stateDegraded, "disconnected", stateDegraded, true},
		// A channel down leaves the others working: failing part, degraded Balai, still ready.
		{"channel down", func(t *testing.T, f *healthFixture) { f.s.setHealth("telegram", "setup failed: 401 Unauthorized") },
			"channel:telegram", stateFailing, "401", stateDegraded, true},
		{"corpus change rejected", func(t *testing.T, f *healthFixture) {
			writeEntry(t, f.faqDir, "rusak", "---\nid: rusak\n---\n") // no title, no questions
			f.s.reloadCorpus(context.Background())
		}, "corpus", stateDegraded, "corpus change rejected", stateDegraded, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newHealthFixture(t)
			tt.setup(t, f)
			code, r := f.report(t)
			p := r.Parts[tt.part]
			if p.State != tt.state || !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("part %s = %+v, want %s with %q", tt.part, p, tt.state, tt.detail)
			}
			if r.Status != tt.status || r.Ready != tt.ready {
				t.Errorf("status %s ready %v (%v), want %s ready %v; parts %+v", r.Status, r.Ready, r.NotReady, tt.status, tt.ready, r.Parts)
			}
			wantCode, public := 200, `{"status":"ok"}`
			if tt.status == stateFailing {
				wantCode, public = 503, `{"status":"not ok"}`
			}
			if code != wantCode {
				t.Errorf("/healthz answered %d, want %d", code, wantCode)
			}
			if code, body := get(t, f.public+"/healthz", ""); code != wantCode || strings.TrimSpace(body) != public {
				t.Errorf("public /healthz: %d %s, want %d %s", code, body, wantCode, public)
			}
			wantCode, public = 200, `{"status":"ok"}`
			if !tt.ready {
				wantCode, public = 503, `{"status":"not ok"}`
			}
			for name, url := range map[string]string{"public": f.public, "admin": f.admin} {
				code, body := get(t, url+"/readyz", "")
				if code != wantCode || name == "public" && strings.TrimSpace(body) != public ||
					name == "admin" && !tt.ready && !strings.Contains(body, "not_ready") {
					t.Errorf("%s /readyz: %d %s, want %d", name, code, body, wantCode)
				}
				if code, body := get(t, url+"/livez", ""); code != 200 || strings.TrimSpace(body) != `{"status":"ok"}` {
					t.Errorf("%s /livez: %d %s", name, code, body)
				}
			}
		})
	}
}

// backlog leaves a message unhandled for inbound and a reply undelivered for outbox (0:
// none), then moves the clock on by that long.
func backlog(t *testing.T, f *healthFixture, inbound, outbox time.Duration) {
	t.Helper()
	ctx := context.Background()
	chat := balai.ChatRef{Channel: balai.Telegram, ID: "42"}
	start := f.clk.Now()
	if inbound > 0 {
		if _, _, err := f.s.db.Accept(ctx, []bot.Inbound{{Chat: chat, Key: "1", Kind: bot.KindText, Text: "halo", Time: start}}); err != nil {
			t.Fatal(err)
		}
	}
	if outbox > 0 {
		if _, err := f.s.db.Enqueue(ctx, []bot.Outgoing{{Chat: chat, Kind: bot.OutMessage, Text: "balasan"}}); err != nil {
			t.Fatal(err)
		}
	}
	f.clk.Add(max(inbound, outbox))
}

// TestHealthIsCached: checks within healthCache answer from the last check (one probe
// however many requests); the next one after it sees the change.
func TestHealthIsCached(t *testing.T) {
	f := newHealthFixture(t)
	f.s.healthCache = 2 * time.Second
	if _, r := f.report(t); r.Status != stateOK {
		t.Fatalf("status %s", r.Status)
	}
	f.s.db.Close()
	f.clk.Add(time.Second)
	if code, r := f.report(t); code != 200 || r.Status != stateOK {
		t.Errorf("within the cache period: %d %s, want the cached ok", code, r.Status)
	}
	f.clk.Add(2 * time.Second)
	if code, r := f.report(t); code != 503 || r.Parts["database"].State != stateFailing {
		t.Errorf("after the cache period: %d %+v, want failing", code, r.Parts["database"])
	}
}

// TestPublicHealthShowsNoDetails: a failing part's error (which may hold paths) never
// reaches the public endpoints.
func TestPublicHealthShowsNoDetails(t *testing.T) {
	f := newHealthFixture(t)
	f.diskEr = errors.New("statfs /srv/balai/secret: permission denied")
	writeEntry(t, f.faqDir, "rusak", "---\nid: rusak\n---\n")
	f.s.reloadCorpus(context.Background())
	f.s.db.Close()
	for _, path := range []string{"/healthz", "/readyz", "/livez"} {
		if _, body := get(t, f.public+path, ""); strings.Contains(body, "secret") || strings.Contains(body, "rusak") || len(body) > 25 {
			t.Errorf("public %s shows details: %s", path, body)
		}
	}
	if _, body := get(t, f.public+"/healthz", f.s.cfg.AdminToken); !strings.Contains(body, "rusak") {
		t.Errorf("public /healthz with the admin token lacks the details: %s", body)
	}
}

func TestHealthSettings(t *testing.T) {
	for _, tt := range []struct {
		env     map[string]string
		want    func(h healthSettings) bool
		wantErr string
	}{
		{nil, func(h healthSettings) bool {
			return h.DiskLow.Percent == 10 && h.DiskFull.Percent == 2 && h.OutboxAge == [2]time.Duration{5 * time.Minute, time.Hour} &&
				h.CorpusShrinkLimit == 0.2 && h.corpusShrinkLimitOn
		}, ""},
		{map[string]string{"BALAI_HEALTH_DISK": "5GiB,500MiB", "BALAI_HEALTH_OUTBOX_AGE": "1m,10m", "BALAI_CORPUS_SHRINK_LIMIT": "35%"}, func(h healthSettings) bool {
			return h.DiskLow.Bytes == 5<<30 && h.DiskFull.Bytes == 500<<20 && h.OutboxAge == [2]time.Duration{time.Minute, 10 * time.Minute} && h.CorpusShrinkLimit == 0.35
		}, ""},
		{map[string]string{"BALAI_CORPUS_SHRINK_LIMIT": "off"}, func(h healthSettings) bool { return !h.corpusShrinkLimitOn }, ""},
		{map[string]string{"BALAI_HEALTH_DISK": "10%"}, nil, "BALAI_HEALTH_DISK"},
		{map[string]string{"BALAI_HEALTH_INBOUND_AGE": "10m,1m"}, nil, "BALAI_HEALTH_INBOUND_AGE"},
		{map[string]string{"BALAI_CORPUS_SHRINK_LIMIT": "120%"}, nil, "BALAI_CORPUS_SHRINK_LIMIT"},
	} {
		for k, v := range tt.env {
			t.Setenv(k, v)
		}
		h, err := healthFromEnv()
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%v: err %v, want one naming %s", tt.env, err, tt.wantErr)
			}
		} else if err != nil || !tt.want(h) {
			t.Errorf("%v: %+v, %v", tt.env, h, err)
		}
		for k := range tt.env {
			t.Setenv(k, "")
		}
	}
}
