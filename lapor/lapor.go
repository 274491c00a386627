// Package lapor hands citizens' complaints to SP4N-LAPOR!, the national complaint system, in
// its fields: title, description, date and place of the event, agency concerned, category,
// attachments, anonymous and confidential, with LAPOR!'s deadlines. LAPOR!'s API is open only
// to registered agency developers, so the integration point is the Exporter interface; the
// exporters here write files (CSV for a spreadsheet, JSON for a script) that the agency's
// LAPOR! administrator enters instead of re-keying WhatsApp complaints by hand.
//
// An anonymous complaint is exported without anything that identifies its reporter (name,
// contact, the channel it came on); a confidential one is flagged so that it is entered as
// LAPOR!'s "rahasia".
package lapor

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/balai-id/balai"
)

// Report is one complaint in LAPOR!'s fields. Dates are the agency's calendar dates
// (YYYY-MM-DD) and times RFC 3339 in the agency's zone.
type Report struct {
	Ticket          string   `json:"nomor_tiket"` // Balai's ticket number, to find it again
	Title           string   `json:"judul"`
	Description     string   `json:"isi"`
	EventDate       string   `json:"tanggal_kejadian,omitempty"`
	EventPlace      string   `json:"lokasi_kejadian,omitempty"`
	Agency          string   `json:"instansi_tujuan,omitempty"`
	Category        string   `json:"kategori,omitempty"`
	Attachments     []string `json:"lampiran,omitempty"`
	Anonymous       bool     `json:"anonim"`
	Confidential    bool     `json:"rahasia"`
	ReporterName    string   `json:"nama_pelapor,omitempty"`
	ReporterContact string   `json:"kontak_pelapor,omitempty"`
	Channel         string   `json:"kanal,omitempty"`
	ReceivedAt      string   `json:"diterima"`
	VerificationDue string   `json:"batas_verifikasi"`
	FollowUpDue     string   `json:"batas_tindak_lanjut"`
	ClosureDue      string   `json:"batas_selesai"`
}

// Exporter hands complaints to LAPOR!: a file for the agency's administrator, or (for an
// agency registered as a LAPOR! developer) its API. Export may do I/O and block; it returns
// an error naming what failed, and exports either all reports or none it can take back.
type Exporter interface {
	Export(ctx context.Context, reports []Report) error
}

// FromForm returns the complaint of ticket t (whose form f is) as a Report, numbered with
// the desk's ticket prefix, its deadlines by the agency's calendar cal, in the zone loc. It
// reports false when f is not a complaint or its fields were erased.
func FromForm(f balai.Form, t balai.Ticket, prefix string, cal balai.WorkingDays, loc *time.Location) (Report, bool) {
	c := f.Complaint
	if f.Kind != balai.KindComplaint || c == nil {
		return Report{}, false
	}
	stamp := func(t time.Time) string { return t.In(loc).Format(time.RFC3339) }
	r := Report{
		Ticket:       t.Number(prefix),
		Title:        c.Title,
		Description:  c.Description,
		EventPlace:   c.EventPlace,
		Agency:       c.Agency,
		Category:     c.Category,
		Attachments:  c.Attachments,
		Anonymous:    c.Anonymous,
		Confidential: c.Confidential,
		ReceivedAt:   stamp(f.ReceivedAt),
	}
	if !c.EventDate.IsZero() {
		r.EventDate = c.EventDate.In(loc).Format(time.DateOnly)
	}
	if r.Category == "" {
		r.Category = t.Category
	}
	if !c.Anonymous {
		r.ReporterName, r.ReporterContact, r.Channel = c.ReporterName, c.ReporterContact, string(t.Chat.Channel)
	}
	for _, d := range f.Deadlines(cal) {
		switch d.Milestone {
		case balai.MilestoneVerification:
			r.VerificationDue = stamp(d.Due)
		case balai.MilestoneFollowUp:
			r.FollowUpDue = stamp(d.Due)
		case balai.MilestoneClosure:
			r.ClosureDue = stamp(d.Due)
		}
	}
	return r, true
}

// CSVHeader is the first row of a CSV export: LAPOR!'s field names.
var CSVHeader = []string{"nomor_tiket", "judul", "isi", "tanggal_kejadian", "lokasi_kejadian", "instansi_tujuan", "kategori",
	"lampiran", "anonim", "rahasia", "nama_pelapor", "kontak_pelapor", "kanal", "diterima", "batas_verifikasi",
	"batas_tindak_lanjut", "batas_selesai"}

// CSV writes reports as CSV (RFC 4180, a header row, attachments separated by " | ",
// yes/no as "ya"/"tidak") to W. A cell a spreadsheet would read as a formula (starting with
// =, +, -, @, a tab or a carriage return) is prefixed with an apostrophe.
type CSV struct{ W io.Writer }

var _ Exporter = CSV{}

// Export writes the header and one row per report.
func (e CSV) Export(ctx context.Context, reports []Report) error {
	w := csv.NewWriter(e.W)
	if err := w.Write(CSVHeader); err != nil {
		return fmt.Errorf("lapor: export csv: %w", err)
	}
	yn := func(b bool) string {
		if b {
			return "ya"
		}
		return "tidak"
	}
	for _, r := range reports {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("lapor: export csv: %w", err)
		}
		row := []string{r.Ticket, r.Title, r.Description, r.EventDate, r.EventPlace, r.Agency, r.Category,
			strings.Join(r.Attachments, " | "), yn(r.Anonymous), yn(r.Confidential), r.ReporterName, r.ReporterContact,
			r.Channel, r.ReceivedAt, r.VerificationDue, r.FollowUpDue, r.ClosureDue}
		for i := range row {
			row[i] = safeCell(row[i])
		}
		if err := w.Write(row); err != nil {
			return fmt.Errorf("lapor: export csv: %w", err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("lapor: export csv: %w", err)
	}
	return nil
}

// safeCell keeps a spreadsheet from running a cell as a formula.
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// JSON writes reports as a JSON array (indented, "[]" when there are none) to W.
type JSON struct{ W io.Writer }

var _ Exporter = JSON{}

// Export writes the array.
func (e JSON) Export(ctx context.Context, reports []Report) error {
	if reports == nil {
		reports = []Report{}
	}
	enc := json.NewEncoder(e.W)
	enc.SetIndent("", "  ")
	if err := enc.Encode(reports); err != nil {
		return fmt.Errorf("lapor: export json: %w", err)
	}
	return nil
}
