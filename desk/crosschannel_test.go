package desk_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/whatsapp/cloud"
	"github.com/balai-id/balai/internal/wafake"
	"github.com/balai-id/balai/store/storetest"
)

// TestWhatsAppCitizenAnsweredFromTelegram: a citizen writes on WhatsApp (Cloud API webhook),
// asks for an officer, the card appears in the officers' Telegram group, an officer replies
// to it there, and the answer reaches the citizen on WhatsApp — one ticket queue across
// channels. Later the 24-hour window closes: the next reply waits for the citizen.
func TestWhatsAppCitizenAnsweredFromTelegram(t *testing.T) {
	eachStore(t, func(t *testing.T, open storetest.Opener) {
		wa := wafake.New("wa-token", "1000")
		waAPI := httptest.NewServer(wa)
		defer waAPI.Close()
		var ad *cloud.Adapter
		r := newRig(t, open, func(r *rig) {
			var err error
			ad, err = cloud.New(cloud.Config{Token: "wa-token", PhoneID: "1000", AppSecret: "app-secret", VerifyToken: "v",
				APIURL: waAPI.URL, TemplateName: "jawaban_siap", TemplateLang: "id", LastInbound: r.db, Logger: quiet, Now: r.clock.Now}, r.eng)
			if err != nil {
				t.Fatal(err)
			}
			r.eng.AddSender(balai.WhatsApp, ad, bot.Limits{}, true)
		})
		hook := ad.WebhookHandler()
		post := func(msgs ...wafake.Message) {
			rec := httptest.NewRecorder()
			hook.ServeHTTP(rec, wafake.SignedWebhook("/webhooks/whatsapp", "app-secret",
				wafake.Payload("1000", []wafake.Contact{{WaID: "6281234567890", Name: "Sari"}}, msgs...)))
			if rec.Code != 200 {
				t.Fatalf("webhook answered %d", rec.Code)
			}
		}
		post(wafake.Text("6281234567890", "wamid.1", "mau bicara dengan petugas, ktp saya belum dicetak"))
		if !wa.WaitFor(10*time.Second, func() bool { return len(wa.SentTo("6281234567890")) >= 1 }) {
			t.Fatal("the WhatsApp citizen got no reply")
		}
		if got := wa.SentTo("6281234567890")[0].Text; !strings.Contains(got, "BLI-000001") {
			t.Errorf("citizen not told the ticket: %q", got)
		}
		cards := r.wait(t, officerChat, 1)
		card := cards[0]
		if !strings.Contains(plain(card), "(whatsapp)") || !strings.Contains(plain(card), "Sari") {
			t.Errorf("card does not show the WhatsApp citizen: %q", plain(card))
		}
		r.officer(officerA, "KTP-el Anda sudah dicetak dan dapat diambil di kecamatan.", card.MessageID)
		if !wa.WaitFor(10*time.Second, func() bool { return len(wa.SentTo("6281234567890")) >= 2 }) {
			t.Fatal("the officer's reply did not reach WhatsApp")
		}
		reply := wa.SentTo("6281234567890")[1]
		if !strings.Contains(reply.Text, "Balasan petugas Dinas Uji") || !strings.Contains(reply.Text, "dapat diambil di kecamatan") {
			t.Errorf("reply on WhatsApp: %q", reply.Text)
		}
		// Two days later the window is closed: the next answer is announced by template and
		// waits; the card says so; it goes out when the citizen writes.
		r.clock.Add(48 * time.Hour)
		r.officer(officerA, "Tambahan: bawa juga KK asli.", card.MessageID)
		if !wa.WaitFor(10*time.Second, func() bool {
			ms := wa.SentTo("6281234567890")
			return len(ms) >= 3 && ms[len(ms)-1].Type == "template"
		}) {
			t.Fatalf("no template outside the window: %+v", wa.SentTo("6281234567890"))
		}
		if !r.fake.WaitFor(5*time.Second, func() bool {
			for _, m := range r.fake.SentTo(officerChat) {
				if strings.Contains(plain(m), "24 jam") {
					return true
				}
			}
			return false
		}) {
			t.Error("the officers' chat was not told the reply is waiting")
		}
		post(wafake.QuickReply("6281234567890", "wamid.2", bot.DataRelease, "Lihat jawaban").At(r.clock.Now()))
		if !wa.WaitFor(10*time.Second, func() bool {
			for _, m := range wa.SentTo("6281234567890") {
				if strings.Contains(m.Text, "bawa juga KK asli") {
					return true
				}
			}
			return false
		}) {
			t.Fatalf("held reply not delivered after the citizen wrote: %+v", wa.SentTo("6281234567890"))
		}
	})
}
