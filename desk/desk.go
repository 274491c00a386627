package desk

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
	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/workhours"
)

// Queuer delivers through the engine's outbox; *bot.Engine is one.
type Queuer interface {
	// Submit delivers outbox items already committed.
	Submit(items ...bot.StoredOutgoing)
	// Deliver commits and delivers items.
	Deliver(ctx context.Context, out ...bot.Outgoing) error
}

// TxStore is the part of the store used inside a turn's transaction.
type TxStore interface {
	TransitionTx(ctx context.Context, tx bot.Tx, id int64, from []Status, to Status, ev Event, set TicketUpdate) (Ticket, error)
	AddEventTx(ctx context.Context, tx bot.Tx, ev Event) error
}

// Config configures the desk.
type Config struct {
	Store interface {
		Store
		TxStore
		NoticeStore
		ServiceStore
	}
	Messages *bot.Messages
	Calendar *workhours.Calendar
	// SLA is the promised reply time in working hours (default 4h).
	SLA time.Duration
	// ReminderLead is how long before the due time officers are reminded (default 30m).
	ReminderLead time.Duration
	// ClaimTimeout returns a claimed but silent ticket to the queue (default 1h).
	ClaimTimeout time.Duration
	// ReopenWindow is how long an answered ticket takes the citizen's new messages (and
	// reopens) before it closes by itself (default 72h).
	ReopenWindow time.Duration
	// Prefix of ticket numbers (default "BLI").
	Prefix string
	// FormPrefix is the prefix of information requests' registration numbers (default
	// "PPID": "PPID-2026-000042").
	FormPrefix string
	// OfficerChat is the officers' group; zero when there is none (tickets wait for the
	// web console).
	OfficerChat balai.ChatRef
	// Officers may act from their private chat with the bot too, not only in the officers'
	// chat. Officers are Telegram users (the channel of the officers' chat); New refuses an
	// officer on another channel, and nobody on another channel ever acts as one, whatever
	// their id there.
	Officers []balai.Actor
	// TicketsPerHour caps the tickets one chat opens in an hour (0: no cap); beyond it the
	// citizen is told politely to try later.
	TicketsPerHour int
	// CardsPerMinute caps the new-ticket cards posted to the officers' chat in any minute,
	// over all chats (0: no cap). Beyond it tickets are still created and queued, and their
	// cards are listed in one summary post at the next sweep instead.
	CardsPerMinute int
	// Topics maps categories to forum topics of the officers' chat ("*": any other).
	Topics map[string]string
	// Corpus returns the FAQ corpus being served (wire the knowledge index's Corpus, which
	// follows reloads). While entries are past their review date the officers' chat gets one
	// notice a day listing them; nil sends none.
	Corpus func() *faq.Corpus
	// Accounts maps a member of the officers' chat to their console account (nil: none is
	// linked; they act as "telegram:<id>" with the officer role); see LinkedOfficer.
	Accounts Accounts
	// CheckReply is the outbound guard: the reasons an officer's reply from the console
	// may leak what it should not (another citizen's data, text of the internal notes);
	// with reasons, the reply waits for the officer's confirmation. nil: no check.
	CheckReply func(t balai.Ticket, notes []balai.Event, text string) []string
	// DraftsDir receives /faq drafts; see WriteDraft.
	DraftsDir string
	Logger    *slog.Logger
	Now       func() time.Time
}

// Desk is the officer desk: a bot.Escalator for the engine and the officer API behind the
// console and the officers' chat (package officerchat takes that chat's messages).
type Desk struct {
	cfg   Config
	store interface {
		Store
		TxStore
		NoticeStore
		ServiceStore
	}
	msgs *bot.Messages
	q    Queuer
	log  *slog.Logger
	now  func() time.Time

	officers map[balai.Actor]bool

	mu        sync.Mutex
	reviewDay string // the day whose review notice is known to be posted (by any process)
}

var _ bot.Escalator = (*Desk)(nil)

// New builds a desk. Connect it to the engine with SetQueuer before the engine starts.
func New(cfg Config) (*Desk, error) {
	if cfg.Store == nil || cfg.Messages == nil {
		return nil, errors.New("desk: Store and Messages are required")
	}
	if cfg.Calendar == nil {
		cfg.Calendar = workhours.Default()
	}
	if cfg.SLA <= 0 {
		cfg.SLA = 4 * time.Hour
	}
	if cfg.ReminderLead <= 0 {
		cfg.ReminderLead = 30 * time.Minute
	}
	if cfg.ClaimTimeout <= 0 {
		cfg.ClaimTimeout = time.Hour
	}
	if cfg.ReopenWindow <= 0 {
		cfg.ReopenWindow = 72 * time.Hour
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "BLI"
	}
	if cfg.FormPrefix == "" {
		cfg.FormPrefix = "PPID"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	if cfg.OfficerChat.ID != "" && cfg.OfficerChat.Channel != balai.Telegram {
		return nil, fmt.Errorf("desk: officers' chat %s: the officers' chat is a Telegram group", cfg.OfficerChat)
	}
	officers := map[balai.Actor]bool{}
	for _, o := range cfg.Officers {
		if o.IsZero() || o.Channel != balai.Telegram {
			return nil, fmt.Errorf("desk: officer %s: officers are Telegram users", o)
		}
		officers[o] = true
	}
	return &Desk{cfg: cfg, store: cfg.Store, msgs: cfg.Messages, log: cfg.Logger, now: cfg.Now, officers: officers}, nil
}

// SetQueuer connects the desk to the engine's outbox.
func (d *Desk) SetQueuer(q Queuer) { d.q = q }

// Number is a ticket's citizen-visible number, with the agency's prefix ("BLI-000042").
func (d *Desk) Number(t Ticket) string { return t.Number(d.cfg.Prefix) }

// ParseNumber reads a ticket number with the desk's prefix; see the package's ParseNumber.
func (d *Desk) ParseNumber(s string) (int64, bool) { return ParseNumber(d.cfg.Prefix, s) }

// ParseNumber reads a ticket number with the agency's prefix: "BLI-000123", "bli-123",
// "#123" or "123".
func ParseNumber(prefix, s string) (int64, bool) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "#"))
	if p, rest, ok := strings.Cut(s, "-"); ok && strings.EqualFold(p, prefix) {
		s = rest
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// Escalate opens a ticket (once per message) and posts its card in the officers' chat; see
// bot.Escalator. While the chat has an active ticket the request is added to it instead: a
// chat has one active ticket at most (the store holds that across processes). A chat over
// TicketsPerHour gets no new ticket; past CardsPerMinute the card waits for a summary post.
func (d *Desk) Escalate(ctx context.Context, e bot.Escalation) (bot.Handover, error) {
	cur, ok, err := d.active(ctx, e.Chat, e.At)
	if err != nil {
		return bot.Handover{}, err
	}
	if ok {
		if cur.SourceKey == e.Key {
			return d.handover(ctx, cur), nil // this very message opened it (the turn runs again)
		}
		return d.addTo(ctx, cur, e), nil
	}
	var transcript []Line
	if e.Form == nil {
		// A form's answers stay in the form: its ticket carries only the message that
		// started it.
		if transcript, err = d.store.RecentMessages(ctx, e.Chat, 10); err != nil {
			return bot.Handover{}, err
		}
	}
	transcript = append(transcript, Line{From: "citizen", Text: e.Question, At: e.At})
	t := Ticket{
		SourceKey: e.Key, Chat: e.Chat, UserName: e.UserName, Question: e.Question, Transcript: transcript,
		Reason: e.Reason, Topic: e.Topic, TopicLabel: e.TopicLabel, Category: e.Category, Candidates: e.Candidates,
		Lang: e.Lang, CreatedAt: e.At, DueAt: d.cfg.Calendar.Add(e.At, d.cfg.SLA),
	}
	if e.Urgent {
		t.Priority = 1
	}
	var card func(Ticket) []bot.Outgoing
	if d.cfg.OfficerChat.ID != "" {
		card = func(t Ticket) []bot.Outgoing {
			c := d.card(t, "")
			c.Brief = d.brief(t) // listed instead when many cards wait at once
			return []bot.Outgoing{c}
		}
	}
	opts := CreateOptions{PerHour: d.cfg.TicketsPerHour, CardsPerMinute: d.cfg.CardsPerMinute,
		CloseAnsweredBefore: e.At.Add(-d.cfg.ReopenWindow)}
	if e.Form != nil {
		f := *e.Form
		f.ReceivedAt = e.At // the legal clocks count from the day after
		t.Kind, t.LegalDueAt = f.Kind, f.Due(d.cfg.Calendar)
		opts.Form, opts.FormPrefix = &f, d.cfg.FormPrefix
	}
	t, created, items, err := d.store.CreateTicketWith(ctx, t, opts, card)
	if errors.Is(err, ErrTooMany) {
		d.log.Warn("Refused a ticket: the chat is over its tickets per hour", "chat", e.Chat, "limit", d.cfg.TicketsPerHour)
		return bot.Handover{Limited: true}, nil
	}
	if err != nil {
		return bot.Handover{}, err
	}
	switch {
	case created:
		d.log.Info("Opened a ticket", "ticket", d.Number(t), "chat", e.Chat, "reason", e.Reason, "topic", e.Topic, "kind", t.Kind, "card_held", t.CardHeld)
		d.submit(items)
	case t.SourceKey != e.Key:
		// Another request of the chat (another process) opened one meanwhile.
		return d.addTo(ctx, t, e), nil
	}
	return d.handover(ctx, t), nil
}

// FormReader reads a ticket's form; the store implements it.
type FormReader interface {
	Form(ctx context.Context, id int64) (balai.Form, error)
}

// handover tells the engine about ticket t: its number and due time and, for a form, its
// legal deadline and registration number.
func (d *Desk) handover(ctx context.Context, t Ticket) bot.Handover {
	h := bot.Handover{Ticket: d.Number(t), Due: t.DueAt, Deadline: t.LegalDueAt}
	if fr, ok := d.store.(FormReader); ok && t.Kind == balai.KindInfoRequest {
		if f, err := fr.Form(ctx, t.ID); err != nil {
			d.log.Warn("Failed to read a ticket's form", "ticket", d.Number(t), "err", err)
		} else if f.InfoRequest != nil {
			h.Registration = f.InfoRequest.Number
		}
	}
	return h
}

// addTo adds a request for an officer to the chat's active ticket t: an event in its audit
// log and a notice to the officers, both committed with the citizen's turn (so they are
// recorded and posted once); an answered ticket opens again, as when the citizen writes.
func (d *Desk) addTo(ctx context.Context, t Ticket, e bot.Escalation) bot.Handover {
	id := t.ID
	h := bot.Handover{Ticket: d.Number(t), Due: t.DueAt, Existing: true}
	ev := Event{TicketID: id, Actor: "citizen", ActorName: e.UserName, Action: "asked_again", Detail: e.Reason, At: e.At}
	text := ""
	if q := strings.TrimSpace(e.Question); q != "" && q != strings.TrimSpace(t.Question) {
		text = q
	}
	card := d.cardMessage(ctx, id)
	if d.cfg.OfficerChat.ID != "" {
		h.Out = append(h.Out, d.notice(t, card, d.OfficerText("desk_asked_again", map[string]any{
			"Number": d.Number(t), "Reason": d.OfficerText("desk_reason_"+e.Reason, nil), "Text": text})))
	}
	d.log.Info("Added a request to the chat's open ticket", "ticket", d.Number(t), "chat", e.Chat, "reason", e.Reason)
	if t.Status != Answered {
		h.Also = func(ctx context.Context, tx bot.Tx) error { return d.store.AddEventTx(ctx, tx, ev) }
		return h
	}
	reopened := t
	reopened.Status = Open
	if edit, ok := d.cardEdit(reopened, card); ok {
		h.Out = append(h.Out, edit)
	}
	h.Also = func(ctx context.Context, tx bot.Tx) error {
		if err := d.store.AddEventTx(ctx, tx, ev); err != nil {
			return err
		}
		// A conflict (an officer closed it meanwhile) fails the turn, which runs again.
		_, err := d.store.TransitionTx(ctx, tx, id, []Status{Answered}, Open,
			Event{Actor: "citizen", ActorName: e.UserName, Action: "reopened", At: e.At}, TicketUpdate{})
		return err
	}
	return h
}

// OpenTicket returns the number of the chat's active ticket; see bot.Escalator.
func (d *Desk) OpenTicket(ctx context.Context, chat balai.ChatRef, now time.Time) (string, error) {
	t, ok, err := d.active(ctx, chat, now)
	if !ok {
		return "", err
	}
	return d.Number(t), nil
}

// active returns the chat's ticket that takes its messages, if any.
func (d *Desk) active(ctx context.Context, chat balai.ChatRef, now time.Time) (Ticket, bool, error) {
	t, err := d.store.ActiveTicket(ctx, chat)
	if errors.Is(err, ErrNotFound) {
		return t, false, nil
	}
	if err != nil {
		return t, false, err
	}
	if t.Status == Answered && now.Sub(t.ActivityAt) > d.cfg.ReopenWindow {
		return t, false, nil // about to close by itself; the bot answers again
	}
	return t, true, nil
}

// Follow adds a citizen's message to the chat's active ticket, reopens an answered ticket,
// and tells the officers, all in the citizen's turn; see bot.Escalator.
func (d *Desk) Follow(ctx context.Context, in bot.Inbound) (bot.FollowUp, error) {
	t, ok, err := d.active(ctx, in.Chat, in.Time)
	if !ok {
		return bot.FollowUp{}, err
	}
	id, number := t.ID, d.Number(t)
	text := in.Transcript()
	ev := Event{TicketID: id, Actor: "citizen", ActorName: in.UserName, Action: "followed", Detail: text, At: in.Time}
	card := d.cardMessage(ctx, id)
	var out []bot.Outgoing
	if d.cfg.OfficerChat.ID != "" {
		key := "desk_follow"
		if t.Status == Answered {
			key = "desk_reopened"
		}
		notice := d.notice(t, card, d.OfficerText(key, map[string]any{"Number": d.Number(t), "Text": text}))
		if t.Status == Answered {
			notice.Text += "\n\n" + d.OfficerText("desk_follow", map[string]any{"Number": d.Number(t), "Text": text})
		}
		out = append(out, notice)
	}
	if t.Status != Answered {
		return bot.FollowUp{Ticket: number, Out: out, Also: func(ctx context.Context, tx bot.Tx) error {
			return d.store.AddEventTx(ctx, tx, ev)
		}}, nil
	}
	ev.Action = "reopened"
	reopened := t
	reopened.Status = Open
	if edit, ok := d.cardEdit(reopened, card); ok {
		out = append(out, edit)
	}
	return bot.FollowUp{Ticket: number, Out: out, Also: func(ctx context.Context, tx bot.Tx) error {
		// A conflict (an officer closed it meanwhile) fails the turn, which runs again.
		_, err := d.store.TransitionTx(ctx, tx, id, []Status{Answered}, Open, ev, TicketUpdate{})
		return err
	}}, nil
}

// Cancel closes the ticket at the citizen's request; see bot.Escalator.
func (d *Desk) Cancel(ctx context.Context, chat balai.ChatRef, number string) error {
	id, ok := d.ParseNumber(number)
	if !ok {
		return fmt.Errorf("desk: cancel: bad ticket %q", number)
	}
	t, err := d.store.Ticket(ctx, id)
	if err != nil {
		return err
	}
	card := d.cardMessage(ctx, id)
	var out []bot.Outgoing
	if d.cfg.OfficerChat.ID != "" {
		out = append(out, d.notice(t, card, d.OfficerText("desk_cancelled", map[string]any{"Number": d.Number(t)})))
	}
	t, items, err := d.store.Transition(ctx, id, []Status{Open, Claimed, Answered}, Closed,
		Event{Actor: "citizen", Action: "cancelled", At: d.now()}, out, TicketUpdate{})
	if err != nil {
		return err
	}
	d.submit(items)
	return d.refreshCard(ctx, t, card)
}

// Rate records a satisfaction rating; see bot.Escalator.
func (d *Desk) Rate(ctx context.Context, chat balai.ChatRef, number string, rating int) error {
	// A rating button names the chat's own ticket: anything else is forged (or stale) input,
	// rejected at once rather than retried.
	id, ok := d.ParseNumber(number)
	if !ok {
		return fmt.Errorf("desk: rate: bad ticket %q: %w", number, bot.ErrInvalidInput)
	}
	t, err := d.store.Ticket(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("desk: rate: no ticket %q: %w", number, bot.ErrInvalidInput)
	}
	if err != nil {
		return err
	}
	if t.Chat != chat {
		return fmt.Errorf("desk: rate: ticket %s is not this chat's: %w", number, bot.ErrInvalidInput)
	}
	_, _, err = d.store.Transition(ctx, id, []Status{Closed}, Closed,
		Event{Actor: "citizen", Action: "rated", Detail: strconv.Itoa(rating), At: d.now()}, nil, TicketUpdate{Rating: rating})
	if errors.Is(err, ErrConflict) {
		return nil // rated while reopened: ignore
	}
	return err
}

func (d *Desk) submit(items []bot.StoredOutgoing) {
	if d.q != nil && len(items) > 0 {
		d.q.Submit(items...)
	}
}

// OfficerText is the message catalogue's text key for officers (they read Indonesian).
func (d *Desk) OfficerText(key string, data map[string]any) string {
	return d.msgs.Text(bot.LangID, key, data)
}

// thread is the forum topic of the officers' chat for a ticket's category.
func (d *Desk) thread(t Ticket) string {
	if th, ok := d.cfg.Topics[t.Category]; ok {
		return th
	}
	return d.cfg.Topics["*"]
}

// card renders a ticket's card: a new message, or an edit of message editID.
func (d *Desk) card(t Ticket, editID string) bot.Outgoing {
	status := d.OfficerText("desk_status_"+string(t.Status), nil)
	reason := d.OfficerText("desk_reason_"+t.Reason, nil)
	if t.TopicLabel != "" {
		reason += " — " + t.TopicLabel
	}
	kind, legal := "", ""
	if t.Kind != "" && t.Kind != balai.KindQuestion {
		kind = d.OfficerText("desk_kind_"+string(t.Kind), nil)
		if !t.LegalDueAt.IsZero() {
			legal = workhours.FormatDate(t.LegalDueAt.In(d.cfg.Calendar.Location()), bot.LangID)
		}
	}
	var lines []map[string]string
	for _, l := range t.Transcript {
		from := map[string]string{"citizen": "warga", "bot": "asisten", "officer": "petugas"}[l.From]
		text := l.Text
		if r := []rune(text); len(r) > 300 {
			text = string(r[:300]) + "…"
		}
		lines = append(lines, map[string]string{"From": from, "Text": text})
	}
	if len(lines) > 8 {
		lines = lines[len(lines)-8:]
	}
	text := d.OfficerText("desk_card", map[string]any{
		"Number": d.Number(t), "Category": t.Category, "Urgent": t.Priority > 0, "Status": status, "Assignee": t.AssigneeName,
		"Due": d.when(t.DueAt, d.now()), "UserName": orDash(t.UserName), "Channel": string(t.Chat.Channel),
		"Reason": reason, "Question": t.Question, "Transcript": lines, "Kind": kind, "LegalDue": legal,
	})
	o := bot.Outgoing{Chat: d.cfg.OfficerChat, Kind: bot.OutMessage, Text: text, Lang: bot.LangID, ThreadID: d.thread(t),
		Ref: CardRef(t.ID), EditID: editID}
	id := strconv.FormatInt(t.ID, 10)
	switch t.Status {
	case Open:
		o.Buttons = [][]bot.Button{{{Text: d.OfficerText("desk_button_claim", nil), Data: "d:claim:" + id}, {Text: d.OfficerText("desk_button_close", nil), Data: "d:close:" + id}}}
	case Claimed, Answered:
		o.Buttons = [][]bot.Button{{{Text: d.OfficerText("desk_button_close", nil), Data: "d:close:" + id}}}
	}
	return o
}

// cardMessage is the message id of ticket id's card in the officers' chat; "" when there is
// no officers' chat or the card is not delivered yet.
func (d *Desk) cardMessage(ctx context.Context, id int64) string {
	msg, _ := d.cardState(ctx, id)
	return msg
}

// cardState is cardMessage, and whether the card went out only as a line of a list of new
// tickets (Outgoing.Brief): then there is no card to reply to or edit.
func (d *Desk) cardState(ctx context.Context, id int64) (msg string, batched bool) {
	if d.cfg.OfficerChat.ID == "" {
		return "", false
	}
	msg, err := d.store.CardMessage(ctx, id)
	if err != nil {
		d.log.Warn("Failed to find a ticket's card", "ticket", id, "err", err)
		return "", false
	}
	if balai.IsBatched(msg) {
		return "", true
	}
	return msg, false
}

// brief is a new ticket's line in a list of new tickets: its number, category, kind and
// urgency — nothing about the citizen.
func (d *Desk) brief(t Ticket) string {
	kind := ""
	if t.Kind != "" && t.Kind != balai.KindQuestion {
		kind = d.OfficerText("desk_kind_"+string(t.Kind), nil)
	}
	return d.OfficerText("desk_card_brief", map[string]any{"Number": d.Number(t), "Category": t.Category, "Urgent": t.Priority > 0, "Kind": kind})
}

// notice is a message in the officers' chat about a ticket, in reply to its card (card is
// cardMessage's answer) when the card is known, so replying to the notice answers the
// ticket too.
func (d *Desk) notice(t Ticket, card, text string) bot.Outgoing {
	return bot.Outgoing{Chat: d.cfg.OfficerChat, Kind: bot.OutMessage, Text: text, Lang: bot.LangID, ThreadID: d.thread(t),
		Ref: NoticeRef(t.ID), ReplyTo: card, Combine: true}
}

// refreshCard edits a ticket's card (card is cardMessage's answer) to show its state.
func (d *Desk) refreshCard(ctx context.Context, t Ticket, card string) error {
	if o, ok := d.cardEdit(t, card); ok && d.q != nil {
		return d.q.Deliver(ctx, o)
	}
	return nil
}

// cardEdit is the edit of a ticket's card message card showing t's state; false when the
// ticket has no card (no officers' chat, or the card is not delivered yet).
func (d *Desk) cardEdit(t Ticket, card string) (bot.Outgoing, bool) {
	if card == "" {
		return bot.Outgoing{}, false
	}
	o := d.card(t, card)
	o.Ref = "" // an edit is not the card itself
	return o, true
}

// when words a time for officers, in the agency's time zone.
func (d *Desk) when(t, now time.Time) string {
	loc := d.cfg.Calendar.Location()
	return workhours.Describe(t.In(loc), now.In(loc), bot.LangID)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
