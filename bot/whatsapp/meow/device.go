package meow

import (
	"context"
	"fmt"

	wastore "go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types"

	"github.com/balai-id/balai/store"
)

// dialectOf names the store's database the way whatsmeow's sqlstore does.
func dialectOf(s Store) (string, error) {
	switch d := s.Dialect(); d {
	case store.SQLite:
		return "sqlite3", nil
	case store.Postgres:
		return "postgres", nil
	default:
		return "", fmt.Errorf("whatsapp: unsupported database %q", d)
	}
}

// devices opens the device store in Balai's database once, creating or upgrading
// whatsmeow's tables (versioned in whatsmeow_version). On SQLite the upgrade fails unless
// foreign keys are on, which whatsmeow needs to delete a device's keys with it.
func (a *Adapter) devices(ctx context.Context) (*sqlstore.Container, error) {
	a.openMu.Lock()
	defer a.openMu.Unlock()
	if a.container != nil {
		return a.container, nil
	}
	dialect, err := dialectOf(a.cfg.Store)
	if err != nil {
		return nil, err
	}
	c := sqlstore.NewWithDB(a.cfg.Store.SQL(), dialect, NewLogger(a.log).Sub("Database"))
	if err := c.Upgrade(ctx); err != nil {
		return nil, fmt.Errorf("whatsapp: upgrade device store: %w", err)
	}
	a.container = c
	return c, nil
}

// device returns the linked device, or a new unlinked one (ID nil) when none is.
func (a *Adapter) device(ctx context.Context) (*wastore.Device, error) {
	c, err := a.devices(ctx)
	if err != nil {
		return nil, err
	}
	dev, err := c.GetFirstDevice(ctx)
	if err != nil {
		return nil, fmt.Errorf("whatsapp: load device: %w", err)
	}
	return dev, nil
}

// deleteDevice removes a device and its keys (a device WhatsApp unlinked). whatsmeow deletes
// it too; deleting by JID with a device value of our own does not race with its copy.
func (a *Adapter) deleteDevice(ctx context.Context, jid types.JID) error {
	c, err := a.devices(ctx)
	if err != nil {
		return err
	}
	if err := c.DeleteDevice(ctx, &wastore.Device{ID: &jid}); err != nil {
		return fmt.Errorf("whatsapp: delete device: %w", err)
	}
	return nil
}
