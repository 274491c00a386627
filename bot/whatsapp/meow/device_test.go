package meow_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"go.mau.fi/whatsmeow/store/sqlstore"

	"github.com/balai-id/balai/bot/whatsapp/meow"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

// The device store lives in Balai's own database, next to Balai's tables.
func TestDeviceStore(t *testing.T) {
	for name, open := range map[string]func(*testing.T) storetest.Opener{"SQLite": storetest.SQLite, "Postgres": storetest.Postgres} {
		t.Run(name, func(t *testing.T) {
			db := open(t)(t, "devices", store.Options{Owner: "a"})
			ctx := context.Background()
			if db.Dialect() == store.SQLite {
				var fk bool
				if err := db.SQL().QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || !fk {
					t.Fatalf("foreign keys on the store's connection: %v %v", fk, err)
				}
			}
			c := sqlstore.NewWithDB(db.SQL(), dialect(db), meow.NewLogger(quiet))
			if err := c.Upgrade(ctx); err != nil {
				t.Fatal(err)
			}
			if err := c.Upgrade(ctx); err != nil {
				t.Fatalf("second upgrade: %v", err)
			}
			var version int
			if err := db.SQL().QueryRow(`SELECT version FROM whatsmeow_version`).Scan(&version); err != nil || version == 0 {
				t.Fatalf("whatsmeow_version: %d %v", version, err)
			}
			dev, err := c.GetFirstDevice(ctx)
			if err != nil || dev.ID != nil {
				t.Fatalf("GetFirstDevice on an empty store: %v %v", dev.ID, err)
			}
			if c.NewDevice().NoiseKey == nil {
				t.Fatal("NewDevice has no keys")
			}
			jid := linkDevice(t, db)
			dev, err = c.GetFirstDevice(ctx)
			if err != nil || dev.ID == nil || *dev.ID != jid {
				t.Fatalf("GetFirstDevice: %v %v", dev.ID, err)
			}
			// Balai's tables are untouched and usable alongside.
			if ok, err := db.AcquireLease(ctx, meow.LeaseName, 60e9); !ok || err != nil {
				t.Errorf("lease next to whatsmeow's tables: %v %v", ok, err)
			}
			if err := dev.Delete(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestNew(t *testing.T) {
	if _, err := meow.New(meow.Config{}, &acceptor{}); err == nil {
		t.Error("New without a store")
	}
	db := opener(t)(t, "new", store.Options{Owner: "a"})
	a, err := meow.New(meow.Config{Store: db}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Run(context.Background()); err == nil {
		t.Error("Run without an acceptor")
	}
	if st, _ := a.State(); st != meow.StateStarting {
		t.Errorf("state %s before Run", st)
	}
}

func TestLogger(t *testing.T) {
	var buf bytes.Buffer
	l := meow.NewLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})))
	l.Sub("Client").Sub("Socket").Warnf("Frame %d from %s", 7, "6281234567890@s.whatsapp.net")
	l.Errorf("plain 100%")
	l.Debugf("hidden %s", "frame")
	l.Infof("shown")
	got := buf.String()
	for _, want := range []string{`level=WARN msg="Frame 7 from 6281234567890@s.whatsapp.net" module=Client/Socket`, `level=ERROR msg="plain 100%"`, "level=INFO msg=shown"} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, "hidden") {
		t.Error("debug logged at info level")
	}
}
