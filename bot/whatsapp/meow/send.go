package meow

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/render"
)

// MaxText is the longest message Balai sends on WhatsApp, in UTF-16 code units; longer texts
// are split at paragraph boundaries.
const MaxText = 4096

// Limits keep the unofficial protocol's traffic modest: a few messages a second overall,
// about one a second per chat (two at once).
var Limits = bot.Limits{PerSecond: 5, PerChatSecond: 1, ChatBurst: 2}

// RateLimitWait is how long to wait when WhatsApp answers that the number sends too much
// (it does not say how long).
var RateLimitWait = time.Minute

// ErrNotConnected is returned (wrapped) by Send and Typing while this process has no
// connected session; the engine retries.
var ErrNotConnected = errors.New("whatsapp: not connected")

// Split breaks a long message into parts at paragraph boundaries.
func (a *Adapter) Split(o bot.Outgoing) []bot.Outgoing {
	// Measure the rendering: it is what WhatsApp counts.
	if o.EditID != "" || render.UTF16Len(render.WhatsApp(o.Text)) <= MaxText {
		return []bot.Outgoing{o}
	}
	chunks := render.Split(o.Text, MaxText, render.WhatsApp)
	return o.Parts(chunks)
}

// Send delivers one outgoing item; see bot.Sender. WhatsApp personal accounts have no
// buttons: the engine already wrote the options into the text as a numbered list (the
// channel is registered without buttons), so only the text is rendered. Pressed-button
// acknowledgements do not exist here and are dropped.
func (a *Adapter) Send(ctx context.Context, o bot.Outgoing) (string, error) {
	if o.Kind == bot.OutCallback {
		return "", nil
	}
	jid, err := parseChat(o.Chat)
	if err != nil {
		return "", err
	}
	text := strings.TrimSpace(render.WhatsApp(o.Text))
	if text == "" {
		return "", &bot.PermanentError{Err: errors.New("whatsapp: empty message")}
	}
	cli := a.client()
	if cli == nil || !cli.IsConnected() {
		return "", ErrNotConnected
	}
	msg := &waE2E.Message{Conversation: proto.String(text)}
	if o.EditID != "" {
		msg = cli.BuildEdit(jid, o.EditID, msg)
	}
	resp, err := cli.SendMessage(ctx, jid, msg)
	if err != nil {
		return "", classify(err)
	}
	if o.EditID != "" {
		return o.EditID, nil
	}
	return resp.ID, nil
}

// Typing shows "typing…" in the chat; see bot.Typer.
func (a *Adapter) Typing(ctx context.Context, chat balai.ChatRef) error {
	jid, err := parseChat(chat)
	if err != nil {
		return err
	}
	cli := a.client()
	if cli == nil || !cli.IsConnected() {
		return ErrNotConnected
	}
	return cli.SendChatPresence(ctx, jid, types.ChatPresenceComposing, types.ChatPresenceMediaText)
}

// parseChat reads a chat's JID: a user by phone number, a LID or a group. Anything else
// can never be delivered to.
func parseChat(c balai.ChatRef) (types.JID, error) {
	if c.Channel != balai.WhatsApp {
		return types.JID{}, &bot.PermanentError{Err: errors.New("whatsapp: not a WhatsApp chat")}
	}
	jid, err := types.ParseJID(c.ID)
	if err != nil || jid.User == "" || jid.Device != 0 || jid.RawAgent != 0 {
		return types.JID{}, &bot.PermanentError{Err: errors.New("whatsapp: chat id is not a WhatsApp JID")}
	}
	switch jid.Server {
	case types.DefaultUserServer, types.HiddenUserServer, types.GroupServer:
		return jid, nil
	}
	return types.JID{}, &bot.PermanentError{Err: errors.New("whatsapp: chat id is not a user or group JID")}
}

// classify maps whatsmeow's errors to the engine's: WhatsApp's rate limits (429) are a
// requested pause, requests WhatsApp rejects as invalid cannot succeed on retry, and
// everything else — not connected, timeouts, server trouble — is retried with back-off.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var iq *whatsmeow.IQError
	if errors.As(err, &iq) && iq.Code == 429 {
		return &bot.RetryAfterError{After: RateLimitWait, Err: err}
	}
	switch serverErrorCode(err) {
	case 429:
		return &bot.RetryAfterError{After: RateLimitWait, Err: err}
	case 404:
		return &bot.PermanentError{Err: err, Reason: bot.ReasonChatNotFound}
	case 400, 406:
		return &bot.PermanentError{Err: err, Reason: bot.ReasonBadRequest}
	}
	if errors.Is(err, whatsmeow.ErrRecipientADJID) || errors.Is(err, whatsmeow.ErrUnknownServer) ||
		errors.Is(err, whatsmeow.ErrBroadcastListUnsupported) {
		return &bot.PermanentError{Err: err}
	}
	return err
}

// serverErrorCode is the code of whatsmeow's "server returned error N", or 0.
func serverErrorCode(err error) int {
	if !errors.Is(err, whatsmeow.ErrServerReturnedError) {
		return 0
	}
	msg := err.Error()
	i := strings.LastIndex(msg, whatsmeow.ErrServerReturnedError.Error())
	if i < 0 {
		return 0
	}
	rest := strings.TrimSpace(msg[i+len(whatsmeow.ErrServerReturnedError.Error()):])
	if j := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' }); j >= 0 {
		rest = rest[:j]
	}
	code, _ := strconv.Atoi(rest)
	return code
}
