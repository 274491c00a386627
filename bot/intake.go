package bot

import (
	"context"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/workhours"
)

// FormTopics are the always-human topics (knowledge/data/escalate.txt) after which the
// engine offers to record the citizen's request formally, and as which kind of form: a
// complaint in SP4N-LAPOR!'s fields or a request for public information in the PPID form's.
// A citizen who declines is handed to an officer as usual.
var FormTopics = map[string]balai.TicketKind{
	"pengaduan":            balai.KindComplaint,
	"keluhan":              balai.KindComplaint,
	"pungli":               balai.KindComplaint,
	"permohonan-informasi": balai.KindInfoRequest,
}

// IntakeTTL is how long a form being collected waits for the citizen's next answer: one
// left longer is dropped (with what it held) when the citizen writes again.
var IntakeTTL = 24 * time.Hour

// Button data of the intake: "f:y" records the request, "f:n" declines, "f:v:<value>"
// answers the field asked with one of its choices.
const (
	dataForm       = "f:"
	dataFormYes    = "f:y"
	dataFormNo     = "f:n"
	dataFormChoice = "f:v:"
)

// The fields beyond Missing(), asked after it in this order; reporter fields only when the
// complaint is not anonymous.
var (
	complaintExtra   = []string{"anonymous", "confidential", "reporter_name", "reporter_contact"}
	infoRequestExtra = []string{"occupation"}
	// optionalFields may be skipped ("lewati").
	optionalFields = map[string]bool{"reporter_name": true, "reporter_contact": true, "occupation": true}
	// choices are the values of the fields answered by choosing, in the order offered; each
	// value's button text is messages.yaml "form_choice_<value>".
	choices = map[string][]string{
		"anonymous":    {"yes", "no"},
		"confidential": {"yes", "no"},
		"obtain":       {string(balai.ObtainView), string(balai.ObtainCopy)},
		"copy_form":    {string(balai.CopySoft), string(balai.CopyHard)},
		"delivery": {string(balai.DeliverPickup), string(balai.DeliverEmail), string(balai.DeliverPost),
			string(balai.DeliverCourier), string(balai.DeliverFax)},
	}
)

// asked reports whether the question field of in was answered or skipped.
func asked(in *Intake, field string) bool {
	for _, f := range in.Asked {
		if f == field {
			return true
		}
	}
	return false
}

// nextField is the field of in to ask next: the first the form still needs (Missing), then the
// questions beyond it; "" when the form is complete.
func nextField(in *Intake) string {
	var missing, extra []string
	switch in.Kind {
	case balai.KindComplaint:
		missing, extra = in.Complaint.Missing(), complaintExtra
	case balai.KindInfoRequest:
		missing, extra = in.InfoRequest.Missing(), infoRequestExtra
	}
	if len(missing) > 0 {
		return missing[0]
	}
	for _, f := range extra {
		if in.Kind == balai.KindComplaint && in.Complaint.Anonymous && strings.HasPrefix(f, "reporter_") {
			continue
		}
		if !asked(in, f) {
			return f
		}
	}
	return ""
}

// errAnswer is a reply the field cannot take; its text key says why.
type errAnswer struct{ key string }

func (e errAnswer) Error() string { return e.key }

// setField stores answer as the value of in's field (value is a choice's value, or the typed text).
func setField(in *Intake, field, value string, e *Engine, now time.Time, loc *time.Location) error {
	value = strings.TrimSpace(value)
	c, r := in.Complaint, in.InfoRequest
	if vs, ok := choices[field]; ok {
		if !contains(vs, value) {
			return errAnswer{"form_invalid_choice"}
		}
	} else if value == "" {
		return errAnswer{"form_required"}
	}
	switch field {
	case "title":
		c.Title = value
	case "description":
		c.Description = value
	case "event_date":
		d, err := e.parseDate(value, now, loc)
		if err != nil {
			return err
		}
		c.EventDate = d
	case "event_place":
		c.EventPlace = value
	case "agency":
		c.Agency = value
	case "anonymous":
		c.Anonymous = value == "yes"
	case "confidential":
		c.Confidential = value == "yes"
	case "reporter_name":
		c.ReporterName = value
	case "reporter_contact":
		phone, email, ok := parseContact(value)
		if !ok {
			return errAnswer{"form_invalid_contact"}
		}
		c.ReporterContact = phone + email
	case "name":
		r.Name = value
	case "address":
		r.Address = value
	case "contact":
		phone, email, ok := parseContact(value)
		if !ok {
			return errAnswer{"form_invalid_contact"}
		}
		r.Phone, r.Email = phone, email
	case "information":
		r.Information = value
	case "purpose":
		r.Purpose = value
	case "occupation":
		r.Occupation = value
	case "obtain":
		r.Obtain = balai.HowToObtain(value)
	case "copy_form":
		r.CopyForm = balai.CopyForm(value)
	case "delivery":
		r.Delivery = balai.CopyDelivery(value)
	default:
		return fmt.Errorf("intake: unknown field %q", field)
	}
	if !asked(in, field) {
		in.Asked = append(in.Asked, field)
	}
	return nil
}

func contains(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// offerForm offers to record the detected request formally instead of escalating at once.
func (e *Engine) offerForm(b *turnBuilder, kind balai.TicketKind, text string, res *knowledge.Result) {
	in := &Intake{Kind: kind, Offered: true, Question: text, Lang: b.lang, At: b.in.Time}
	if res.Topic != nil {
		in.Topic, in.TopicLabel = res.Topic.ID, res.Topic.Label
	}
	if top, ok := res.Top(); ok {
		in.Category = top.Entry.Category
	}
	b.t.State.Intake = in
	b.log("form", "offer_"+string(kind))
	b.say(b.text("form_offer_"+string(kind), nil),
		[]Button{{Text: b.text("form_button_record", nil), Data: dataFormYes}},
		[]Button{{Text: b.text("form_button_officer", nil), Data: dataFormNo}})
}

// activeIntake returns the conversation's intake unless it was left past IntakeTTL (then
// it is dropped).
func (b *turnBuilder) activeIntake() *Intake {
	in := b.t.State.Intake
	if in == nil {
		return nil
	}
	if b.in.Time.Sub(in.At) > IntakeTTL {
		b.t.State.Intake = nil
		return nil
	}
	if b.t.State.Lang == "" && in.Lang != "" {
		b.lang = in.Lang
	}
	return in
}

// formButton handles the intake's buttons (and the typed or numbered replies naming them).
func (e *Engine) formButton(ctx context.Context, b *turnBuilder, data string) error {
	in := b.activeIntake()
	if in == nil {
		return fmt.Errorf("form button %q without a form: %w", data, ErrInvalidInput)
	}
	switch {
	case data == dataFormYes:
		return e.acceptForm(ctx, b, in)
	case data == dataFormNo:
		return e.declineForm(ctx, b, in)
	case strings.HasPrefix(data, dataFormChoice) && !in.Offered:
		return e.answerField(ctx, b, in, strings.TrimPrefix(data, dataFormChoice), true)
	}
	return fmt.Errorf("form button %q: %w", data, ErrInvalidInput)
}

func (e *Engine) acceptForm(ctx context.Context, b *turnBuilder, in *Intake) error {
	if in.Offered {
		in.Offered = false
		switch in.Kind {
		case balai.KindComplaint:
			in.Complaint = &balai.Complaint{}
		default:
			in.InfoRequest = &balai.InfoRequest{}
		}
		b.log("form", "start_"+string(in.Kind))
		b.say(b.text("form_start_"+string(in.Kind), nil))
	} else {
		b.log("form", "ask") // pressed again: the question stands
	}
	return e.askNext(ctx, b, in)
}

// declineForm hands the request to an officer as it would have been without the offer.
func (e *Engine) declineForm(ctx context.Context, b *turnBuilder, in *Intake) error {
	b.t.State.Intake = nil
	res := &knowledge.Result{Topic: &knowledge.Topic{ID: in.Topic, Label: in.TopicLabel}}
	if in.Topic == "" {
		res = nil
	}
	return e.escalate(ctx, b, EscalateTopic, in.Question, res, "", func(esc *Escalation) { esc.Category = in.Category })
}

// cancelForm drops the form and what it held.
func (e *Engine) cancelForm(b *turnBuilder, in *Intake) {
	b.t.State.Intake = nil
	b.log("form", "cancelled")
	b.say(b.text("form_cancelled_"+string(in.Kind), nil))
}

// intakeText handles a typed reply while an intake is active; false when it is not one (the
// citizen did not take up the offer and asks something else: the intake is dropped).
func (e *Engine) intakeText(ctx context.Context, b *turnBuilder, in *Intake, text string) (bool, error) {
	typed := normalizeReply(text)
	if e.wordSet("form_words_cancel")[typed] {
		e.cancelForm(b, in)
		return true, nil
	}
	if in.Offered {
		switch {
		case e.replyMeans(typed, "confirm_words_yes"):
			return true, e.acceptForm(ctx, b, in)
		case e.replyMeans(typed, "confirm_words_no"):
			return true, e.declineForm(ctx, b, in)
		}
		b.t.State.Intake = nil // not taken up: the message is a question of its own
		return false, nil
	}
	// What the citizen types into a form stays in the form: the message log keeps the
	// field's name, not its value.
	b.t.Inbound.Text = "[" + in.Field + "]"
	if e.wordSet("form_words_skip")[typed] {
		if !optionalFields[in.Field] {
			b.log("form", "required")
			b.say(b.text("form_required", nil))
			return true, e.ask(b, in, in.Field)
		}
		if !asked(in, in.Field) {
			in.Asked = append(in.Asked, in.Field)
		}
		b.log("form", "skipped")
		return true, e.askNext(ctx, b, in)
	}
	value := text
	if vs, ok := choices[in.Field]; ok {
		value = e.choiceTyped(typed, vs)
	}
	return true, e.answerField(ctx, b, in, value, false)
}

// choiceTyped reads a typed choice: its button text in either language, its number in the
// list, or yes/no words for a yes/no question; "" when it names none.
func (e *Engine) choiceTyped(typed string, vs []string) string {
	if n, ok := optionNumber(typed, len(vs)); ok {
		return vs[n-1]
	}
	for _, v := range vs {
		if normalizeReply(v) == typed {
			return v
		}
		for _, lang := range []string{LangID, LangEN} {
			if normalizeReply(e.msgs.Text(lang, "form_choice_"+v, nil)) == typed {
				return v
			}
		}
	}
	if contains(vs, "yes") {
		switch {
		case e.replyMeans(typed, "confirm_words_yes"):
			return "yes"
		case e.replyMeans(typed, "confirm_words_no"):
			return "no"
		}
	}
	return ""
}

// answerField stores the answer to the field asked and asks the next, or asks again with
// the reason when the answer does not fit.
func (e *Engine) answerField(ctx context.Context, b *turnBuilder, in *Intake, value string, pressed bool) error {
	field := in.Field
	if field == "" {
		return e.askNext(ctx, b, in)
	}
	if pressed && !contains(choices[field], value) {
		return fmt.Errorf("form choice %q for %s: %w", value, field, ErrInvalidInput)
	}
	cal := e.cfg.Calendar
	err := setField(in, field, value, e, b.in.Time, cal.Location())
	if ea, ok := err.(errAnswer); ok {
		b.log("form", "invalid")
		b.say(b.text(ea.key, nil))
		return e.ask(b, in, field)
	}
	if err != nil {
		return err
	}
	b.log("form", "field")
	return e.askNext(ctx, b, in)
}

// askNext asks the next field, or submits the complete form.
func (e *Engine) askNext(ctx context.Context, b *turnBuilder, in *Intake) error {
	if f := nextField(in); f != "" {
		return e.ask(b, in, f)
	}
	return e.submitForm(ctx, b, in)
}

// ask asks for one field, in the citizen's language, with its choices as buttons.
func (e *Engine) ask(b *turnBuilder, in *Intake, field string) error {
	in.Field, in.At = field, b.in.Time
	text := b.text("form_ask_"+field, nil)
	if optionalFields[field] {
		text += "\n\n" + b.text("form_hint_optional", nil)
	}
	text += "\n\n" + b.text("form_hint_cancel", nil)
	var rows [][]Button
	for _, v := range choices[field] {
		rows = append(rows, []Button{{Text: b.text("form_choice_"+v, nil), Data: dataFormChoice + v}})
	}
	b.say(text, rows...)
	return nil
}

// submitForm opens the ticket with the complete form and tells the citizen its number, the
// registration number (information requests) and the legal deadlines.
func (e *Engine) submitForm(ctx context.Context, b *turnBuilder, in *Intake) error {
	b.t.State.Intake = nil
	f := in.Form(e.now())
	return e.escalate(ctx, b, EscalateForm, in.Question, nil, "", func(esc *Escalation) {
		esc.Form = &f
		esc.Topic, esc.TopicLabel, esc.Category = in.Topic, in.TopicLabel, in.Category
	})
}

// formDone is the citizen's message about a form recorded as ticket h.
func (e *Engine) formDone(b *turnBuilder, f balai.Form, h Handover) string {
	cal := e.cfg.Calendar
	loc := cal.Location()
	deadlines := f.Deadlines(cal)
	date := func(t time.Time) string { return workhours.FormatDate(t.In(loc), b.lang) }
	data := map[string]any{"Ticket": h.Ticket, "Registration": h.Registration}
	due := h.Deadline
	if due.IsZero() && len(deadlines) > 0 {
		due = deadlines[len(deadlines)-1].Due
	}
	data["Deadline"] = date(due)
	names := map[balai.Milestone]string{balai.MilestoneVerification: "Verification", balai.MilestoneFollowUp: "FollowUp",
		balai.MilestoneClosure: "Closure", balai.MilestoneResponse: "Response"}
	for _, d := range deadlines {
		data[names[d.Milestone]] = date(d.Due)
	}
	data["Days"] = balai.ComplaintClosureDays
	if f.Kind == balai.KindInfoRequest {
		data["Days"], data["Extension"] = balai.InfoRequestDays, balai.InfoRequestExtensionDays
	}
	return b.text("form_done_"+string(f.Kind), data)
}

// attach records a file or photo the citizen sends while a complaint is collected, by
// reference (the channel's message id), never the file itself.
func (e *Engine) attach(b *turnBuilder, in *Intake) {
	ref := string(b.in.Chat.Channel) + ":" + b.in.MessageID
	if b.in.MessageID == "" {
		ref = string(b.in.Chat.Channel) + ":" + b.in.Key
	}
	if !contains(in.Complaint.Attachments, ref) {
		in.Complaint.Attachments = append(in.Complaint.Attachments, ref)
	}
	b.t.Inbound.Text = "" // a caption is the citizen's evidence too
	b.log("form", "attachment")
	b.say(b.text("form_attachment", map[string]any{"Count": len(in.Complaint.Attachments)}))
	if in.Field != "" {
		e.ask(b, in, in.Field)
	}
}

// months names the months as citizens write them (Indonesian and English, short forms).
var months = map[string]time.Month{
	"jan": 1, "januari": 1, "january": 1, "feb": 2, "februari": 2, "february": 2, "peb": 2, "pebruari": 2,
	"mar": 3, "maret": 3, "march": 3, "apr": 4, "april": 4, "mei": 5, "may": 5,
	"jun": 6, "juni": 6, "june": 6, "jul": 7, "juli": 7, "july": 7,
	"agu": 8, "agt": 8, "ags": 8, "agus": 8, "agustus": 8, "aug": 8, "august": 8,
	"sep": 9, "sept": 9, "september": 9, "okt": 10, "oktober": 10, "oct": 10, "october": 10,
	"nov": 11, "nop": 11, "november": 11, "nopember": 11, "des": 12, "desember": 12, "dec": 12, "december": 12,
}

// parseDate reads the date of an event as citizens write it: "12/3/2026", "12-03-2026",
// "2026-03-12", "12 Maret 2026", "12 Mar" (this year), "kemarin", "today". A date after
// today (in the agency's zone) is refused.
func (e *Engine) parseDate(s string, now time.Time, loc *time.Location) (time.Time, error) {
	now = now.In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	typed := normalizeReply(s)
	switch {
	case e.replyMeans(typed, "form_words_today"):
		return today, nil
	case e.replyMeans(typed, "form_words_yesterday"):
		return today.AddDate(0, 0, -1), nil
	}
	tok := strings.Fields(typed)
	bad := errAnswer{"form_invalid_date"}
	if len(tok) == 3 && len(tok[0]) == 4 { // 2026-03-12
		tok = []string{tok[2], tok[1], tok[0]}
	}
	if len(tok) == 2 {
		tok = append(tok, strconv.Itoa(today.Year()))
	}
	if len(tok) != 3 {
		return time.Time{}, bad
	}
	day, err1 := strconv.Atoi(tok[0])
	year, err2 := strconv.Atoi(tok[2])
	month, ok := months[tok[1]]
	if m, err := strconv.Atoi(tok[1]); err == nil {
		month, ok = time.Month(m), m >= 1 && m <= 12
	}
	if err1 != nil || err2 != nil || !ok {
		return time.Time{}, bad
	}
	if year < 100 {
		year += 2000
	}
	d := time.Date(year, month, day, 0, 0, 0, 0, loc)
	if d.Day() != day || d.Month() != month {
		return time.Time{}, bad // 31 February
	}
	if d.After(today) {
		return time.Time{}, errAnswer{"form_invalid_date_future"}
	}
	if year < today.Year()-10 {
		return time.Time{}, bad
	}
	return d, nil
}

// parseContact reads a phone number (Indonesian or international: 9 to 15 digits after an
// optional "+", spaces, dots, dashes and brackets allowed) or an e-mail address.
func parseContact(s string) (phone, email string, ok bool) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "@") {
		a, err := mail.ParseAddress(s)
		if err != nil {
			return "", "", false
		}
		_, domain, _ := strings.Cut(a.Address, "@")
		if !strings.Contains(domain, ".") || strings.HasSuffix(domain, ".") {
			return "", "", false
		}
		return "", a.Address, true
	}
	var digits strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && i == 0:
			digits.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", "", false
		}
	}
	p := digits.String()
	n := len(strings.TrimPrefix(p, "+"))
	if n < 9 || n > 15 || !(strings.HasPrefix(p, "0") || strings.HasPrefix(p, "+") || strings.HasPrefix(p, "62")) {
		return "", "", false
	}
	return p, "", true
}
