package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/webchat"
	"github.com/balai-id/balai/clock"
	"github.com/balai-id/balai/knowledge"
)

// Config is everything `balai serve` reads from the environment (see README, Configuration).
type Config struct {
	HTTPAddr       string
	DataDir        string
	FAQDir         string
	DatabaseURL    string
	Agency         string
	MessagesFile   string
	OfficeHours    string
	HolidaysFile   string
	Timezone       string
	FloodMessages  int
	FloodWindow    time.Duration
	OutboundLimit  bool
	Workers        int
	LogLevel       slog.Level
	LogFormat      string
	ReloadInterval time.Duration
	Instance       string
	Calibration    knowledge.Calibration
	Retention      time.Duration    // BALAI_RETENTION: message texts and personal fields
	DoneRetention  time.Duration    // BALAI_DONE_RETENTION: handled messages and delivered replies
	Health         healthSettings   // BALAI_HEALTH_*, BALAI_CORPUS_SHRINK_LIMIT (health.go)
	Lease          time.Duration    // BALAI_LEASE: how long a replica's claims on work last
	Console        consoleSettings  // BALAI_CONSOLE_*, BALAI_OIDC_*: the officer console
	Corpus         corpusSettings   // BALAI_CORPUS, BALAI_CORPUS_FOUR_EYES, BALAI_CORPUS_POLL (corpusdb.go)
	Telegram       telegramSettings // TELEGRAM_*: the bot and the officers' group
	WhatsApp       whatsAppSettings // WHATSAPP_*: whatsmeow or the Cloud API
	Web            webSettings      // BALAI_WEB_*: the web chat
	Desk           deskSettings     // tickets: SLA, reminders, claims, reopening, numbers, limits

	// Endpoints and bounds (README, Limits).
	AdminAddr      string // "" when off
	AdminToken     string
	PublicOrigin   string
	TrustedProxies []netip.Prefix
	IntakeQueue    int
	IntakeWait     time.Duration

	// DeliveryHorizon is how long a delivery that keeps failing transiently is retried
	// (BALAI_DELIVERY_HORIZON, default 24h).
	DeliveryHorizon time.Duration
}

// telegramSettings are the Telegram bot's (TELEGRAM_*).
type telegramSettings struct {
	Token         string
	APIURL        string
	Mode          string
	WebhookURL    string
	WebhookSecret string
	OfficerChat   int64
	OfficerIDs    []int64
	OfficerTopics map[string]string
}

// whatsAppSettings choose and configure the WhatsApp transport (WHATSAPP_*).
type whatsAppSettings struct {
	Enabled      bool // whatsmeow
	Groups       bool
	CloudToken   string
	CloudPhoneID string
	CloudSecret  string
	CloudVerify  string
	CloudAPIURL  string
	CloudTplName string
	CloudTplLang string
}

// webSettings bound the web chat (BALAI_WEB_*).
type webSettings struct {
	Origins           []string
	SessionIdle       time.Duration
	SessionLimit      webchat.Rate
	MessageLimit      webchat.Rate
	Streams           int
	StreamsPerSession int
}

// deskSettings are the officer desk's (BALAI_REPLY_SLA, BALAI_TICKET_*, …).
type deskSettings struct {
	ReplySLA              time.Duration
	TicketReopen          time.Duration
	ClaimTimeout          time.Duration
	SLAReminder           time.Duration
	TicketPrefix          string
	DraftsDir             string
	TicketsPerHour        int // per chat; 0: no cap
	OfficerCardsPerMinute int // new-ticket cards in the officers' chat; 0: no cap
}

// loadConfig reads the configuration from the environment with its defaults, and checks it.
func loadConfig() (Config, error) {
	c := Config{
		HTTPAddr:     env("BALAI_HTTP_ADDR", "127.0.0.1:8080"),
		DataDir:      env("BALAI_DATA_DIR", "balai-data"),
		FAQDir:       os.Getenv("BALAI_FAQ_DIR"),
		DatabaseURL:  os.Getenv("DATABASE_URL"),
		Agency:       env("BALAI_AGENCY_NAME", "Layanan Informasi Publik"),
		MessagesFile: os.Getenv("BALAI_MESSAGES_FILE"),
		OfficeHours:  env("BALAI_OFFICE_HOURS", "Mon-Fri 08:00-16:00"),
		HolidaysFile: os.Getenv("BALAI_HOLIDAYS_FILE"),
		Timezone:     env("BALAI_TIMEZONE", "Asia/Jakarta"),
		LogFormat:    env("BALAI_LOG_FORMAT", "text"),
		Instance:     os.Getenv("BALAI_INSTANCE"),
		Telegram: telegramSettings{Token: os.Getenv("TELEGRAM_BOT_TOKEN"), APIURL: os.Getenv("TELEGRAM_API_URL"),
			Mode: env("TELEGRAM_MODE", "polling"), WebhookURL: os.Getenv("TELEGRAM_WEBHOOK_URL"),
			WebhookSecret: os.Getenv("TELEGRAM_WEBHOOK_SECRET")},
	}
	var errs []error
	dur := func(name, def string) time.Duration {
		v := env(name, def)
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: not a duration (like 4h or 30m)", name, v))
		}
		return d
	}
	c.Desk.ReplySLA = dur("BALAI_REPLY_SLA", "4h")
	c.ReloadInterval = dur("BALAI_RELOAD_INTERVAL", "10s")
	c.Desk.TicketReopen = dur("BALAI_TICKET_REOPEN", "72h")
	c.Desk.ClaimTimeout = dur("BALAI_CLAIM_TIMEOUT", "1h")
	c.Desk.SLAReminder = dur("BALAI_SLA_REMINDER", "30m")
	if c.DeliveryHorizon = dur("BALAI_DELIVERY_HORIZON", "24h"); c.DeliveryHorizon <= 0 {
		errs = append(errs, fmt.Errorf("BALAI_DELIVERY_HORIZON=%q: want a positive duration like 24h", os.Getenv("BALAI_DELIVERY_HORIZON")))
	}
	if c.Lease = dur("BALAI_LEASE", "10s"); c.Lease < time.Second {
		errs = append(errs, fmt.Errorf("BALAI_LEASE=%s: want at least 1s (claims are renewed every third of it)", c.Lease))
	}
	if flood := env("BALAI_FLOOD_LIMIT", "20/1m"); flood != "0" && flood != "off" {
		n, w, _ := strings.Cut(flood, "/") // without "/", w is "" and not a duration
		var err1, err2 error
		c.FloodMessages, err1 = strconv.Atoi(n)
		c.FloodWindow, err2 = time.ParseDuration(w)
		if err1 != nil || err2 != nil || c.FloodMessages < 0 {
			errs = append(errs, fmt.Errorf("BALAI_FLOOD_LIMIT=%q: want MESSAGES/WINDOW like 20/1m, or off", flood))
		}
	}
	if v := env("BALAI_LOG_LEVEL", "info"); c.LogLevel.UnmarshalText([]byte(v)) != nil {
		errs = append(errs, fmt.Errorf("BALAI_LOG_LEVEL=%q: want debug, info, warn or error", v))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("BALAI_LOG_FORMAT=%q: want text or json", c.LogFormat))
	}
	switch v := env("BALAI_OUTBOUND_LIMIT", "on"); v {
	case "on":
		c.OutboundLimit = true
	case "off":
	default:
		errs = append(errs, fmt.Errorf("BALAI_OUTBOUND_LIMIT=%q: want on or off", v))
	}
	if v := os.Getenv("BALAI_WORKERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("BALAI_WORKERS=%q: want a positive number", v))
		}
		c.Workers = n
	}
	if v := os.Getenv("BALAI_WEB_ORIGINS"); v != "" {
		for _, o := range strings.Split(v, ",") {
			if o = strings.TrimSpace(o); o != "" {
				c.Web.Origins = append(c.Web.Origins, o)
			}
		}
	}
	if v := os.Getenv("TELEGRAM_OFFICER_CHAT_ID"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("TELEGRAM_OFFICER_CHAT_ID=%q: not a chat id", v))
		}
		c.Telegram.OfficerChat = id
	}
	if v := os.Getenv("TELEGRAM_OFFICER_IDS"); v != "" {
		for _, s := range strings.Split(v, ",") {
			id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			if err != nil {
				errs = append(errs, fmt.Errorf("TELEGRAM_OFFICER_IDS: %q is not a user id", s))
				continue
			}
			c.Telegram.OfficerIDs = append(c.Telegram.OfficerIDs, id)
		}
	}
	if v := os.Getenv("TELEGRAM_OFFICER_TOPICS"); v != "" {
		c.Telegram.OfficerTopics = map[string]string{}
		for _, kv := range strings.Split(v, ",") {
			k, id, ok := strings.Cut(kv, "=")
			if _, err := strconv.Atoi(strings.TrimSpace(id)); !ok || err != nil {
				errs = append(errs, fmt.Errorf("TELEGRAM_OFFICER_TOPICS: %q: want Category=topic_id", kv))
				continue
			}
			c.Telegram.OfficerTopics[strings.TrimSpace(k)] = strings.TrimSpace(id)
		}
	}
	c.AdminAddr = env("BALAI_ADMIN_ADDR", "127.0.0.1:9090")
	if c.AdminAddr == "off" {
		c.AdminAddr = ""
	}
	c.AdminToken = os.Getenv("BALAI_ADMIN_TOKEN")
	if c.AdminToken != "" && len(c.AdminToken) < 16 {
		errs = append(errs, errors.New("BALAI_ADMIN_TOKEN: use at least 16 random characters"))
	}
	if v := os.Getenv("BALAI_PUBLIC_URL"); v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("BALAI_PUBLIC_URL=%q: want the chat's public URL, like https://chat.example.go.id", v))
		} else {
			c.PublicOrigin = u.Scheme + "://" + u.Host
		}
	}
	if v := os.Getenv("BALAI_TRUSTED_PROXIES"); v != "" {
		p, err := webchat.ParsePrefixes(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("BALAI_TRUSTED_PROXIES: %w", err))
		}
		c.TrustedProxies = p
	}
	c.Web.SessionIdle = dur("BALAI_WEB_SESSION_IDLE", webchat.DefaultSessionIdle.String())
	rateOf := func(name string, def webchat.Rate) webchat.Rate {
		r, err := webchat.ParseRate(env(name, def.String()))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
		return r
	}
	c.Web.SessionLimit = rateOf("BALAI_WEB_SESSION_LIMIT", webchat.DefaultSessionsPerClient)
	c.Web.MessageLimit = rateOf("BALAI_WEB_MESSAGE_LIMIT", webchat.DefaultMessagesPerSession)
	count := func(name string, def int) int {
		v := env(name, strconv.Itoa(def))
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("%s=%q: want a number (0: no limit)", name, v))
		}
		if n == 0 {
			return -1 // no cap
		}
		return n
	}
	c.Web.Streams = count("BALAI_WEB_STREAMS", webchat.DefaultStreams)
	c.Web.StreamsPerSession = count("BALAI_WEB_STREAMS_PER_SESSION", webchat.DefaultStreamsPerSession)
	c.IntakeQueue = count("BALAI_INTAKE_QUEUE", 10000)
	if c.IntakeQueue < 0 {
		errs = append(errs, errors.New("BALAI_INTAKE_QUEUE: want a positive number"))
	}
	c.IntakeWait = dur("BALAI_INTAKE_WAIT", "2s")
	if c.Web.SessionIdle <= 0 || c.IntakeWait <= 0 {
		errs = append(errs, errors.New("BALAI_WEB_SESSION_IDLE and BALAI_INTAKE_WAIT must be positive"))
	}
	c.Desk.TicketPrefix = env("BALAI_TICKET_PREFIX", "BLI")
	perPeriod := func(name, def string) int {
		v := env(name, def)
		if v == "off" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("%s=%q: want a number (0 or off: no limit)", name, v))
		}
		return n
	}
	c.Desk.TicketsPerHour = perPeriod("BALAI_TICKETS_PER_HOUR", "3")
	c.Desk.OfficerCardsPerMinute = perPeriod("BALAI_OFFICER_CARDS_PER_MINUTE", "10")
	boolean := func(name string) bool {
		switch v := strings.ToLower(os.Getenv(name)); v {
		case "", "0", "false", "no", "off":
			return false
		case "1", "true", "yes", "on":
			return true
		default:
			errs = append(errs, fmt.Errorf("%s=%q: want true or false", name, v))
			return false
		}
	}
	c.WhatsApp.Enabled, c.WhatsApp.Groups = boolean("WHATSAPP_ENABLED"), boolean("WHATSAPP_GROUPS")
	c.WhatsApp.CloudToken = os.Getenv("WHATSAPP_CLOUD_TOKEN")
	c.WhatsApp.CloudPhoneID = os.Getenv("WHATSAPP_CLOUD_PHONE_ID")
	c.WhatsApp.CloudSecret = os.Getenv("WHATSAPP_CLOUD_APP_SECRET")
	c.WhatsApp.CloudVerify = os.Getenv("WHATSAPP_CLOUD_VERIFY_TOKEN")
	c.WhatsApp.CloudAPIURL = os.Getenv("WHATSAPP_CLOUD_API_URL")
	c.WhatsApp.CloudTplName = os.Getenv("WHATSAPP_CLOUD_TEMPLATE_NAME")
	c.WhatsApp.CloudTplLang = env("WHATSAPP_CLOUD_TEMPLATE_LANG", "id")
	if c.WhatsApp.Enabled && c.WhatsApp.CloudToken != "" {
		errs = append(errs, errors.New("WHATSAPP_ENABLED (whatsmeow) and WHATSAPP_CLOUD_TOKEN (Cloud API) are both set: choose one WhatsApp transport"))
	}
	c.Desk.DraftsDir = env("BALAI_DRAFTS_DIR", filepath.Join(c.DataDir, "drafts"))
	var rerr error
	if c.Retention, rerr = retentionFromEnv(); rerr != nil {
		errs = append(errs, rerr)
	}
	var corr error
	if c.Corpus, corr = corpusFromEnv(); corr != nil {
		errs = append(errs, corr)
	}
	var herr error
	if c.Health, herr = healthFromEnv(); herr != nil {
		errs = append(errs, herr)
	}
	if c.DoneRetention, rerr = doneRetentionFromEnv(c.Retention); rerr != nil {
		errs = append(errs, rerr)
	}
	var cerr error
	if c.Console, cerr = consoleFromEnv(c.PublicOrigin); cerr != nil {
		errs = append(errs, cerr)
	}
	cal, err := calibrationFromEnv()
	if err != nil {
		errs = append(errs, err)
	}
	c.Calibration = cal
	if _, err := clock.Offset(); err != nil {
		errs = append(errs, err)
	}
	return c, errors.Join(errs...)
}

// limits are a channel's outbound rate limits, or none with BALAI_OUTBOUND_LIMIT=off.
func (c Config) limits(channel bot.Limits) bot.Limits {
	if !c.OutboundLimit {
		return bot.Limits{}
	}
	return channel
}

// databaseURL is DATABASE_URL, or the SQLite file in the data directory.
func (c Config) databaseURL() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return filepath.Join(c.DataDir, "balai.db")
}

func env(name, def string) string {
	if v := strings.TrimSpace(os.Getenv(name)); v != "" {
		return v
	}
	return def
}

// envFloat reads a float from the environment, or def when unset.
func envFloat(name string, def float64) (float64, error) {
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, fmt.Errorf("%s=%q: not a number", name, v)
	}
	return f, nil
}

// calibrationFromEnv returns the calibration in use: BALAI_CALIBRATION_FILE (written by
// balai calibrate) or the built-in one, with BALAI_ANSWER_THRESHOLD and
// BALAI_SUGGEST_THRESHOLD applied over its thresholds.
func calibrationFromEnv() (knowledge.Calibration, error) {
	cal := knowledge.DefaultCalibration()
	if path := strings.TrimSpace(os.Getenv("BALAI_CALIBRATION_FILE")); path != "" {
		var err error
		if cal, err = knowledge.LoadCalibration(path); err != nil {
			return cal, fmt.Errorf("BALAI_CALIBRATION_FILE: %w", err)
		}
	}
	th := &cal.Thresholds
	var err error
	if th.Answer, err = envFloat("BALAI_ANSWER_THRESHOLD", th.Answer); err != nil {
		return cal, err
	}
	if th.Suggest, err = envFloat("BALAI_SUGGEST_THRESHOLD", th.Suggest); err != nil {
		return cal, err
	}
	return cal, th.Validate()
}

// consoleSettings configure the officer console under /console/ (README, Officer console).
type consoleSettings struct {
	// Secure: cookies Secure with the __Host- prefix (BALAI_CONSOLE_SECURE: auto, true or
	// false; auto is true when BALAI_PUBLIC_URL is https).
	Secure          bool
	SessionIdle     time.Duration // BALAI_CONSOLE_SESSION_IDLE
	SessionLifetime time.Duration // BALAI_CONSOLE_SESSION_LIFETIME
	// OIDC single sign-on: BALAI_OIDC_ISSUER, _CLIENT_ID, _CLIENT_SECRET, _REDIRECT_URL
	// (off when BALAI_OIDC_ISSUER is unset).
	OIDCIssuer, OIDCClientID, OIDCClientSecret, OIDCRedirectURL string
}

// consoleFromEnv reads the console's settings; publicOrigin is BALAI_PUBLIC_URL's origin.
func consoleFromEnv(publicOrigin string) (consoleSettings, error) {
	var c consoleSettings
	var errs []error
	switch v := strings.ToLower(env("BALAI_CONSOLE_SECURE", "auto")); v {
	case "auto":
		c.Secure = strings.HasPrefix(publicOrigin, "https://")
	case "true", "1", "yes", "on":
		c.Secure = true
	case "false", "0", "no", "off":
	default:
		errs = append(errs, fmt.Errorf("BALAI_CONSOLE_SECURE=%q: want auto, true or false", v))
	}
	for _, d := range []struct {
		name, def string
		to        *time.Duration
	}{{"BALAI_CONSOLE_SESSION_IDLE", "2h", &c.SessionIdle}, {"BALAI_CONSOLE_SESSION_LIFETIME", "12h", &c.SessionLifetime}} {
		v := env(d.name, d.def)
		t, err := time.ParseDuration(v)
		if err != nil || t <= 0 {
			errs = append(errs, fmt.Errorf("%s=%q: want a positive duration like 2h", d.name, v))
		}
		*d.to = t
	}
	c.OIDCIssuer = os.Getenv("BALAI_OIDC_ISSUER")
	c.OIDCClientID = os.Getenv("BALAI_OIDC_CLIENT_ID")
	c.OIDCClientSecret = os.Getenv("BALAI_OIDC_CLIENT_SECRET")
	c.OIDCRedirectURL = os.Getenv("BALAI_OIDC_REDIRECT_URL")
	if c.OIDCIssuer != "" {
		if c.OIDCClientID == "" || c.OIDCRedirectURL == "" {
			errs = append(errs, errors.New("BALAI_OIDC_ISSUER is set: BALAI_OIDC_CLIENT_ID and BALAI_OIDC_REDIRECT_URL are needed too"))
		}
		if u, err := url.Parse(c.OIDCRedirectURL); c.OIDCRedirectURL != "" && (err != nil || !strings.HasSuffix(u.Path, "/console/oidc/callback")) {
			errs = append(errs, fmt.Errorf("BALAI_OIDC_REDIRECT_URL=%q: want the console's callback, like https://chat.example.go.id/console/oidc/callback", c.OIDCRedirectURL))
		}
	} else if c.OIDCClientID != "" || c.OIDCRedirectURL != "" {
		errs = append(errs, errors.New("BALAI_OIDC_CLIENT_ID or BALAI_OIDC_REDIRECT_URL set without BALAI_OIDC_ISSUER"))
	}
	return c, errors.Join(errs...)
}
