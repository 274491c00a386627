package telegram

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/render"
)

// MaxText is Telegram's limit of a message's visible text, in UTF-16 code units.
const MaxText = 4096

// maxCallbackData is Telegram's limit of a button's data, in bytes.
const maxCallbackData = 64

// Limits are Telegram's published broadcast limits: about 30 messages a second overall and
// about one a second per chat (short bursts allowed).
var Limits = bot.Limits{PerSecond: 30, PerChatSecond: 1, ChatBurst: 3}

// Split breaks a long message into parts at paragraph boundaries; buttons go with the last.
func (a *Adapter) Split(o bot.Outgoing) []bot.Outgoing {
	// Rendering never makes the visible text longer than the Markdown (bullets replace
	// list markers one for one), so a short source needs no rendering to know it fits.
	if o.EditID != "" || len(o.Text) <= MaxText || render.VisibleLen(render.TelegramHTML(o.Text)) <= MaxText {
		return []bot.Outgoing{o}
	}
	chunks := render.Split(o.Text, MaxText, render.TelegramHTML)
	return o.Parts(chunks)
}

// Send delivers one outgoing item; see bot.Sender.
func (a *Adapter) Send(ctx context.Context, o bot.Outgoing) (string, error) {
	if o.Kind == bot.OutCallback {
		_, err := a.b.AnswerCallbackQuery(ctx, &tg.AnswerCallbackQueryParams{CallbackQueryID: o.CallbackID, Text: o.Text})
		return "", classify(err)
	}
	chatID, err := strconv.ParseInt(o.Chat.ID, 10, 64)
	if err != nil {
		return "", &bot.PermanentError{Err: errors.New("telegram: chat id is not a number"), Reason: bot.ReasonChatNotFound}
	}
	html := render.TelegramHTML(o.Text)
	markup := keyboard(o.Buttons)
	if o.EditID != "" {
		msgID, _ := strconv.Atoi(o.EditID)
		p := &tg.EditMessageTextParams{ChatID: chatID, MessageID: msgID, Text: html, ParseMode: models.ParseModeHTML, ReplyMarkup: markup}
		_, err := a.b.EditMessageText(ctx, p)
		if err != nil && strings.Contains(err.Error(), "message is not modified") {
			err = nil
		}
		return o.EditID, classify(err)
	}
	p := &tg.SendMessageParams{ChatID: chatID, Text: html, ParseMode: models.ParseModeHTML, ReplyMarkup: markup,
		LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tg.True()}}
	if o.ReplyTo != "" {
		if id, err := strconv.Atoi(o.ReplyTo); err == nil {
			p.ReplyParameters = &models.ReplyParameters{MessageID: id, AllowSendingWithoutReply: true}
		}
	}
	if o.ThreadID != "" {
		p.MessageThreadID, _ = strconv.Atoi(o.ThreadID)
	}
	m, err := a.b.SendMessage(ctx, p)
	if err != nil && errors.Is(err, tg.ErrorBadRequest) && strings.Contains(err.Error(), "can't parse entities") {
		// Should not happen with our renderer; never lose the message over formatting.
		a.log.Warn("Telegram rejected the HTML; sending plain text", "chat", o.Chat, "err", err)
		p.Text, p.ParseMode = render.Plain(o.Text), ""
		m, err = a.b.SendMessage(ctx, p)
	}
	if err != nil {
		return "", classify(err)
	}
	return strconv.Itoa(m.ID), nil
}

// keyboard turns button rows into an inline keyboard; data longer than Telegram accepts is
// cut at a byte boundary that keeps it valid UTF-8 (the engine keeps its data short).
func keyboard(rows [][]bot.Button) models.ReplyMarkup {
	if len(rows) == 0 {
		return nil
	}
	kb := &models.InlineKeyboardMarkup{}
	for _, r := range rows {
		var row []models.InlineKeyboardButton
		for _, b := range r {
			btn := models.InlineKeyboardButton{Text: b.Text}
			if b.URL != "" {
				btn.URL = b.URL
			} else {
				btn.CallbackData = truncateBytes(b.Data, maxCallbackData)
			}
			row = append(row, btn)
		}
		kb.InlineKeyboard = append(kb.InlineKeyboard, row)
	}
	return kb
}

func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n]
}

// Typing shows "typing…" in the chat; see bot.Typer.
func (a *Adapter) Typing(ctx context.Context, chat balai.ChatRef) error {
	id, err := strconv.ParseInt(chat.ID, 10, 64)
	if err != nil {
		return err
	}
	_, err = a.b.SendChatAction(ctx, &tg.SendChatActionParams{ChatID: id, Action: models.ChatActionTyping})
	return err
}

// classify maps the library's errors to the engine's: 429 is a requested pause (the
// library's *TooManyRequestsError; errors.As, since errors.Is cannot see it); 403 (the
// citizen blocked the bot, the bot left the group), 404 and 400 (chat not found, a request
// Telegram refuses) cannot succeed on retry and end at once, with their reason class;
// everything else — 5xx, timeouts, and 401 (a token revoked or mistyped, which the operator
// fixes) — is retried up to the delivery horizon.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var tooMany *tg.TooManyRequestsError
	if errors.As(err, &tooMany) {
		after := time.Duration(tooMany.RetryAfter) * time.Second
		if after <= 0 {
			after = time.Second
		}
		return &bot.RetryAfterError{After: after, Err: err}
	}
	switch {
	case errors.Is(err, tg.ErrorForbidden):
		return &bot.PermanentError{Err: err, Reason: bot.ReasonBlocked}
	case errors.Is(err, tg.ErrorNotFound),
		errors.Is(err, tg.ErrorBadRequest) && strings.Contains(strings.ToLower(err.Error()), "chat not found"):
		return &bot.PermanentError{Err: err, Reason: bot.ReasonChatNotFound}
	case errors.Is(err, tg.ErrorBadRequest):
		return &bot.PermanentError{Err: err, Reason: bot.ReasonBadRequest}
	}
	return err
}

// Commands are the bot's command list for Setup: Indonesian by default ("") and English
// ("en"), with descriptions from msgs.
func Commands(msgs *bot.Messages) map[string][]models.BotCommand {
	out := map[string][]models.BotCommand{}
	for code, lang := range map[string]string{"": bot.LangID, "en": bot.LangEN} {
		for _, c := range []string{"start", "menu", "petugas", "batal", "bahasa", "help"} {
			out[code] = append(out[code], models.BotCommand{Command: c, Description: msgs.Text(lang, "command_"+c, nil)})
		}
	}
	return out
}

// IsMember tells whether a user belongs to a group (the officers' chat), by getChatMember.
func (a *Adapter) IsMember(ctx context.Context, chat balai.ChatRef, userID string) (bool, error) {
	c, err1 := strconv.ParseInt(chat.ID, 10, 64)
	u, err2 := strconv.ParseInt(userID, 10, 64)
	if err1 != nil || err2 != nil {
		return false, nil
	}
	m, err := a.b.GetChatMember(ctx, &tg.GetChatMemberParams{ChatID: c, UserID: u})
	if err != nil {
		if errors.Is(err, tg.ErrorBadRequest) {
			return false, nil // "user not found": not a member
		}
		return false, fmt.Errorf("telegram: getChatMember: %w", err)
	}
	switch m.Type {
	case models.ChatMemberTypeOwner, models.ChatMemberTypeAdministrator, models.ChatMemberTypeMember:
		return true, nil
	case models.ChatMemberTypeRestricted:
		return m.Restricted != nil && m.Restricted.IsMember, nil
	}
	return false, nil
}
