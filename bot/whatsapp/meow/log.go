package meow

import (
	"context"
	"fmt"
	"log/slog"

	waLog "go.mau.fi/whatsmeow/util/log"
)

// NewLogger adapts a *slog.Logger to whatsmeow's logger. Each Sub module is logged in the
// attribute "module" ("Client/Socket"). It masks nothing itself: personal data (phone
// numbers in JIDs) is redacted by the process's slog handler.
func NewLogger(l *slog.Logger) waLog.Logger {
	if l == nil {
		l = slog.Default()
	}
	return slogLogger{l: l}
}

type slogLogger struct {
	l      *slog.Logger
	module string
}

func (s slogLogger) Errorf(msg string, args ...any) { s.log(slog.LevelError, msg, args) }
func (s slogLogger) Warnf(msg string, args ...any)  { s.log(slog.LevelWarn, msg, args) }
func (s slogLogger) Infof(msg string, args ...any)  { s.log(slog.LevelInfo, msg, args) }
func (s slogLogger) Debugf(msg string, args ...any) { s.log(slog.LevelDebug, msg, args) }

// Sub returns the logger of a submodule: "Client" then "Client/Socket".
func (s slogLogger) Sub(module string) waLog.Logger {
	if s.module != "" {
		module = s.module + "/" + module
	}
	return slogLogger{l: s.l, module: module}
}

func (s slogLogger) log(level slog.Level, format string, args []any) {
	ctx := context.Background()
	// whatsmeow logs every frame at debug level: format only what is kept.
	if !s.l.Enabled(ctx, level) {
		return
	}
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	if s.module == "" {
		s.l.Log(ctx, level, msg)
		return
	}
	s.l.Log(ctx, level, msg, "module", s.module)
}
