package meow_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/types/events"

	"github.com/balai-id/balai/bot/whatsapp/meow"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

func TestLifecycle(t *testing.T) {
	t.Run("DisconnectedReconnects", func(t *testing.T) {
		db := opener(t)(t, "disc", store.Options{Owner: "a"})
		linkDevice(t, db)
		h := startAdapter(t, db, nil)
		f := h.connected()
		f.dispatch(&events.Disconnected{})
		h.waitState(meow.StateDisconnected)
		// whatsmeow reconnects by itself: the adapter keeps its client.
		f.dispatch(&events.Connected{})
		h.waitState(meow.StateConnected)
		h.noClient(100 * time.Millisecond)
	})

	t.Run("LoggedOut", func(t *testing.T) {
		open := opener(t)
		db := open(t, "out", store.Options{Owner: "a"})
		linkDevice(t, db)
		h := startAdapter(t, db, nil)
		f := h.connected()
		f.dispatch(&events.LoggedOut{OnConnect: true, Reason: events.ConnectFailureLoggedOut})
		detail := h.waitState(meow.StateLoggedOut)
		if !strings.Contains(detail, "balai whatsapp login") {
			t.Errorf("detail %q does not say how to link again", detail)
		}
		// The device is gone from the store, the lease free, and nothing connects.
		waitFor(t, func() (int, bool) {
			var n int
			if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM whatsmeow_device`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n, n == 0
		}, "the device deleted")
		waitFor(t, func() (bool, bool) { return true, leaseFree(t, open, "out") }, "the lease released")
		h.noClient(100 * time.Millisecond)
		if st, _ := h.a.State(); st != meow.StateLoggedOut {
			t.Errorf("state %s, want it to stay %s until a device is linked", st, meow.StateLoggedOut)
		}
		if f.IsConnected() {
			t.Error("still connected")
		}
		// A device linked again (balai whatsapp login) is picked up without a restart.
		linkDevice(t, db)
		h.connected()
	})

	t.Run("StreamReplacedStops", func(t *testing.T) {
		open := opener(t)
		db := open(t, "replaced", store.Options{Owner: "a"})
		linkDevice(t, db)
		h := startAdapter(t, db, nil)
		f := h.connected()
		f.dispatch(&events.StreamReplaced{})
		h.waitState(meow.StateStreamReplaced)
		waitFor(t, func() (bool, bool) { return true, !f.IsConnected() }, "a disconnect")
		waitFor(t, func() (bool, bool) { return true, leaseFree(t, open, "replaced") }, "the lease released")
		// Never fight over the session: no reconnection, however long.
		h.noClient(200 * time.Millisecond) // ten retry periods
		if _, ok := h.states.seen(meow.StateConnecting); !ok {
			t.Error("OnState missed connecting")
		}
		if st, _ := h.a.State(); st != meow.StateStreamReplaced {
			t.Errorf("state %s after stopping", st)
		}
		h.stop()
		if st, _ := h.a.State(); st != meow.StateStopped {
			t.Errorf("state %s after Run returned", st)
		}
	})

	t.Run("TemporaryBan", func(t *testing.T) {
		db := opener(t)(t, "ban", store.Options{Owner: "a"})
		linkDevice(t, db)
		h := startAdapter(t, db, nil)
		f := h.connected()
		f.dispatch(&events.TemporaryBan{Code: events.TempBanSentToTooManyPeople, Expire: 300 * time.Millisecond})
		detail := waitFor(t, func() (string, bool) { return h.states.seen(meow.StateTemporaryBan) }, "temporary_ban")
		if !strings.Contains(detail, events.TempBanSentToTooManyPeople.String()) || !strings.Contains(detail, "reconnecting after") {
			t.Errorf("detail %q", detail)
		}
		if f.IsConnected() {
			waitFor(t, func() (bool, bool) { return true, !f.IsConnected() }, "a disconnect")
		}
		// No reconnection before the ban expires, then one.
		h.noClient(150 * time.Millisecond)
		h.connected()
	})

	t.Run("ClientOutdated", func(t *testing.T) {
		open := opener(t)
		db := open(t, "outdated", store.Options{Owner: "a"})
		linkDevice(t, db)
		h := startAdapter(t, db, nil)
		f := h.connected()
		f.dispatch(&events.ClientOutdated{})
		h.waitState(meow.StateClientOutdated)
		waitFor(t, func() (bool, bool) { return true, leaseFree(t, open, "outdated") }, "the lease released")
		h.noClient(100 * time.Millisecond)
	})

	t.Run("NotPaired", func(t *testing.T) {
		open := opener(t)
		db := open(t, "unpaired", store.Options{Owner: "a"})
		h := startAdapter(t, db, nil)
		detail := h.waitState(meow.StateNotPaired)
		if !strings.Contains(detail, "balai whatsapp login") {
			t.Errorf("detail %q", detail)
		}
		// Waiting for a device does not keep the lease from the process that links one.
		waitFor(t, func() (bool, bool) { return true, leaseFree(t, open, "unpaired") }, "a free lease")
		h.noClient(50 * time.Millisecond)
		var n int
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM whatsmeow_version`).Scan(&n); err != nil || n != 1 {
			t.Errorf("whatsmeow_version: %d rows, %v", n, err)
		}
	})
}

func TestLeaseOneReplica(t *testing.T) {
	for name, open := range map[string]func(*testing.T) storetest.Opener{"SQLite": storetest.SQLite, "Postgres": storetest.Postgres} {
		t.Run(name, func(t *testing.T) { testLeaseOneReplica(t, open(t)) })
	}
}

func testLeaseOneReplica(t *testing.T, open storetest.Opener) {
	dbA := open(t, "shared", store.Options{Owner: "replica-a"})
	dbB := open(t, "shared", store.Options{Owner: "replica-b"})
	linkDevice(t, dbA)

	a := startAdapter(t, dbA, nil)
	fa := a.connected()
	b := startAdapter(t, dbB, nil)
	b.waitState(meow.StateStandby)
	b.noClient(100 * time.Millisecond)
	if !fa.IsConnected() {
		t.Fatal("the holder disconnected")
	}

	// The holder shuts down and gives the lease up: the standby takes over.
	a.stop()
	if fa.IsConnected() {
		t.Error("the stopped replica is still connected")
	}
	b.connected()
	if st, _ := a.a.State(); st != meow.StateStopped {
		t.Errorf("stopped replica in state %s", st)
	}
}

func TestLeaseLost(t *testing.T) {
	open := opener(t)
	db := open(t, "stolen", store.Options{Owner: "replica-a"})
	linkDevice(t, db)
	h := startAdapter(t, db, func(c *meow.Config) { c.LeaseTTL = 150 * time.Millisecond })
	f := h.connected()
	// Another replica takes the lease (say, this one's renewals were late): this one
	// disconnects at its next renewal instead of competing.
	other := open(t, "stolen", store.Options{Owner: "replica-b"})
	if _, err := db.SQL().Exec(`UPDATE leases SET owner = 'replica-b'`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() (bool, bool) { return true, !f.IsConnected() }, "a disconnect")
	waitFor(t, func() (string, bool) { return h.states.seen(meow.StateStandby) }, "standby")
	if err := other.ReleaseLease(context.Background(), meow.LeaseName); err != nil {
		t.Fatal(err)
	}
	h.connected()
}
