package balai_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/workhours"
)

// calendar2026 is an agency's calendar with a holiday and cuti bersama in August 2026.
func calendar2026(t *testing.T) *workhours.Calendar {
	t.Helper()
	cal, err := workhours.Parse("Mon-Fri 08:00-16:00", []string{"2026-08-17 Hari Kemerdekaan", "2026-08-18..2026-08-19 Cuti bersama"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func wib(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, workhours.Default().Location())
	if err != nil {
		panic(err)
	}
	return t
}

func TestDeadlines(t *testing.T) {
	cal := calendar2026(t)
	received := wib("2026-08-13 14:00") // Thursday, before the long weekend
	type due struct {
		M    balai.Milestone
		Days int
		Due  string
	}
	for _, c := range []struct {
		name string
		form balai.Form
		want []due
	}{
		{"complaint", balai.Form{Kind: balai.KindComplaint, ReceivedAt: received, Complaint: &balai.Complaint{}}, []due{
			{balai.MilestoneVerification, 3, "2026-08-21 16:00"}, // Fri 14, (Mon 17 to Wed 19 off), Thu 20, Fri 21
			{balai.MilestoneFollowUp, 5, "2026-08-25 16:00"},
			{balai.MilestoneClosure, 10, "2026-09-01 16:00"},
		}},
		{"information request", balai.Form{Kind: balai.KindInfoRequest, ReceivedAt: received, InfoRequest: &balai.InfoRequest{}}, []due{
			{balai.MilestoneResponse, 10, "2026-09-01 16:00"},
		}},
		{"information request, extended", balai.Form{Kind: balai.KindInfoRequest, ReceivedAt: received,
			InfoRequest: &balai.InfoRequest{ExtendedAt: wib("2026-08-31 10:00"), ExtensionReason: "dokumen di arsip daerah"}}, []due{
			{balai.MilestoneResponse, 17, "2026-09-10 16:00"},
		}},
		{"question", balai.Form{Kind: balai.KindQuestion, ReceivedAt: received}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []due
			for _, d := range c.form.Deadlines(cal) {
				got = append(got, due{d.Milestone, d.WorkingDays, d.Due.In(cal.Location()).Format("2006-01-02 15:04")})
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if len(c.want) > 0 {
				if got, want := c.form.Due(cal), wib(c.want[len(c.want)-1].Due); !got.Equal(want) {
					t.Errorf("Due = %s, want %s", got, want)
				}
			} else if !c.form.Due(cal).IsZero() {
				t.Errorf("a question has a legal due time: %s", c.form.Due(cal))
			}
		})
	}
}

func TestExtendOnce(t *testing.T) {
	r := &balai.InfoRequest{}
	if err := r.Extend(wib("2026-08-31 10:00"), "  "); err == nil {
		t.Fatal("extended without a reason")
	}
	if err := r.Extend(wib("2026-08-31 10:00"), "dokumen di arsip daerah"); err != nil {
		t.Fatal(err)
	}
	if err := r.Extend(wib("2026-09-01 10:00"), "lagi"); !errors.Is(err, balai.ErrAlreadyExtended) {
		t.Fatalf("second extension: %v, want ErrAlreadyExtended", err)
	}
	if r.ExtensionReason != "dokumen di arsip daerah" || !r.ExtendedAt.Equal(wib("2026-08-31 10:00")) {
		t.Errorf("extension changed by the refused one: %+v", r)
	}
}

func TestFormValidate(t *testing.T) {
	at := wib("2026-08-13 14:00")
	for _, c := range []struct {
		name    string
		form    balai.Form
		missing []string // nil: valid; else a FormError with these
		bad     bool     // a form of the wrong shape
	}{
		{"empty complaint", balai.Form{Kind: balai.KindComplaint, Complaint: &balai.Complaint{}},
			[]string{"title", "description", "event_date", "event_place", "agency", "received_at"}, false},
		{"complete complaint", balai.Form{Kind: balai.KindComplaint, ReceivedAt: at, Complaint: &balai.Complaint{
			Title: "Pungli", Description: "Diminta uang", EventDate: wib("2026-08-10 00:00"), EventPlace: "Kantor Kecamatan", Agency: "Kecamatan Sukajadi"}}, nil, false},
		{"request without contact or copy form", balai.Form{Kind: balai.KindInfoRequest, ReceivedAt: at, InfoRequest: &balai.InfoRequest{
			Name: "Sari", Address: "Jl. Melati 1", Information: "DPA 2025", Purpose: "penelitian", Obtain: balai.ObtainCopy}},
			[]string{"contact", "copy_form", "delivery"}, false},
		{"request to view", balai.Form{Kind: balai.KindInfoRequest, ReceivedAt: at, InfoRequest: &balai.InfoRequest{
			Name: "Sari", Address: "Jl. Melati 1", Email: "sari@contoh.id", Information: "DPA 2025", Purpose: "penelitian", Obtain: balai.ObtainView}}, nil, false},
		{"question", balai.Form{Kind: balai.KindQuestion, ReceivedAt: at}, nil, true},
		{"two forms", balai.Form{Kind: balai.KindComplaint, ReceivedAt: at, Complaint: &balai.Complaint{}, InfoRequest: &balai.InfoRequest{}}, nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.form.Validate()
			var fe *balai.FormError
			switch {
			case c.bad:
				if err == nil || errors.As(err, &fe) {
					t.Fatalf("Validate = %v, want a shape error", err)
				}
			case c.missing == nil:
				if err != nil {
					t.Fatalf("Validate = %v", err)
				}
			default:
				if !errors.As(err, &fe) || !errors.Is(err, balai.ErrFormIncomplete) {
					t.Fatalf("Validate = %v, want a FormError", err)
				}
				if diff := cmp.Diff(c.missing, fe.Missing); diff != "" {
					t.Errorf("missing (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestInfoRequestNumber(t *testing.T) {
	if got := balai.InfoRequestNumber("PPID", 2026, 42); got != "PPID-2026-000042" {
		t.Errorf("InfoRequestNumber = %q", got)
	}
}
