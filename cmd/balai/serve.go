package main

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/telegram"
	"github.com/balai-id/balai/bot/webchat"
	"github.com/balai-id/balai/bot/whatsapp/cloud"
	"github.com/balai-id/balai/bot/whatsapp/meow"
	"github.com/balai-id/balai/clock"
	"github.com/balai-id/balai/console"
	"github.com/balai-id/balai/console/deskui"
	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/desk/officerchat"
	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/internal/lockfile"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/redact"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/unanswered"
	"github.com/balai-id/balai/workhours"
)

func init() { commands["serve"] = runServe }

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("balai serve", stderr)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	cfg, err := loadConfig()
	if err != nil {
		fmt.Fprintf(stderr, "balai serve: configuration:\n%v\n", err)
		return exitUsage
	}
	log := newLogger(stderr, cfg)
	if err := NewMain(cfg, log).Run(ctx); err != nil {
		log.Error("Balai stopped", "err", err)
		return exitFailed
	}
	return exitOK
}

func newLogger(w io.Writer, cfg Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	// Personal data (NIK, phone numbers, e-mail addresses) never reaches the logs.
	return slog.New(redact.NewHandler(h))
}

// Main is `balai serve`: NewMain takes the parsed configuration, Run wires the parts (corpus
// and index, store, engine, desk, channels, web chat, console, health) and serves until ctx
// ends. runServe only parses and calls it; tests run it whole on loopback.
type Main struct {
	cfg   Config
	log   *slog.Logger
	now   func() time.Time // judges review dates
	index *knowledge.Index
	db    *store.DB
	eng   *bot.Engine
	desk  *desk.Desk
	chat  *officerchat.Chat // the officers' Telegram group (and listed officers' private commands)
	tg    *telegram.Adapter
	msgs  *bot.Messages
	wa    waConsole // the whatsmeow adapter for the console's WhatsApp page
	// The console and the desk's pages in it, once Run built them (tests walk their routes).
	con    *console.Server
	deskUI *deskui.UI

	mu     sync.Mutex
	health map[string]string // component → state

	// Health checks (health.go) and the corpus guard (corpusguard.go).
	hmu         sync.Mutex
	hlast       *healthReport                   // the last check
	healthCache time.Duration                   // how long hlast answers; 0: every request checks
	statfs      func(string) (diskSpace, error) // default statDisk
	intake      interface{ HasRoom() bool }     // the engine once started
	draining    atomic.Bool                     // shutting down: not ready
	guard       corpusGuard
	// corpusVersion is the database version served at start (BALAI_CORPUS=db; corpusdb.go).
	corpusVersion int64
	officers      balai.ChatRef               // the officers' chat, if any
	submit        func(...bot.StoredOutgoing) // hands queued notices to delivery

	ready     chan struct{} // closed once Run serves
	addr      string        // the public listener's address, once ready
	adminAddr string        // the admin listener's, if any
	// unanswered is the console's unanswered-questions loop, synced in the background.
	unanswered *unanswered.Service
}

// NewMain is a `balai serve` on cfg, logging to log.
func NewMain(cfg Config, log *slog.Logger) *Main {
	return &Main{cfg: cfg, log: log, now: clock.Now, health: map[string]string{}, healthCache: healthCacheFor,
		ready: make(chan struct{})}
}

// Ready is closed once Run serves: its listeners accept and the engine runs.
func (s *Main) Ready() <-chan struct{} { return s.ready }

// Addr is the public listener's address (web chat, webhooks, console) once Ready.
func (s *Main) Addr() string { return s.addr }

// AdminAddr is the admin listener's address once Ready ("" without one).
func (s *Main) AdminAddr() string { return s.adminAddr }

func (s *Main) setHealth(component, state string) {
	s.mu.Lock()
	s.health[component] = state
	s.mu.Unlock()
}

func (s *Main) Run(ctx context.Context) error {
	cfg := s.cfg
	start := time.Now()

	// Settings that can be wrong come first: the index may take long to build.
	cal, err := calendar(cfg)
	if err != nil {
		return err
	}
	msgs, err := bot.LoadMessages(cfg.MessagesFile, cfg.Agency)
	if err != nil {
		return err
	}
	msgs.Hours[bot.LangID], msgs.Hours[bot.LangEN] = cal.Summary("id"), cal.Summary("en")
	s.msgs = msgs

	// One balai serve per data directory (its index, drafts and default SQLite database): a
	// second one stops here with a clear message instead of waiting on the index's lock.
	if err := s.privateDataDir(); err != nil {
		return err
	}
	dirLock, err := lockfile.Lock(filepath.Join(cfg.DataDir, "serve.lock"))
	if errors.Is(err, lockfile.ErrHeld) {
		return fmt.Errorf("data directory %s is in use (%w): stop the other balai serve or give this one its own BALAI_DATA_DIR", cfg.DataDir, err)
	}
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	defer dirLock.Close()

	c, ps, err := s.loadCorpus(ctx)
	if err != nil {
		return err
	}
	for _, p := range ps {
		s.log.Warn("Corpus problem", "problem", p.String())
	}
	if err := ps.Err(); err != nil {
		return fmt.Errorf("the corpus has errors; fix them (balai faq validate) and start again: %w", err)
	}
	if err := s.guardStart(c); err != nil {
		return err
	}
	s.index, err = knowledge.Open(ctx, c, knowledge.Options{DataDir: cfg.DataDir, Thresholds: cfg.Calibration.Thresholds, Model: cfg.Calibration.Model, Logger: s.log,
		Progress: func(done, total int) { s.log.Info("Indexing the corpus", "done", done, "total", total) }})
	if err != nil {
		return err
	}
	defer s.index.Close()
	s.recordServed(c)
	info := s.index.Info()
	s.log.Info("Knowledge index ready", "entries", info.Entries, "corpus", corpusName(cfg.FAQDir), "built", info.Built, "path", info.Path)
	s.logReview(c)
	s.logCalibration(c)

	// SQLite is served by one process: it locks the database and takes over at once what an
	// earlier run left claimed. On PostgreSQL each replica's name is unique, so a replica
	// never takes another's work before that claim lapses.
	s.db, err = store.Open(ctx, cfg.databaseURL(), store.Options{Owner: store.InstanceName(cfg.Instance), Exclusive: true, Lease: cfg.Lease, Logger: s.log})
	if err != nil {
		return err
	}
	defer s.db.Close()
	s.log.Info("Store ready", "database", string(s.db.Dialect()), "at", redactURL(cfg.databaseURL()), "instance", s.db.Owner())

	var officers []balai.Actor // Telegram users: nobody on another channel acts as an officer
	for _, id := range cfg.Telegram.OfficerIDs {
		officers = append(officers, balai.Actor{Channel: balai.Telegram, ID: strconv.FormatInt(id, 10)})
	}
	dcfg := desk.Config{Store: s.db, Messages: msgs, Calendar: cal, SLA: cfg.Desk.ReplySLA, ReminderLead: cfg.Desk.SLAReminder,
		ClaimTimeout: cfg.Desk.ClaimTimeout, ReopenWindow: cfg.Desk.TicketReopen, Prefix: cfg.Desk.TicketPrefix, Officers: officers,
		TicketsPerHour: cfg.Desk.TicketsPerHour, CardsPerMinute: cfg.Desk.OfficerCardsPerMinute,
		Topics: cfg.Telegram.OfficerTopics, DraftsDir: cfg.Desk.DraftsDir, Corpus: s.index.Corpus, Logger: s.log,
		Accounts: s.db}
	// Officers' replies are checked before they leave (another citizen's data, copied notes,
	// internal words); the officer edits or confirms.
	g, err := newGuard(cfg)
	if err != nil {
		return fmt.Errorf("outbound guard: %w", err)
	}
	dcfg.CheckReply = g.CheckReply
	if cfg.Telegram.Token != "" && cfg.Telegram.OfficerChat != 0 {
		dcfg.OfficerChat = balai.ChatRef{Channel: balai.Telegram, ID: strconv.FormatInt(cfg.Telegram.OfficerChat, 10)}
	}
	s.officers = dcfg.OfficerChat
	s.desk, err = desk.New(dcfg)
	if err != nil {
		return err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.eng, err = bot.New(bot.Config{
		Store: s.db, Knowledge: s.index, Messages: msgs, Calendar: cal, SLA: cfg.Desk.ReplySLA, Escalator: s.desk,
		Workers: cfg.Workers, FloodMessages: cfg.FloodMessages, FloodWindow: cfg.FloodWindow,
		IntakeLimit: cfg.IntakeQueue, IntakeWait: cfg.IntakeWait,
		Logger: s.log, Metrics: bot.NewMetrics(reg), DeliveryHorizon: cfg.DeliveryHorizon,
	})
	if err != nil {
		return err
	}
	reg.MustRegister(bot.NewBacklogCollector(s.db, clock.Now, s.log))

	s.desk.SetQueuer(s.eng)
	s.chat = officerchat.New(s.desk, officerchat.Config{Logger: s.log})
	s.eng.AddHandler(s.chat)
	s.eng.OnDeliveryFailed(s.chat.DeliveryFailed)
	s.eng.OnParked(s.parkedNotice(dcfg.OfficerChat, s.eng.Submit))
	s.submit = s.eng.Submit

	mux := http.NewServeMux()
	web := webchat.New(webchat.Config{Agency: cfg.Agency, Origins: cfg.Web.Origins, PublicOrigin: cfg.PublicOrigin,
		Messages: msgs, Sessions: s.db, SessionIdle: cfg.Web.SessionIdle, SessionsPerClient: cfg.Web.SessionLimit,
		MessagesPerSession: cfg.Web.MessageLimit, Unlimited: true, StreamsPerSession: cfg.Web.StreamsPerSession,
		Streams: cfg.Web.Streams, TrustedProxies: cfg.TrustedProxies, Logger: s.log}, s.eng, s.db)
	s.eng.AddSender(balai.Web, web, bot.Limits{}, true)
	s.setHealth("web", "ok")
	con, err := s.newConsole(msgs)
	if err != nil {
		return err
	}
	s.mountDesk(con, msgs, cal)
	if err := s.mountUnanswered(con, msgs); err != nil {
		return err
	}
	s.mountAnalytics(con, msgs, cal)
	mux.Handle(console.Prefix, con.Handler())

	if cfg.Telegram.Token != "" {
		s.tg, err = telegram.New(telegram.Config{Token: cfg.Telegram.Token, APIURL: cfg.Telegram.APIURL, Mode: cfg.Telegram.Mode,
			WebhookURL: cfg.Telegram.WebhookURL, WebhookSecret: cfg.Telegram.WebhookSecret, Logger: s.log}, s.eng)
		if err != nil {
			return err
		}
		s.eng.AddSender(balai.Telegram, s.tg, cfg.limits(telegram.Limits), true)
		if dcfg.OfficerChat.ID != "" {
			s.chat.SetMembers(s.tg)
			s.log.Info("Officer desk in Telegram", "chat", dcfg.OfficerChat.ID, "listed_officers", len(officers))
		}
		if cfg.Telegram.Mode == telegram.ModeWebhook {
			path := "/webhooks/telegram"
			if u, err := url.Parse(cfg.Telegram.WebhookURL); err == nil && u.Path != "" && u.Path != "/" {
				path = u.Path
			}
			mux.Handle("POST "+path, s.tg.WebhookHandler())
		}
	}

	if cfg.WhatsApp.CloudToken != "" {
		wa, err := cloud.New(cloud.Config{Token: cfg.WhatsApp.CloudToken, PhoneID: cfg.WhatsApp.CloudPhoneID,
			AppSecret: cfg.WhatsApp.CloudSecret, VerifyToken: cfg.WhatsApp.CloudVerify, APIURL: cfg.WhatsApp.CloudAPIURL,
			TemplateName: cfg.WhatsApp.CloudTplName, TemplateLang: cfg.WhatsApp.CloudTplLang, LastInbound: s.db, Messages: msgs, Logger: s.log}, s.eng)
		if err != nil {
			return err
		}
		s.eng.AddSender(balai.WhatsApp, wa, cfg.limits(cloud.Limits), true)
		s.eng.OnDeliveryHeld(s.chat.DeliveryHeld)
		mux.Handle("/webhooks/whatsapp", wa.WebhookHandler())
		s.setHealth("whatsapp", "cloud api")
		s.log.Info("WhatsApp Cloud API ready", "webhook", "/webhooks/whatsapp", "phone_id", cfg.WhatsApp.CloudPhoneID)
	}

	var wam *meow.Adapter
	if cfg.WhatsApp.Enabled {
		wam, err = meow.New(meow.Config{Store: s.db, Groups: cfg.WhatsApp.Groups, Logger: s.log.With("component", "whatsapp"),
			OnState: func(state, detail string) { s.whatsAppState(ctx, dcfg.OfficerChat, state, detail) }}, s.eng)
		if err != nil {
			return err
		}
		s.wa.set(wam)
		// Personal accounts have no buttons: options become numbered lists.
		s.eng.AddSender(balai.WhatsApp, wam, cfg.limits(meow.Limits), false)
		s.log.Info("WhatsApp (whatsmeow) enabled: replies only to citizens who write, rate-limited; pair with `balai whatsapp login`")
	}

	// Listen before the engine starts: an address in use stops Balai with nothing running.
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s (BALAI_HTTP_ADDR): %w", cfg.HTTPAddr, err)
	}
	var adminLn net.Listener
	if cfg.AdminAddr != "" {
		if adminLn, err = net.Listen("tcp", cfg.AdminAddr); err != nil {
			ln.Close()
			return fmt.Errorf("listen on %s (BALAI_ADMIN_ADDR): %w", cfg.AdminAddr, err)
		}
	}
	if err := s.eng.Start(ctx); err != nil {
		ln.Close()
		if adminLn != nil {
			adminLn.Close()
		}
		return err
	}
	s.intake = s.eng

	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	s.public(mux, metrics)
	mux.Handle("/", web)
	srv := newHTTPServer(mux, defaultHTTPLimits)
	httpDone := make(chan error, 2)
	go func() { httpDone <- srv.Serve(ln) }()
	s.log.Info("Web chat ready", "url", "http://"+ln.Addr().String()+"/", "embed", "http://"+ln.Addr().String()+"/embed.js",
		"health", "http://"+ln.Addr().String()+"/healthz")
	var adminSrv *http.Server
	if adminLn != nil {
		adminSrv = newHTTPServer(s.admin(metrics), defaultHTTPLimits)
		go func() { httpDone <- adminSrv.Serve(adminLn) }()
		s.log.Info("Admin endpoints ready", "health", "http://"+adminLn.Addr().String()+"/healthz",
			"metrics", "http://"+adminLn.Addr().String()+"/metrics")
	}

	runCtx, stopRun := context.WithCancel(ctx)
	var wg sync.WaitGroup
	if s.tg != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.runTelegram(runCtx)
		}()
	} else {
		s.log.Info("Telegram off (set TELEGRAM_BOT_TOKEN to start it)")
	}
	if wam != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := wam.Run(runCtx); err != nil && runCtx.Err() == nil {
				s.log.Error("WhatsApp stopped", "err", err)
			}
		}()
	}
	wg.Add(7)
	go func() {
		defer wg.Done()
		s.purgeConsole(runCtx, con, time.Hour)
	}()
	go func() {
		defer wg.Done()
		s.syncUnanswered(runCtx, syncUnansweredEvery)
	}()
	go func() {
		defer wg.Done()
		s.rollUpAnalytics(runCtx, rollUpEvery)
	}()
	go func() {
		defer wg.Done()
		// Replicas on PostgreSQL wake each other; on SQLite this returns at once.
		s.db.Listen(runCtx, onWake(s.eng, web))
	}()
	go func() {
		defer wg.Done()
		s.watchCorpus(runCtx)
	}()
	go func() {
		defer wg.Done()
		s.purgeWebSessions(runCtx, time.Hour)
	}()
	go func() {
		defer wg.Done()
		s.desk.Run(runCtx, 30*time.Second)
	}()
	s.startRetention(runCtx, &wg)
	s.log.Info("Balai is running", "startup", time.Since(start).Round(time.Millisecond))
	s.addr = ln.Addr().String()
	if adminLn != nil {
		s.adminAddr = adminLn.Addr().String()
	}
	if s.ready != nil {
		close(s.ready)
	}

	var runErr error
	select {
	case <-ctx.Done():
	case err := <-httpDone:
		// Stop like on a signal: the goroutines must be done before the store closes.
		runErr = fmt.Errorf("http server: %w", err)
	}
	s.draining.Store(true) // /readyz: not ready
	s.log.Info("Shutting down: finishing messages in progress")
	stopRun()
	wg.Wait() // no new updates from Telegram
	shutCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	srv.Shutdown(shutCtx)
	if adminSrv != nil {
		adminSrv.Shutdown(shutCtx)
	}
	if err := s.eng.Close(shutCtx); err != nil {
		s.log.Warn("Some replies are left for the next start", "err", err)
	}
	s.log.Info("Stopped")
	return runErr
}

// onWake acts on another replica's wake-up (store.DB.Listen): work committed for this
// replica is taken up at once, and a web reply another replica delivered is replayed to the
// browser streams open here. The periodic catch-ups stay as the fallback.
func onWake(eng *bot.Engine, web *webchat.Chat) func(kind, arg string) {
	return func(kind, arg string) {
		switch kind {
		case store.WakeWeb:
			web.Poke(arg)
		case store.WakeInbound, store.WakeOutbox, store.WakeReconnected:
			eng.Wake()
		}
	}
}

// httpLimits bound every HTTP connection: a slow or idle client cannot hold one for long.
type httpLimits struct {
	ReadHeader, Read, Write, Idle time.Duration
	MaxHeaderBytes                int
}

// defaultHTTPLimits: headers within 10 s, a whole request within 30 s, a response within
// 30 s (the web chat's event streams extend their own write deadline per event), idle
// keep-alive connections closed after 2 minutes, headers of at most 64 KiB.
var defaultHTTPLimits = httpLimits{ReadHeader: 10 * time.Second, Read: 30 * time.Second, Write: 30 * time.Second,
	Idle: 2 * time.Minute, MaxHeaderBytes: 64 << 10}

func newHTTPServer(h http.Handler, l httpLimits) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: l.ReadHeader, ReadTimeout: l.Read, WriteTimeout: l.Write,
		IdleTimeout: l.Idle, MaxHeaderBytes: l.MaxHeaderBytes}
}

// public adds the public listener's endpoints: /healthz, /livez and /readyz say only ok or
// not ok; the detailed report and /metrics answer there only to BALAI_ADMIN_TOKEN (as a
// bearer token).
func (s *Main) public(mux *http.ServeMux, metrics http.Handler) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if s.adminAuthorized(r) {
			s.healthz(w, r)
			return
		}
		s.publicHealthz(w, r)
	})
	mux.HandleFunc("GET /livez", livez)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) { s.readyz(s.adminAuthorized(r))(w, r) })
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		if !s.adminAuthorized(r) {
			http.NotFound(w, r)
			return
		}
		metrics.ServeHTTP(w, r)
	})
}

// admin is the admin listener's handler (BALAI_ADMIN_ADDR, loopback by default): the
// detailed /healthz, /livez, /readyz (with why not) and /metrics.
func (s *Main) admin(metrics http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /livez", livez)
	mux.HandleFunc("GET /readyz", s.readyz(true))
	mux.Handle("GET /metrics", metrics)
	return mux
}

// adminAuthorized reports whether a public request carries BALAI_ADMIN_TOKEN.
func (s *Main) adminAuthorized(r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && s.cfg.AdminToken != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.cfg.AdminToken)) == 1
}

// purgeWebSessions deletes, every interval, web chat sessions that ended or expired: they
// can never be used again.
func (s *Main) purgeWebSessions(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n, err := s.db.PurgeWebSessions(ctx, s.now().Add(-s.cfg.Web.SessionIdle)); err != nil && ctx.Err() == nil {
			s.log.Warn("Failed to purge web chat sessions", "err", err)
		} else if n > 0 {
			s.log.Debug("Purged web chat sessions", "sessions", n)
		}
	}
}

// whatsAppState shows the WhatsApp session's state in /healthz and alerts the officers'
// chat when the session needs a person (logged out, replaced, banned, outdated).
func (s *Main) whatsAppState(ctx context.Context, officers balai.ChatRef, state, detail string) {
	s.setHealth("whatsapp", strings.TrimSpace(state+" "+detail))
	switch state {
	case meow.StateLoggedOut, meow.StateStreamReplaced, meow.StateTemporaryBan, meow.StateClientOutdated:
		s.log.Error("WhatsApp session needs attention", "state", state, "detail", detail)
		if officers.ID != "" && s.eng != nil {
			s.eng.Deliver(ctx, bot.Outgoing{Chat: officers, Kind: bot.OutMessage, Lang: bot.LangID,
				Text: s.msgs.Text(bot.LangID, "desk_whatsapp_state", map[string]any{"State": state, "Detail": detail})})
		}
	default:
		s.log.Info("WhatsApp", "state", state, "detail", detail)
	}
}

// runTelegram registers the commands and mode with Telegram (retrying while it is
// unreachable) and receives updates.
func (s *Main) runTelegram(ctx context.Context) {
	backoff := time.Second
	for {
		err := s.tg.Setup(ctx, telegram.Commands(s.msgs))
		if err == nil {
			break
		}
		s.setHealth("telegram", "setup failed: "+err.Error())
		s.log.Error("Failed to set up Telegram; retrying", "err", err, "retry_in", backoff)
		if !bot.Sleep(ctx, backoff) {
			return
		}
		backoff = min(2*backoff, time.Minute)
	}
	s.setHealth("telegram", s.tg.Mode())
	s.log.Info("Telegram ready", "mode", s.tg.Mode(), "api", s.cfg.Telegram.APIURL)
	s.tg.Run(ctx)
}

// watchCorpus reloads the corpus on SIGHUP and when its files change, and applies a held
// change once balai faq accept names it. A corpus with errors is reported and never replaces
// the working index; one that removes too many entries is held (reloadCorpus).
func (s *Main) watchCorpus(ctx context.Context) {
	if s.cfg.Corpus.Source == corpusDB {
		s.followCorpusDB(ctx) // published versions in the database (corpusdb.go)
		return
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	var tick <-chan time.Time
	if s.cfg.FAQDir != "" && s.cfg.ReloadInterval > 0 {
		t := time.NewTicker(s.cfg.ReloadInterval)
		defer t.Stop()
		tick = t.C
	}
	last := dirStamp(s.cfg.FAQDir)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		case <-tick:
			now := dirStamp(s.cfg.FAQDir)
			if now == last && !s.acceptedHeld() {
				continue
			}
			last = now
		}
		s.reloadCorpus(ctx)
	}
}

// dirStamp summarises the names, sizes and times of the files of dir.
func dirStamp(dir string) string {
	if dir == "" {
		return ""
	}
	var b strings.Builder
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			fmt.Fprintf(&b, "%s %d %d\n", p, info.Size(), info.ModTime().UnixNano())
		}
		return nil
	})
	return b.String()
}

// logCalibration warns when the calibration in use was chosen for a corpus of a very
// different size: its answer threshold may then answer wrong more often than it promises.
func (s *Main) logCalibration(c *faq.Corpus) {
	cal := s.cfg.Calibration
	if cal.FitsSize(len(c.Entries)) {
		return
	}
	s.log.Warn("The confidence calibration was chosen for a corpus of another size: label some citizen questions and run balai calibrate, then set BALAI_CALIBRATION_FILE",
		"corpus_entries", len(c.Entries), "calibrated_for_entries", cal.Fit.Entries, "answer_threshold", cal.Thresholds.Answer)
}

// logReview warns when FAQ entries are past their review date or due within
// faq.ReviewWindow; entries past review, which Balai no longer answers, are an error.
func (s *Main) logReview(c *faq.Corpus) {
	r := c.Review(s.now(), faq.ReviewWindow)
	if r.Empty() {
		return
	}
	var stale, all []string
	for _, o := range r.ByOwner() {
		if o.Stale > 0 {
			stale = append(stale, fmt.Sprintf("%s (%d)", orDash(o.Owner), o.Stale))
		}
		all = append(all, fmt.Sprintf("%s (%d past review, %d due soon)", orDash(o.Owner), o.Stale, o.DueSoon))
	}
	if len(r.Stale) > 0 {
		s.log.Error("FAQ entries are past their review date: Balai does not answer them, their questions go to officers",
			"past_review", len(r.Stale), "entries", reviewIDs(r.Stale, healthListed), "owners", strings.Join(stale, "; "))
	}
	attrs := []any{"past_review", len(r.Stale), "due_soon", len(r.DueSoon), "within_days", r.WindowDays()}
	if len(r.DueSoon) > 0 {
		attrs = append(attrs, "next_review_by", r.DueSoon[0].ReviewBy.Format(faq.DateLayout))
	}
	s.log.Warn("FAQ entries need review: update them and their review_by (balai faq stats lists them)",
		append(attrs, "owners", strings.Join(all, "; "))...)
}

// reviewIDs lists up to n entry ids, and how many more there are.
func reviewIDs(es []*faq.Entry, n int) string {
	var ids []string
	for i, e := range es {
		if i == n {
			ids = append(ids, fmt.Sprintf("… %d more", len(es)-n))
			break
		}
		ids = append(ids, e.ID)
	}
	return strings.Join(ids, ", ")
}

// healthListed caps the entries /healthz and the log name.
const healthListed = 10

// corpusHealth is the corpus part of /healthz.
type corpusHealth struct {
	// State is "ok", "review due" (entries due within the window) or "degraded" (entries
	// past review: not answered, their questions go to officers; Balai still works).
	State      string            `json:"state"`
	PastReview int               `json:"past_review"`
	DueSoon    int               `json:"due_soon"`
	WithinDays int               `json:"due_within_days"`
	Stale      []reviewHealth    `json:"stale,omitempty"` // the first healthListed, longest past review first
	Due        []reviewHealth    `json:"due,omitempty"`   // the first healthListed, soonest first
	Owners     []faq.OwnerReview `json:"owners,omitempty"`
	Reload     *reloadHealth     `json:"reload,omitempty"` // a change held or rejected
}

type reviewHealth struct {
	ID       string `json:"id"`
	Owner    string `json:"owner"`
	ReviewBy string `json:"review_by"`
}

func newCorpusHealth(r faq.ReviewReport) corpusHealth {
	h := corpusHealth{State: "ok", PastReview: len(r.Stale), DueSoon: len(r.DueSoon), WithinDays: r.WindowDays(), Owners: r.ByOwner()}
	list := func(es []*faq.Entry) []reviewHealth {
		var out []reviewHealth
		for _, e := range es[:min(len(es), healthListed)] {
			out = append(out, reviewHealth{ID: e.ID, Owner: e.Owner, ReviewBy: e.ReviewBy.Format(faq.DateLayout)})
		}
		return out
	}
	h.Stale, h.Due = list(r.Stale), list(r.DueSoon)
	switch {
	case h.PastReview > 0:
		h.State = "degraded"
	case h.DueSoon > 0:
		h.State = "review due"
	}
	return h
}

func calendar(cfg Config) (*workhours.Calendar, error) {
	loc, err := time.LoadLocation(cfg.Timezone)
	if err != nil {
		return nil, fmt.Errorf("BALAI_TIMEZONE=%q: %w", cfg.Timezone, err)
	}
	var holidays []string
	if cfg.HolidaysFile != "" {
		f, err := os.Open(cfg.HolidaysFile)
		if err != nil {
			return nil, fmt.Errorf("BALAI_HOLIDAYS_FILE: %w", err)
		}
		hs, err := workhours.ParseHolidays(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("BALAI_HOLIDAYS_FILE %s: %w", cfg.HolidaysFile, err)
		}
		for _, h := range hs {
			holidays = append(holidays, h.String())
		}
	}
	cal, err := workhours.Parse(cfg.OfficeHours, holidays, loc)
	if err != nil {
		return nil, fmt.Errorf("BALAI_OFFICE_HOURS: %w", err)
	}
	return cal, nil
}

func corpusName(dir string) string {
	if dir == "" {
		return "embedded"
	}
	return dir
}

// redactURL hides a password in a database URL.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	return u.Redacted()
}
