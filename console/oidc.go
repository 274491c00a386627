package console

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/balai-id/balai"
)

// OIDCConfig configures single sign-on with the agency's OpenID Connect identity provider
// (BALAI_OIDC_*). The provider's ID token names an existing, enabled account by its linked
// subject or its verified e-mail address: nobody registers themselves.
type OIDCConfig struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	RedirectURL  string // https://…/console/oidc/callback, as registered at the provider
	// HTTPClient reaches the provider (default http.DefaultClient).
	HTTPClient *http.Client
}

// oidcClient discovers the provider on first use (and again after a failure), so that the
// console starts while the provider is unreachable.
type oidcClient struct {
	cfg      OIDCConfig
	now      func() time.Time
	mu       sync.Mutex
	oauth    *oauth2.Config
	verifier *oidc.IDTokenVerifier
}

func newOIDCClient(cfg OIDCConfig, now func() time.Time) (*oidcClient, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("console: OIDC needs an issuer, a client id and a redirect URL")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	return &oidcClient{cfg: cfg, now: now}, nil
}

func (c *oidcClient) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, c.cfg.HTTPClient)
}

func (c *oidcClient) get(ctx context.Context) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.oauth != nil {
		return c.oauth, c.verifier, nil
	}
	// The provider keeps its context to fetch signing keys later: not the request's.
	p, err := oidc.NewProvider(c.ctx(context.WithoutCancel(ctx)), c.cfg.Issuer)
	if err != nil {
		return nil, nil, fmt.Errorf("console: oidc discovery: %w", err)
	}
	c.oauth = &oauth2.Config{ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret, RedirectURL: c.cfg.RedirectURL,
		Endpoint: p.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
	c.verifier = p.Verifier(&oidc.Config{ClientID: c.cfg.ClientID, Now: c.now})
	return c.oauth, c.verifier, nil
}

// oidcStart sends the browser to the provider with a fresh state, nonce and PKCE verifier,
// kept in a short-lived cookie for the callback.
func (s *Server) oidcStart(w http.ResponseWriter, r *http.Request) {
	oc, _, err := s.oidc.get(r.Context())
	if err != nil {
		s.log.Error("Failed to reach the identity provider", "error", err)
		s.oidcFailed(w, r, "discovery failed", "console_sso_unavailable", http.StatusBadGateway)
		return
	}
	state, nonce, verifier := randomToken(), randomToken(), oauth2.GenerateVerifier()
	next := safeNext(r.URL.Query().Get("next"))
	s.setCookie(w, cookieOIDC, strings.Join([]string{state, nonce, verifier, url.QueryEscape(next)}, "|"), 600)
	http.Redirect(w, r, oc.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
}

// oidcCallback finishes single sign-on: the state must match the cookie's, the code is
// exchanged with the PKCE verifier, the ID token verified (issuer, audience, expiry,
// signature) with the nonce, and its subject or verified e-mail must name an enabled account.
func (s *Server) oidcCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	saved := s.cookie(r, cookieOIDC)
	s.setCookie(w, cookieOIDC, "", -1) // one use
	parts := strings.Split(saved, "|")
	if len(parts) != 4 {
		s.oidcFailed(w, r, "no sign-on in progress", "console_sso_failed", http.StatusBadRequest)
		return
	}
	state, nonce, verifier := parts[0], parts[1], parts[2]
	next, _ := url.QueryUnescape(parts[3])
	if got := r.URL.Query().Get("state"); subtle.ConstantTimeCompare([]byte(got), []byte(state)) != 1 {
		s.oidcFailed(w, r, "state mismatch", "console_sso_failed", http.StatusBadRequest)
		return
	}
	if e := r.URL.Query().Get("error"); e != "" {
		s.oidcFailed(w, r, "provider error "+truncate(e, 64), "console_sso_failed", http.StatusUnauthorized)
		return
	}
	oc, v, err := s.oidc.get(ctx)
	if err != nil {
		s.log.Error("Failed to reach the identity provider", "error", err)
		s.oidcFailed(w, r, "discovery failed", "console_sso_unavailable", http.StatusBadGateway)
		return
	}
	tok, err := oc.Exchange(s.oidc.ctx(ctx), r.URL.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		s.oidcFailed(w, r, "code exchange failed: "+truncate(err.Error(), 120), "console_sso_failed", http.StatusUnauthorized)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		s.oidcFailed(w, r, "no id_token", "console_sso_failed", http.StatusUnauthorized)
		return
	}
	idt, err := v.Verify(s.oidc.ctx(ctx), raw)
	if err != nil {
		s.oidcFailed(w, r, "id token refused: "+truncate(err.Error(), 120), "console_sso_failed", http.StatusUnauthorized)
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		s.oidcFailed(w, r, "nonce mismatch", "console_sso_failed", http.StatusUnauthorized)
		return
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified bool   `json:"email_verified"`
	}
	if err := idt.Claims(&claims); err != nil {
		s.oidcFailed(w, r, "bad claims", "console_sso_failed", http.StatusUnauthorized)
		return
	}
	acc, err := s.store.AccountByOIDCSubject(ctx, idt.Subject)
	if errors.Is(err, balai.ErrAccountNotFound) && claims.EmailVerified && claims.Email != "" {
		acc, err = s.store.AccountByEmail(ctx, claims.Email)
	}
	if errors.Is(err, balai.ErrAccountNotFound) {
		s.oidcFailed(w, r, "no account for this identity", "console_sso_no_account", http.StatusForbidden)
		return
	}
	if err != nil {
		s.serverError(w, r, "read a console account", err)
		return
	}
	if acc.Disabled {
		s.audit(ctx, r, "", "login_failed", acc.Officer().ID, "sso: account disabled")
		s.renderLoginError(w, r, "console_sso_no_account", http.StatusForbidden)
		return
	}
	if err := s.startSession(w, r, acc); err != nil {
		s.serverError(w, r, "start a console session", err)
		return
	}
	s.audit(ctx, r, acc.Officer().ID, "login", acc.Officer().ID, "sso")
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

// oidcFailed audits a failed single sign-on and shows the sign-in page with the error key.
func (s *Server) oidcFailed(w http.ResponseWriter, r *http.Request, why, key string, status int) {
	s.audit(r.Context(), r, "", "login_failed", "", "sso: "+why)
	s.renderLoginError(w, r, key, status)
}

func (s *Server) renderLoginError(w http.ResponseWriter, r *http.Request, key string, status int) {
	d, err := s.loginData(r)
	if err != nil {
		s.serverError(w, r, "count console accounts", err)
		return
	}
	d.Error = key
	s.renderStatus(w, r, status, "login", d)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
