package redact_test

import (
	"bufio"
	"bytes"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/balai-id/balai/redact"
)

// readCases reads testdata lines, skipping blank lines and # comments.
func readCases(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := sc.Text(); strings.TrimSpace(l) != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) < 20 {
		t.Fatalf("testdata/%s: only %d cases", name, len(out))
	}
	return out
}

func TestStringMasks(t *testing.T) {
	for _, line := range readCases(t, "masked.txt") {
		in, want, ok := strings.Cut(line, " => ")
		if !ok {
			t.Fatalf("masked.txt: %q: want INPUT => OUTPUT", line)
		}
		t.Run(in, func(t *testing.T) {
			if got := redact.String(in); got != want {
				t.Errorf("String(%q)\n got %q\nwant %q", in, got, want)
			}
		})
	}
}

func TestStringKeepsOrdinaryText(t *testing.T) {
	for _, in := range readCases(t, "kept.txt") {
		t.Run(in, func(t *testing.T) {
			if got := redact.String(in); got != in {
				t.Errorf("String(%q) = %q, want it unchanged", in, got)
			}
		})
	}
}

func TestFindKeys(t *testing.T) {
	ms := redact.Find("hp 0812-3456-7890, lagi +62 812 3456 7890, email Budi@Contoh.id")
	var keys []string
	for _, m := range ms {
		keys = append(keys, m.Key())
	}
	want := []string{"081234567890", "081234567890", "budi@contoh.id"}
	if strings.Join(keys, "|") != strings.Join(want, "|") {
		t.Errorf("keys = %q, want %q", keys, want)
	}
}

// chatRef logs like balai.ChatRef (redact cannot import balai).
type chatRef struct{ channel, id string }

func (c chatRef) LogValue() slog.Value {
	return slog.GroupValue(slog.String("channel", c.channel), slog.String("id", c.id))
}

func TestHandlerMasksEverything(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(redact.NewHandler(slog.NewTextHandler(&buf, nil)))
	log = log.With("from", "0812 3456 7890")
	log.WithGroup("msg").Info("Received 3275014509900003 from 60123456789",
		"text", "email saya a@b.co.id, hp +60 12-345 6789", "err", errors.New("nik 3275014509900003 invalid"),
		"chat", chatRef{"whatsapp", "60123456789"}, "user", int64(60123456789), "user_id", "60123456789@s.whatsapp.net",
		slog.Group("user", "phone", "+6281234567890"))
	out := buf.String()
	for _, leak := range []string{"3275014509900003", "a@b.co.id", "3456 7890", "81234567890", "60123456789", "345 6789"} {
		if strings.Contains(out, leak) {
			t.Errorf("log leaks %q:\n%s", leak, out)
		}
	}
	for _, want := range []string{"[NIK]", "[email]", "[telepon]", "msg.chat.channel=whatsapp", "msg.chat.id=~", "from=~", "msg.user.phone=~"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	// One chat is one pseudonym in every line, whichever way its id was logged.
	p := redact.ID("60123456789")
	if n := strings.Count(out, p); n != 2 {
		t.Errorf("pseudonym %s of the chat appears %d times, want 2 (chat.id and user):\n%s", p, n, out)
	}
}

// TestHandlerMasksActors: an actor (balai.Actor, logged as a group of channel and id, like
// a chat) under an identifying key such as "user" is logged as a pseudonym too: a 9-digit
// Telegram user id matches no phone pattern and would otherwise be logged as it is.
func TestHandlerMasksActors(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(redact.NewHandler(slog.NewTextHandler(&buf, nil)))
	log.Warn("Refused a desk action from a non-officer", "user", chatRef{"telegram", "123456789"},
		"sender", chatRef{"whatsapp", "5012345"})
	out := buf.String()
	for _, leak := range []string{"123456789", "5012345"} {
		if strings.Contains(out, leak) {
			t.Errorf("log leaks %q:\n%s", leak, out)
		}
	}
	for _, want := range []string{"user.channel=telegram", "user.id=" + redact.ID("123456789"), "sender.id=" + redact.ID("5012345")} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

func TestIDPseudonyms(t *testing.T) {
	a, b := redact.ID("60123456789"), redact.ID("60123456788")
	if a == b || !strings.HasPrefix(a, "~") || len(a) != 11 || strings.Contains(a, "6012") {
		t.Errorf("ID = %q and %q: want two different pseudonyms", a, b)
	}
	if redact.ID("60123456789") != a {
		t.Error("ID is not stable within a process")
	}
	for _, keep := range []string{"", "-1001234567890"} { // no id; a Telegram group
		if got := redact.ID(keep); got != keep {
			t.Errorf("ID(%q) = %q, want it kept", keep, got)
		}
	}
}

func BenchmarkString(b *testing.B) {
	s := "Selamat siang, saya mau tanya KTP saya hilang 3 hari lalu, NIK 3201 2345 6789 0001, hp 0812-3456-7890, biaya Rp 50.000?"
	for b.Loop() {
		redact.String(s)
	}
}
