package console

import (
	"context"
	"net/http"
	"time"
)

// Sign-in throttling: failed sign-ins are recorded in the database under the username and
// under the client's address (so replicas share them); MaxFailures of either within
// FailureWindow lock it for Lockout after the last one. Attempts while locked are refused
// without checking the password and are not counted, so a lock ends on time.

func userKey(username string) string { return "user:" + username }
func addrKey(addr string) string     { return "addr:" + addr }

// lockedUntil returns when the lock on the first locked key ends, or the zero time.
func (s *Server) lockedUntil(ctx context.Context, now time.Time, keys ...string) (time.Time, error) {
	for _, k := range keys {
		fs, err := s.store.LoginFailures(ctx, k, now.Add(-s.cfg.FailureWindow), s.cfg.MaxFailures)
		if err != nil {
			return time.Time{}, err
		}
		if len(fs) >= s.cfg.MaxFailures {
			if until := fs[0].Add(s.cfg.Lockout); until.After(now) {
				return until, nil
			}
		}
	}
	return time.Time{}, nil
}

// failed records a failed sign-in and reports whether it locked a key (audited).
func (s *Server) failed(ctx context.Context, r *http.Request, now time.Time, username, addr string) (bool, error) {
	keys := []string{userKey(username), addrKey(addr)}
	if err := s.store.RecordLoginFailure(ctx, now, keys...); err != nil {
		return false, err
	}
	until, err := s.lockedUntil(ctx, now, keys...)
	if err != nil || until.IsZero() {
		return false, err
	}
	s.audit(ctx, r, "", "login_locked", "", "username "+username+" or address "+addr+" locked until "+until.UTC().Format(time.RFC3339))
	return true, nil
}

// lockMinutes is how many whole minutes (at least 1) remain until until.
func lockMinutes(now, until time.Time) int {
	return max(1, int((until.Sub(now)+time.Minute-1)/time.Minute))
}
