package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

// TestWebSessions: a session is live from its creation while active within the idle time;
// it expires after that and stays expired; an ended one is never live again, also through
// another process sharing the database; purged sessions are gone.
func TestWebSessions(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) { testWebSessions(t, storetest.SQLite(t)) })
	t.Run("Postgres", func(t *testing.T) { testWebSessions(t, storetest.Postgres(t)) })
}

func testWebSessions(t *testing.T, open storetest.Opener) {
	ctx := context.Background()
	c := storetest.NewClock(time.Date(2030, 3, 14, 10, 0, 0, 0, time.UTC))
	a := open(t, "web", store.Options{Owner: "a", Now: c.Now})
	b := open(t, "web", store.Options{Owner: "b", Now: c.Now})
	const idle = time.Hour
	live := func(db *store.DB, chat string, at time.Time) bool {
		t.Helper()
		ok, err := db.TouchWebSession(ctx, chat, at, idle)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	t0 := c.Now()
	for _, chat := range []string{"s1", "s2", "s3"} {
		if err := a.CreateWebSession(ctx, chat, t0); err != nil {
			t.Fatal(err)
		}
	}
	if live(a, "unknown", t0) {
		t.Errorf("an unknown session is live")
	}
	// Activity keeps s1 alive past the idle time counted from its creation.
	if !live(b, "s1", t0.Add(50*time.Minute)) || !live(a, "s1", t0.Add(100*time.Minute)) {
		t.Errorf("s1 not live while in use")
	}
	// s2 idles too long: expired, and a later touch does not revive it.
	if live(a, "s2", t0.Add(61*time.Minute)) {
		t.Errorf("s2 live after an hour idle")
	}
	if live(a, "s2", t0.Add(62*time.Minute)) {
		t.Errorf("s2 revived")
	}
	// s3 is ended by one process: the other never sees it live again.
	if err := a.EndWebSession(ctx, "s3", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if live(b, "s3", t0.Add(2*time.Minute)) {
		t.Errorf("an ended session is live")
	}
	if err := a.EndWebSession(ctx, "s3", t0.Add(3*time.Minute)); err != nil {
		t.Errorf("ending twice: %v", err)
	}
	// Purging before t0+90m removes s2 (idle) and s3 (ended), not s1 (seen at t0+100m).
	n, err := a.PurgeWebSessions(ctx, t0.Add(90*time.Minute))
	if err != nil || n != 2 {
		t.Errorf("purged %d, %v; want 2", n, err)
	}
	if !live(a, "s1", t0.Add(110*time.Minute)) {
		t.Errorf("s1 purged")
	}
}

// TestEraseWebChat: erasing a web citizen's chat also ends and deletes their session: the
// browser's token no longer opens the (now empty) conversation, and nothing about the chat
// is left in web_sessions. Another citizen's session is untouched.
func TestEraseWebChat(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) { testEraseWebChat(t, storetest.SQLite(t)) })
	t.Run("Postgres", func(t *testing.T) { testEraseWebChat(t, storetest.Postgres(t)) })
}

func testEraseWebChat(t *testing.T, open storetest.Opener) {
	ctx := context.Background()
	c := storetest.NewClock(time.Date(2030, 3, 14, 10, 0, 0, 0, time.UTC))
	db := open(t, "weberase", store.Options{Owner: "a", Now: c.Now})
	gone, kept := "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"
	for _, chat := range []string{gone, kept} {
		if err := db.CreateWebSession(ctx, chat, c.Now()); err != nil {
			t.Fatal(err)
		}
	}
	p, err := db.EraseChat(ctx, balai.ChatRef{Channel: balai.Web, ID: gone})
	if err != nil {
		t.Fatal(err)
	}
	if p.WebSessions != 1 {
		t.Errorf("erased %+v, want its web session deleted", p)
	}
	for chat, want := range map[string]bool{gone: false, kept: true} {
		if live, err := db.TouchWebSession(ctx, chat, c.Now(), time.Hour); err != nil || live != want {
			t.Errorf("session %s live = %v %v, want %v", chat, live, err, want)
		}
	}
	var n int
	if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM web_sessions WHERE chat_id = $1`, gone).Scan(&n); err != nil || n != 0 {
		t.Errorf("web_sessions rows of the erased chat: %d %v", n, err)
	}
}
