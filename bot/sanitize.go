package bot

import (
	"strings"
	"unicode/utf8"
)

// SanitizeText makes text safe to store and show: invalid UTF-8 becomes U+FFFD and control
// characters other than tab, newline and carriage return (NUL above all, which PostgreSQL
// refuses in text with SQLSTATE 22021) are removed. Valid text without control characters is
// returned unchanged. Every channel's messages pass through it in Engine.Accept.
func SanitizeText(s string) string {
	if clean(s) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return -1
		}
		return r
	}, s)
}

// clean reports whether s is valid UTF-8 without control characters to remove.
func clean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return utf8.ValidString(s[i:]) && !strings.ContainsFunc(s[i:], isControl)
		}
		if isControl(rune(c)) {
			return false
		}
	}
	return true
}

// isControl is a C0 or C1 control character or DEL, except tab, newline and carriage return.
func isControl(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return false
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	}
	return false
}

// sanitize applies SanitizeText to every text field of a message.
func sanitize(in Inbound) Inbound {
	for _, f := range []*string{&in.Chat.ID, &in.Key, &in.MessageID, &in.ReplyTo, &in.ThreadID, &in.UserID,
		&in.UserAlt, &in.UserName, &in.Text, &in.Media, &in.CallbackID, &in.LangHint} {
		*f = SanitizeText(*f)
	}
	return in
}
