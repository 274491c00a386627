package desk

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/redact"
)

// officerCommands are the commands the desk takes, also in an officer's private chat.
var officerCommands = map[string]bool{"antrian": true, "ambil": true, "tutup": true, "catatan": true, "faq": true, "petugas_help": true}

// Owns reports whether a message is the desk's: everything in the officers' chat, and
// officer commands from listed officers (Telegram users) in their private chats; see
// bot.ChatHandler. Anyone else, on any channel, gets the citizens' bot.
func (d *Desk) Owns(in bot.Inbound) bool {
	if d.cfg.OfficerChat.ID != "" && in.Chat == d.cfg.OfficerChat {
		return true
	}
	if in.Group || !d.officers[in.Sender()] {
		return false
	}
	if in.Kind == bot.KindButton {
		return strings.HasPrefix(in.Text, "d:")
	}
	cmd, _ := command(in.Text)
	return officerCommands[cmd]
}

// command splits "/ambil@balai_bot 12" into "ambil" and "12".
func command(text string) (string, string) {
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, "/") {
		return "", ""
	}
	word, rest, _ := strings.Cut(text[1:], " ")
	word, _, _ = strings.Cut(word, "@")
	return strings.ToLower(word), strings.TrimSpace(rest)
}

// officerTurn collects the outcome of one officer message.
type officerTurn struct {
	d       *Desk
	in      bot.StoredInbound
	t       bot.Turn
	officer balai.Officer // who acts: their console account, or "telegram:<user id>"
}

// reply answers in the chat the officer wrote in.
func (o *officerTurn) reply(text string, replyTo string) {
	out := bot.Outgoing{Chat: o.in.Chat, Kind: bot.OutMessage, Text: text, Lang: bot.LangID, ReplyTo: replyTo, ThreadID: o.in.ThreadID}
	if replyTo == "" {
		out.ReplyTo = o.in.MessageID
	}
	o.t.Out = append(o.t.Out, out)
}

func (o *officerTurn) log(decision, reason string) {
	o.t.Log = bot.LogEntry{Decision: decision, Reason: reason}
}

// Turn handles a message of the officers' chat; see bot.ChatHandler.
func (d *Desk) Turn(ctx context.Context, in bot.StoredInbound) (bot.Turn, error) {
	o := &officerTurn{d: d, in: in}
	if in.Kind == bot.KindButton && in.CallbackID != "" {
		o.t.Out = append(o.t.Out, bot.Outgoing{Chat: in.Chat, Kind: bot.OutCallback, CallbackID: in.CallbackID})
	}
	officer, err := d.isOfficer(ctx, in.Inbound)
	if err != nil {
		return o.t, err
	}
	cmd, arg := command(in.Text)
	acting := in.Kind == bot.KindButton || officerCommands[cmd] || in.ReplyTo != ""
	if !acting {
		o.log("officer_chat", "ignored") // officers talking among themselves
		return o.t, nil
	}
	if !officer {
		o.log("officer_chat", "refused")
		d.log.Warn("Refused a desk action from a non-officer", "user", in.Sender(), "chat", in.Chat)
		if in.Kind == bot.KindButton {
			o.t.Out[0].Text = d.officerText("desk_not_officer", nil)
		} else {
			o.reply(d.officerText("desk_not_officer", nil), "")
		}
		return o.t, nil
	}
	if o.officer, err = d.groupOfficer(ctx, in.Inbound); err != nil {
		return o.t, err
	}
	switch {
	case in.Kind == bot.KindButton:
		parts := strings.Split(in.Text, ":")
		if len(parts) != 3 || parts[0] != "d" {
			o.log("officer_chat", "unknown_button")
			return o.t, nil
		}
		id, perr := strconv.ParseInt(parts[2], 10, 64)
		if perr != nil || id <= 0 {
			// A forged card button ("d:claim:abc" would claim the next ticket): rejected.
			return o.t, fmt.Errorf("desk: button %q: %w", in.Text, bot.ErrInvalidInput)
		}
		switch parts[1] {
		case "claim":
			err = d.claim(ctx, o, id)
		case "close":
			err = d.close(ctx, o, id)
		}
	case cmd == "antrian":
		err = d.queue(ctx, o)
	case cmd == "ambil":
		var id int64
		if arg != "" {
			var ok bool
			if id, ok = d.parseNumber(arg); !ok {
				o.reply(d.officerText("desk_unknown_ticket", map[string]any{"Ref": arg}), "")
				return o.t, nil
			}
		}
		err = d.claim(ctx, o, id)
	case cmd == "tutup":
		id, ok := d.parseNumber(arg)
		if !ok {
			o.reply(d.officerText("desk_usage", nil), "")
			return o.t, nil
		}
		err = d.close(ctx, o, id)
	case cmd == "catatan":
		num, text, _ := strings.Cut(arg, " ")
		id, ok := d.parseNumber(num)
		if !ok || strings.TrimSpace(text) == "" {
			o.reply(d.officerText("desk_usage", nil), "")
			return o.t, nil
		}
		err = d.note(ctx, o, id, strings.TrimSpace(text))
	case cmd == "faq":
		id, ok := d.parseNumber(arg)
		if !ok {
			o.reply(d.officerText("desk_usage", nil), "")
			return o.t, nil
		}
		err = d.draft(ctx, o, id, o.officer.Name)
	case in.ReplyTo != "":
		err = d.answer(ctx, o)
	}
	if errors.Is(err, ErrNotAllowed) {
		// A linked console account whose role does not work the desk (an editor).
		o.log("officer_chat", "refused")
		o.reply(d.officerText("desk_not_officer", nil), "")
		return o.t, nil
	}
	if errors.Is(err, ErrNotFound) {
		o.reply(d.officerText("desk_unknown_ticket", map[string]any{"Ref": arg}), "")
		return o.t, nil
	}
	return o.t, err
}

// isOfficer tells whether the sender may act: a listed officer, or a member of the officers'
// chat writing there. Both are identities on the officers' channel (Telegram): the channel is
// part of who someone is.
func (d *Desk) isOfficer(ctx context.Context, in bot.Inbound) (bool, error) {
	who := in.Sender()
	if d.officers[who] {
		return true, nil
	}
	if d.cfg.OfficerChat.ID == "" || in.Chat != d.cfg.OfficerChat || who.IsZero() || who.Channel != d.cfg.OfficerChat.Channel {
		return false, nil
	}
	if d.cfg.Members == nil {
		return true, nil // Telegram only delivers members' messages
	}
	d.mu.Lock()
	m, ok := d.members[who]
	d.mu.Unlock()
	if ok && d.now().Sub(m.at) < 10*time.Minute {
		return m.ok, nil
	}
	member, err := d.cfg.Members.IsMember(ctx, d.cfg.OfficerChat, in.UserID)
	if err != nil {
		return false, err
	}
	d.mu.Lock()
	d.members[who] = memberEntry{ok: member, at: d.now()}
	d.mu.Unlock()
	return member, nil
}

// groupOfficer is the officer behind a message of the officers' chat: the console account
// linked to their Telegram account, else the Telegram user as an officer.
func (d *Desk) groupOfficer(ctx context.Context, in bot.Inbound) (balai.Officer, error) {
	name := in.UserName
	if name == "" {
		name = "petugas " + in.UserID
	}
	o := balai.Officer{ID: in.Sender().String(), Name: name, Role: balai.RoleOfficer}
	if d.cfg.Accounts == nil {
		return o, nil
	}
	acc, ok, err := d.cfg.Accounts.OfficerByTelegram(ctx, in.UserID)
	if err != nil {
		return o, fmt.Errorf("desk: officer account of %s: %w", in.Sender(), err)
	}
	if !ok {
		return o, nil
	}
	if acc.Name == "" {
		acc.Name = name
	}
	return acc, nil
}

// answer sends an officer's reply to a card (or a notice about it) to the citizen: the
// desk's Reply, committed with the turn (the citizen gets it exactly once).
func (d *Desk) answer(ctx context.Context, o *officerTurn) error {
	id, err := d.store.TicketByCard(ctx, d.cfg.OfficerChat, o.in.ReplyTo)
	if errors.Is(err, ErrNotFound) {
		o.log("officer_chat", "ignored") // a reply to some other message
		return nil
	}
	if err != nil {
		return err
	}
	t, err := d.store.Ticket(ctx, id)
	if err != nil {
		return err
	}
	num := d.number(t)
	if t.Status == Closed {
		o.reply(d.officerText("desk_not_open", map[string]any{"Number": num, "Status": d.officerText("desk_status_closed", nil)}), "")
		o.log("officer_reply", "closed")
		return nil
	}
	text := strings.TrimSpace(o.in.Text)
	// "/kirim <text>" sends a reply the outbound guard held, the officer's confirmation
	// recorded in the audit log.
	var opt ReplyOptions
	if cmd, rest := command(text); cmd == confirmCommand {
		text, opt.Confirmed = strings.TrimSpace(rest), true
	}
	if text == "" {
		return nil
	}
	if !mayAct(o.officer) {
		return &ActionError{Err: ErrNotAllowed, Action: "reply", Ticket: t}
	}
	a, err := d.planReply(ctx, o.officer, t, text, opt, true)
	var held *ActionError
	switch {
	case errors.Is(err, ErrAlreadyClaimed):
		o.reply(d.officerText("desk_claim_conflict", map[string]any{"Number": num, "Assignee": t.AssigneeName}), "")
		o.log("officer_reply", "claimed")
		return nil
	case errors.As(err, &held) && errors.Is(err, ErrNeedsConfirmation):
		// Held: nothing reaches the citizen; the officer edits, or confirms with /kirim.
		o.reply(d.officerText("desk_reply_guarded", map[string]any{"Number": num, "Reasons": held.Reasons, "Command": "/" + confirmCommand}), o.in.MessageID)
		o.log("officer_reply", "held")
		return nil
	case err != nil:
		return err
	}
	o.t.Out = append(o.t.Out, a.Out...)
	t.Status, t.Answer = Answered, text
	if a.Set.Assignee != "" {
		t.Assignee, t.AssigneeName = a.Set.Assignee, a.Set.AssigneeName
	}
	t.Transcript = append(t.Transcript, Line{From: "officer", Text: text, At: a.At})
	// The card shows the answer went out; a separate message would crowd the group, where
	// Telegram allows about 20 messages a minute.
	if edit, ok := d.cardEdit(t, d.cardMessage(ctx, id)); ok {
		o.t.Out = append(o.t.Out, edit)
	} else {
		o.reply(d.officerText("desk_reply_sent", map[string]any{"Number": num, "Officer": o.officer.Name}), "")
	}
	o.log("officer_reply", num)
	// Recorded in the same transaction as the delivery: the citizen gets it exactly once.
	o.t.Also = func(ctx context.Context, tx bot.Tx) error {
		_, err := d.store.ApplyTx(ctx, tx, a)
		return err
	}
	return nil
}

// confirmCommand, in a reply to a card, sends a reply the outbound guard held.
const confirmCommand = "kirim"

func (d *Desk) claim(ctx context.Context, o *officerTurn, id int64) error {
	t, err := d.Claim(ctx, o.officer, id)
	var refused *ActionError
	switch {
	case errors.As(err, &refused) && refused.Ticket.ID != 0:
		cur := refused.Ticket
		o.log("claim", "conflict")
		if cur.Status == Claimed {
			o.reply(d.officerText("desk_claim_conflict", map[string]any{"Number": d.number(cur), "Assignee": cur.AssigneeName}), "")
		} else {
			o.reply(d.officerText("desk_not_open", map[string]any{"Number": d.number(cur), "Status": d.officerText("desk_status_"+string(cur.Status), nil)}), "")
		}
		return nil
	case errors.Is(err, ErrNotFound) && id == 0:
		o.reply(d.officerText("desk_queue_empty", nil), "")
		return nil
	case err != nil:
		return err
	}
	if t.Status != Claimed {
		// Their own ticket, answered already.
		o.log("claim", "conflict")
		o.reply(d.officerText("desk_not_open", map[string]any{"Number": d.number(t), "Status": d.officerText("desk_status_"+string(t.Status), nil)}), "")
		return nil
	}
	o.log("claim", d.number(t))
	if o.in.Chat != d.cfg.OfficerChat || o.in.Kind != bot.KindButton {
		o.reply(d.officerText("desk_claimed", map[string]any{"Number": d.number(t), "Officer": o.officer.Name}), "")
	}
	return nil
}

func (d *Desk) close(ctx context.Context, o *officerTurn, id int64) error {
	t, err := d.Close(ctx, o.officer, id, Resolution{Kind: balai.ResolvedAnswered})
	var refused *ActionError
	switch {
	case errors.Is(err, ErrClosed) && errors.As(err, &refused):
		o.reply(d.officerText("desk_not_open", map[string]any{"Number": d.number(refused.Ticket), "Status": d.officerText("desk_status_closed", nil)}), "")
		return nil
	case errors.Is(err, ErrAlreadyClaimed) && errors.As(err, &refused):
		o.log("close", "claimed")
		o.reply(d.officerText("desk_claim_conflict", map[string]any{"Number": d.number(refused.Ticket), "Assignee": refused.Ticket.AssigneeName}), "")
		return nil
	case errors.Is(err, ErrStale):
		return nil // changed meanwhile (closed by someone else)
	case err != nil:
		return err
	}
	o.log("close", d.number(t))
	if o.in.Chat != d.cfg.OfficerChat || o.in.Kind != bot.KindButton {
		o.reply(d.officerText("desk_closed", map[string]any{"Number": d.number(t), "Officer": o.officer.Name}), "")
	}
	return nil
}

// satisfaction asks the citizen to rate a closed ticket, 1 to 5.
func (d *Desk) satisfaction(t Ticket) bot.Outgoing {
	num := d.number(t)
	var row []bot.Button
	for i := 1; i <= 5; i++ {
		row = append(row, bot.Button{Text: strconv.Itoa(i), Data: fmt.Sprintf("r:%s:%d", num, i)})
	}
	return bot.Outgoing{Chat: t.Chat, Kind: bot.OutMessage, Lang: t.Lang, Buttons: [][]bot.Button{row},
		Text: d.msgs.Text(t.Lang, "ticket_closed", map[string]any{"Ticket": num})}
}

func (d *Desk) note(ctx context.Context, o *officerTurn, id int64, text string) error {
	t, err := d.store.Ticket(ctx, id)
	if err != nil {
		return err
	}
	if !mayAct(o.officer) {
		return &ActionError{Err: ErrNotAllowed, Action: "note", Ticket: t}
	}
	o.log("note", d.number(t))
	o.reply(d.officerText("desk_note_saved", map[string]any{"Number": d.number(t)}), "")
	// Notes stay in the desk's log and the officers' chat; nothing goes to the citizen. The
	// note is recorded with the turn, once.
	a := d.planNote(o.officer, t, text)
	o.t.Also = func(ctx context.Context, tx bot.Tx) error {
		_, err := d.store.ApplyTx(ctx, tx, a)
		return err
	}
	return nil
}

func (d *Desk) queue(ctx context.Context, o *officerTurn) error {
	ts, err := d.store.Queue(ctx, 20)
	if err != nil {
		return err
	}
	o.log("queue", strconv.Itoa(len(ts)))
	if len(ts) == 0 {
		o.reply(d.officerText("desk_queue_empty", nil), "")
		return nil
	}
	now := d.now()
	var rows []map[string]string
	for _, t := range ts {
		q := t.Question
		if r := []rune(q); len(r) > 80 {
			q = string(r[:80]) + "…"
		}
		rows = append(rows, map[string]string{"Number": d.number(t), "Status": d.officerText("desk_status_"+string(t.Status), nil),
			"Assignee": t.AssigneeName, "Due": d.when(t.DueAt, now), "Question": q})
	}
	o.reply(d.officerText("desk_queue", map[string]any{"Count": len(ts), "Tickets": rows}), "")
	return nil
}

// replyRef marks the outbox item of an officer's reply to ticket id's citizen.
func replyRef(id int64) string { return "reply:" + strconv.FormatInt(id, 10) }

// replyTicket reads the ticket id of a replyRef.
func replyTicket(ref string) (int64, bool) {
	num, ok := strings.CutPrefix(ref, "reply:")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(num, 10, 64)
	return id, err == nil
}

// DeliveryFailed shows on the ticket's card that an officer's reply did not reach the
// citizen; the engine calls it when a delivery fails for good.
func (d *Desk) DeliveryFailed(ctx context.Context, item bot.StoredOutgoing, cause error) {
	id, ok := replyTicket(item.Ref)
	if !ok {
		return
	}
	t, err := d.store.Ticket(ctx, id)
	if err != nil {
		d.log.Error("Failed to load the ticket of a failed delivery", "ticket", id, "err", err)
		return
	}
	if err := d.store.AddEvent(ctx, Event{TicketID: id, Actor: "system", Action: "delivery_failed", Detail: cause.Error(), At: d.now()}); err != nil {
		d.log.Error("Failed to record a failed delivery", "ticket", id, "err", err)
	}
	if d.cfg.OfficerChat.ID == "" || d.q == nil {
		return
	}
	reason := bot.DeliveryReason(cause)
	if reason == "" {
		reason = bot.ReasonPermanent
	}
	d.q.Deliver(ctx, d.notice(t, d.cardMessage(ctx, id), d.officerText("desk_reply_failed", map[string]any{
		"Number": d.number(t), "Reason": d.officerText("desk_delivery_reason_"+reason, nil), "Error": redact.String(cause.Error())})))
}

// DeliveryHeld shows on the ticket's card that an officer's reply waits for the citizen to
// write again (WhatsApp's 24-hour window); the engine calls it when a delivery is held.
func (d *Desk) DeliveryHeld(ctx context.Context, item bot.StoredOutgoing, cause error) {
	id, ok := replyTicket(item.Ref)
	if !ok || d.cfg.OfficerChat.ID == "" || d.q == nil {
		return
	}
	t, err := d.store.Ticket(ctx, id)
	if err != nil {
		return
	}
	d.store.AddEvent(ctx, Event{TicketID: id, Actor: "system", Action: "delivery_held", Detail: cause.Error(), At: d.now()})
	d.q.Deliver(ctx, d.notice(t, d.cardMessage(ctx, id), d.officerText("desk_reply_held", map[string]any{"Number": d.number(t)})))
}
