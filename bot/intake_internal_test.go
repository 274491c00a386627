package bot

import (
	"testing"
	"time"
)

func TestParseContact(t *testing.T) {
	tests := []struct {
		in           string
		phone, email string
		ok           bool
	}{
		{"0812-3456-7890", "081234567890", "", true},
		{"+62 812 3456 7890", "+6281234567890", "", true},
		{"(022) 123 4567", "0221234567", "", true},
		{"6281234567890", "6281234567890", "", true},
		{"Siti <siti@contoh.id>", "", "siti@contoh.id", true},
		{"siti@contoh.id", "", "siti@contoh.id", true},
		{"siti@contoh", "", "", false},
		{"siti@", "", "", false},
		{"12345", "", "", false},
		{"8123456789", "", "", false},
		{"nomor saya 0812345678", "", "", false},
	}
	for _, tt := range tests {
		phone, email, ok := parseContact(tt.in)
		if phone != tt.phone || email != tt.email || ok != tt.ok {
			t.Errorf("parseContact(%q) = %q, %q, %v; want %q, %q, %v", tt.in, phone, email, ok, tt.phone, tt.email, tt.ok)
		}
	}
}

func TestParseDate(t *testing.T) {
	msgs, err := LoadMessages("", "Dinas Uji")
	if err != nil {
		t.Fatal(err)
	}
	e := &Engine{msgs: msgs}
	jkt := time.FixedZone("WIB", 7*3600)
	// 00:30 WIB on 26 November is still 25 November in UTC: the agency's date counts.
	now := time.Date(2026, 11, 25, 17, 30, 0, 0, time.UTC)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, jkt) }
	tests := []struct {
		in   string
		want time.Time
		bad  string
	}{
		{in: "24/11/2026", want: day(2026, 11, 24)},
		{in: "24-11-26", want: day(2026, 11, 24)},
		{in: "2026-11-24", want: day(2026, 11, 24)},
		{in: "24 November 2026", want: day(2026, 11, 24)},
		{in: "3 Agt 2026", want: day(2026, 8, 3)},
		{in: "3 oct", want: day(2026, 10, 3)},
		{in: "hari ini", want: day(2026, 11, 26)},
		{in: "kemarin", want: day(2026, 11, 25)},
		{in: "yesterday", want: day(2026, 11, 25)},
		{in: "31/02/2026", bad: "form_invalid_date"},
		{in: "27/11/2026", bad: "form_invalid_date_future"},
		{in: "minggu lalu", bad: "form_invalid_date"},
		{in: "1/1/1990", bad: "form_invalid_date"},
	}
	for _, tt := range tests {
		got, err := e.parseDate(tt.in, now, jkt)
		switch {
		case tt.bad != "":
			if ea, ok := err.(errAnswer); !ok || ea.key != tt.bad {
				t.Errorf("parseDate(%q) = %v, %v; want %s", tt.in, got, err, tt.bad)
			}
		case err != nil || !got.Equal(tt.want):
			t.Errorf("parseDate(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}
