// Package officerchat is the officers' Telegram group, over the desk's officer API: there
// officers list the queue (/antrian), claim (/ambil, or the card's button), close (/tutup,
// or the button), note (/catatan) and draft FAQ entries (/faq), and answer a citizen by
// replying to the ticket's card or a notice about it ("/kirim <text>" sends a reply the
// outbound guard held). Officers listed in the desk's Config.Officers use the commands in
// their private chat with the bot too. The desk posts the cards and notices; a Chat takes
// the messages (a bot.ChatHandler) and tells the officers when a reply was not delivered.
package officerchat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/clock"
	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/redact"
)

// MemberChecker tells whether a user belongs to the officers' chat; the Telegram adapter
// implements it with getChatMember.
type MemberChecker interface {
	IsMember(ctx context.Context, chat balai.ChatRef, userID string) (bool, error)
}

// Config configures a Chat.
type Config struct {
	// Members checks membership of the officers' chat (nil: every member of the chat acts).
	Members MemberChecker
	Logger  *slog.Logger
	Now     func() time.Time
}

// Chat takes the messages of the officers' chat, and officers' commands in their private
// chats, for desk d; see bot.ChatHandler.
type Chat struct {
	d   *desk.Desk
	cfg Config
	log *slog.Logger
	now func() time.Time

	mu      sync.Mutex
	members map[balai.Actor]memberEntry
}

type memberEntry struct {
	ok bool
	at time.Time
}

var _ bot.ChatHandler = (*Chat)(nil)

// New builds the officers' chat of desk d. Register it with the engine (AddHandler) and its
// DeliveryFailed and DeliveryHeld (OnDeliveryFailed, OnDeliveryHeld).
func New(d *desk.Desk, cfg Config) *Chat {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	return &Chat{d: d, cfg: cfg, log: cfg.Logger, now: cfg.Now, members: map[balai.Actor]memberEntry{}}
}

// SetMembers sets the membership check of the officers' chat.
func (c *Chat) SetMembers(m MemberChecker) { c.cfg.Members = m }

// officerCommands are the commands the desk takes, also in an officer's private chat.
var officerCommands = map[string]bool{"antrian": true, "ambil": true, "tutup": true, "catatan": true, "faq": true, "petugas_help": true}

// Owns reports whether a message is the desk's: everything in the officers' chat, and
// officer commands from listed officers (Telegram users) in their private chats; see
// bot.ChatHandler. Anyone else, on any channel, gets the citizens' bot.
func (c *Chat) Owns(in bot.Inbound) bool {
	if chat := c.d.OfficerChat(); chat.ID != "" && in.Chat == chat {
		return true
	}
	if in.Group || !c.d.IsListedOfficer(in.Sender()) {
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

// turn collects the outcome of one officer message.
type turn struct {
	in      bot.StoredInbound
	t       bot.Turn
	officer balai.Officer // who acts: their console account, or "telegram:<user id>"
}

// reply answers in the chat the officer wrote in.
func (o *turn) reply(text string, replyTo string) {
	out := bot.Outgoing{Chat: o.in.Chat, Kind: bot.OutMessage, Text: text, Lang: bot.LangID, ReplyTo: replyTo, ThreadID: o.in.ThreadID}
	if replyTo == "" {
		out.ReplyTo = o.in.MessageID
	}
	o.t.Out = append(o.t.Out, out)
}

func (o *turn) log(decision, reason string) {
	o.t.Log = bot.LogEntry{Decision: decision, Reason: reason}
}

// text is the officers' message key.
func (c *Chat) text(key string, data map[string]any) string { return c.d.OfficerText(key, data) }

// Turn handles a message of the officers' chat; see bot.ChatHandler.
func (c *Chat) Turn(ctx context.Context, in bot.StoredInbound) (bot.Turn, error) {
	o := &turn{in: in}
	if in.Kind == bot.KindButton && in.CallbackID != "" {
		o.t.Out = append(o.t.Out, bot.Outgoing{Chat: in.Chat, Kind: bot.OutCallback, CallbackID: in.CallbackID})
	}
	officer, err := c.isOfficer(ctx, in.Inbound)
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
		c.log.Warn("Refused a desk action from a non-officer", "user", in.Sender(), "chat", in.Chat)
		if in.Kind == bot.KindButton {
			o.t.Out[0].Text = c.text("desk_not_officer", nil)
		} else {
			o.reply(c.text("desk_not_officer", nil), "")
		}
		return o.t, nil
	}
	if o.officer, err = c.groupOfficer(ctx, in.Inbound); err != nil {
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
			err = c.claim(ctx, o, id)
		case "close":
			err = c.close(ctx, o, id)
		}
	case cmd == "antrian":
		err = c.queue(ctx, o)
	case cmd == "ambil":
		var id int64
		if arg != "" {
			var ok bool
			if id, ok = c.d.ParseNumber(arg); !ok {
				o.reply(c.text("desk_unknown_ticket", map[string]any{"Ref": arg}), "")
				return o.t, nil
			}
		}
		err = c.claim(ctx, o, id)
	case cmd == "tutup":
		id, ok := c.d.ParseNumber(arg)
		if !ok {
			o.reply(c.text("desk_usage", nil), "")
			return o.t, nil
		}
		err = c.close(ctx, o, id)
	case cmd == "catatan":
		num, text, _ := strings.Cut(arg, " ")
		id, ok := c.d.ParseNumber(num)
		if !ok || strings.TrimSpace(text) == "" {
			o.reply(c.text("desk_usage", nil), "")
			return o.t, nil
		}
		err = c.note(ctx, o, id, strings.TrimSpace(text))
	case cmd == "faq":
		id, ok := c.d.ParseNumber(arg)
		if !ok {
			o.reply(c.text("desk_usage", nil), "")
			return o.t, nil
		}
		err = c.draft(ctx, o, id, o.officer.Name)
	case in.ReplyTo != "":
		err = c.answer(ctx, o)
	}
	if errors.Is(err, desk.ErrNotAllowed) {
		// A linked console account whose role does not work the desk (an editor).
		o.log("officer_chat", "refused")
		o.reply(c.text("desk_not_officer", nil), "")
		return o.t, nil
	}
	if errors.Is(err, desk.ErrNotFound) {
		o.reply(c.text("desk_unknown_ticket", map[string]any{"Ref": arg}), "")
		return o.t, nil
	}
	return o.t, err
}

// isOfficer tells whether the sender may act: a listed officer, or a member of the officers'
// chat writing there. Both are identities on the officers' channel (Telegram): the channel is
// part of who someone is.
func (c *Chat) isOfficer(ctx context.Context, in bot.Inbound) (bool, error) {
	who := in.Sender()
	if c.d.IsListedOfficer(who) {
		return true, nil
	}
	chat := c.d.OfficerChat()
	if chat.ID == "" || in.Chat != chat || who.IsZero() || who.Channel != chat.Channel {
		return false, nil
	}
	if c.cfg.Members == nil {
		return true, nil // Telegram only delivers members' messages
	}
	c.mu.Lock()
	m, ok := c.members[who]
	c.mu.Unlock()
	if ok && c.now().Sub(m.at) < 10*time.Minute {
		return m.ok, nil
	}
	member, err := c.cfg.Members.IsMember(ctx, chat, in.UserID)
	if err != nil {
		return false, err
	}
	c.mu.Lock()
	c.members[who] = memberEntry{ok: member, at: c.now()}
	c.mu.Unlock()
	return member, nil
}

// groupOfficer is the officer behind a message of the officers' chat: the console account
// linked to their Telegram account, else the Telegram user as an officer.
func (c *Chat) groupOfficer(ctx context.Context, in bot.Inbound) (balai.Officer, error) {
	name := in.UserName
	if name == "" {
		name = "petugas " + in.UserID
	}
	o := balai.Officer{ID: in.Sender().String(), Name: name, Role: balai.RoleOfficer}
	acc, ok, err := c.d.LinkedOfficer(ctx, in.UserID)
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
// desk's reply, committed with the turn (the citizen gets it exactly once).
func (c *Chat) answer(ctx context.Context, o *turn) error {
	t, err := c.d.TicketByCard(ctx, o.in.ReplyTo)
	if errors.Is(err, desk.ErrNotFound) {
		o.log("officer_chat", "ignored") // a reply to some other message
		return nil
	}
	if err != nil {
		return err
	}
	num := c.d.Number(t)
	if t.Status == desk.Closed {
		o.reply(c.text("desk_not_open", map[string]any{"Number": num, "Status": c.text("desk_status_closed", nil)}), "")
		o.log("officer_reply", "closed")
		return nil
	}
	text := strings.TrimSpace(o.in.Text)
	// "/kirim <text>" sends a reply the outbound guard held, the officer's confirmation
	// recorded in the audit log.
	var opt desk.ReplyOptions
	if cmd, rest := command(text); cmd == confirmCommand {
		text, opt.Confirmed = strings.TrimSpace(rest), true
	}
	if text == "" {
		return nil
	}
	s, err := c.d.StageReply(ctx, o.officer, t, text, opt)
	var held *desk.ActionError
	switch {
	case errors.Is(err, desk.ErrAlreadyClaimed):
		o.reply(c.text("desk_claim_conflict", map[string]any{"Number": num, "Assignee": t.AssigneeName}), "")
		o.log("officer_reply", "claimed")
		return nil
	case errors.As(err, &held) && errors.Is(err, desk.ErrNeedsConfirmation):
		// Held: nothing reaches the citizen; the officer edits, or confirms with /kirim.
		o.reply(c.text("desk_reply_guarded", map[string]any{"Number": num, "Reasons": held.Reasons, "Command": "/" + confirmCommand}), o.in.MessageID)
		o.log("officer_reply", "held")
		return nil
	case err != nil:
		return err
	}
	o.t.Out = append(o.t.Out, s.Out...)
	// The card shows the answer went out; a separate message would crowd the group, where
	// Telegram allows about 20 messages a minute.
	if edit, ok := c.d.CardEdit(ctx, s.Ticket); ok {
		o.t.Out = append(o.t.Out, edit)
	} else {
		o.reply(c.text("desk_reply_sent", map[string]any{"Number": num, "Officer": o.officer.Name}), "")
	}
	o.log("officer_reply", num)
	// Recorded in the same transaction as the delivery: the citizen gets it exactly once.
	o.t.Also = s.Commit
	return nil
}

// confirmCommand, in a reply to a card, sends a reply the outbound guard held.
const confirmCommand = "kirim"

func (c *Chat) claim(ctx context.Context, o *turn, id int64) error {
	t, err := c.d.Claim(ctx, o.officer, id)
	var refused *desk.ActionError
	switch {
	case errors.As(err, &refused) && refused.Ticket.ID != 0:
		cur := refused.Ticket
		o.log("claim", "conflict")
		if cur.Status == desk.Claimed {
			o.reply(c.text("desk_claim_conflict", map[string]any{"Number": c.d.Number(cur), "Assignee": cur.AssigneeName}), "")
		} else {
			o.reply(c.text("desk_not_open", map[string]any{"Number": c.d.Number(cur), "Status": c.text("desk_status_"+string(cur.Status), nil)}), "")
		}
		return nil
	case errors.Is(err, desk.ErrNotFound) && id == 0:
		o.reply(c.text("desk_queue_empty", nil), "")
		return nil
	case err != nil:
		return err
	}
	if t.Status != desk.Claimed {
		// Their own ticket, answered already.
		o.log("claim", "conflict")
		o.reply(c.text("desk_not_open", map[string]any{"Number": c.d.Number(t), "Status": c.text("desk_status_"+string(t.Status), nil)}), "")
		return nil
	}
	o.log("claim", c.d.Number(t))
	if o.in.Chat != c.d.OfficerChat() || o.in.Kind != bot.KindButton {
		o.reply(c.text("desk_claimed", map[string]any{"Number": c.d.Number(t), "Officer": o.officer.Name}), "")
	}
	return nil
}

func (c *Chat) close(ctx context.Context, o *turn, id int64) error {
	t, err := c.d.Close(ctx, o.officer, id, desk.Resolution{Kind: balai.ResolvedAnswered})
	var refused *desk.ActionError
	switch {
	case errors.Is(err, desk.ErrClosed) && errors.As(err, &refused):
		o.reply(c.text("desk_not_open", map[string]any{"Number": c.d.Number(refused.Ticket), "Status": c.text("desk_status_closed", nil)}), "")
		return nil
	case errors.Is(err, desk.ErrAlreadyClaimed) && errors.As(err, &refused):
		o.log("close", "claimed")
		o.reply(c.text("desk_claim_conflict", map[string]any{"Number": c.d.Number(refused.Ticket), "Assignee": refused.Ticket.AssigneeName}), "")
		return nil
	case errors.Is(err, desk.ErrStale):
		return nil // changed meanwhile (closed by someone else)
	case err != nil:
		return err
	}
	o.log("close", c.d.Number(t))
	if o.in.Chat != c.d.OfficerChat() || o.in.Kind != bot.KindButton {
		o.reply(c.text("desk_closed", map[string]any{"Number": c.d.Number(t), "Officer": o.officer.Name}), "")
	}
	return nil
}

func (c *Chat) note(ctx context.Context, o *turn, id int64, text string) error {
	t, err := c.d.Ticket(ctx, id)
	if err != nil {
		return err
	}
	// Notes stay in the desk's log and the officers' chat; nothing goes to the citizen. The
	// note is recorded with the turn, once.
	s, err := c.d.StageNote(o.officer, t, text)
	if err != nil {
		return err
	}
	o.log("note", c.d.Number(t))
	o.reply(c.text("desk_note_saved", map[string]any{"Number": c.d.Number(t)}), "")
	o.t.Also = s.Commit
	return nil
}

func (c *Chat) queue(ctx context.Context, o *turn) error {
	ts, err := c.d.Queue(ctx, 20)
	if err != nil {
		return err
	}
	o.log("queue", strconv.Itoa(len(ts)))
	if len(ts) == 0 {
		o.reply(c.text("desk_queue_empty", nil), "")
		return nil
	}
	var rows []map[string]string
	for _, t := range ts {
		q := t.Question
		if r := []rune(q); len(r) > 80 {
			q = string(r[:80]) + "…"
		}
		rows = append(rows, map[string]string{"Number": c.d.Number(t), "Status": c.text("desk_status_"+string(t.Status), nil),
			"Assignee": t.AssigneeName, "Due": c.d.When(t.DueAt), "Question": q})
	}
	o.reply(c.text("desk_queue", map[string]any{"Count": len(ts), "Tickets": rows}), "")
	return nil
}

// draft turns a ticket's question and the officer's answer into a draft FAQ entry file for
// admins to review (and move into the corpus).
func (c *Chat) draft(ctx context.Context, o *turn, id int64, officer string) error {
	t, err := c.d.Ticket(ctx, id)
	if err != nil {
		return err
	}
	num := c.d.Number(t)
	o.log("faq_draft", num)
	if strings.TrimSpace(t.Answer) == "" {
		o.reply(c.text("desk_no_answer", map[string]any{"Number": num}), "")
		return nil
	}
	path, err := c.d.WriteDraft(t, officer)
	if err != nil {
		o.reply(c.text("desk_faq_failed", map[string]any{"Number": num, "Error": err.Error()}), "")
		return nil
	}
	o.reply(c.text("desk_faq_written", map[string]any{"Number": num, "Path": path}), "")
	return nil
}

// DeliveryFailed records on the ticket, and shows on its card, that an officer's reply did
// not reach the citizen; the engine calls it when a delivery fails for good.
func (c *Chat) DeliveryFailed(ctx context.Context, item bot.StoredOutgoing, cause error) {
	t, ok := c.d.ReplyUndelivered(ctx, item, cause, false)
	if !ok {
		return
	}
	reason := bot.DeliveryReason(cause)
	if reason == "" {
		reason = bot.ReasonPermanent
	}
	c.post(ctx, t, c.text("desk_reply_failed", map[string]any{
		"Number": c.d.Number(t), "Reason": c.text("desk_delivery_reason_"+reason, nil), "Error": redact.String(cause.Error())}))
}

// DeliveryHeld shows on the ticket's card that an officer's reply waits for the citizen to
// write again (WhatsApp's 24-hour window); the engine calls it when a delivery is held.
func (c *Chat) DeliveryHeld(ctx context.Context, item bot.StoredOutgoing, cause error) {
	if c.d.OfficerChat().ID == "" {
		return
	}
	t, ok := c.d.ReplyUndelivered(ctx, item, cause, true)
	if !ok {
		return
	}
	c.post(ctx, t, c.text("desk_reply_held", map[string]any{"Number": c.d.Number(t)}))
}

// post posts a notice about t in the officers' chat.
func (c *Chat) post(ctx context.Context, t desk.Ticket, text string) {
	if err := c.d.PostNotice(ctx, t, text); err != nil {
		c.log.Warn("Failed to post a notice in the officers' chat", "ticket", c.d.Number(t), "err", err)
	}
}
