package main

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/internal/tgfake"
	"github.com/balai-id/balai/store"
)

// e2eOfficerChat is the officers' group of the end-to-end tests.
const e2eOfficerChat = int64(-1009876543210)

// e2e is a whole `balai serve` (Main) on loopback: the embedded corpus, the store at url, a
// fake Telegram Bot API with an officers' group, and its logs.
type e2e struct {
	main *Main
	fake *tgfake.Server
	url  string // the public listener, http://host:port
	logs *syncBuffer
}

// startServe runs Main as `balai serve` would with env set, after prepare (which may run CLI
// commands against the database), and stops it when the test ends.
func startServe(t testing.TB, url string, env map[string]string, prepare func()) *e2e {
	t.Helper()
	const token = "123456:e2e"
	fake := tgfake.New(token)
	api := httptest.NewServer(fake)
	t.Cleanup(api.Close)
	dir := t.TempDir()
	faqDir := undatedCorpus(t, filepath.Join(dir, "faq"))
	for k, v := range map[string]string{
		"DATABASE_URL": url, "BALAI_DATA_DIR": filepath.Join(dir, "data"), "BALAI_HTTP_ADDR": "127.0.0.1:0",
		"BALAI_ADMIN_ADDR": "127.0.0.1:0", "TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_URL": api.URL,
		"TELEGRAM_OFFICER_CHAT_ID": "-1009876543210", "BALAI_LOG_LEVEL": "info", "BALAI_LEASE": "2s",
		"BALAI_FAQ_DIR": faqDir,
	} {
		t.Setenv(k, v)
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	if prepare != nil {
		prepare()
	}
	cfg, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	m := NewMain(cfg, newLogger(logs, cfg))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	select {
	case <-m.Ready():
	case err := <-done:
		cancel()
		t.Fatalf("balai serve stopped before serving: %v\n%s", err, logs)
	case <-time.After(2 * time.Minute):
		cancel()
		t.Fatalf("balai serve not ready\n%s", logs)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("balai serve: %v", err)
		}
		if t.Failed() {
			t.Logf("logs:\n%s", logs)
		}
	})
	return &e2e{main: m, fake: fake, url: "http://" + m.Addr(), logs: logs}
}

// undatedCorpus copies the embedded corpus (faq/corpus) to dir without its review dates, so
// that whole-serve tests answer the same whatever day Balai's clock reads (CI also runs them
// a year and ten years ahead, when every entry is past its review date and escalated).
func undatedCorpus(t testing.TB, dir string) string {
	t.Helper()
	src := filepath.Join("..", "..", "faq", "corpus")
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		to := filepath.Join(dir, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.HasSuffix(path, ".md") {
			b = reviewBy.ReplaceAll(b, nil)
		}
		return os.WriteFile(to, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

var reviewBy = regexp.MustCompile(`(?m)^review_by:.*\n`)

// waitSent waits until chat has received n messages on the fake Telegram and returns them.
func (e *e2e) waitSent(t *testing.T, chat int64, n int) []tgfake.Sent {
	t.Helper()
	if !e.fake.WaitFor(30*time.Second, func() bool { return len(e.fake.SentTo(chat)) >= n }) {
		t.Fatalf("chat %d got %d messages, want %d: %+v", chat, len(e.fake.SentTo(chat)), n, e.fake.SentTo(chat))
	}
	return e.fake.SentTo(chat)
}

// TestServeEndToEnd runs `balai serve` whole, as wired by Main, on SQLite and PostgreSQL: a
// citizen's question is answered from the embedded corpus; a request for an officer opens a
// ticket whose card reaches the officers' group; an officer whose Telegram account is linked
// to a console account (created with `balai user add`) answers by replying to the card; the
// citizen gets the answer on Telegram and the audit log names the console account; a reply
// carrying another citizen's NIK is held by the outbound guard and never reaches the citizen;
// the console and the health endpoints are served; nothing is left undelivered.
func TestServeEndToEnd(t *testing.T) {
	for name, database := range adminDatabases(t) {
		t.Run(name, func(t *testing.T) {
			url := database(t)
			e := startServe(t, url, nil, func() {
				stdin = strings.NewReader("kata-sandi-panjang-1\n")
				var out, errOut bytes.Buffer
				if code := run(context.Background(), []string{"user", "add", "--role", "officer", "--name", "Sari", "sari"}, &out, &errOut); code != exitOK {
					t.Fatalf("user add: %d %s", code, errOut.String())
				}
				if code := run(context.Background(), []string{"user", "link-telegram", "sari", "501"}, &out, &errOut); code != exitOK {
					t.Fatalf("link-telegram: %d %s", code, errOut.String())
				}
			})
			const citizen = int64(7001)
			e.fake.SetMember(e2eOfficerChat, 501, "member")

			// Answered from the embedded corpus, as the agency's automated assistant.
			e.fake.Message(citizen, "apa syarat membuat ktp elektronik?")
			first := e.waitSent(t, citizen, 1)[0]
			shown := tgfake.VisibleText(first.Text, first.ParseMode)
			for _, row := range first.Buttons {
				for _, b := range row {
					shown += "\n" + b.Text
				}
			}
			if !strings.Contains(strings.ToLower(shown), "ktp") {
				t.Errorf("answer = %q", shown)
			}

			// Escalated: the citizen is told, the officers' group gets the card.
			e.fake.Message(citizen, "mau bicara dengan petugas soal ktp saya")
			e.waitSent(t, citizen, 2)
			cards := e.waitSent(t, e2eOfficerChat, 1)
			card := cards[len(cards)-1]
			if !strings.Contains(tgfake.VisibleText(card.Text, card.ParseMode), "BLI-") {
				t.Fatalf("not a card: %q", card.Text)
			}

			// A reply with another citizen's NIK is held by the guard: nothing reaches the citizen.
			before := len(e.fake.SentTo(citizen))
			groupBefore := len(e.fake.SentTo(e2eOfficerChat))
			e.fake.MessageIn(e2eOfficerChat, 501, "supergroup", "Data milik 3275010101800004 sudah kami cek.", card.MessageID)
			held := e.waitSent(t, e2eOfficerChat, groupBefore+1)
			if txt := tgfake.VisibleText(held[len(held)-1].Text, held[len(held)-1].ParseMode); !strings.Contains(txt, "NIK") {
				t.Errorf("the group is not told why the reply was held: %q", txt)
			}

			// The linked officer answers by replying to the card.
			e.fake.MessageIn(e2eOfficerChat, 501, "supergroup", "KTP Anda sudah dicetak, silakan ambil di kantor kecamatan.", card.MessageID)
			got := e.waitSent(t, citizen, before+1)
			for _, m := range got[before:] {
				if strings.Contains(m.Text, "3275") {
					t.Errorf("the held reply reached the citizen: %q", m.Text)
				}
			}
			if !strings.Contains(tgfake.VisibleText(got[before].Text, got[before].ParseMode), "sudah dicetak") {
				t.Errorf("officer's answer = %q", got[before].Text)
			}

			// The audit log names the console account, not the Telegram user.
			db, err := store.Open(context.Background(), url, store.Options{Owner: "e2e-check"})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			tk, err := db.ActiveTicket(context.Background(), balai.ChatRef{Channel: balai.Telegram, ID: "7001"})
			if err != nil {
				t.Fatal(err)
			}
			evs, err := db.Events(context.Background(), tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			replied := false
			for _, ev := range evs {
				if ev.Action == "replied" {
					replied = true
					if ev.Actor != "user:1" || ev.ActorName != "Sari" {
						t.Errorf("reply audited as %q %q, want user:1 Sari", ev.Actor, ev.ActorName)
					}
				}
			}
			if !replied || tk.Status != balai.Answered || tk.Assignee != "user:1" {
				t.Errorf("ticket %+v events %+v", tk, evs)
			}

			// The console and the endpoints are served.
			for path, want := range map[string]int{"/console/login": 200, "/console/": 303, "/healthz": 200, "/readyz": 200, "/": 200} {
				if code := status(t, e.url+path); code != want {
					t.Errorf("GET %s = %d, want %d", path, code, want)
				}
			}
			if code := status(t, "http://"+e.main.AdminAddr()+"/metrics"); code != 200 {
				t.Errorf("admin /metrics = %d", code)
			}
		})
	}
}

// status GETs url without following redirects.
func status(t *testing.T, url string) int {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}
