package meow

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
)

// acceptTimeout bounds recording one message; WhatsApp waits for the ack meanwhile.
const acceptTimeout = 30 * time.Second

// handle receives every whatsmeow event of a session. Messages are converted and recorded
// (nothing slower: whatsmeow runs handlers one at a time); false tells whatsmeow not to
// acknowledge the message, so that WhatsApp delivers it again. Lifecycle events update the
// state and may end the session. The state is set before the session ends, so the run loop
// that takes over sees it.
func (a *Adapter) handle(s *session, evt any) bool {
	switch e := evt.(type) {
	case *events.Message:
		return a.onMessage(s, e)
	case *events.Connected:
		if s.stopping.Load() {
			return true
		}
		a.log.Info("Connected to WhatsApp")
		a.setState(StateConnected, "")
		go a.sendPresence(s)
	case *events.Disconnected:
		if s.stopping.Load() {
			return true
		}
		a.log.Warn("Disconnected from WhatsApp; reconnecting")
		a.setState(StateDisconnected, "connection lost; reconnecting automatically")
	case *events.LoggedOut:
		a.log.Error("WhatsApp unlinked the device; pairing needed", "reason", e.Reason.String(), "on_connect", e.OnConnect)
		a.setState(StateLoggedOut, "the WhatsApp device was unlinked ("+e.Reason.String()+"): link it again with `balai whatsapp login`")
		s.finish(sessionEnd{kind: endLoggedOut})
	case *events.StreamReplaced:
		a.log.Error("Another process connected with this WhatsApp session; stopping without reconnecting")
		a.setState(StateStreamReplaced, "another process took the WhatsApp session over; this one stopped (restart it to connect again)")
		s.finish(sessionEnd{kind: endReplaced})
	case *events.TemporaryBan:
		wait := e.Expire
		if wait <= 0 {
			wait = time.Hour
		}
		until := a.now().Add(wait)
		a.log.Error("WhatsApp temporarily banned the number", "reason", e.Code.String(), "expires_in", e.Expire, "until", until)
		a.setState(StateTemporaryBan, fmt.Sprintf("WhatsApp temporarily banned the number: %s; reconnecting after %s", e.Code, until.Format(time.RFC3339)))
		s.finish(sessionEnd{kind: endBanned, wait: wait})
	case *events.ClientOutdated:
		a.log.Error("WhatsApp rejected the client as outdated; upgrade go.mau.fi/whatsmeow")
		a.setState(StateClientOutdated, "WhatsApp rejects this client version: Balai needs an upgrade (whatsmeow)")
		s.finish(sessionEnd{kind: endOutdated})
	case *events.ConnectFailure:
		// whatsmeow does not reconnect after an unknown failure: try again after a pause.
		s.finish(sessionEnd{kind: endFailed, err: fmt.Errorf("whatsapp: connect failure %s: %s", e.Reason, e.Message)})
	case *events.KeepAliveTimeout:
		a.log.Warn("WhatsApp keep-alive timed out", "errors", e.ErrorCount, "last_success", e.LastSuccess)
	case *events.KeepAliveRestored:
		a.log.Info("WhatsApp keep-alive restored")
	case *events.StreamError:
		a.log.Warn("WhatsApp sent an unknown stream error", "code", e.Code)
	case *events.UndecryptableMessage:
		// whatsmeow asks the sender's phone to send it again.
		a.log.Warn("Failed to decrypt a WhatsApp message; asked the sender to resend it",
			"chat", chatRef(e.Info.Chat), "message_id", e.Info.ID, "unavailable", e.IsUnavailable)
	}
	return true
}

// onMessage records one message; false leaves it unacknowledged.
func (a *Adapter) onMessage(s *session, e *events.Message) bool {
	in, ok := convert(e, a.cfg.Groups)
	if !ok {
		return true // nothing to answer, nothing to deliver again
	}
	info := e.Info
	if alt := info.SenderAlt; !alt.IsEmpty() && alt.User != "" && alt.Server != info.Sender.Server {
		// The reply goes to info.Chat as it came; the other address is kept for the desk.
		in.UserAlt = alt.ToNonAD().String()
	}
	if a.accept == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(s.ctx, acceptTimeout)
	defer cancel()
	if _, err := a.accept.Accept(ctx, in); err != nil {
		if errors.Is(err, bot.ErrClosing) || s.ctx.Err() != nil {
			a.log.Info("Shutting down: WhatsApp will deliver a message again", "chat", in.Chat, "message_id", in.MessageID)
		} else {
			a.log.Error("Failed to record a WhatsApp message; WhatsApp will deliver it again", "chat", in.Chat, "message_id", in.MessageID, "err", err)
		}
		return false
	}
	select {
	case s.reads <- readReceipt{id: info.ID, chat: info.Chat, sender: info.Sender}:
	default: // a burst (offline messages after a reconnect): skip the blue ticks, not the answer
	}
	return true
}

// convert turns a message into an inbound message; ok is false for what Balai does not
// answer: its own messages, status updates, channels (newsletters), group chats unless
// groups is set, messages from bots, edits, reactions, polls' votes and protocol messages.
func convert(e *events.Message, groups bool) (bot.Inbound, bool) {
	info := e.Info
	m := e.Message
	switch {
	case m == nil, info.ID == "", info.Chat.IsEmpty(),
		info.IsFromMe,
		info.Chat == types.StatusBroadcastJID,
		info.Chat.Server == types.NewsletterServer,
		info.Sender.IsBot(), info.Sender.ToNonAD() == types.PSAJID,
		e.IsEdit:
		return bot.Inbound{}, false
	}
	chat, group := info.Chat, info.IsGroup
	if chat.Server == types.BroadcastServer {
		// A citizen's broadcast list reaches us as a private message: answer privately.
		chat, group = info.Sender.ToNonAD(), false
	}
	if group && !groups {
		return bot.Inbound{}, false
	}
	in := bot.Inbound{
		Chat:      chatRef(chat),
		Key:       info.ID,
		MessageID: info.ID,
		ReplyTo:   quotedID(m),
		Group:     group,
		UserID:    info.Sender.ToNonAD().String(),
		UserName:  info.PushName,
		Kind:      bot.KindText,
		Text:      messageText(m),
		SentAt:    info.Timestamp,
	}
	if strings.TrimSpace(in.Text) == "" {
		media := mediaKind(m)
		if media == "" {
			return bot.Inbound{}, false
		}
		in.Kind, in.Text, in.Media = bot.KindMedia, "", media
	}
	return in, true
}

// chatRef is Balai's reference to a WhatsApp chat: the JID as WhatsApp gave it (a phone
// number JID, a LID or a group).
func chatRef(jid types.JID) balai.ChatRef {
	return balai.ChatRef{Channel: balai.WhatsApp, ID: jid.ToNonAD().String()}
}

// messageText is the typed text of a message, or the caption of its photo, video or document.
func messageText(m *waE2E.Message) string {
	switch {
	case m.Conversation != nil:
		return m.GetConversation()
	case m.ExtendedTextMessage != nil:
		return m.GetExtendedTextMessage().GetText()
	case m.ImageMessage != nil:
		return m.GetImageMessage().GetCaption()
	case m.VideoMessage != nil:
		return m.GetVideoMessage().GetCaption()
	case m.PtvMessage != nil:
		return m.GetPtvMessage().GetCaption()
	case m.DocumentMessage != nil:
		return m.GetDocumentMessage().GetCaption()
	}
	return ""
}

// mediaKind names non-text content as bot.Inbound.Media does, or "" for messages that carry
// nothing to answer (reactions, poll votes, protocol messages).
func mediaKind(m *waE2E.Message) string {
	switch {
	case m.ImageMessage != nil:
		return "photo"
	case m.AudioMessage != nil:
		if m.GetAudioMessage().GetPTT() {
			return "voice"
		}
		return "audio"
	case m.VideoMessage != nil, m.PtvMessage != nil:
		return "video"
	case m.StickerMessage != nil, m.StickerPackMessage != nil:
		return "sticker"
	case m.LocationMessage != nil, m.LiveLocationMessage != nil:
		return "location"
	case m.DocumentMessage != nil:
		return "document"
	case m.ContactMessage != nil, m.ContactsArrayMessage != nil:
		return "contact"
	case m.PollCreationMessage != nil, m.PollCreationMessageV2 != nil, m.PollCreationMessageV3 != nil,
		m.PollCreationMessageV4 != nil, m.EventMessage != nil, m.GroupInviteMessage != nil,
		m.ProductMessage != nil, m.OrderMessage != nil, m.RequestPaymentMessage != nil,
		m.SendPaymentMessage != nil:
		return "other"
	}
	return ""
}

// quotedID is the id of the message this one replies to, if any.
func quotedID(m *waE2E.Message) string {
	for _, ci := range []*waE2E.ContextInfo{
		m.GetExtendedTextMessage().GetContextInfo(),
		m.GetImageMessage().GetContextInfo(),
		m.GetVideoMessage().GetContextInfo(),
		m.GetDocumentMessage().GetContextInfo(),
		m.GetAudioMessage().GetContextInfo(),
		m.GetStickerMessage().GetContextInfo(),
		m.GetLocationMessage().GetContextInfo(),
		m.GetContactMessage().GetContextInfo(),
	} {
		if id := ci.GetStanzaID(); id != "" {
			return id
		}
	}
	return ""
}

// readReceipt is a message to mark read once recorded.
type readReceipt struct {
	id           types.MessageID
	chat, sender types.JID
}

// markReads sends read receipts (blue ticks) for recorded messages, off the event handler.
func (a *Adapter) markReads(s *session) {
	for {
		select {
		case <-s.ctx.Done():
			return
		case r := <-s.reads:
			ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
			err := s.cli.MarkRead(ctx, []types.MessageID{r.id}, a.now(), r.chat, r.sender)
			cancel()
			if err != nil && s.ctx.Err() == nil {
				a.log.Debug("Failed to mark a WhatsApp message read", "chat", chatRef(r.chat), "message_id", r.id, "err", err)
			}
		}
	}
}

// sendPresence tells WhatsApp the device is online, which also publishes its display name.
func (a *Adapter) sendPresence(s *session) {
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	if err := s.cli.SendPresence(ctx, types.PresenceAvailable); err != nil && !errors.Is(err, whatsmeow.ErrNoPushName) && s.ctx.Err() == nil {
		a.log.Debug("Failed to send WhatsApp presence", "err", err)
	}
}
