// Package cloud connects the conversation engine to the official WhatsApp Business Cloud API
// (Meta's Graph API). Its webhook handler checks Meta's signature, converts messages to
// bot.Inbound and confirms a delivery only after the engine recorded it; its sender renders
// the engine's replies in WhatsApp formatting with reply buttons or lists, and keeps the
// 24-hour customer-service rule: a reply to a citizen who has not written for a day waits
// (bot.HoldError) while an approved template asks them to write again.
package cloud

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/clock"
)

// DefaultAPIURL is the Graph API version the adapter speaks by default.
const DefaultAPIURL = "https://graph.facebook.com/v21.0"

// Window is WhatsApp's customer-service window: free-form messages may be sent for this long
// after the citizen last wrote; after it only templates.
const Window = 24 * time.Hour

// Limits are the outbound limits of a Cloud API number. Meta's default throughput is 80
// messages a second per business number (error 130429 beyond; higher tiers come on request):
// 70 leaves headroom for retries and for other software sending from the same number. Meta
// also limits messages to one user (the "pair rate", error 131056) to about one every 6
// seconds on average, tolerating short bursts: one a second with a burst of 3 keeps the
// few replies of one turn together, and when Meta objects the sender waits (10 s).
var Limits = bot.Limits{PerSecond: 70, PerChatSecond: 1, ChatBurst: 3}

// LastInbounder tells when a chat last wrote (zero if never); *store.DB is one.
type LastInbounder interface {
	LastInbound(ctx context.Context, chat balai.ChatRef) (time.Time, error)
}

// Acceptor records inbound messages durably; *bot.Engine is one.
type Acceptor interface {
	Accept(ctx context.Context, in ...bot.Inbound) ([]bool, error)
}

// Config configures the adapter.
type Config struct {
	// Token is the access token (WHATSAPP_CLOUD_TOKEN), sent as a bearer token.
	Token string
	// PhoneID is the business phone number id (WHATSAPP_CLOUD_PHONE_ID).
	PhoneID string
	// AppSecret is the Meta app's secret (WHATSAPP_CLOUD_APP_SECRET) that signs webhooks.
	AppSecret string
	// VerifyToken answers Meta's webhook verification (WHATSAPP_CLOUD_VERIFY_TOKEN).
	VerifyToken string
	// APIURL is the Graph API with its version (WHATSAPP_CLOUD_API_URL, default
	// DefaultAPIURL): a test fake elsewhere.
	APIURL string
	// TemplateName and TemplateLang name the approved template sent when the 24-hour window
	// is closed (for instance "jawaban_siap", "id"). It must take no body parameters. Without
	// a template, replies outside the window fail.
	TemplateName string
	TemplateLang string
	// LastInbound tells when a chat last wrote, for the 24-hour rule; the store implements
	// it. Without it the adapter relies on Meta's error 131047 alone.
	LastInbound LastInbounder
	// Messages holds the texts citizens read (the prompt above a list of choices and the
	// list's button); default: Balai's built-in messages.
	Messages *bot.Messages
	// HTTPClient is used for every request (default: a client with a 30-second timeout).
	HTTPClient *http.Client
	Logger     *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Adapter is the WhatsApp Cloud API channel: it receives webhooks and implements bot.Sender.
type Adapter struct {
	cfg    Config
	accept Acceptor
	log    *slog.Logger
	http   *http.Client
	now    func() time.Time

	mu sync.Mutex
	// prompted remembers, per chat id, that the template went out while the citizen's last
	// message was the one at last: no second template until they write again.
	prompted map[string]prompt
}

type prompt struct {
	last time.Time // LastInbound when the template was sent
	at   time.Time // when it was sent
}

var (
	_ bot.Sender   = (*Adapter)(nil)
	_ bot.Holder   = (*Adapter)(nil)
	_ bot.Splitter = (*Adapter)(nil)
)

// New builds the adapter. It does not contact Meta until the first send.
func New(cfg Config, accept Acceptor) (*Adapter, error) {
	var missing []string
	for _, v := range []struct{ val, env string }{
		{cfg.Token, "WHATSAPP_CLOUD_TOKEN"},
		{cfg.PhoneID, "WHATSAPP_CLOUD_PHONE_ID"},
		{cfg.AppSecret, "WHATSAPP_CLOUD_APP_SECRET"},
		{cfg.VerifyToken, "WHATSAPP_CLOUD_VERIFY_TOKEN"},
	} {
		if v.val == "" {
			missing = append(missing, v.env)
		}
	}
	if len(missing) > 0 {
		return nil, errors.New("whatsapp cloud: " + strings.Join(missing, ", ") + " must be set")
	}
	if accept == nil {
		return nil, errors.New("whatsapp cloud: an Acceptor is required")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	cfg.APIURL = strings.TrimRight(cfg.APIURL, "/")
	if cfg.TemplateName != "" && cfg.TemplateLang == "" {
		cfg.TemplateLang = bot.LangID
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Messages == nil {
		m, err := bot.LoadMessages("", "")
		if err != nil {
			return nil, fmt.Errorf("whatsapp cloud: messages: %w", err)
		}
		cfg.Messages = m
	}
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}}
	}
	return &Adapter{cfg: cfg, accept: accept, log: cfg.Logger, http: cfg.HTTPClient, now: cfg.Now,
		prompted: map[string]prompt{}}, nil
}

// Holds tells the engine that Send may return bot.HoldError; see bot.Holder.
func (a *Adapter) Holds() {}
