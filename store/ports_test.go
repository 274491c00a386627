package store_test

import (
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/webchat"
	"github.com/balai-id/balai/console"
	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/store"
)

// The store imports only the root package; the ports it implements are defined by their
// consumers, so the checks that it does live here, where importing them is allowed.
var (
	_ bot.Store         = (*store.DB)(nil)
	_ bot.Backlog       = (*store.DB)(nil)
	_ bot.ChatClaimer   = (*store.DB)(nil)
	_ bot.ClaimedLoader = (*store.DB)(nil)
	_ bot.ClaimRenewer  = (*store.DB)(nil)
	_ bot.ClaimReleaser = (*store.DB)(nil)
	_ bot.SharedLimits  = (*store.DB)(nil)
	_ desk.Store        = (*store.DB)(nil)
	_ desk.TxStore      = (*store.DB)(nil)
	_ desk.ServiceStore = (*store.DB)(nil)
	_ desk.NoticeStore  = (*store.DB)(nil)
	_ desk.FormReader   = (*store.DB)(nil)
	_ desk.Accounts     = (*store.DB)(nil)
	_ webchat.Sessions  = (*store.DB)(nil)
	_ webchat.History   = (*store.DB)(nil)
	_ console.Store     = (*store.DB)(nil)
)
