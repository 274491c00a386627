package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/workhours"
)

// Button data: short codes within Telegram's 64-byte callback_data limit.
const (
	dataEntry    = "e:" // e:<ref> — show an entry (a suggestion or a menu item)
	dataConfirm  = "k:" // k:<ref> — "Ya": the entry Balai asked about is the one
	dataNotThis  = "x:" // x:<ref> — "Bukan": it is not
	dataYes      = "y:" // y:<ref> — the answer helped
	dataNo       = "n:" // n:<ref> — the answer did not help
	dataCategory = "c:" // c:<slug> — a menu category
	dataLang     = "l:" // l:id, l:en
	dataRating   = "r:" // r:<ticket>:<1-5>
	dataOfficer  = "h"  // talk to an officer
	dataMenu     = "m"  // the menu
)

// DataRelease is the payload of a button that only asks for held replies (the quick reply of
// WhatsApp's "your answer is ready" template): pressing it sends them, without other reply.
const DataRelease = "release"

// maxRefLen keeps entry references inside button data.
const maxRefLen = 56

// entryRef is how an entry is named in button data: its id, or a hash when the id is long.
func entryRef(id string) string {
	if len(id) <= maxRefLen {
		return id
	}
	h := sha256.Sum256([]byte(id))
	return "#" + hex.EncodeToString(h[:8])
}

func findEntry(c *faq.Corpus, ref string) (*faq.Entry, bool) {
	if !strings.HasPrefix(ref, "#") {
		return c.Entry(ref)
	}
	for _, e := range c.Entries {
		if entryRef(e.ID) == ref {
			return e, true
		}
	}
	return nil, false
}

// refEntryID is the id of the entry a button's ref names, so that 👍/👎 are logged against
// the entry they rate; a plain ref is the id itself even when the entry is gone since.
func refEntryID(c *faq.Corpus, ref string) string {
	if en, ok := findEntry(c, ref); ok {
		return en.ID
	}
	if strings.HasPrefix(ref, "#") {
		return ""
	}
	return ref
}

// turnBuilder collects the outcome of one message.
type turnBuilder struct {
	e    *Engine
	in   StoredInbound
	t    Turn
	lang string
}

func (b *turnBuilder) text(key string, data map[string]any) string {
	return b.e.msgs.Text(b.lang, key, data)
}

// say queues a message with optional button rows and remembers the buttons' data as the
// options a numbered reply ("2") picks from.
func (b *turnBuilder) say(text string, rows ...[]Button) {
	o := Outgoing{Chat: b.in.Chat, Kind: OutMessage, Text: text, Buttons: rows, Lang: b.lang,
		Numbered: b.e.noButtons[b.in.Chat.Channel]}
	if len(b.t.Out) == 0 || b.t.Out[len(b.t.Out)-1].Kind == OutCallback {
		o.ReplyTo = b.in.MessageID
	}
	var opts, labels []string
	var list strings.Builder
	for _, r := range rows {
		for _, btn := range r {
			switch {
			case btn.Data != "":
				opts = append(opts, btn.Data)
				labels = append(labels, btn.Text)
				fmt.Fprintf(&list, "%d. %s\n", len(opts), EscapeMarkdown(btn.Text))
			case btn.URL != "":
				fmt.Fprintf(&list, "- %s: %s\n", EscapeMarkdown(btn.Text), btn.URL)
			}
		}
	}
	if len(opts) > 0 {
		b.t.State.Options, b.t.State.Labels, b.t.State.OptionsAt = opts, labels, b.in.Time
	}
	if o.Numbered && list.Len() > 0 {
		// No buttons on this channel: the options become a list answered with a digit.
		o.Text += "\n\n" + strings.TrimRight(list.String(), "\n")
		if len(opts) > 0 {
			rng := "1"
			if len(opts) > 1 {
				rng = fmt.Sprintf("1–%d", len(opts))
			}
			o.Text += "\n\n" + b.text("numbered_hint", map[string]any{"Range": rng})
		}
	}
	b.t.Out = append(b.t.Out, o)
}

func (b *turnBuilder) log(decision, reason string) {
	b.t.Log.Decision, b.t.Log.Reason = decision, reason
}

// turn decides what to do with one message.
func (e *Engine) turn(ctx context.Context, in StoredInbound, flood floodVerdict) (Turn, bool, error) {
	conv, err := e.cfg.Store.Conversation(ctx, in.Chat)
	if err != nil {
		return Turn{}, false, err
	}
	b := &turnBuilder{e: e, in: in, t: Turn{Inbound: in, State: conv}}
	b.lang = conv.Lang
	if b.lang == "" {
		b.lang = LangID
	}
	b.t.State.Intake = conv.Intake.Clone()         // changed by this turn only if it commits
	b.t.State.Options, b.t.State.Labels = nil, nil // options live for one message…
	if !conv.OptionsAt.IsZero() && in.Time.Sub(conv.OptionsAt) > OptionsTTL {
		conv.Options, conv.Labels = nil, nil // …and not for days: "ya" tomorrow is not an answer
	}
	if in.Kind == KindButton && in.CallbackID != "" {
		b.t.Out = append(b.t.Out, Outgoing{Chat: in.Chat, Kind: OutCallback, CallbackID: in.CallbackID})
	}
	if flood != floodOK {
		b.log("flood", "")
		if flood == floodNotify {
			b.say(b.text("flood", nil))
		}
		b.t.State.Options, b.t.State.Labels, b.t.State.OptionsAt = conv.Options, conv.Labels, conv.OptionsAt
		b.t.Log.Lang = b.lang
		return b.t, false, nil
	}
	scored := false
	switch in.Kind {
	case KindMedia:
		err = e.media(ctx, b)
	case KindButton:
		err = e.button(ctx, b, in.Text)
	default:
		text := strings.TrimSpace(in.Text)
		if n, ok := optionNumber(text, len(conv.Options)); ok {
			err = e.button(ctx, b, conv.Options[n-1])
		} else if data, ok := e.typedOption(text, conv); ok {
			err = e.button(ctx, b, data)
		} else if in := b.activeIntake(); in != nil && !strings.HasPrefix(text, "/") {
			var took bool
			if took, err = e.intakeText(ctx, b, in, text); err == nil && !took {
				scored, err = e.question(ctx, b, text)
			}
		} else if strings.HasPrefix(text, "/") {
			err = e.command(ctx, b, text)
		} else {
			scored, err = e.question(ctx, b, text)
		}
	}
	if errors.Is(err, ErrInvalidInput) {
		// A forged or stale button: a short polite reply, the conversation unchanged, and no
		// retry (retrying cannot make it valid).
		e.log.Warn("Rejected invalid input", "chat", in.Chat, "inbound", in.ID, "err", maskError(err))
		b.t.Out = callbacks(b.t.Out)
		b.t.State = conv
		b.t.Also = nil
		b.log("invalid", string(in.Kind))
		b.say(b.text("invalid_input", nil))
		b.t.State.Options, b.t.State.Labels, b.t.State.OptionsAt = conv.Options, conv.Labels, conv.OptionsAt
		err = nil
	}
	b.t.Log.Lang = b.lang
	return b.t, scored, err
}

// optionNumber reads a reply like "2" or "2." choosing one of n options.
func optionNumber(s string, n int) (int, bool) {
	s = strings.TrimRight(strings.TrimSpace(s), ".)")
	k, err := strconv.Atoi(s)
	if err != nil || k < 1 || k > n {
		return 0, false
	}
	return k, true
}

// OptionsTTL is how long the options offered last can be chosen by a typed reply or number.
var OptionsTTL = time.Hour

// typedOption reads a typed reply that names one of the options offered last: a button's
// text ("Membuat KTP-el baru", a category), or yes/no words after "Maksud Anda: …?".
func (e *Engine) typedOption(text string, conv Conversation) (string, bool) {
	typed := normalizeReply(text)
	if typed == "" {
		return "", false
	}
	for i, data := range conv.Options {
		if i < len(conv.Labels) && normalizeReply(conv.Labels[i]) == typed {
			return data, true
		}
	}
	for _, data := range conv.Options {
		switch {
		case strings.HasPrefix(data, dataConfirm) && e.replyMeans(typed, "confirm_words_yes"):
			return data, true
		case strings.HasPrefix(data, dataNotThis) && e.replyMeans(typed, "confirm_words_no"):
			return data, true
		}
	}
	return "", false
}

// replyMeans tells whether a normalized reply is one of the words listed under key ("iya"),
// or starts with one and goes on only with such words or fillers ("ya betul kak", "bukan itu
// maksud saya"); "tidak bisa login" is a question, not a no.
func (e *Engine) replyMeans(typed, key string) bool {
	words := e.wordSet(key)
	if words[typed] {
		return true
	}
	toks := strings.Fields(typed)
	if len(toks) < 2 || !words[toks[0]] {
		return false
	}
	fillers := e.wordSet("confirm_words_filler")
	for _, t := range toks[1:] {
		if !words[t] && !fillers[t] {
			return false
		}
	}
	return true
}

// wordSet is the comma-separated words listed under key in messages.yaml, normalized, in
// both languages (a citizen may answer in either).
func (e *Engine) wordSet(key string) map[string]bool {
	set := map[string]bool{}
	for _, lang := range []string{LangID, LangEN} {
		for _, w := range strings.Split(e.msgs.Text(lang, key, nil), ",") {
			if w = normalizeReply(w); w != "" {
				set[w] = true
			}
		}
	}
	return set
}

// normalizeReply lower-cases a reply and keeps its letters and digits, one space apart
// ("✅ Ya!" → "ya", "Membuat KTP-el baru." → "membuat ktp el baru").
func normalizeReply(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}

func (e *Engine) media(ctx context.Context, b *turnBuilder) error {
	if in := b.activeIntake(); in != nil && !in.Offered && in.Kind == balai.KindComplaint {
		e.attach(b, in)
		return nil
	}
	if followed, err := e.follow(ctx, b); err != nil || followed {
		return err
	}
	b.log("media", b.in.Media)
	b.say(b.text("media", nil), []Button{{Text: b.text("button_officer", nil), Data: dataOfficer}})
	return nil
}

// command handles /start, /help, /menu, /bahasa, /petugas and /batal. Commands are parsed
// here, not by the channel library: "/start@balai_bot payload".
func (e *Engine) command(ctx context.Context, b *turnBuilder, text string) error {
	word := strings.Fields(text)[0]
	cmd, _, _ := strings.Cut(strings.ToLower(word[1:]), "@")
	b.log("command", cmd)
	name := map[string]any{"Name": b.in.UserName}
	switch cmd {
	case "start":
		b.say(b.text("start", name), e.startButtons(b)...)
	case "help", "bantuan":
		b.say(b.text("help", nil))
	case "menu":
		e.menu(b)
	case "bahasa", "language", "lang":
		b.say(b.text("language_choose", nil), []Button{{Text: "🇮🇩 Bahasa Indonesia", Data: dataLang + LangID}, {Text: "🇬🇧 English", Data: dataLang + LangEN}})
	case "petugas", "officer", "human", "cs":
		return e.escalate(ctx, b, EscalateAsked, b.t.State.LastQuestion, nil, "")
	case "batal", "cancel":
		if in := b.activeIntake(); in != nil {
			e.cancelForm(b, in)
			return nil
		}
		ticket, err := e.cfg.Escalator.OpenTicket(ctx, b.in.Chat, b.in.Time)
		if err != nil {
			return err
		}
		if ticket == "" {
			b.say(b.text("no_ticket", nil))
			return nil
		}
		if err := e.cfg.Escalator.Cancel(ctx, b.in.Chat, ticket); err != nil {
			return err
		}
		b.say(b.text("ticket_cancelled", map[string]any{"Ticket": ticket}))
	default:
		b.log("command", "unknown")
		b.say(b.text("unknown_command", nil))
	}
	return nil
}

func (e *Engine) startButtons(b *turnBuilder) [][]Button {
	return [][]Button{{{Text: b.text("button_menu", nil), Data: dataMenu}, {Text: b.text("button_officer", nil), Data: dataOfficer}}}
}

// menu shows the categories of the corpus.
func (e *Engine) menu(b *turnBuilder) {
	cats := e.cfg.Knowledge.Corpus().Categories()
	var rows [][]Button
	for i := 0; i < len(cats); i += 2 {
		row := []Button{{Text: cats[i], Data: dataCategory + faq.Slug(cats[i])}}
		if i+1 < len(cats) {
			row = append(row, Button{Text: cats[i+1], Data: dataCategory + faq.Slug(cats[i+1])})
		}
		rows = append(rows, row)
	}
	b.say(b.text("menu_intro", nil), rows...)
}

func (e *Engine) category(b *turnBuilder, slug string) {
	c := e.cfg.Knowledge.Corpus()
	var name string
	var entries []*faq.Entry
	for _, en := range c.Entries {
		if faq.Slug(en.Category) == slug && !en.Stale(b.in.Time) {
			name = en.Category
			entries = append(entries, en)
		}
	}
	if len(entries) == 0 {
		e.menu(b)
		return
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Title < entries[j].Title })
	var rows [][]Button
	for _, en := range entries {
		rows = append(rows, []Button{{Text: en.Title, Data: dataEntry + entryRef(en.ID)}})
	}
	rows = append(rows, []Button{{Text: b.text("button_back", nil), Data: dataMenu}})
	b.say(b.text("menu_category", map[string]any{"Category": name}), rows...)
}

// button handles a pressed button (or a numbered reply choosing one).
func (e *Engine) button(ctx context.Context, b *turnBuilder, data string) error {
	b.log("button", strings.SplitN(data, ":", 2)[0])
	c := e.cfg.Knowledge.Corpus()
	switch {
	case data == DataRelease:
		b.log("button", "release") // the held replies go out as the message arrived
	case data == dataMenu:
		e.menu(b)
	case data == dataOfficer:
		return e.escalate(ctx, b, EscalateAsked, b.t.State.LastQuestion, nil, "")
	case strings.HasPrefix(data, dataForm):
		return e.formButton(ctx, b, data)
	case strings.HasPrefix(data, dataCategory):
		e.category(b, strings.TrimPrefix(data, dataCategory))
	case strings.HasPrefix(data, dataLang):
		b.lang = strings.TrimPrefix(data, dataLang)
		if b.lang != LangEN {
			b.lang = LangID
		}
		b.t.State.Lang = b.lang
		b.say(b.text("language_set", nil))
	case strings.HasPrefix(data, dataEntry), strings.HasPrefix(data, dataConfirm):
		en, ok := findEntry(c, data[len(dataEntry):])
		if ok && en.Stale(b.in.Time) && strings.HasPrefix(data, dataConfirm) {
			// Confirmed, but past review since it was offered: an officer answers.
			return e.escalate(ctx, b, EscalateStale, b.t.State.LastQuestion, nil, en.ID)
		}
		if !ok || en.Stale(b.in.Time) {
			b.say(b.text("entry_unavailable", nil))
			return nil
		}
		how := "chosen"
		if strings.HasPrefix(data, dataConfirm) {
			how = "confirmed"
		}
		b.log("answer", how)
		b.t.State.Failures = 0
		e.answer(b, en, 1)
	case strings.HasPrefix(data, dataNotThis):
		// The citizen says it another way, once: the confirmation counted as an unanswered
		// question, so the next unanswered one goes to an officer.
		b.log("feedback", "not_this")
		b.t.State.Failures = max(b.t.State.Failures, 1)
		b.say(b.text("confirm_rephrase", nil))
	case strings.HasPrefix(data, dataYes):
		b.log("feedback", "helpful")
		b.t.Log.EntryID = refEntryID(c, strings.TrimPrefix(data, dataYes))
		b.t.State.Failures = 0
		b.say(b.text("feedback_thanks", nil))
	case strings.HasPrefix(data, dataNo):
		b.log("feedback", "not_helpful")
		b.t.Log.EntryID = refEntryID(c, strings.TrimPrefix(data, dataNo))
		b.say(b.text("feedback_sorry", nil))
		return e.escalate(ctx, b, EscalateFeedback, b.t.State.LastQuestion, nil, b.t.Log.EntryID)
	case strings.HasPrefix(data, dataRating):
		parts := strings.Split(strings.TrimPrefix(data, dataRating), ":")
		if len(parts) != 2 {
			return fmt.Errorf("rating %q: %w", data, ErrInvalidInput)
		}
		n, err := strconv.Atoi(parts[1])
		if err != nil || n < 1 || n > 5 {
			return fmt.Errorf("rating %q: %w", data, ErrInvalidInput)
		}
		if err := e.cfg.Escalator.Rate(ctx, b.in.Chat, parts[0], n); err != nil {
			return err
		}
		b.log("rating", parts[1])
		b.say(b.text("rating_thanks", map[string]any{"Rating": n}))
	default:
		b.log("button", "unknown")
		b.say(b.text("entry_unavailable", nil))
	}
	return nil
}

// question answers a typed question. It reports whether the knowledge index scored it.
func (e *Engine) question(ctx context.Context, b *turnBuilder, text string) (bool, error) {
	if followed, err := e.follow(ctx, b); err != nil || followed {
		return false, err
	}
	res, err := e.cfg.Knowledge.Ask(ctx, text)
	if err != nil {
		return false, err
	}
	if b.t.State.Lang == "" {
		b.lang = res.Lang
	}
	top, hasTop := res.Top()
	if hasTop {
		b.t.Log.Confidence = top.Confidence
		b.t.Log.EntryID = top.Entry.ID
	}
	switch {
	case res.Reason == knowledge.ReasonSmallTalk:
		b.log("small_talk", res.SmallTalk.ID)
		key := "chitchat" // other small talk gets one friendly redirect
		switch id := res.SmallTalk.ID; id {
		case "greeting", "thanks", "bye":
			key = id
		}
		b.say(b.text(key, map[string]any{"Name": b.in.UserName}))
		return false, nil
	case res.Reason == knowledge.ReasonNoContent:
		b.log("no_content", "")
		b.say(b.text("no_content", nil), e.startButtons(b)...)
		return false, nil
	}
	b.t.State.LastQuestion = text
	switch res.Decision {
	case knowledge.Refuse:
		e.refuse(b, res.Topic)
		return false, nil
	case knowledge.Answer:
		b.log("answer", res.Reason)
		b.t.State.Failures = 0
		e.answer(b, top.Entry, top.Confidence)
		return true, nil
	case knowledge.Suggest:
		b.t.State.Failures++
		if b.t.State.Failures >= 2 {
			return true, e.escalate(ctx, b, EscalateRepeated, text, res, "")
		}
		b.log("suggest", res.Reason)
		var rows [][]Button
		for _, s := range res.Suggestions {
			rows = append(rows, []Button{{Text: s.Entry.Title, Data: dataEntry + entryRef(s.Entry.ID)}})
		}
		rows = append(rows, []Button{{Text: b.text("button_officer", nil), Data: dataOfficer}})
		b.say(b.text("suggest_intro", nil), rows...)
		return true, nil
	case knowledge.Confirm:
		b.t.State.Failures++
		if b.t.State.Failures >= 2 {
			return true, e.escalate(ctx, b, EscalateRepeated, text, res, "")
		}
		b.log("confirm", res.Reason)
		en := res.Suggestions[0].Entry
		ref := entryRef(en.ID)
		b.say(b.text("confirm_question", map[string]any{"Title": en.Title}),
			[]Button{{Text: b.text("button_confirm_yes", nil), Data: dataConfirm + ref}, {Text: b.text("button_confirm_no", nil), Data: dataNotThis + ref}})
		return true, nil
	default:
		reason := EscalateUnsure
		switch res.Reason {
		case knowledge.ReasonTopic:
			reason = EscalateTopic
			if res.Topic.ID == "minta-petugas" {
				reason = EscalateAsked
			}
		case knowledge.ReasonStale:
			reason = EscalateStale
		}
		if kind, ok := FormTopics[topicID(res)]; ok && reason == EscalateTopic {
			// A complaint or a request for public information: offered to be recorded
			// formally first (declining hands it to an officer as below).
			e.offerForm(b, kind, text, res)
			return hasTop, nil
		}
		return hasTop, e.escalate(ctx, b, reason, text, res, "")
	}
}

// refuse answers a request Balai does not serve (forgery, a bribe, getting round a rule,
// someone else's data, an instruction aimed at the assistant) with a short refusal: the
// topic's own text "refuse_<id>" when messages.yaml has one, else "refuse". Nothing from the
// corpus and no ticket; the message log keeps the decision "refuse" with the topic as reason.
func (e *Engine) refuse(b *turnBuilder, t *knowledge.Topic) {
	b.log("refuse", t.ID)
	key := "refuse_" + t.ID
	if !e.msgs.Has(key) {
		key = "refuse"
	}
	b.say(b.text(key, nil))
	e.log.Info("Refused a request", "chat", b.in.Chat, "topic", t.ID)
}

// answer sends an entry's body with its source and the feedback buttons.
func (e *Engine) answer(b *turnBuilder, en *faq.Entry, conf float64) {
	b.t.State.LastEntry = en.ID
	b.t.Log.EntryID, b.t.Log.Confidence = en.ID, conf
	var sb strings.Builder
	sb.WriteString("**" + EscapeMarkdown(en.Title) + "**\n\n")
	sb.WriteString(en.Body)
	if note := b.text("answer_english_note", nil); note != "" && en.Lang != LangEN {
		sb.WriteString("\n\n" + note)
	}
	updated := ""
	if !en.Updated.IsZero() {
		updated = workhours.FormatDate(en.Updated, b.lang)
	}
	host := ""
	if u, err := url.Parse(en.Source); err == nil {
		host = strings.TrimPrefix(u.Host, "www.")
	}
	if footer := b.text("answer_footer", map[string]any{"Source": en.Source, "SourceHost": host, "Updated": updated}); footer != "" {
		sb.WriteString("\n\n" + footer)
	}
	sb.WriteString("\n\n" + b.text("feedback_question", nil))
	ref := entryRef(en.ID)
	b.say(sb.String(), []Button{{Text: b.text("button_yes", nil), Data: dataYes + ref}, {Text: b.text("button_no", nil), Data: dataNo + ref}})
}

// escalate hands the conversation to officers and tells the citizen when to expect a reply;
// with set changing the escalation (a form's). It ends any form being collected.
func (e *Engine) escalate(ctx context.Context, b *turnBuilder, reason, question string, res *knowledge.Result, entryID string, set ...func(*Escalation)) error {
	b.t.State.Intake = nil
	// The SLA runs from when Balai handles the message (the engine's clock).
	now := e.now()
	esc := Escalation{
		Key: b.in.Chat.String() + "/" + b.in.Key, Chat: b.in.Chat, UserName: b.in.UserName,
		Question: question, Reason: reason, Lang: b.lang, At: now,
	}
	if esc.Question == "" {
		esc.Question = b.in.Text
	}
	if entryID != "" {
		esc.Candidates = []string{entryID}
	}
	if res != nil {
		for _, c := range res.Candidates {
			esc.Candidates = append(esc.Candidates, c.Entry.ID)
		}
		if top, ok := res.Top(); ok {
			esc.Category = top.Entry.Category
		}
		if res.Topic != nil {
			esc.Topic, esc.TopicLabel, esc.Urgent = res.Topic.ID, res.Topic.Label, res.Topic.Urgent
		}
		if res.Stale != nil {
			esc.Topic, esc.TopicLabel = res.Stale.ID, res.Stale.Title
		}
	}
	for _, f := range set {
		f(&esc)
	}
	h, err := e.cfg.Escalator.Escalate(ctx, esc)
	if err != nil {
		return fmt.Errorf("escalate: %w", err)
	}
	b.t.State.Failures = 0
	switch {
	case h.Limited:
		b.log("escalate", "limited")
		b.say(b.text("ticket_limit", nil))
		return nil
	case h.Existing:
		// One active ticket per chat: the request went to it, and the citizen hears so.
		b.log("ticket", "existing")
		b.say(b.text("ticket_already_open", map[string]any{"Ticket": h.Ticket}))
		b.t.Out = append(b.t.Out, h.Out...)
		b.t.Also = h.Also
		return nil
	}
	b.log("escalate", reason)
	if esc.Form != nil {
		b.log("form", "recorded_"+string(esc.Form.Kind))
		f := *esc.Form
		f.ReceivedAt = esc.At
		b.say(e.formDone(b, f, h))
		return nil
	}
	var parts []string
	if esc.Urgent {
		parts = append(parts, b.text("escalate_urgent", nil))
	}
	switch reason {
	case EscalateUnsure, EscalateRepeated:
		parts = append(parts, b.text("escalate_reason_unsure", nil))
	case EscalateStale:
		parts = append(parts, b.text("escalate_reason_stale", nil))
	case EscalateTopic:
		// A topic's own text ("escalate_topic_pungli": report extortion to SP4N-LAPOR!), else
		// the common one.
		key := "escalate_topic_" + esc.Topic
		if esc.Topic == "" || !e.msgs.Has(key) {
			key = "escalate_reason_topic"
		}
		parts = append(parts, b.text(key, nil))
	}
	cal := e.cfg.Calendar
	key, when := "escalate_open", h.Due
	if !cal.IsOpen(now) {
		key, when = "escalate_closed", cal.NextOpen(now)
	}
	if when.IsZero() {
		when = cal.Add(now, e.cfg.SLA)
	}
	loc := cal.Location()
	parts = append(parts, b.text(key, map[string]any{"Ticket": h.Ticket, "When": workhours.Describe(when.In(loc), now.In(loc), b.lang)}))
	b.say(strings.Join(parts, "\n\n"))
	return nil
}

// follow adds the message to the chat's open ticket, if there is one, and tells the
// citizen so; false when no ticket is open.
func (e *Engine) follow(ctx context.Context, b *turnBuilder) (bool, error) {
	fu, err := e.cfg.Escalator.Follow(ctx, b.in.Inbound)
	if err != nil || fu.Ticket == "" {
		return false, err
	}
	b.log("ticket", "follow")
	b.say(b.text("ticket_open_forwarded", map[string]any{"Ticket": fu.Ticket}))
	b.t.Out = append(b.t.Out, fu.Out...)
	b.t.Also = fu.Also
	return true, nil
}

// topicID is the id of the topic that decided res, "" when none did.
func topicID(res *knowledge.Result) string {
	if res == nil || res.Topic == nil {
		return ""
	}
	return res.Topic.ID
}
