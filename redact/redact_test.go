package redact_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/balai-id/balai/redact"
)

func TestString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"NIK saya 3275014509900003 ya", "NIK saya [NIK] ya"},
		{"hubungi 0812-3456-7890 atau +62 812 3456 7890", "hubungi [telepon] atau [telepon]"},
		{"telp (021) 555 1234", "telp [telepon]"},
		{"email budi.s@contoh.go.id", "email [email]"},
		{"KTP saya hilang 3 hari lalu, tahun 2024", "KTP saya hilang 3 hari lalu, tahun 2024"},
		{"nomor kartu 0001234567890", "nomor kartu [telepon]"}, // 13 digits read as a number to hide
		{"ppid 045/PPID/2025", "ppid 045/PPID/2025"},
		{"Rp650.000 untuk 10 tahun", "Rp650.000 untuk 10 tahun"},
	}
	for _, tt := range tests {
		if got := redact.String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHandlerMasksEverything(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(redact.NewHandler(slog.NewTextHandler(&buf, nil)))
	log = log.With("from", "0812 3456 7890")
	log.WithGroup("msg").Info("Received 3275014509900003",
		"text", "email saya a@b.co.id", "err", errors.New("nik 3275014509900003 invalid"),
		slog.Group("user", "phone", "+6281234567890"))
	out := buf.String()
	for _, leak := range []string{"3275014509900003", "a@b.co.id", "3456 7890", "81234567890"} {
		if strings.Contains(out, leak) {
			t.Errorf("log leaks %q:\n%s", leak, out)
		}
	}
	if !strings.Contains(out, "[NIK]") || !strings.Contains(out, "[email]") || !strings.Contains(out, "[telepon]") {
		t.Errorf("log not masked as expected:\n%s", out)
	}
}
