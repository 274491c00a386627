package balai

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Account is a console account: one person who signs in to the officer console (with a
// password or the agency's single sign-on) and acts on the desk with one role. Its password
// hash is not part of it: only the store and the console's sign-in see that.
type Account struct {
	ID       int64
	Username string // unique, lower case; what the person types to sign in
	Name     string // shown to colleagues and in the audit trail
	Email    string // lower case; "" when none. Single sign-on maps a verified e-mail to it
	// OIDCSubject is the identity provider's subject ("sub") of this person, when linked;
	// single sign-on finds the account by it before the e-mail.
	OIDCSubject string
	Role        Role
	// TelegramID is the person's Telegram user id (0: none), linking their actions in the
	// officers' Telegram group to this account.
	TelegramID int64
	Disabled   bool
	// HasPassword reports whether the account may sign in with a password (accounts made for
	// single sign-on only may have none).
	HasPassword bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Officer is the account as it acts on the desk: ID "user:<account id>".
func (a Account) Officer() Officer {
	return Officer{ID: AccountOfficerID(a.ID), Name: a.Name, Role: a.Role}
}

// AccountOfficerID is the officer identity of console account id: "user:<id>".
func AccountOfficerID(id int64) string { return "user:" + strconv.FormatInt(id, 10) }

// NormalizeUsername is the form usernames are stored and looked up in: trimmed, lower case.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidUsername reports whether s (normalized) can name an account: 2 to 64 letters, digits,
// dots, dashes, underscores or @.
func ValidUsername(s string) bool {
	if len(s) < 2 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', strings.ContainsRune("._-@", r):
		default:
			return false
		}
	}
	return true
}

// Session is a signed-in console session. Only the hash of its token is stored; the token
// itself lives in the officer's cookie.
type Session struct {
	TokenHash string
	AccountID int64
	// CSRF is the session-bound token every form of the console carries.
	CSRF      string
	CreatedAt time.Time
	SeenAt    time.Time
	// ExpiresAt is the absolute end of the session, however active it is.
	ExpiresAt time.Time
}

// AuditEntry is one line of the console's audit log: sign-ins, failures, lockouts and
// changes to accounts.
type AuditEntry struct {
	ID     int64
	At     time.Time
	Actor  string // officer id ("user:7"), "cli", or "" for an anonymous attempt
	Action string // "login", "login_failed", "account_created", …
	Target string // the account concerned ("user:9"), if any
	Detail string // a short note in English (a role, how many sessions ended)
	Addr   string // the client's address, if from the web
}

// Errors of account stores.
var (
	ErrAccountNotFound = errors.New("balai: no such account")
	ErrAccountExists   = errors.New("balai: username, e-mail, subject or Telegram id already used by another account")
	ErrSessionNotFound = errors.New("balai: no such session, or it expired")
)
