// Package telegram connects the conversation engine to Telegram through
// github.com/go-telegram/bot. It runs its own getUpdates loop (or webhook handler) so that an
// update is confirmed to Telegram only after the engine recorded it durably, and it sends
// the engine's replies with HTML formatting, inline buttons and Telegram's rate limits.
package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
)

// Modes of receiving updates.
const (
	ModePolling = "polling"
	ModeWebhook = "webhook"
)

// Config configures the adapter.
type Config struct {
	Token string
	// APIURL is the Bot API server (default https://api.telegram.org): a self-hosted server
	// or a test fake.
	APIURL string
	// Mode is ModePolling (default) or ModeWebhook.
	Mode string
	// WebhookURL is the public HTTPS URL Telegram posts updates to (webhook mode).
	WebhookURL string
	// WebhookSecret is checked on every webhook request (required in webhook mode).
	WebhookSecret string
	// PollTimeout is the long-polling timeout (default 25s).
	PollTimeout time.Duration
	// HTTPClient is used for every request (default: a client with sensible timeouts).
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// Acceptor records inbound messages durably; *bot.Engine is one.
type Acceptor interface {
	Accept(ctx context.Context, in ...bot.Inbound) ([]bool, error)
}

// Adapter is the Telegram channel: it receives updates and implements bot.Sender.
type Adapter struct {
	cfg    Config
	b      *tg.Bot
	accept Acceptor
	log    *slog.Logger
}

var (
	_ bot.Sender   = (*Adapter)(nil)
	_ bot.Typer    = (*Adapter)(nil)
	_ bot.Splitter = (*Adapter)(nil)
)

// New builds the adapter. It does not contact Telegram until Setup or Run.
func New(cfg Config, accept Acceptor) (*Adapter, error) {
	if cfg.Token == "" {
		return nil, errors.New("telegram: TELEGRAM_BOT_TOKEN is empty")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = "https://api.telegram.org"
	}
	cfg.APIURL = strings.TrimRight(cfg.APIURL, "/")
	switch cfg.Mode {
	case "":
		cfg.Mode = ModePolling
	case ModePolling:
	case ModeWebhook:
		if cfg.WebhookURL == "" || cfg.WebhookSecret == "" {
			return nil, errors.New("telegram: webhook mode needs TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET")
		}
	default:
		return nil, fmt.Errorf("telegram: TELEGRAM_MODE=%q: want polling or webhook", cfg.Mode)
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 25 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}}
	}
	b, err := tg.New(cfg.Token,
		tg.WithServerURL(cfg.APIURL),
		tg.WithSkipGetMe(),
		tg.WithHTTPClient(cfg.PollTimeout+10*time.Second, cfg.HTTPClient),
		tg.WithNotAsyncHandlers(),
		tg.WithErrorsHandler(func(err error) { cfg.Logger.Warn("Telegram library error", "err", err) }),
	)
	if err != nil {
		return nil, fmt.Errorf("telegram: %w", err)
	}
	return &Adapter{cfg: cfg, b: b, accept: accept, log: cfg.Logger}, nil
}

// allowedUpdates are the updates Balai reads.
var allowedUpdates = []string{"message", "callback_query"}

// Setup registers the command list and the delivery mode with Telegram.
func (a *Adapter) Setup(ctx context.Context, commands map[string][]models.BotCommand) error {
	for lang, cmds := range commands {
		if _, err := a.b.SetMyCommands(ctx, &tg.SetMyCommandsParams{Commands: cmds, LanguageCode: lang}); err != nil {
			return fmt.Errorf("telegram: set commands (%s): %w", lang, err)
		}
	}
	if a.cfg.Mode == ModeWebhook {
		if _, err := a.b.SetWebhook(ctx, &tg.SetWebhookParams{URL: a.cfg.WebhookURL, SecretToken: a.cfg.WebhookSecret,
			AllowedUpdates: allowedUpdates, MaxConnections: 40}); err != nil {
			return fmt.Errorf("telegram: set webhook: %w", err)
		}
		return nil
	}
	// A webhook left from an earlier deployment would make getUpdates fail with 409.
	if _, err := a.b.DeleteWebhook(ctx, &tg.DeleteWebhookParams{}); err != nil {
		return fmt.Errorf("telegram: delete webhook: %w", err)
	}
	return nil
}

// Mode returns how updates are received.
func (a *Adapter) Mode() string { return a.cfg.Mode }

// convert turns an update into an inbound message; ok is false for updates Balai ignores
// (edits, reactions, channel posts, messages from bots).
func convert(u *models.Update) (bot.Inbound, bool) {
	key := strconv.FormatInt(u.ID, 10)
	switch {
	case u.Message != nil:
		m := u.Message
		if m.From != nil && m.From.IsBot {
			return bot.Inbound{}, false
		}
		in := bot.Inbound{
			Chat:      balai.ChatRef{Channel: balai.Telegram, ID: strconv.FormatInt(m.Chat.ID, 10)},
			Key:       key,
			MessageID: strconv.Itoa(m.ID),
			Kind:      bot.KindText,
			Text:      m.Text,
			Group:     m.Chat.Type != models.ChatTypePrivate,
		}
		if m.Date != 0 {
			in.SentAt = time.Unix(int64(m.Date), 0)
		}
		if m.From != nil {
			in.UserID = strconv.FormatInt(m.From.ID, 10)
			in.UserName = m.From.FirstName
			in.LangHint = m.From.LanguageCode
		}
		if m.ReplyToMessage != nil {
			in.ReplyTo = strconv.Itoa(m.ReplyToMessage.ID)
		}
		if m.MessageThreadID != 0 {
			in.ThreadID = strconv.Itoa(m.MessageThreadID)
		}
		if in.Text == "" {
			in.Text = m.Caption
			if media := mediaKind(m); media != "" && in.Text == "" {
				in.Kind, in.Media = bot.KindMedia, media
			}
		}
		if in.Kind == bot.KindText && strings.TrimSpace(in.Text) == "" {
			// Service messages (members joining, pinned messages) carry nothing to answer.
			return bot.Inbound{}, false
		}
		return in, true
	case u.CallbackQuery != nil:
		q := u.CallbackQuery
		in := bot.Inbound{
			Key:        key,
			UserID:     strconv.FormatInt(q.From.ID, 10),
			UserName:   q.From.FirstName,
			LangHint:   q.From.LanguageCode,
			Kind:       bot.KindButton,
			Text:       q.Data,
			CallbackID: q.ID,
		}
		var chat models.Chat
		switch {
		case q.Message.Message != nil:
			chat = q.Message.Message.Chat
			in.ReplyTo = strconv.Itoa(q.Message.Message.ID)
			if q.Message.Message.MessageThreadID != 0 {
				in.ThreadID = strconv.Itoa(q.Message.Message.MessageThreadID)
			}
		case q.Message.InaccessibleMessage != nil:
			chat = q.Message.InaccessibleMessage.Chat
		default:
			return bot.Inbound{}, false // inline-mode callbacks have no chat
		}
		in.Chat = balai.ChatRef{Channel: balai.Telegram, ID: strconv.FormatInt(chat.ID, 10)}
		in.Group = chat.Type != models.ChatTypePrivate
		return in, true
	}
	return bot.Inbound{}, false
}

func mediaKind(m *models.Message) string {
	switch {
	case len(m.Photo) > 0:
		return "photo"
	case m.Voice != nil:
		return "voice"
	case m.Audio != nil:
		return "audio"
	case m.Video != nil, m.VideoNote != nil, m.Animation != nil:
		return "video"
	case m.Sticker != nil:
		return "sticker"
	case m.Location != nil, m.Venue != nil:
		return "location"
	case m.Document != nil:
		return "document"
	case m.Contact != nil:
		return "contact"
	case m.Poll != nil:
		return "other"
	}
	return ""
}
