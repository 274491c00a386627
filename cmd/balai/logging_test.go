package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/redact"
)

// TestServeLogsMaskCitizens: serve's logger, text or JSON, never shows a citizen's chat id
// (a WhatsApp chat id is their phone number), phone, NIK or e-mail; the same chat is the same
// pseudonym on every line; the agency's own ids stay readable.
func TestServeLogsMaskCitizens(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			log := newLogger(&buf, Config{LogFormat: format})
			wa := balai.ChatRef{Channel: balai.WhatsApp, ID: "60123456789"}
			meow := balai.ChatRef{Channel: balai.WhatsApp, ID: "6281234567890@s.whatsapp.net"}
			log.Warn("Failed to handle a message; retrying", "chat", wa, "inbound", 42, "err", "commit: text \"NIK 3201 2345 6789 0001\"")
			log.Info("Asked a citizen to write again: the 24-hour window is closed", "chat", wa, "template", "balai_lanjut")
			log.Error("Failed to record a WhatsApp message", "chat", meow, "message_id", "3EB0C431C26A1916E6A9")
			log.Warn("Refused a desk action from a non-officer", "user", "60123456789", "chat", balai.ChatRef{Channel: balai.Telegram, ID: "-1001234567890"})
			log.Info("WhatsApp Cloud API ready", "phone_id", "106540352242922")
			out := buf.String()
			for _, leak := range []string{"60123456789", "6281234567890", "3201 2345"} {
				if strings.Contains(out, leak) {
					t.Errorf("log leaks %s:\n%s", leak, out)
				}
			}
			p := redact.ID("60123456789")
			for _, want := range []string{"-1001234567890", "106540352242922", "3EB0C431C26A1916E6A9", redact.ID(meow.ID), "[NIK]"} {
				if !strings.Contains(out, want) {
					t.Errorf("log lacks %s:\n%s", want, out)
				}
			}
			if n := strings.Count(out, p); n != 3 {
				t.Errorf("the chat's pseudonym %s is on %d lines, want 3:\n%s", p, n, out)
			}
		})
	}
}
