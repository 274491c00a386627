package lapor_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/lapor"
	"github.com/balai-id/balai/workhours"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update to accept):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// reports are three complaints: a named one, an anonymous one and a confidential one with
// a cell a spreadsheet would run, and an information request that is not exported.
func reports(t *testing.T) []lapor.Report {
	t.Helper()
	cal, err := workhours.Parse("Mon-Fri 08:00-16:00", []string{"2026-08-17 Hari Kemerdekaan"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	loc := cal.Location()
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	type item struct {
		form balai.Form
		tk   balai.Ticket
	}
	items := []item{
		{balai.Form{TicketID: 12, Kind: balai.KindComplaint, ReceivedAt: at("2026-08-13 14:00"), Complaint: &balai.Complaint{
			Title: "Pungutan liar pembuatan KTP", Description: "Petugas meminta Rp 200.000, \"uang lelah\", untuk KTP.\nTidak ada kuitansi.",
			EventDate: at("2026-08-10 00:00"), EventPlace: "Kantor Kecamatan Sukajadi", Agency: "Kecamatan Sukajadi",
			Attachments: []string{"whatsapp:media/ABC123", "whatsapp:media/DEF456"}, ReporterName: "Budi Santoso", ReporterContact: "081234567890"}},
			balai.Ticket{ID: 12, Chat: balai.ChatRef{Channel: balai.WhatsApp, ID: "6281234567890"}, Category: "Kependudukan"}},
		{balai.Form{TicketID: 15, Kind: balai.KindComplaint, ReceivedAt: at("2026-08-14 09:30"), Complaint: &balai.Complaint{
			Title: "Jalan rusak", Description: "Lubang besar di Jl. Merdeka.", EventPlace: "Jl. Merdeka", Agency: "Dinas PU", Category: "Infrastruktur",
			Anonymous: true, ReporterName: "Siti", ReporterContact: "siti@contoh.id"}},
			balai.Ticket{ID: 15, Chat: balai.ChatRef{Channel: balai.Telegram, ID: "777"}}},
		{balai.Form{TicketID: 16, Kind: balai.KindComplaint, ReceivedAt: at("2026-08-14 10:00"), Complaint: &balai.Complaint{
			Title: "=HYPERLINK(\"http://contoh.id\")", Description: "Dugaan gratifikasi.", Agency: "Dinas Perizinan", Confidential: true,
			ReporterName: "Andi", ReporterContact: "+6281300000001"}},
			balai.Ticket{ID: 16, Chat: balai.ChatRef{Channel: balai.Web, ID: "s1"}}},
		{balai.Form{TicketID: 17, Kind: balai.KindInfoRequest, ReceivedAt: at("2026-08-14 11:00"), InfoRequest: &balai.InfoRequest{Name: "Sari"}},
			balai.Ticket{ID: 17}},
		{balai.Form{TicketID: 18, Kind: balai.KindComplaint, ReceivedAt: at("2026-08-14 11:00")}, balai.Ticket{ID: 18}}, // erased
	}
	var out []lapor.Report
	for _, it := range items {
		if r, ok := lapor.FromForm(it.form, it.tk, "BLI", cal, loc); ok {
			out = append(out, r)
		}
	}
	if len(out) != 3 {
		t.Fatalf("%d reports, want the 3 complaints", len(out))
	}
	return out
}

func TestCSV(t *testing.T) {
	var b bytes.Buffer
	if err := (lapor.CSV{W: &b}).Export(context.Background(), reports(t)); err != nil {
		t.Fatal(err)
	}
	golden(t, "reports.csv", b.Bytes())
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, "BLI-000015,") && (strings.Contains(line, "Siti") || strings.Contains(line, "siti@") || strings.Contains(line, "telegram")) {
			t.Errorf("anonymous complaint exported with its reporter: %s", line)
		}
	}
}

func TestJSON(t *testing.T) {
	var b bytes.Buffer
	if err := (lapor.JSON{W: &b}).Export(context.Background(), reports(t)); err != nil {
		t.Fatal(err)
	}
	golden(t, "reports.json", b.Bytes())
	b.Reset()
	if err := (lapor.JSON{W: &b}).Export(context.Background(), nil); err != nil || b.String() != "[]\n" {
		t.Errorf("no reports: %q, %v", b.String(), err)
	}
}
