package desk

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
)

// This file is the part of the officer API that the officers' chat (package officerchat)
// works with beyond the actions of service.go: who acts there, the tickets' cards, and
// actions committed within a turn of that chat.

// OfficerChat is the officers' group; zero when there is none.
func (d *Desk) OfficerChat() balai.ChatRef { return d.cfg.OfficerChat }

// IsListedOfficer reports whether a is one of Config.Officers, who act in their private chat
// with the bot too.
func (d *Desk) IsListedOfficer(a balai.Actor) bool { return d.officers[a] }

// LinkedOfficer returns the officer whose console account is linked to Telegram user
// telegramUserID (Config.Accounts); false when none is, or no accounts are configured.
func (d *Desk) LinkedOfficer(ctx context.Context, telegramUserID string) (balai.Officer, bool, error) {
	if d.cfg.Accounts == nil {
		return balai.Officer{}, false, nil
	}
	return d.cfg.Accounts.OfficerByTelegram(ctx, telegramUserID)
}

// When words a time for officers, relative to now, in the agency's time zone ("hari ini
// pukul 14.00 WIB").
func (d *Desk) When(at time.Time) string { return d.when(at, d.now()) }

// Queue returns up to limit tickets that are open or claimed, most urgent first.
func (d *Desk) Queue(ctx context.Context, limit int) ([]Ticket, error) {
	return d.store.Queue(ctx, limit)
}

// TicketByCard returns the ticket whose card, or a notice about it, is message msgID of the
// officers' chat; ErrNotFound when there is none.
func (d *Desk) TicketByCard(ctx context.Context, msgID string) (Ticket, error) {
	id, err := d.store.TicketByCard(ctx, d.cfg.OfficerChat, msgID)
	if err != nil {
		return Ticket{}, err
	}
	return d.store.Ticket(ctx, id)
}

// CardEdit is the edit of ticket t's card in the officers' chat showing t as given; false
// when the ticket has no card (no officers' chat, or the card is not delivered yet).
func (d *Desk) CardEdit(ctx context.Context, t Ticket) (bot.Outgoing, bool) {
	return d.cardEdit(t, d.cardMessage(ctx, t.ID))
}

// PostNotice posts text about ticket t in the officers' chat, in reply to t's card when the
// card is known (so replying to the notice answers the ticket too). Nothing without an
// officers' chat or before SetQueuer.
func (d *Desk) PostNotice(ctx context.Context, t Ticket, text string) error {
	if d.cfg.OfficerChat.ID == "" || d.q == nil {
		return nil
	}
	return d.q.Deliver(ctx, d.notice(t, d.cardMessage(ctx, t.ID), text))
}

// Staged is an officer's action decided on a ticket but not committed, for a caller that
// commits it within its own transaction: a turn of the officers' chat, whose messages and
// records commit together, so that the citizen gets a reply exactly once.
type Staged struct {
	// Ticket is the ticket as it is once the action commits.
	Ticket Ticket
	// Out are the messages to queue with the action (a reply to the citizen).
	Out []bot.Outgoing
	// Commit records the action within the turn's transaction tx; it fails (and the turn
	// runs again) when the ticket changed meanwhile.
	Commit func(ctx context.Context, tx bot.Tx) error
}

// StageReply decides officer o's reply text to ticket t as Reply does, the outbound guard
// included, with the same refusals (as *ActionError), without committing it; see Staged.
// The reply is not checked against a version the officer saw (ReplyOptions.Seen is ignored).
func (d *Desk) StageReply(ctx context.Context, o balai.Officer, t Ticket, text string, opt ReplyOptions) (Staged, error) {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return Staged{}, &ActionError{Err: ErrNotAllowed, Action: "reply", Ticket: t, Detail: "empty reply"}
	case t.Status == Closed:
		return Staged{}, refuse(ErrClosed, "reply", t, "")
	case !mayAct(o):
		return Staged{}, &ActionError{Err: ErrNotAllowed, Action: "reply", Ticket: t}
	}
	opt.Seen = 0
	a, err := d.planReply(ctx, o, t, text, opt, true)
	if err != nil {
		return Staged{}, err
	}
	t.Status, t.Answer = Answered, text
	if a.Set.Assignee != "" {
		t.Assignee, t.AssigneeName = a.Set.Assignee, a.Set.AssigneeName
	}
	t.Transcript = append(t.Transcript[:len(t.Transcript):len(t.Transcript)], Line{From: "officer", Text: text, At: a.At})
	return Staged{Ticket: t, Out: a.Out, Commit: d.commitTx(a)}, nil
}

// StageNote decides officer o's internal note text on ticket t as Note does, without
// committing it; see Staged.
func (d *Desk) StageNote(o balai.Officer, t Ticket, text string) (Staged, error) {
	text = strings.TrimSpace(text)
	switch {
	case !mayAct(o):
		return Staged{}, &ActionError{Err: ErrNotAllowed, Action: "note", Ticket: t}
	case text == "":
		return Staged{}, &ActionError{Err: ErrNotAllowed, Action: "note", Ticket: t, Detail: "empty note"}
	}
	return Staged{Ticket: t, Commit: d.commitTx(d.planNote(o, t, text))}, nil
}

// commitTx commits a within a turn's transaction.
func (d *Desk) commitTx(a Action) func(ctx context.Context, tx bot.Tx) error {
	return func(ctx context.Context, tx bot.Tx) error {
		_, err := d.store.ApplyTx(ctx, tx, a)
		return err
	}
}

// replyRef marks the outbox item of an officer's reply to ticket id's citizen.
func replyRef(id int64) string { return "reply:" + strconv.FormatInt(id, 10) }

// ReplyTicket reads the ticket id of an outbox item's Ref when the item is an officer's
// reply to the citizen; false for any other item.
func ReplyTicket(ref string) (int64, bool) {
	num, ok := strings.CutPrefix(ref, "reply:")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(num, 10, 64)
	return id, err == nil
}

// ReplyUndelivered records in the audit log of its ticket that an officer's reply, outbox
// item item, did not reach the citizen: "delivery_failed" when it failed for good, or
// "delivery_held" (held) when it waits for the citizen to write again (WhatsApp's 24-hour
// window). It returns the ticket; false when item is not an officer's reply or the ticket
// cannot be read.
func (d *Desk) ReplyUndelivered(ctx context.Context, item bot.StoredOutgoing, cause error, held bool) (Ticket, bool) {
	id, ok := ReplyTicket(item.Ref)
	if !ok {
		return Ticket{}, false
	}
	t, err := d.store.Ticket(ctx, id)
	if err != nil {
		d.log.Error("Failed to load the ticket of an undelivered reply", "ticket", id, "err", err)
		return t, false
	}
	action := "delivery_failed"
	if held {
		action = "delivery_held"
	}
	if err := d.store.AddEvent(ctx, Event{TicketID: id, Actor: "system", Action: action, Detail: cause.Error(), At: d.now()}); err != nil {
		d.log.Error("Failed to record an undelivered reply", "ticket", id, "action", action, "err", err)
	}
	return t, true
}

// satisfaction asks the citizen to rate a closed ticket, 1 to 5.
func (d *Desk) satisfaction(t Ticket) bot.Outgoing {
	num := d.Number(t)
	var row []bot.Button
	for i := 1; i <= 5; i++ {
		row = append(row, bot.Button{Text: strconv.Itoa(i), Data: fmt.Sprintf("r:%s:%d", num, i)})
	}
	return bot.Outgoing{Chat: t.Chat, Kind: bot.OutMessage, Lang: t.Lang, Buttons: [][]bot.Button{row},
		Text: d.msgs.Text(t.Lang, "ticket_closed", map[string]any{"Ticket": num})}
}
