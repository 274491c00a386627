package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/balai-id/balai"
)

// Cookie names without their prefix; with Config.Secure they take "__Host-" (Secure, Path=/,
// no Domain: a sibling subdomain cannot set or read them).
const (
	cookieSession = "balai_console"
	cookiePre     = "balai_console_pre" // before sign-in: binds the login form's CSRF token
	cookieFlash   = "balai_console_flash"
	cookieLang    = "balai_console_lang"
	cookieOIDC    = "balai_console_oidc"
)

// state is what the console knows of a request: who is signed in, with which session, in
// which language; pages read it through the request's context.
type state struct {
	account   *balai.Account
	session   *balai.Session
	tokenHash string
	lang      string
	pre       string // the pre-session cookie's value, once read or made
}

type stateKey struct{}

// CurrentAccount returns the account signed in for a console request, if any.
func CurrentAccount(ctx context.Context) (balai.Account, bool) {
	st, _ := ctx.Value(stateKey{}).(*state)
	if st == nil || st.account == nil {
		return balai.Account{}, false
	}
	return *st.account, true
}

func stateOf(r *http.Request) *state {
	if st, _ := r.Context().Value(stateKey{}).(*state); st != nil {
		return st
	}
	return &state{lang: LangID}
}

func (s *Server) cookieName(base string) string {
	if s.cfg.Secure {
		return "__Host-" + base
	}
	return base
}

func (s *Server) cookiePath() string {
	if s.cfg.Secure {
		return "/" // required by __Host-
	}
	return "/console"
}

// setCookie sets an HttpOnly, SameSite=Lax cookie of the console (Secure when configured);
// maxAge < 0 deletes it, 0 makes it last the browser session.
func (s *Server) setCookie(w http.ResponseWriter, base, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(base), Value: value, Path: s.cookiePath(), MaxAge: maxAge,
		HttpOnly: true, Secure: s.cfg.Secure, SameSite: http.SameSiteLaxMode})
}

func (s *Server) cookie(r *http.Request, base string) string {
	c, err := r.Cookie(s.cookieName(base))
	if err != nil {
		return ""
	}
	return c.Value
}

// randomToken returns 256 random bits, base64url.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// load reads the request's session (ending a dead one's cookie) and language.
func (s *Server) load(w http.ResponseWriter, r *http.Request) *state {
	st := &state{lang: LangID}
	if l := s.cookie(r, cookieLang); l == LangEN {
		st.lang = LangEN
	}
	tok := s.cookie(r, cookieSession)
	if tok == "" {
		return st
	}
	th := hashToken(tok)
	sess, acc, err := s.store.TouchSession(r.Context(), th, s.now(), s.cfg.SessionIdle)
	if err != nil {
		if !errors.Is(err, balai.ErrSessionNotFound) && !errors.Is(err, balai.ErrAccountNotFound) {
			s.log.Error("Failed to read a console session", "error", err)
		}
		s.setCookie(w, cookieSession, "", -1)
		return st
	}
	st.account, st.session, st.tokenHash = &acc, &sess, th
	return st
}

// startSession signs acc in: any session the browser had ends, a new one with a fresh
// token (never one the browser chose: no fixation) is stored, and its cookie set.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, acc balai.Account) error {
	ctx := r.Context()
	if old := s.cookie(r, cookieSession); old != "" {
		if err := s.store.DeleteSession(ctx, hashToken(old)); err != nil {
			return err
		}
	}
	tok := randomToken()
	now := s.now()
	sess := balai.Session{TokenHash: hashToken(tok), AccountID: acc.ID, CSRF: randomToken(), CreatedAt: now, SeenAt: now,
		ExpiresAt: now.Add(s.cfg.SessionLifetime)}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return err
	}
	s.setCookie(w, cookieSession, tok, 0)
	s.setCookie(w, cookiePre, "", -1)
	st := stateOf(r)
	st.account, st.session, st.tokenHash = &acc, &sess, sess.TokenHash
	return nil
}

// csrfToken is the token forms of this request carry: the session's, or before sign-in one
// bound to the pre-session cookie (made here when missing).
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	st := stateOf(r)
	if st.session != nil {
		return st.session.CSRF
	}
	if st.pre == "" {
		st.pre = s.cookie(r, cookiePre)
	}
	if st.pre == "" {
		st.pre = randomToken()
		s.setCookie(w, cookiePre, st.pre, 0)
	}
	return preToken(st.pre)
}

func preToken(pre string) string { return hashToken("csrf:" + pre) }

// validCSRF reports whether a state-changing request carries its CSRF token (form field
// "csrf" or header X-CSRF-Token).
func (s *Server) validCSRF(r *http.Request, st *state) bool {
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	var want string
	switch {
	case st.session != nil:
		want = st.session.CSRF
	case s.cookie(r, cookiePre) != "":
		want = preToken(s.cookie(r, cookiePre))
	default:
		return false
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func (s *Server) refuseCSRF(w http.ResponseWriter, r *http.Request) {
	s.renderStatus(w, r, http.StatusForbidden, "error", errorPage{Key: "console_error_csrf"})
}

// setFlash leaves a message (a catalogue key) for the next page shown; kind is "ok" or
// "error".
func (s *Server) setFlash(w http.ResponseWriter, kind, key string) {
	s.setCookie(w, cookieFlash, kind+":"+key, 0)
}

// takeFlash returns and clears the pending message.
func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) (kind, key string) {
	v := s.cookie(r, cookieFlash)
	if v == "" {
		return "", ""
	}
	s.setCookie(w, cookieFlash, "", -1)
	kind, key, _ = strings.Cut(v, ":")
	if !strings.HasPrefix(key, "console_") || !s.msgs.Has(key) || (kind != "ok" && kind != "error") {
		return "", ""
	}
	return kind, key
}

// safeNext returns next when it is a path inside the console, otherwise the home page.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, "/console/") || strings.HasPrefix(next, "//") ||
		strings.Contains(next, "\\") || strings.HasPrefix(u.Path, "/console/login") || strings.HasPrefix(u.Path, "/console/oidc/") {
		return "/console/"
	}
	return u.RequestURI()
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// clientAddr names the client of a request: its address, or behind trusted proxies the
// first address in X-Forwarded-For (from the right) that is not one of them.
func clientAddr(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, _ := netip.ParseAddr(host)
	addr = addr.Unmap()
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if a.IsValid() && p.Contains(a) {
				return true
			}
		}
		return false
	}
	if isTrusted(addr) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break
			}
			addr = a.Unmap()
			if !isTrusted(addr) {
				break
			}
		}
	}
	if !addr.IsValid() {
		return "unknown"
	}
	return addr.String()
}
