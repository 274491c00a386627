package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/balai-id/balai/bot/whatsapp/meow"
	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/store"
)

// Health states of a part and of Balai as a whole, from best to worst.
const (
	stateOK       = "ok"
	stateDegraded = "degraded" // works, but something needs a person
	stateFailing  = "failing"  // cannot do its work
)

func stateRank(s string) int {
	switch s {
	case stateFailing:
		return 2
	case stateDegraded:
		return 1
	}
	return 0
}

// worse returns the worse of two states.
func worse(a, b string) string {
	if stateRank(b) > stateRank(a) {
		return b
	}
	return a
}

// healthTimeout bounds the database work of one health check; healthCacheFor is how long a
// check's result answers /healthz, /readyz and the public endpoints before the next one runs
// (probes hitting every second cost one write per period, whatever their number).
const (
	healthTimeout  = 2 * time.Second
	healthCacheFor = 2 * time.Second
)

// healthSettings are the thresholds of /healthz (README, Configuration).
type healthSettings struct {
	DiskLow, DiskFull   diskLimit        // BALAI_HEALTH_DISK: free space below: degraded, failing
	InboundAge          [2]time.Duration // BALAI_HEALTH_INBOUND_AGE: oldest unhandled message: degraded, failing
	OutboxAge           [2]time.Duration // BALAI_HEALTH_OUTBOX_AGE: oldest undelivered reply: degraded, failing
	CorpusShrinkLimit   float64          // BALAI_CORPUS_SHRINK_LIMIT: share of entries a reload may remove unconfirmed
	corpusShrinkLimitOn bool
}

// defaultHealth are the thresholds without settings.
func defaultHealth() healthSettings {
	return healthSettings{DiskLow: diskLimit{Percent: 10}, DiskFull: diskLimit{Percent: 2},
		InboundAge:        [2]time.Duration{2 * time.Minute, 15 * time.Minute},
		OutboxAge:         [2]time.Duration{5 * time.Minute, time.Hour},
		CorpusShrinkLimit: 0.20, corpusShrinkLimitOn: true}
}

// healthFromEnv reads the health thresholds and the corpus shrink limit.
func healthFromEnv() (healthSettings, error) {
	h := defaultHealth()
	var errs []string
	if v := strings.TrimSpace(os.Getenv("BALAI_HEALTH_DISK")); v != "" {
		low, full, ok := strings.Cut(v, ",")
		var err1, err2 error
		h.DiskLow, err1 = parseDiskLimit(low)
		h.DiskFull, err2 = parseDiskLimit(full)
		if !ok || err1 != nil || err2 != nil {
			errs = append(errs, fmt.Sprintf("BALAI_HEALTH_DISK=%q: want LOW,FULL free space, each a share or a size, like 10%%,2%% or 5GiB,500MiB", v))
		}
	}
	ages := func(name string, into *[2]time.Duration) {
		v := strings.TrimSpace(os.Getenv(name))
		if v == "" {
			return
		}
		a, b, ok := strings.Cut(v, ",")
		d1, err1 := time.ParseDuration(strings.TrimSpace(a))
		d2, err2 := time.ParseDuration(strings.TrimSpace(b))
		if !ok || err1 != nil || err2 != nil || d1 <= 0 || d2 < d1 {
			errs = append(errs, fmt.Sprintf("%s=%q: want DEGRADED,FAILING ages, like 5m,1h", name, v))
			return
		}
		*into = [2]time.Duration{d1, d2}
	}
	ages("BALAI_HEALTH_INBOUND_AGE", &h.InboundAge)
	ages("BALAI_HEALTH_OUTBOX_AGE", &h.OutboxAge)
	if v := strings.TrimSpace(os.Getenv("BALAI_CORPUS_SHRINK_LIMIT")); v != "" {
		if v == "off" {
			h.corpusShrinkLimitOn = false
		} else if p, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64); err != nil || p < 0 || p >= 100 {
			errs = append(errs, fmt.Sprintf("BALAI_CORPUS_SHRINK_LIMIT=%q: want a share of entries like 20%% (below 100%%), or off", v))
		} else {
			h.CorpusShrinkLimit = p / 100
		}
	}
	if len(errs) > 0 {
		return h, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return h, nil
}

// diskLimit is an amount of free space: a share of the disk or a number of bytes.
type diskLimit struct {
	Percent float64 // of the disk's size, when Bytes is 0
	Bytes   uint64
}

func (l diskLimit) String() string {
	if l.Bytes > 0 {
		return formatBytes(l.Bytes)
	}
	return strconv.FormatFloat(l.Percent, 'f', -1, 64) + "%"
}

// below reports whether free bytes of a disk of total bytes are under the limit.
func (l diskLimit) below(free, total uint64) bool {
	if l.Bytes > 0 {
		return free < l.Bytes
	}
	return total > 0 && float64(free) < float64(total)*l.Percent/100
}

// parseDiskLimit reads "10%", "500MiB", "2GB" or a number of bytes.
func parseDiskLimit(s string) (diskLimit, error) {
	s = strings.TrimSpace(s)
	if p, ok := strings.CutSuffix(s, "%"); ok {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f < 0 || f > 100 {
			return diskLimit{}, fmt.Errorf("%q: not a share", s)
		}
		return diskLimit{Percent: f}, nil
	}
	units := []struct {
		suffix string
		n      uint64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}}
	mult := uint64(1)
	for _, u := range units {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = strings.TrimSpace(n), u.n
			break
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		return diskLimit{}, fmt.Errorf("%q: not a size", s)
	}
	return diskLimit{Bytes: uint64(f * float64(mult))}, nil
}

func formatBytes(n uint64) string {
	switch {
	case n >= 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64) + " GiB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
	}
	return strconv.FormatUint(n, 10) + " B"
}

// diskSpace is what statfs tells of the disk holding a path.
type diskSpace struct {
	Free, Total uint64 // bytes available to Balai's user, bytes of the file system
}

// healthPart is one part's state and, when not ok, why.
type healthPart struct {
	State  string `json:"state"`
	Detail string `json:"detail,omitempty"`
}

// healthReport is the detailed /healthz.
type healthReport struct {
	Status      string                `json:"status"` // the worst part (a channel down counts as degraded)
	Ready       bool                  `json:"ready"`  // /readyz
	NotReady    []string              `json:"not_ready,omitempty"`
	Parts       map[string]healthPart `json:"parts"`
	Store       storeHealth           `json:"store"`
	Disk        *diskHealth           `json:"disk,omitempty"`
	Backlog     *store.Backlog        `json:"backlog,omitempty"`
	Index       knowledge.Info        `json:"index"`
	Corpus      corpusHealth          `json:"corpus"`
	Channels    map[string]string     `json:"channels"`
	DeadLetters int                   `json:"dead_letters"` // messages parked after failing (balai admin dead-letters)
	CheckedAt   time.Time             `json:"checked_at"`
}

type storeHealth struct {
	Dialect string `json:"dialect"`
	State   string `json:"state"`
	Error   string `json:"error,omitempty"`
}

type diskHealth struct {
	Path        string  `json:"path"`
	FreeBytes   uint64  `json:"free_bytes"`
	TotalBytes  uint64  `json:"total_bytes"`
	FreePercent float64 `json:"free_percent"`
}

// checkHealth returns the health report, from the cache when the last check is recent
// (s.healthCache); concurrent callers share one check. The check's database work is
// bounded by healthTimeout and does not end with the caller's request.
func (s *Main) checkHealth(ctx context.Context) *healthReport {
	s.hmu.Lock()
	defer s.hmu.Unlock()
	now := s.now()
	if s.hlast != nil && s.healthCache > 0 && now.Sub(s.hlast.CheckedAt) < s.healthCache && !now.Before(s.hlast.CheckedAt) {
		return s.hlast
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), healthTimeout)
	defer cancel()
	r := &healthReport{Parts: map[string]healthPart{}, CheckedAt: now}
	status := stateOK
	set := func(name, state, detail string) {
		r.Parts[name] = healthPart{State: state, Detail: detail}
		status = worse(status, state)
	}

	// Database: a real write, not a ping (a full disk answers pings and fails writes).
	r.Store = storeHealth{Dialect: string(s.db.Dialect()), State: stateOK}
	if err := s.db.ProbeWrite(ctx); err != nil {
		r.Store.State, r.Store.Error = stateFailing, err.Error()
		set("database", stateFailing, "writes fail: "+err.Error())
	} else {
		set("database", stateOK, "")
	}

	if s.cfg.DataDir != "" {
		st, detail, d := s.diskHealth()
		r.Disk = d
		set("disk", st, detail)
	}

	if b, err := s.db.Backlog(ctx); err != nil {
		set("backlog", stateDegraded, "unknown: "+err.Error())
	} else {
		r.Backlog = &b
		st, detail := backlogState(now, b, s.cfg.Health)
		set("backlog", st, detail)
	}

	// Corpus: entries past review, a rejected or held reload.
	r.Index = s.index.Info()
	r.Corpus = newCorpusHealth(s.index.Corpus().Review(now, faq.ReviewWindow))
	r.Corpus.Reload = s.guard.health()
	st, detail := stateOK, ""
	if r.Corpus.State == stateDegraded {
		st, detail = stateDegraded, fmt.Sprintf("%d entries past review", r.Corpus.PastReview)
	}
	if rl := r.Corpus.Reload; rl != nil {
		st, detail = stateDegraded, rl.Detail
		r.Corpus.State = stateDegraded
	}
	set("corpus", st, detail)

	if s.intake != nil {
		if s.intake.HasRoom() {
			set("intake", stateOK, "")
		} else {
			set("intake", stateDegraded, "full or closing: new messages are refused as busy")
		}
	}

	// Channels: one down still leaves the others working, so at worst degraded overall.
	s.mu.Lock()
	r.Channels = map[string]string{}
	for k, v := range s.health {
		r.Channels[k] = v
	}
	s.mu.Unlock()
	for name, v := range r.Channels {
		st := channelState(v)
		r.Parts["channel:"+name] = healthPart{State: st, Detail: v}
		if st == stateFailing {
			st = stateDegraded
		}
		status = worse(status, st)
	}
	r.DeadLetters, _ = s.db.CountDeadLetters(ctx)

	// Ready: able to take work now.
	if r.Store.State == stateFailing {
		r.NotReady = append(r.NotReady, "database not writable")
	}
	if s.index == nil || s.index.Corpus() == nil {
		r.NotReady = append(r.NotReady, "index not loaded")
	}
	if s.intake == nil {
		r.NotReady = append(r.NotReady, "engine not started")
	} else if r.Parts["intake"].State != stateOK {
		r.NotReady = append(r.NotReady, "intake full or closing")
	}
	if s.draining.Load() {
		r.NotReady = append(r.NotReady, "shutting down")
	}
	r.Ready = len(r.NotReady) == 0
	r.Status = status
	s.hlast = r
	return r
}

// diskHealth judges the free space of the data directory's disk.
func (s *Main) diskHealth() (string, string, *diskHealth) {
	statfs := s.statfs
	if statfs == nil {
		statfs = statDisk
	}
	sp, err := statfs(s.cfg.DataDir)
	if err != nil {
		return stateDegraded, "unknown: " + err.Error(), nil
	}
	d := &diskHealth{Path: s.cfg.DataDir, FreeBytes: sp.Free, TotalBytes: sp.Total}
	if sp.Total > 0 {
		d.FreePercent = float64(int(float64(sp.Free)/float64(sp.Total)*1000)) / 10
	}
	h := s.cfg.Health
	free := fmt.Sprintf("%s free (%.1f%%)", formatBytes(sp.Free), d.FreePercent)
	switch {
	case h.DiskFull.below(sp.Free, sp.Total):
		return stateFailing, free + ", below " + h.DiskFull.String() + ": writes are about to fail", d
	case h.DiskLow.below(sp.Free, sp.Total):
		return stateDegraded, free + ", below " + h.DiskLow.String(), d
	}
	return stateOK, free, d
}

// backlogState judges the age of the oldest unhandled message and undelivered reply.
func backlogState(now time.Time, b store.Backlog, h healthSettings) (string, string) {
	st := stateOK
	var notes []string
	judge := func(what string, n int, oldest time.Time, limits [2]time.Duration) {
		if n == 0 {
			return
		}
		age := now.Sub(oldest)
		s := stateOK
		switch {
		case age >= limits[1]:
			s = stateFailing
		case age >= limits[0]:
			s = stateDegraded
		}
		st = worse(st, s)
		notes = append(notes, fmt.Sprintf("%d %s, oldest %s", n, what, age.Truncate(time.Second)))
	}
	judge("messages to handle", b.Inbound, b.OldestInbound, h.InboundAge)
	judge("deliveries pending", b.Outbox, b.OldestOutbox, h.OutboxAge)
	return st, strings.Join(notes, "; ")
}

// channelState judges a channel's connection from what its adapter last said (s.health).
func channelState(v string) string {
	word, _, _ := strings.Cut(v, " ")
	switch word {
	case meow.StateConnecting, meow.StateDisconnected, meow.StateError, meow.StateStarting:
		return stateDegraded
	case meow.StateLoggedOut, meow.StateStreamReplaced, meow.StateTemporaryBan, meow.StateClientOutdated,
		meow.StateNotPaired, meow.StateStopped:
		return stateFailing
	}
	if strings.HasPrefix(v, "setup failed") {
		return stateFailing
	}
	return stateOK // "ok", "cloud api", "polling", "webhook", "connected", "standby"
}

func writeHealthJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// healthz is the detailed report: 503 when a part is failing, 200 otherwise (degraded
// included: Balai still works).
func (s *Main) healthz(w http.ResponseWriter, r *http.Request) {
	rep := s.checkHealth(r.Context())
	code := http.StatusOK
	if rep.Status == stateFailing {
		code = http.StatusServiceUnavailable
	}
	writeHealthJSON(w, code, rep)
}

// publicHealthz says only whether Balai works (no part failing): no paths, errors, entry
// ids or owners.
func (s *Main) publicHealthz(w http.ResponseWriter, r *http.Request) {
	if s.checkHealth(r.Context()).Status == stateFailing {
		writeHealthJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ok"})
		return
	}
	writeHealthJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// livez says the process is alive and serving HTTP: it checks nothing else, so an outage
// of a dependency never gets Balai restarted for nothing.
func livez(w http.ResponseWriter, _ *http.Request) {
	writeHealthJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz says whether Balai takes work now (database writable, index loaded, intake not
// full, not shutting down); detailed says why not.
func (s *Main) readyz(detailed bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rep := s.checkHealth(r.Context())
		body := map[string]any{"status": "ok"}
		code := http.StatusOK
		if !rep.Ready {
			body["status"], code = "not ok", http.StatusServiceUnavailable
			if detailed {
				body["not_ready"] = rep.NotReady
			}
		}
		writeHealthJSON(w, code, body)
	}
}
