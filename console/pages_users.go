package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/balai-id/balai"
)

// usersData is the data of the "users" page.
type usersData struct {
	Accounts []balai.Account
	Audit    []balai.AuditEntry
	Min      int
}

// auditShown is how many audit entries the users page lists.
const auditShown = 100

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) {
	as, err := s.store.Accounts(r.Context())
	if err != nil {
		s.serverError(w, r, "list console accounts", err)
		return
	}
	au, err := s.store.Audit(r.Context(), auditShown)
	if err != nil {
		s.serverError(w, r, "read the console audit log", err)
		return
	}
	s.render(w, r, "users", usersData{Accounts: as, Audit: au, Min: MinPasswordLength})
}

// usersDone goes back to the users page with a message.
func (s *Server) usersDone(w http.ResponseWriter, r *http.Request, kind, key string) {
	s.setFlash(w, kind, key)
	http.Redirect(w, r, "/console/users", http.StatusSeeOther)
}

func (s *Server) addUser(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := stateOf(r).account.Officer().ID
	a := balai.Account{Username: balai.NormalizeUsername(r.PostFormValue("username")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Email: strings.TrimSpace(r.PostFormValue("email")), Role: balai.Role(r.PostFormValue("role"))}
	if !balai.ValidUsername(a.Username) {
		s.usersDone(w, r, "error", "console_users_bad_username")
		return
	}
	if a.Name == "" {
		a.Name = a.Username
	}
	if !a.Role.Valid() {
		s.usersDone(w, r, "error", "console_users_bad_role")
		return
	}
	var hash string
	if p := r.PostFormValue("password"); p != "" || s.oidc == nil {
		var err error
		if hash, err = HashPassword(p); err != nil {
			s.usersDone(w, r, "error", passwordErrorKey(err))
			return
		}
	}
	created, err := s.store.CreateAccount(ctx, a, hash)
	if errors.Is(err, balai.ErrAccountExists) {
		s.usersDone(w, r, "error", "console_users_exists")
		return
	}
	if err != nil {
		s.serverError(w, r, "create a console account", err)
		return
	}
	s.audit(ctx, r, actor, "account_created", created.Officer().ID, "username "+created.Username+", role "+string(created.Role))
	s.usersDone(w, r, "ok", "console_users_added")
}

func passwordErrorKey(err error) string {
	if errors.Is(err, ErrPasswordTooLong) {
		return "console_password_too_long"
	}
	return "console_password_too_short"
}

// target reads the account a users action is about; it answers and returns false when
// there is none, or when it is the admin's own account and self is false (an admin does
// not lock themselves out).
func (s *Server) target(w http.ResponseWriter, r *http.Request, self bool) (balai.Account, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.NotFound(w, r)
		return balai.Account{}, false
	}
	a, err := s.store.Account(r.Context(), id)
	if errors.Is(err, balai.ErrAccountNotFound) {
		s.usersDone(w, r, "error", "console_users_not_found")
		return a, false
	}
	if err != nil {
		s.serverError(w, r, "read a console account", err)
		return a, false
	}
	if !self && a.ID == stateOf(r).account.ID {
		s.usersDone(w, r, "error", "console_users_not_self")
		return a, false
	}
	return a, true
}

// update stores a changed account and audits it.
func (s *Server) update(w http.ResponseWriter, r *http.Request, a balai.Account, action, detail string) {
	err := s.store.UpdateAccount(r.Context(), a)
	if errors.Is(err, balai.ErrAccountExists) {
		s.usersDone(w, r, "error", "console_users_exists")
		return
	}
	if err != nil {
		s.serverError(w, r, "update a console account", err)
		return
	}
	s.audit(r.Context(), r, stateOf(r).account.Officer().ID, action, a.Officer().ID, detail)
	s.usersDone(w, r, "ok", "console_users_saved")
}

func (s *Server) setDisabled(disabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, ok := s.target(w, r, false)
		if !ok {
			return
		}
		a.Disabled = disabled
		action := "account_enabled"
		if disabled {
			action = "account_disabled"
		}
		s.update(w, r, a, action, "")
	}
}

func (s *Server) setRole(w http.ResponseWriter, r *http.Request) {
	a, ok := s.target(w, r, false)
	if !ok {
		return
	}
	role := balai.Role(r.PostFormValue("role"))
	if !role.Valid() {
		s.usersDone(w, r, "error", "console_users_bad_role")
		return
	}
	detail := string(a.Role) + " → " + string(role)
	a.Role = role
	s.update(w, r, a, "role_changed", detail)
}

func (s *Server) linkTelegram(w http.ResponseWriter, r *http.Request) {
	a, ok := s.target(w, r, true)
	if !ok {
		return
	}
	v := strings.TrimSpace(r.PostFormValue("telegram_id"))
	id, err := strconv.ParseInt(v, 10, 64)
	if v == "" {
		id, err = 0, nil
	}
	if err != nil || id < 0 {
		s.usersDone(w, r, "error", "console_users_bad_telegram")
		return
	}
	a.TelegramID = id
	s.update(w, r, a, "telegram_linked", "telegram "+strconv.FormatInt(id, 10))
}

// resetPassword sets another account's password and ends all its sessions.
func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) {
	a, ok := s.target(w, r, false)
	if !ok {
		return
	}
	h, err := HashPassword(r.PostFormValue("password"))
	if err != nil {
		s.usersDone(w, r, "error", passwordErrorKey(err))
		return
	}
	if err := s.store.SetPassword(r.Context(), a.ID, h, ""); err != nil {
		s.serverError(w, r, "reset a password", err)
		return
	}
	s.audit(r.Context(), r, stateOf(r).account.Officer().ID, "password_reset", a.Officer().ID, "all sessions ended")
	s.usersDone(w, r, "ok", "console_users_password_reset")
}
