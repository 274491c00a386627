package console

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/balai-id/balai"
)

// loginData is the data of the "login" page.
type loginData struct {
	Next     string
	Username string
	NoAdmin  bool   // no account exists yet: the page tells how to create the first admin
	Error    string // catalogue key
	Minutes  int    // of a lockout
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if stateOf(r).account != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	d, err := s.loginData(r)
	if err != nil {
		s.serverError(w, r, "count console accounts", err)
		return
	}
	s.render(w, r, "login", d)
}

func (s *Server) loginData(r *http.Request) (loginData, error) {
	d := loginData{Next: safeNext(r.FormValue("next"))}
	n, err := s.store.CountAccounts(r.Context())
	d.NoAdmin = n == 0
	return d, err
}

// login checks a username and password: throttled per username and per client, the same
// answer whether the username exists or not, a fresh session on success.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	now := s.now()
	d, err := s.loginData(r)
	if err != nil {
		s.serverError(w, r, "count console accounts", err)
		return
	}
	username := balai.NormalizeUsername(r.PostFormValue("username"))
	password := r.PostFormValue("password")
	d.Username = username
	addr := clientAddr(r, s.cfg.TrustedProxies)
	until, err := s.lockedUntil(ctx, now, userKey(username), addrKey(addr))
	if err != nil {
		s.serverError(w, r, "read failed sign-ins", err)
		return
	}
	if !until.IsZero() {
		s.audit(ctx, r, "", "login_refused_locked", "", "username "+username)
		d.Error, d.Minutes = "console_login_locked", lockMinutes(now, until)
		s.renderStatus(w, r, http.StatusTooManyRequests, "login", d)
		return
	}
	acc, hash, err := s.store.AccountByUsername(ctx, username)
	switch {
	case errors.Is(err, balai.ErrAccountNotFound):
		VerifyPassword(dummyHash, password) // as long as a real check
	case err != nil:
		s.serverError(w, r, "read a console account", err)
		return
	}
	if err != nil || !VerifyPassword(hash, password) || acc.Disabled {
		target := ""
		if acc.ID != 0 {
			target = balai.AccountOfficerID(acc.ID)
		}
		s.audit(ctx, r, "", "login_failed", target, "")
		locked, err := s.failed(ctx, r, now, username, addr)
		if err != nil {
			s.serverError(w, r, "record a failed sign-in", err)
			return
		}
		d.Error = "console_login_failed"
		status := http.StatusUnauthorized
		if locked {
			d.Error, d.Minutes, status = "console_login_locked", lockMinutes(now, now.Add(s.cfg.Lockout)), http.StatusTooManyRequests
		}
		s.renderStatus(w, r, status, "login", d)
		return
	}
	if err := s.store.ClearLoginFailures(ctx, userKey(username)); err != nil {
		s.serverError(w, r, "clear failed sign-ins", err)
		return
	}
	if err := s.startSession(w, r, acc); err != nil {
		s.serverError(w, r, "start a console session", err)
		return
	}
	s.audit(ctx, r, acc.Officer().ID, "login", acc.Officer().ID, "password")
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	if err := s.store.DeleteSession(r.Context(), st.tokenHash); err != nil {
		s.serverError(w, r, "end a console session", err)
		return
	}
	s.audit(r.Context(), r, st.account.Officer().ID, "logout", st.account.Officer().ID, "")
	s.setCookie(w, cookieSession, "", -1)
	st.account, st.session = nil, nil
	s.setFlash(w, "ok", "console_logged_out")
	http.Redirect(w, r, "/console/login", http.StatusSeeOther)
}

// logoutEverywhere ends every session of the account, this one included.
func (s *Server) logoutEverywhere(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	n, err := s.store.DeleteSessions(r.Context(), st.account.ID)
	if err != nil {
		s.serverError(w, r, "end console sessions", err)
		return
	}
	s.audit(r.Context(), r, st.account.Officer().ID, "logout_everywhere", st.account.Officer().ID, strconv.FormatInt(n, 10)+" sessions ended")
	s.setCookie(w, cookieSession, "", -1)
	st.account, st.session = nil, nil
	s.setFlash(w, "ok", "console_logged_out_everywhere")
	http.Redirect(w, r, "/console/login", http.StatusSeeOther)
}

// setLang switches the console's language (a cookie) and goes back to the page.
func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	lang := LangID
	if r.PostFormValue("lang") == LangEN {
		lang = LangEN
	}
	s.setCookie(w, cookieLang, lang, 365*24*3600)
	back := r.PostFormValue("back")
	if back == "/console/login" {
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, safeNext(back), http.StatusSeeOther)
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	var d homeData
	for _, f := range s.homeSections {
		if h := f(r); h != "" {
			d.Sections = append(d.Sections, h)
		}
	}
	s.render(w, r, "home", d)
}

// passwordData is the data of the "password" page.
type passwordData struct {
	Error string // catalogue key
	Min   int
}

func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "password", passwordData{Min: MinPasswordLength})
}

// changePassword sets the signed-in account's password (the current one confirmed) and
// ends its other sessions.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	st := stateOf(r)
	d := passwordData{Min: MinPasswordLength}
	_, hash, err := s.store.AccountByUsername(ctx, st.account.Username)
	if err != nil {
		s.serverError(w, r, "read a console account", err)
		return
	}
	cur, next, again := r.PostFormValue("current"), r.PostFormValue("new"), r.PostFormValue("confirm")
	switch {
	case hash != "" && !VerifyPassword(hash, cur):
		d.Error = "console_password_wrong"
	case next != again:
		d.Error = "console_password_mismatch"
	case errors.Is(CheckPasswordRules(next), ErrPasswordTooShort):
		d.Error = "console_password_too_short"
	case errors.Is(CheckPasswordRules(next), ErrPasswordTooLong):
		d.Error = "console_password_too_long"
	}
	if d.Error != "" {
		s.renderStatus(w, r, http.StatusUnprocessableEntity, "password", d)
		return
	}
	h, err := HashPassword(next)
	if err != nil {
		s.serverError(w, r, "hash a password", err)
		return
	}
	if err := s.store.SetPassword(ctx, st.account.ID, h, st.tokenHash); err != nil {
		s.serverError(w, r, "set a password", err)
		return
	}
	s.audit(ctx, r, st.account.Officer().ID, "password_changed", st.account.Officer().ID, "other sessions ended")
	s.setFlash(w, "ok", "console_password_changed")
	http.Redirect(w, r, "/console/", http.StatusSeeOther)
}
