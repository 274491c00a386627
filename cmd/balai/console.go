package main

import (
	"context"
	"time"

	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/clock"
	"github.com/balai-id/balai/console"
)

// newConsole builds the officer console over the store, with the message catalogue.
func (s *Main) newConsole(msgs *bot.Messages) (*console.Server, error) {
	cc := s.cfg.Console
	cfg := console.Config{Store: s.db, Messages: msgs, Now: clock.Now, Logger: s.log, Secure: cc.Secure, TrustedProxies: s.cfg.TrustedProxies,
		SessionIdle: cc.SessionIdle, SessionLifetime: cc.SessionLifetime}
	if s.cfg.PublicOrigin != "" {
		cfg.TrustedOrigins = []string{s.cfg.PublicOrigin}
	}
	if cc.OIDCIssuer != "" {
		cfg.OIDC = &console.OIDCConfig{Issuer: cc.OIDCIssuer, ClientID: cc.OIDCClientID, ClientSecret: cc.OIDCClientSecret, RedirectURL: cc.OIDCRedirectURL}
	}
	return console.New(cfg)
}

// purgeConsole deletes, every interval, console sessions that expired and old failed
// sign-ins.
func (s *Main) purgeConsole(ctx context.Context, con *console.Server, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n, err := con.Purge(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("Failed to purge console sessions", "err", err)
		} else if n > 0 {
			s.log.Debug("Purged console sessions", "sessions", n)
		}
	}
}
