package meow_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/whatsapp/meow"
	"github.com/balai-id/balai/store"
)

var (
	citizen    = types.NewJID("6281234567890", types.DefaultUserServer)
	citizenDev = types.NewADJID("6281234567890", 0, 3) // the citizen's WhatsApp Web
	citizenLID = types.NewJID("200000000000001", types.HiddenUserServer)
	group      = types.NewJID("120363000000000001", types.GroupServer)
	sentAt     = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
)

// msg builds an incoming private message from the citizen.
func msg(id string, m *waE2E.Message) *events.Message {
	return &events.Message{
		Info: types.MessageInfo{
			MessageSource: types.MessageSource{Chat: citizen, Sender: citizen},
			ID:            id, PushName: "Siti", Timestamp: sentAt,
		},
		Message: m,
	}
}

func with(e *events.Message, f func(*types.MessageInfo)) *events.Message {
	f(&e.Info)
	return e
}

func wa(id string) balai.ChatRef { return balai.ChatRef{Channel: balai.WhatsApp, ID: id} }

func TestReceive(t *testing.T) {
	db := opener(t)(t, "receive", store.Options{Owner: "a"})
	linkDevice(t, db)
	h := startAdapter(t, db, nil)
	f := h.connected()

	text := func(id, s string) bot.Inbound {
		return bot.Inbound{Chat: wa(citizen.String()), Key: id, MessageID: id, UserID: citizen.String(),
			UserName: "Siti", Kind: bot.KindText, Text: s, SentAt: sentAt}
	}
	media := func(id, kind string) bot.Inbound {
		in := text(id, "")
		in.Kind, in.Media = bot.KindMedia, kind
		return in
	}
	tests := []struct {
		name string
		evt  *events.Message
		want *bot.Inbound // nil: skipped
	}{
		{"Conversation", msg("M1", &waE2E.Message{Conversation: proto.String("Syarat bikin KTP?")}),
			new(text("M1", "Syarat bikin KTP?"))},
		{"ExtendedText", msg("M2", &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{
			Text: proto.String("Kalau KK hilang?"), ContextInfo: &waE2E.ContextInfo{StanzaID: proto.String("3EB0OURS")}}}),
			func() *bot.Inbound { in := text("M2", "Kalau KK hilang?"); in.ReplyTo = "3EB0OURS"; return &in }()},
		{"ImageWithCaption", msg("M3", &waE2E.Message{ImageMessage: &waE2E.ImageMessage{Caption: proto.String("Ini formulirnya")}}),
			new(text("M3", "Ini formulirnya"))},
		{"VideoWithCaption", msg("M3v", &waE2E.Message{VideoMessage: &waE2E.VideoMessage{Caption: proto.String("lihat")}}),
			new(text("M3v", "lihat"))},
		{"DocumentWithCaption", msg("M3d", &waE2E.Message{DocumentMessage: &waE2E.DocumentMessage{Caption: proto.String("berkas saya")}}),
			new(text("M3d", "berkas saya"))},
		{"ImageWithoutCaption", msg("M4", &waE2E.Message{ImageMessage: &waE2E.ImageMessage{}}), new(media("M4", "photo"))},
		{"Sticker", msg("M5", &waE2E.Message{StickerMessage: &waE2E.StickerMessage{}}), new(media("M5", "sticker"))},
		{"Location", msg("M6", &waE2E.Message{LocationMessage: &waE2E.LocationMessage{DegreesLatitude: proto.Float64(-6.2)}}),
			new(media("M6", "location"))},
		{"Voice", msg("M7", &waE2E.Message{AudioMessage: &waE2E.AudioMessage{PTT: proto.Bool(true)}}), new(media("M7", "voice"))},
		{"Audio", msg("M7a", &waE2E.Message{AudioMessage: &waE2E.AudioMessage{}}), new(media("M7a", "audio"))},
		{"Document", msg("M7d", &waE2E.Message{DocumentMessage: &waE2E.DocumentMessage{}}), new(media("M7d", "document"))},
		{"Contact", msg("M7c", &waE2E.Message{ContactMessage: &waE2E.ContactMessage{}}), new(media("M7c", "contact"))},
		{"Poll", msg("M7p", &waE2E.Message{PollCreationMessageV3: &waE2E.PollCreationMessage{}}), new(media("M7p", "other"))},
		{"FromAnotherDevice", with(msg("M8", &waE2E.Message{Conversation: proto.String("halo")}), func(i *types.MessageInfo) { i.Sender = citizenDev }),
			new(text("M8", "halo"))},
		{"FromMe", with(msg("S1", &waE2E.Message{Conversation: proto.String("balasan petugas")}), func(i *types.MessageInfo) { i.IsFromMe = true }), nil},
		{"StatusBroadcast", with(msg("S2", &waE2E.Message{Conversation: proto.String("status")}), func(i *types.MessageInfo) { i.Chat = types.StatusBroadcastJID }), nil},
		{"Newsletter", with(msg("S3", &waE2E.Message{Conversation: proto.String("kabar")}), func(i *types.MessageInfo) {
			i.Chat = types.NewJID("120363000000000002", types.NewsletterServer)
		}), nil},
		{"Group", with(msg("S4", &waE2E.Message{Conversation: proto.String("di grup")}), func(i *types.MessageInfo) { i.Chat, i.IsGroup = group, true }), nil},
		{"Reaction", msg("S5", &waE2E.Message{ReactionMessage: &waE2E.ReactionMessage{Text: proto.String("👍")}}), nil},
		{"Protocol", msg("S6", &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{}}), nil},
		{"Empty", msg("S7", &waE2E.Message{Conversation: proto.String("  ")}), nil},
		{"Edit", func() *events.Message {
			e := msg("S8", &waE2E.Message{Conversation: proto.String("ralat")})
			e.IsEdit = true
			return e
		}(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(h.acc.all())
			if !f.dispatch(tt.evt) {
				t.Fatal("handler failed: WhatsApp would deliver the message again")
			}
			got := h.acc.all()[before:]
			if tt.want == nil {
				if len(got) != 0 {
					t.Fatalf("accepted %+v, want it skipped", got)
				}
				return
			}
			if diff := cmp.Diff([]bot.Inbound{*tt.want}, got); diff != "" {
				t.Errorf("accepted (-want +got):\n%s", diff)
			}
		})
	}
	// Recorded messages are marked read, off the handler.
	waitFor(t, func() (bool, bool) {
		reads := f.readIDs()
		return true, len(reads) > 0 && reads[0] == "M1"
	}, "a read receipt for M1")
}

func TestReceiveLID(t *testing.T) {
	db := opener(t)(t, "lid", store.Options{Owner: "a"})
	linkDevice(t, db)
	h := startAdapter(t, db, nil)
	f := h.connected()

	// The sender writes from a LID with its phone number known: the reply goes to the chat
	// as it came, and the phone number is kept with the message.
	e := msg("L1", &waE2E.Message{Conversation: proto.String("halo")})
	e.Info.Chat, e.Info.Sender, e.Info.SenderAlt, e.Info.AddressingMode = citizenLID, citizenLID, citizen, types.AddressingModeLID
	if !f.dispatch(e) {
		t.Fatal("handler failed")
	}
	in := h.acc.all()[0]
	if in.Chat != wa(citizenLID.String()) || in.UserID != citizenLID.String() {
		t.Errorf("chat %v user %q, want the LID %s", in.Chat, in.UserID, citizenLID)
	}
	if in.UserAlt != citizen.String() {
		t.Errorf("UserAlt %q, want the phone number %s", in.UserAlt, citizen)
	}

	// A LID without a known phone number still gets its answer.
	other := types.NewJID("200000000000002", types.HiddenUserServer)
	e = msg("L2", &waE2E.Message{Conversation: proto.String("permisi")})
	e.Info.Chat, e.Info.Sender = other, other
	if !f.dispatch(e) {
		t.Fatal("handler failed")
	}
	in = h.acc.all()[1]
	if in.Chat != wa(other.String()) || in.UserID != other.String() {
		t.Errorf("chat %v user %q, want %s", in.Chat, in.UserID, other)
	}
	if in.UserAlt != "" {
		t.Errorf("UserAlt %q for a LID seen alone", in.UserAlt)
	}
}

func TestReceiveGroups(t *testing.T) {
	db := opener(t)(t, "groups", store.Options{Owner: "a"})
	linkDevice(t, db)
	h := startAdapter(t, db, func(c *meow.Config) { c.Groups = true })
	f := h.connected()
	e := with(msg("G1", &waE2E.Message{Conversation: proto.String("di grup")}), func(i *types.MessageInfo) { i.Chat, i.IsGroup = group, true })
	if !f.dispatch(e) {
		t.Fatal("handler failed")
	}
	got := h.acc.all()
	if len(got) != 1 || got[0].Chat != wa(group.String()) || !got[0].Group || got[0].UserID != citizen.String() {
		t.Fatalf("accepted %+v, want the group message from the citizen", got)
	}
}

func TestAcceptFailureRedelivers(t *testing.T) {
	db := opener(t)(t, "fail", store.Options{Owner: "a"})
	linkDevice(t, db)
	h := startAdapter(t, db, nil)
	f := h.connected()
	h.acc.fail(errBoom)
	if f.dispatch(msg("F1", &waE2E.Message{Conversation: proto.String("halo")})) {
		t.Fatal("handler succeeded although the message was not recorded: WhatsApp would not deliver it again")
	}
	// Skipped messages have nothing to deliver again, even now.
	if !f.dispatch(with(msg("F2", &waE2E.Message{Conversation: proto.String("x")}), func(i *types.MessageInfo) { i.IsFromMe = true })) {
		t.Error("handler failed on a skipped message")
	}
	h.acc.fail(nil)
	if !f.dispatch(msg("F1", &waE2E.Message{Conversation: proto.String("halo")})) {
		t.Fatal("redelivery failed")
	}
	time.Sleep(50 * time.Millisecond)
	if reads := f.readIDs(); len(reads) != 1 || reads[0] != "F1" {
		t.Errorf("read receipts %v, want only the recorded F1", reads)
	}
}
