package balai

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// TicketKind is what a citizen's ticket asks of the agency, and so which clock it runs on.
type TicketKind string

// Ticket kinds.
const (
	// KindQuestion is a question: the agency's own SLA in working hours (Ticket.DueAt).
	KindQuestion TicketKind = "question"
	// KindComplaint is a complaint (pengaduan) in SP4N-LAPOR!'s fields, on LAPOR!'s clocks:
	// verification within 3 working days, follow-up within 5, closure within 10.
	KindComplaint TicketKind = "complaint"
	// KindInfoRequest is a request for public information (permohonan informasi publik,
	// UU 14/2008) in the PPID form's fields: answered within 10 working days, extendable
	// once by 7 with the reasons given to the requester in writing.
	KindInfoRequest TicketKind = "info_request"
)

// Valid reports whether k is one of the kinds.
func (k TicketKind) Valid() bool {
	switch k {
	case KindQuestion, KindComplaint, KindInfoRequest:
		return true
	}
	return false
}

// The legal clocks, in working days from the day after a complete form was received.
const (
	ComplaintVerificationDays = 3  // LAPOR!: the report is verified (accepted or refused)
	ComplaintFollowUpDays     = 5  // LAPOR!: the agency concerned follows it up
	ComplaintClosureDays      = 10 // LAPOR!: the report is closed
	InfoRequestDays           = 10 // UU 14/2008 art. 22(7): the written answer
	InfoRequestExtensionDays  = 7  // UU 14/2008 art. 22(8): one extension, with reasons
)

// Complaint is a complaint (pengaduan) in the fields of SP4N-LAPOR!'s report form.
type Complaint struct {
	Title       string    `json:"title"`
	Description string    `json:"description"`
	EventDate   time.Time `json:"event_date,omitzero"` // the day of the event (its date counts)
	EventPlace  string    `json:"event_place,omitempty"`
	Agency      string    `json:"agency,omitempty"` // the agency concerned (instansi terlapor)
	Category    string    `json:"category,omitempty"`
	// Attachments are references to the evidence the citizen sent (the channel's file or
	// message ids, links), never the files themselves.
	Attachments []string `json:"attachments,omitempty"`
	// Anonymous: the reporter's identity is withheld from the agency concerned and from
	// every export; only Balai's own records keep the chat it came from.
	Anonymous bool `json:"anonymous,omitempty"`
	// Confidential: the report's content is not published (LAPOR!'s "rahasia").
	Confidential bool `json:"confidential,omitempty"`
	// The reporter, as they gave themselves (empty when anonymous).
	ReporterName    string `json:"reporter_name,omitempty"`
	ReporterContact string `json:"reporter_contact,omitempty"`
	// VerifiedAt is when an officer verified the report (zero until then).
	VerifiedAt time.Time `json:"verified_at,omitzero"`
}

// Missing returns the names of the fields a complaint still needs, in the order a citizen is
// asked for them: title, description, event_date, event_place, agency (category,
// attachments and the reporter are optional; so is the rest when anonymous).
func (c Complaint) Missing() []string {
	var out []string
	for _, f := range []struct {
		name string
		ok   bool
	}{
		{"title", strings.TrimSpace(c.Title) != ""},
		{"description", strings.TrimSpace(c.Description) != ""},
		{"event_date", !c.EventDate.IsZero()},
		{"event_place", strings.TrimSpace(c.EventPlace) != ""},
		{"agency", strings.TrimSpace(c.Agency) != ""},
	} {
		if !f.ok {
			out = append(out, f.name)
		}
	}
	return out
}

// HowToObtain is how a requester wants public information (PPID form).
type HowToObtain string

// Ways to obtain information.
const (
	ObtainView HowToObtain = "view" // melihat, membaca, mendengarkan, mencatat
	ObtainCopy HowToObtain = "copy" // mendapatkan salinan
)

// CopyForm is the form of a copy.
type CopyForm string

// Forms of a copy.
const (
	CopySoft CopyForm = "softcopy"
	CopyHard CopyForm = "hardcopy"
)

// CopyDelivery is how a copy reaches the requester.
type CopyDelivery string

// Ways a copy is delivered (PPID form: mengambil langsung, kurir, pos, faksimili, e-mail).
const (
	DeliverPickup  CopyDelivery = "pickup"
	DeliverCourier CopyDelivery = "courier"
	DeliverPost    CopyDelivery = "post"
	DeliverFax     CopyDelivery = "fax"
	DeliverEmail   CopyDelivery = "email"
)

// InfoRequest is a request for public information in the fields of the PPID's form.
type InfoRequest struct {
	// Number is the registration number (nomor pendaftaran) the requester quotes: the
	// agency's prefix, the year and a sequence ("PPID-2026-000042"); the store assigns it.
	Number      string       `json:"number,omitempty"`
	Name        string       `json:"name"`
	Address     string       `json:"address"`
	Occupation  string       `json:"occupation,omitempty"`
	Phone       string       `json:"phone,omitempty"`
	Email       string       `json:"email,omitempty"`
	Information string       `json:"information"` // rincian informasi yang dibutuhkan
	Purpose     string       `json:"purpose"`     // tujuan penggunaan informasi
	Obtain      HowToObtain  `json:"obtain"`
	CopyForm    CopyForm     `json:"copy_form,omitempty"` // with ObtainCopy
	Delivery    CopyDelivery `json:"delivery,omitempty"`  // with ObtainCopy
	// ExtendedAt is when the PPID extended the deadline, with ExtensionReason (told to
	// the requester in writing); zero while not extended.
	ExtendedAt      time.Time `json:"extended_at,omitzero"`
	ExtensionReason string    `json:"extension_reason,omitempty"`
}

// Missing returns the names of the fields a request still needs, in the order a citizen is
// asked for them: name, address, contact (a phone or an e-mail), information, purpose,
// obtain, and with a copy copy_form and delivery. Occupation is optional.
func (r InfoRequest) Missing() []string {
	var out []string
	for _, f := range []struct {
		name string
		ok   bool
	}{
		{"name", strings.TrimSpace(r.Name) != ""},
		{"address", strings.TrimSpace(r.Address) != ""},
		{"contact", strings.TrimSpace(r.Phone) != "" || strings.TrimSpace(r.Email) != ""},
		{"information", strings.TrimSpace(r.Information) != ""},
		{"purpose", strings.TrimSpace(r.Purpose) != ""},
		{"obtain", r.Obtain == ObtainView || r.Obtain == ObtainCopy},
		{"copy_form", r.Obtain != ObtainCopy || r.CopyForm == CopySoft || r.CopyForm == CopyHard},
		{"delivery", r.Obtain != ObtainCopy || validDelivery(r.Delivery)},
	} {
		if !f.ok {
			out = append(out, f.name)
		}
	}
	return out
}

func validDelivery(d CopyDelivery) bool {
	switch d {
	case DeliverPickup, DeliverCourier, DeliverPost, DeliverFax, DeliverEmail:
		return true
	}
	return false
}

// InfoRequestNumber formats a registration number: prefix, year and sequence,
// "PPID-2026-000042".
func InfoRequestNumber(prefix string, year int, seq int64) string {
	return fmt.Sprintf("%s-%04d-%06d", prefix, year, seq)
}

// Form is the form a complaint or an information request carries, beside its ticket.
type Form struct {
	TicketID int64
	Kind     TicketKind // KindComplaint or KindInfoRequest
	// ReceivedAt is when the complete form was received: its legal clocks count from the
	// day after.
	ReceivedAt  time.Time
	Complaint   *Complaint   // with KindComplaint
	InfoRequest *InfoRequest // with KindInfoRequest
}

// Errors of forms.
var (
	// ErrFormIncomplete wraps the names of the fields a form still needs (FormError).
	ErrFormIncomplete = errors.New("form incomplete")
	// ErrAlreadyExtended means an information request's deadline was extended before: the
	// law allows it once.
	ErrAlreadyExtended = errors.New("deadline already extended")
	// ErrFormNotFound means the ticket carries no form.
	ErrFormNotFound = errors.New("no form for this ticket")
)

// FormError lists the fields a form still needs; it matches ErrFormIncomplete.
type FormError struct {
	Kind    TicketKind
	Missing []string
}

func (e *FormError) Error() string {
	return fmt.Sprintf("%s %v: missing %s", e.Kind, ErrFormIncomplete, strings.Join(e.Missing, ", "))
}

// Is makes errors.Is(err, ErrFormIncomplete) hold.
func (e *FormError) Is(target error) bool { return target == ErrFormIncomplete }

// Validate reports a form of the wrong shape, or a *FormError naming what it still needs.
func (f Form) Validate() error {
	var missing []string
	switch f.Kind {
	case KindComplaint:
		if f.Complaint == nil || f.InfoRequest != nil {
			return fmt.Errorf("complaint form: want the complaint's fields only")
		}
		missing = f.Complaint.Missing()
	case KindInfoRequest:
		if f.InfoRequest == nil || f.Complaint != nil {
			return fmt.Errorf("information request form: want the request's fields only")
		}
		missing = f.InfoRequest.Missing()
	default:
		return fmt.Errorf("form of kind %q: want %s or %s", f.Kind, KindComplaint, KindInfoRequest)
	}
	if f.ReceivedAt.IsZero() {
		missing = append(missing, "received_at")
	}
	if len(missing) > 0 {
		return &FormError{Kind: f.Kind, Missing: missing}
	}
	return nil
}

// Milestone names a step of a legal clock.
type Milestone string

// Milestones of the legal clocks.
const (
	MilestoneVerification Milestone = "verification" // complaint
	MilestoneFollowUp     Milestone = "follow_up"    // complaint
	MilestoneClosure      Milestone = "closure"      // complaint
	MilestoneResponse     Milestone = "response"     // information request (extended or not)
)

// Deadline is when a step of a legal clock is due.
type Deadline struct {
	Milestone   Milestone
	WorkingDays int // counted from the day after ReceivedAt
	Due         time.Time
}

// WorkingDays is the agency's calendar as the legal clocks need it (workhours.Calendar).
type WorkingDays interface {
	// AddWorkingDays returns the close of the nth working day after t's date.
	AddWorkingDays(t time.Time, n int) time.Time
}

// Deadlines returns the legal deadlines of f by the agency's calendar, in order: for a
// complaint verification (3), follow-up (5) and closure (10); for an information request
// the response (10, or 17 once extended). A question has none (its SLA is the ticket's).
func (f Form) Deadlines(cal WorkingDays) []Deadline {
	var steps []Deadline
	switch {
	case f.Kind == KindComplaint:
		steps = []Deadline{
			{Milestone: MilestoneVerification, WorkingDays: ComplaintVerificationDays},
			{Milestone: MilestoneFollowUp, WorkingDays: ComplaintFollowUpDays},
			{Milestone: MilestoneClosure, WorkingDays: ComplaintClosureDays},
		}
	case f.Kind == KindInfoRequest:
		days := InfoRequestDays
		if f.InfoRequest != nil && !f.InfoRequest.ExtendedAt.IsZero() {
			days += InfoRequestExtensionDays
		}
		steps = []Deadline{{Milestone: MilestoneResponse, WorkingDays: days}}
	}
	for i := range steps {
		steps[i].Due = cal.AddWorkingDays(f.ReceivedAt, steps[i].WorkingDays)
	}
	return steps
}

// Due returns the last legal deadline of f (closure, response), zero for a question.
func (f Form) Due(cal WorkingDays) time.Time {
	d := f.Deadlines(cal)
	if len(d) == 0 {
		return time.Time{}
	}
	return d[len(d)-1].Due
}

// Extend extends an information request's deadline by InfoRequestExtensionDays, once, for
// reason (which the requester must be told in writing).
func (r *InfoRequest) Extend(at time.Time, reason string) error {
	switch {
	case !r.ExtendedAt.IsZero():
		return ErrAlreadyExtended
	case strings.TrimSpace(reason) == "":
		return errors.New("extend information request: give the reason the requester is told")
	}
	r.ExtendedAt, r.ExtensionReason = at, strings.TrimSpace(reason)
	return nil
}
