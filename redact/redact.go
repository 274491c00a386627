// Package redact masks personal data — NIK (16-digit identity numbers), phone numbers and
// e-mail addresses — in text bound for logs, and provides a slog.Handler that masks every
// string it logs. Citizens' messages reach officers unmasked; they never reach logs unmasked.
package redact

import (
	"context"
	"log/slog"
	"regexp"
)

var (
	nik   = regexp.MustCompile(`\b\d{16}\b`)
	email = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
	// Indonesian mobile and landline numbers: 08…, +62…, 62…, (021)…, with spaces, dots
	// or dashes; at least 9 digits in all.
	phone = regexp.MustCompile(`\(?(?:\+62|\b62|\b0)[\s.\-]?\d{1,4}\)?(?:[\s.\-]?\d{2,4}){2,4}\b`)
)

// String masks NIK, e-mail addresses and phone numbers in s.
func String(s string) string {
	s = nik.ReplaceAllString(s, "[NIK]")
	s = email.ReplaceAllString(s, "[email]")
	s = phone.ReplaceAllStringFunc(s, func(m string) string {
		digits := 0
		for _, r := range m {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if digits < 9 {
			return m
		}
		return "[telepon]"
	})
	return s
}

// Handler wraps a slog.Handler and masks the message and every string attribute.
type Handler struct{ next slog.Handler }

// NewHandler returns a handler that masks personal data before next sees a record.
func NewHandler(next slog.Handler) *Handler { return &Handler{next: next} }

// Enabled reports whether next handles records at level.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle masks r and passes it on.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, String(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(maskAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

// WithAttrs masks attrs and returns a handler that adds them.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	masked := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		masked[i] = maskAttr(a)
	}
	return &Handler{next: h.next.WithAttrs(masked)}
}

// WithGroup returns a handler that nests attributes under name.
func (h *Handler) WithGroup(name string) slog.Handler { return &Handler{next: h.next.WithGroup(name)} }

func maskAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, String(v.String()))
	case slog.KindGroup:
		g := v.Group()
		out := make([]any, len(g))
		for i, ga := range g {
			out[i] = maskAttr(ga)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, String(err.Error()))
		}
		if s, ok := v.Any().(interface{ String() string }); ok {
			return slog.String(a.Key, String(s.String()))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
