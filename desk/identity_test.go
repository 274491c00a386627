package desk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/webchat"
	"github.com/balai-id/balai/bot/whatsapp/cloud"
	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/internal/wafake"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

// A listed officer and a member of the officers' group, by Telegram user id; their ids are
// valid WhatsApp numbers too, as a Telegram id can be.
const (
	listedOfficer = int64(6281200009002)
	groupMember   = int64(6281200009001)
)

// withListed lists listedOfficer as an officer, and makes groupMember a member of the group.
func withListed(c *desk.Config) {
	c.Officers = append(c.Officers, balai.Actor{Channel: balai.Telegram, ID: strconv.FormatInt(listedOfficer, 10)})
}

// identityRig is a rig with withListed, and groupMember in the officers' group.
func identityRig(t *testing.T, open storetest.Opener, name string, before ...func(*rig)) *rig {
	r := newRigWith(t, open, name, 0, withListed, before...)
	r.fake.SetMember(officerChat, groupMember, "member")
	return r
}

// officerCommandsTried are every officer command, aimed at ticket BLI-000001.
var officerCommandsTried = []string{"/antrian", "/ambil BLI-000001", "/catatan BLI-000001 catatan palsu", "/faq BLI-000001", "/tutup BLI-000001", "/ambil"}

// recorder is a channel's sender that keeps what it was asked to send (the whatsmeow
// adapter's place in the engine; its conversion of whatsmeow events is tested in
// bot/whatsapp/meow).
type recorder struct {
	mu   sync.Mutex
	sent map[string][]string
}

func (r *recorder) Send(_ context.Context, o bot.Outgoing) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sent == nil {
		r.sent = map[string][]string{}
	}
	r.sent[o.Chat.ID] = append(r.sent[o.Chat.ID], o.Text)
	return strconv.Itoa(len(r.sent[o.Chat.ID])), nil
}

func (r *recorder) to(chat string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.sent[chat]...)
}

// checkUntouched fails unless ticket 1 is still open, unclaimed, with only its creation in
// the audit log, no officer posts since officerPosts, and no draft written.
func checkUntouched(t *testing.T, r *rig, officerPosts int) {
	t.Helper()
	ctx := context.Background()
	tk, err := r.db.Ticket(ctx, 1)
	if err != nil || tk.Status != desk.Open || tk.Assignee != "" {
		t.Errorf("ticket after the impostor: %s assignee %q (%v), want open and unclaimed", tk.Status, tk.Assignee, err)
	}
	evs, _ := r.db.Events(ctx, 1)
	if len(evs) != 1 || evs[0].Action != "created" {
		t.Errorf("audit log after the impostor: %+v, want only created", evs)
	}
	if got := r.fake.SentTo(officerChat)[officerPosts:]; len(got) != 0 {
		t.Errorf("the officers' chat got %d posts from an impostor: %q", len(got), plain(got[0]))
	}
}

// citizenTreatment fails unless replies are what a citizen gets for officer commands: the
// unknown-command answer, never the queue, a claim, a note or a draft.
func citizenTreatment(t *testing.T, replies []string) {
	t.Helper()
	if len(replies) < len(officerCommandsTried) {
		t.Fatalf("%d replies to %d commands: %q", len(replies), len(officerCommandsTried), replies)
	}
	for _, m := range replies {
		for _, leak := range []string{"Antrian", "diambil", "Catatan", "Draf FAQ", "ditutup", "BLI-000001", "ktp saya"} {
			if strings.Contains(m, leak) {
				t.Errorf("an impostor got officer's answer (%q): %q", leak, m)
			}
		}
		if !strings.Contains(m, "Perintah itu tidak saya kenal") {
			t.Errorf("reply is not the citizen's unknown-command answer: %q", m)
		}
	}
}

// TestOfficerIdentityPerChannel: an officer is a Telegram user. Someone whose id on another
// channel equals an officer's Telegram id (a listed officer's, or a member's of the
// officers' group) is a citizen there: every officer command gets the citizen's answer and
// changes nothing. The real officers on Telegram still act, privately and in the group.
func TestOfficerIdentityPerChannel(t *testing.T) {
	eachStore(t, func(t *testing.T, open storetest.Opener) {
		for _, impostor := range []int64{listedOfficer, groupMember} {
			id := strconv.FormatInt(impostor, 10)
			t.Run("id "+id, func(t *testing.T) {
				t.Run("WhatsAppCloud", func(t *testing.T) {
					wa := wafake.New("wa-token", "1000")
					waAPI := httptest.NewServer(wa)
					defer waAPI.Close()
					var ad *cloud.Adapter
					r := identityRig(t, open, "idcloud"+id, func(r *rig) {
						var err error
						ad, err = cloud.New(cloud.Config{Token: "wa-token", PhoneID: "1000", AppSecret: "app-secret", VerifyToken: "v",
							APIURL: waAPI.URL, TemplateName: "jawaban_siap", TemplateLang: "id", LastInbound: r.db, Logger: quiet, Now: r.clock.Now}, r.eng)
						if err != nil {
							t.Fatal(err)
						}
						r.eng.AddSender(balai.WhatsApp, ad, bot.Limits{}, true)
					})
					r.escalate(t, 201, "mau bicara dengan petugas soal ktp saya")
					posts := len(r.fake.SentTo(officerChat))
					hook := ad.WebhookHandler()
					for i, cmd := range officerCommandsTried {
						rec := httptest.NewRecorder()
						hook.ServeHTTP(rec, wafake.SignedWebhook("/webhooks/whatsapp", "app-secret",
							wafake.Payload("1000", []wafake.Contact{{WaID: id, Name: "Bukan Petugas"}},
								wafake.Text(id, "wamid.x"+strconv.Itoa(i), cmd).At(r.clock.Now()))))
						if rec.Code != http.StatusOK {
							t.Fatalf("webhook answered %d", rec.Code)
						}
						r.clock.Add(time.Second)
					}
					if !wa.WaitFor(10*time.Second, func() bool { return len(wa.SentTo(id)) >= len(officerCommandsTried) }) {
						t.Fatalf("the WhatsApp sender got %d replies: %+v", len(wa.SentTo(id)), wa.SentTo(id))
					}
					var replies []string
					for _, m := range wa.SentTo(id) {
						replies = append(replies, m.Text)
					}
					citizenTreatment(t, replies)
					checkUntouched(t, r, posts)
				})
				t.Run("WhatsAppMeow", func(t *testing.T) {
					rec := &recorder{}
					r := identityRig(t, open, "idmeow"+id, func(r *rig) { r.eng.AddSender(balai.WhatsApp, rec, bot.Limits{}, true) })
					r.escalate(t, 201, "mau bicara dengan petugas soal ktp saya")
					posts := len(r.fake.SentTo(officerChat))
					// As bot/whatsapp/meow converts a private message; the user id is even the
					// bare number, not a JID, to match the officer's Telegram id exactly.
					chat := balai.ChatRef{Channel: balai.WhatsApp, ID: id + "@s.whatsapp.net"}
					for i, cmd := range officerCommandsTried {
						if _, err := r.eng.Accept(context.Background(), bot.Inbound{Chat: chat, Key: "M" + strconv.Itoa(i), MessageID: "M" + strconv.Itoa(i),
							UserID: id, UserName: "Bukan Petugas", Kind: bot.KindText, Text: cmd}); err != nil {
							t.Fatal(err)
						}
					}
					idle(t, r)
					citizenTreatment(t, rec.to(chat.ID))
					checkUntouched(t, r, posts)
				})
				t.Run("WebChat", func(t *testing.T) {
					var web *webchat.Chat
					r := identityRig(t, open, "idweb"+id, func(r *rig) {
						web = webchat.New(webchat.Config{Agency: "Dinas Uji", Logger: quiet}, r.eng, r.db)
						r.eng.AddSender(balai.Web, web, bot.Limits{}, true)
					})
					r.escalate(t, 201, "mau bicara dengan petugas soal ktp saya")
					posts := len(r.fake.SentTo(officerChat))
					srv := httptest.NewServer(web)
					defer srv.Close()
					client, session := webSession(t, srv.URL)
					for i, cmd := range officerCommandsTried {
						webSay(t, client, srv.URL, "m"+strconv.Itoa(i), cmd)
					}
					idle(t, r)
					sent, err := r.db.SentAfter(context.Background(), balai.ChatRef{Channel: balai.Web, ID: session}, 0, 100)
					if err != nil {
						t.Fatal(err)
					}
					var replies []string
					for _, o := range sent {
						replies = append(replies, o.Text)
					}
					citizenTreatment(t, replies)
					checkUntouched(t, r, posts)
				})
			})
		}
		t.Run("Telegram officers still act", func(t *testing.T) {
			r := identityRig(t, open, "idtelegram")
			card := r.escalate(t, 201, "mau bicara dengan petugas soal ktp saya")
			// The listed officer, privately.
			r.fake.Message(listedOfficer, "/antrian")
			if got := r.wait(t, listedOfficer, 1); !strings.Contains(plain(got[0]), "Antrian (1 tiket)") {
				t.Errorf("listed officer's /antrian: %q", plain(got[0]))
			}
			// A member of the officers' group, there.
			r.officer(groupMember, "Silakan datang ke kecamatan.", card.MessageID)
			if got := r.wait(t, 201, 2); !strings.Contains(plain(got[1]), "Silakan datang ke kecamatan") {
				t.Errorf("member's reply: %q", plain(got[1]))
			}
			tk, _ := r.db.Ticket(context.Background(), 1)
			if tk.Status != desk.Answered || tk.Assignee != "telegram:"+strconv.FormatInt(groupMember, 10) {
				t.Errorf("ticket after the member's reply: %s assignee %q, want answered by telegram:%d", tk.Status, tk.Assignee, groupMember)
			}
		})
	})
}

// TestOfficersAreTelegramUsers: the desk takes no officer on another channel.
func TestOfficersAreTelegramUsers(t *testing.T) {
	db := storetest.SQLite(t)(t, "config", store.Options{Owner: "config"})
	msgs, _ := bot.LoadMessages("", "Dinas Uji")
	for _, tc := range []struct {
		officer balai.Actor
		ok      bool
	}{
		{balai.Actor{Channel: balai.Telegram, ID: "9002"}, true},
		{balai.Actor{Channel: balai.WhatsApp, ID: "9002"}, false},
		{balai.Actor{Channel: balai.Web, ID: "9002"}, false},
		{balai.Actor{Channel: balai.Telegram}, false},
	} {
		_, err := desk.New(desk.Config{Store: db, Messages: msgs, Officers: []balai.Actor{tc.officer}})
		if (err == nil) != tc.ok {
			t.Errorf("officer %s: err = %v, want ok=%v", tc.officer, err, tc.ok)
		}
	}
}

func idle(t *testing.T, r *rig) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if !r.eng.Idle(ctx) {
		t.Fatal("the engine did not become idle")
	}
}

// webSession opens a web chat session through the API.
func webSession(t *testing.T, base string) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.Post(base+"/api/chat/session", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// The session's conversation id (a hash of the token in the cookie) is the web chat's chat id.
	var r struct{ Conversation string }
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || r.Conversation == "" {
		t.Fatalf("session: %s %v %+v", resp.Status, err, r)
	}
	return client, r.Conversation
}

// webSay sends text (or, with button set, a pressed button) in a web chat session.
func webSay(t *testing.T, client *http.Client, base, id, text string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"id": id, "text": text})
	resp, err := client.Post(base+"/api/chat/messages", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("web chat message %q: %s", text, resp.Status)
	}
}
