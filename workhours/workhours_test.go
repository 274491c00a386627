package workhours

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests need Asia/Makassar, Asia/Jayapura and America/New_York everywhere
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustParse(t testing.TB, hours string, holidays []string, loc *time.Location) *Calendar {
	t.Helper()
	c, err := Parse(hours, holidays, loc)
	if err != nil {
		t.Fatalf("Parse(%q, %q): %v", hours, holidays, err)
	}
	return c
}

var (
	wib  = mustLoadInit("Asia/Jakarta")
	wita = mustLoadInit("Asia/Makassar")
	wit  = mustLoadInit("Asia/Jayapura")
	nyc  = mustLoadInit("America/New_York")
)

func mustLoadInit(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at is a wall-clock time in loc: at(wib, "2026-08-14 15:00").
func at(loc *time.Location, s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

// holidays2026 is a slice of the 2026 calendar used across the tests.
var holidays2026 = []string{
	"2026-08-17 Hari Kemerdekaan",
	"2026-03-30..2026-04-03 Cuti bersama",
	"2026-12-24..2026-12-26 Cuti bersama Natal",
	"2026-12-25 Hari Raya Natal",
}

func TestParse(t *testing.T) {
	tests := []struct {
		name, hours, want string
	}{
		{"default", "Mon-Fri 08:00-16:00", "Mon-Fri 08:00-16:00"},
		{"split friday", "Mon-Thu 08:00-16:00; Fri 08:00-11:30, 13:00-16:30; Sat 08:00-12:00",
			"Mon-Thu 08:00-16:00; Fri 08:00-11:30, 13:00-16:30; Sat 08:00-12:00"},
		{"indonesian short", "Sen-Jum 08.00-16.00", "Mon-Fri 08:00-16:00"},
		{"indonesian long", "Senin-Kamis 07:30-16:00; Jumat 07:30-16:30", "Mon-Thu 07:30-16:00; Fri 07:30-16:30"},
		{"indonesian words", "Senin s.d. Jumat 08.00 s.d. 16.00", "Mon-Fri 08:00-16:00"},
		{"sampai and en dash", "Senin sampai Jumat 08.00–16.00", "Mon-Fri 08:00-16:00"},
		{"jum'at and minggu", "Jum'at 13:00-15:00; Minggu 09:00-12:00", "Fri 13:00-15:00; Sun 09:00-12:00"},
		{"english long, case", "MONDAY-friday 08:00-16:00", "Mon-Fri 08:00-16:00"},
		{"list", "Mon,Wed 08:00-12:00", "Mon,Wed 08:00-12:00"},
		{"list with spaces and range", "Mon, Wed - Thu, Sat 08:00-12:00", "Mon,Wed-Thu,Sat 08:00-12:00"},
		{"wrapping range", "Sat-Mon 10:00-14:00", "Mon,Sat-Sun 10:00-14:00"},
		{"whole week from Sunday", "Min-Sab 08:00-12:00", "Mon-Sun 08:00-12:00"},
		{"regrouped", "Mon 08:00-16:00; Tue 08:00-16:00; Wed 08:00-12:00; Thu-Fri 08:00-16:00",
			"Mon-Tue,Thu-Fri 08:00-16:00; Wed 08:00-12:00"},
		{"union of clauses", "Mon-Fri 08:00-12:00; Mon-Fri 13:00-16:00", "Mon-Fri 08:00-12:00, 13:00-16:00"},
		{"intervals sorted", "Fri 13:00-16:30, 08:00-11:30", "Fri 08:00-11:30, 13:00-16:30"},
		{"touching intervals merged", "Mon 08:00-12:00, 12:00-16:00", "Mon 08:00-16:00"},
		{"single-digit hour", "Mon 8:00-9:30", "Mon 08:00-09:30"},
		{"all day", "Mon-Sun 00:00-24:00", "Mon-Sun 00:00-24:00"},
		{"zone label", "Sen-Jum 08.00-16.00 WIB", "Mon-Fri 08:00-16:00"},
		{"colon after days", "Mon-Fri: 08:00-16:00", "Mon-Fri 08:00-16:00"},
		{"newlines, blanks, trailing separators", "\n Mon-Thu 08:00-16:00;\n\nFri 08:00-11:00, ;", "Mon-Thu 08:00-16:00; Fri 08:00-11:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustParse(t, tt.hours, nil, nil)
			if got := c.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			if c.Location().String() != "Asia/Jakarta" {
				t.Errorf("Location() = %v, want Asia/Jakarta", c.Location())
			}
			again := mustParse(t, c.String(), nil, nil)
			if again.String() != c.String() {
				t.Errorf("round trip: %q -> %q", c.String(), again.String())
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, hours string
		holidays    []string
		loc         *time.Location
		want        string
	}{
		{"empty", "", nil, nil, `workhours: no working hours in ""`},
		{"only separators", " ; \n", nil, nil, `workhours: no working hours in " ; \n"`},
		{"bad hour", "Mon-Fri 08:00-25:00", nil, nil, `workhours: bad time "25:00" in "Mon-Fri 08:00-25:00"`},
		{"bad minute", "Mon-Fri 08:60-16:00", nil, nil, `workhours: bad time "08:60" in "Mon-Fri 08:60-16:00"`},
		{"24:30", "Mon 20:00-24:30", nil, nil, `workhours: bad time "24:30" in "Mon 20:00-24:30"`},
		{"hours without minutes", "Mon-Fri 8-16", nil, nil, `workhours: bad time "8" in "Mon-Fri 8-16"`},
		{"unknown day", "Mond-Fri 08:00-16:00", nil, nil, `workhours: unknown day "Mond" in "Mond-Fri 08:00-16:00"`},
		{"unknown word", "Weekdays 08:00-16:00", nil, nil, `workhours: unknown day "Weekdays" in "Weekdays 08:00-16:00"`},
		{"open range", "Mon- 08:00-12:00", nil, nil, `workhours: bad day range "Mon-" in "Mon- 08:00-12:00"`},
		{"three-part range", "Mon-Wed-Fri 08:00-12:00", nil, nil, `workhours: bad day range "Mon-Wed-Fri" in "Mon-Wed-Fri 08:00-12:00"`},
		{"missing days", "08:00-16:00", nil, nil, `workhours: missing days before "08:00-16:00" in "08:00-16:00"`},
		{"missing hours", "Mon-Fri 08:00-16:00; Sat", nil, nil, `workhours: missing hours after "Sat" in "Mon-Fri 08:00-16:00; Sat"`},
		{"no end", "Mon-Fri 08:00", nil, nil, `workhours: bad interval "08:00" in "Mon-Fri 08:00"`},
		{"missing semicolon", "Mon-Fri 08:00-16:00 Sat 08:00-12:00", nil, nil,
			`workhours: bad interval "08:00-16:00 Sat 08:00-12:00" in "Mon-Fri 08:00-16:00 Sat 08:00-12:00"`},
		{"reversed", "Mon-Fri 16:00-08:00", nil, nil, `workhours: interval "16:00-08:00" ends before it starts in "Mon-Fri 16:00-08:00"`},
		{"empty interval", "Mon 08:00-08:00", nil, nil, `workhours: interval "08:00-08:00" is empty in "Mon 08:00-08:00"`},
		{"overlap in a clause", "Mon-Fri 08:00-12:00, 11:00-16:00", nil, nil,
			`workhours: intervals "08:00-12:00" and "11:00-16:00" overlap on Mon in "Mon-Fri 08:00-12:00, 11:00-16:00"`},
		{"overlap across clauses", "Mon-Fri 08:00-16:00; Fri 08:00-11:30", nil, nil,
			`workhours: intervals "08:00-16:00" and "08:00-11:30" overlap on Fri in "Mon-Fri 08:00-16:00; Fri 08:00-11:30"`},
		{"wrong zone label", "Mon-Fri 08:00-16:00 WITA", nil, nil,
			`workhours: zone "WITA" does not match the calendar's zone WIB in "Mon-Fri 08:00-16:00 WITA"`},
		{"wrong zone label, Makassar", "Mon-Fri 08:00-16:00 WIB", nil, wita,
			`workhours: zone "WIB" does not match the calendar's zone WITA in "Mon-Fri 08:00-16:00 WIB"`},
		{"bad holiday date", "Mon-Fri 08:00-16:00", []string{"2026-02-30"}, nil, `workhours: bad holiday date "2026-02-30"`},
		{"holiday not a date", "Mon-Fri 08:00-16:00", []string{"Hari Kemerdekaan"}, nil, `workhours: bad holiday date "Hari"`},
		{"holiday short date", "Mon-Fri 08:00-16:00", []string{"2026-8-17"}, nil, `workhours: bad holiday date "2026-8-17"`},
		{"holiday range end", "Mon-Fri 08:00-16:00", []string{"2026-03-30..2026-04-31"}, nil, `workhours: bad holiday date "2026-04-31"`},
		{"holiday range reversed", "Mon-Fri 08:00-16:00", []string{"2026-04-03..2026-03-30"}, nil,
			`workhours: holiday range "2026-04-03..2026-03-30" ends before it starts`},
		{"holiday range too long", "Mon-Fri 08:00-16:00", []string{"2026-01-01..2027-01-02"}, nil,
			`workhours: holiday range "2026-01-01..2027-01-02" is longer than 366 days`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(tt.hours, tt.holidays, tt.loc)
			if err == nil {
				t.Fatalf("Parse(%q, %q) = %q, want error %s", tt.hours, tt.holidays, c, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

func TestParseHolidays(t *testing.T) {
	utc := func(s string) time.Time { return at(time.UTC, s+" 00:00") }
	tests := []struct {
		name, in string
		want     []Holiday
		wantErr  string
	}{
		{"file", "\ufeff# Hari libur nasional dan cuti bersama 2026\n" +
			"\n" +
			"2026-08-17 Hari Kemerdekaan\n" +
			"2026-03-30..2026-04-03   Cuti bersama Idulfitri  # SKB 3 Menteri\r\n" +
			"   2026-12-25\n" +
			"2026-12-24 .. 2026-12-26 - Cuti bersama Natal\n" +
			"2026-05-01: Hari Buruh\n",
			[]Holiday{
				{utc("2026-08-17"), utc("2026-08-17"), "Hari Kemerdekaan"},
				{utc("2026-03-30"), utc("2026-04-03"), "Cuti bersama Idulfitri"},
				{utc("2026-12-25"), utc("2026-12-25"), ""},
				{utc("2026-12-24"), utc("2026-12-26"), "Cuti bersama Natal"},
				{utc("2026-05-01"), utc("2026-05-01"), "Hari Buruh"},
			}, ""},
		{"empty", "# nothing yet\n\n", nil, ""},
		{"range written apart", "2026-03-30.. 2026-04-03 Lebaran\n2026-06-01 ..2026-06-02", []Holiday{
			{utc("2026-03-30"), utc("2026-04-03"), "Lebaran"},
			{utc("2026-06-01"), utc("2026-06-02"), ""},
		}, ""},
		{"bad date names the line", "2026-08-17 Hari Kemerdekaan\n# komentar\n2026-02-30 Salah\n", nil,
			`workhours: line 3: bad holiday date "2026-02-30"`},
		{"reversed range", "2026-04-03..2026-03-30", nil, `workhours: line 1: holiday range "2026-04-03..2026-03-30" ends before it starts`},
		{"missing range end", "2026-04-03..", nil, `workhours: line 1: bad holiday date ""`},
		{"text only", "Hari Kemerdekaan", nil, `workhours: line 1: bad holiday date "Hari"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseHolidays(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d holidays %v, want %d %v", len(got), got, len(tt.want), tt.want)
			}
			for i := range got {
				g, w := got[i], tt.want[i]
				if !g.From.Equal(w.From) || !g.To.Equal(w.To) || g.Name != w.Name || g.From.Location() != time.UTC {
					t.Errorf("holiday %d = %+v, want %+v", i, g, w)
				}
				// String feeds Parse, which reads the same holiday back.
				c := mustParse(t, "Mon-Fri 08:00-16:00", []string{g.String()}, nil)
				h, ok := c.Holiday(at(wib, g.To.Format(time.DateOnly)+" 12:00"))
				if !ok || h.String() != g.String() {
					t.Errorf("Parse of %q: Holiday = %v, %v", g.String(), h, ok)
				}
			}
		})
	}
}

func TestHolidayString(t *testing.T) {
	tests := []struct {
		h    Holiday
		want string
	}{
		{Holiday{at(wib, "2026-08-17 00:00"), at(wib, "2026-08-17 00:00"), "Hari Kemerdekaan"}, "2026-08-17 Hari Kemerdekaan"},
		{Holiday{at(wib, "2026-03-30 00:00"), at(wib, "2026-04-03 00:00"), "Cuti bersama"}, "2026-03-30..2026-04-03 Cuti bersama"},
		{Holiday{at(wib, "2026-12-25 00:00"), at(wib, "2026-12-25 00:00"), ""}, "2026-12-25"},
	}
	for _, tt := range tests {
		if got := tt.h.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestHoliday(t *testing.T) {
	c := mustParse(t, "Mon-Fri 08:00-16:00", holidays2026, nil)
	tests := []struct {
		name     string
		t        time.Time
		wantName string // "" when no holiday
		from, to string
	}{
		{"independence day", at(wib, "2026-08-17 10:00"), "Hari Kemerdekaan", "2026-08-17", "2026-08-17"},
		{"first minute", at(wib, "2026-08-17 00:00"), "Hari Kemerdekaan", "2026-08-17", "2026-08-17"},
		{"day before", at(wib, "2026-08-16 23:59"), "", "", ""},
		{"day after", at(wib, "2026-08-18 00:00"), "", "", ""},
		{"inside cuti bersama", at(wib, "2026-04-01 09:00"), "Cuti bersama", "2026-03-30", "2026-04-03"},
		{"named day wins over cuti bersama", at(wib, "2026-12-25 09:00"), "Hari Raya Natal", "2026-12-25", "2026-12-25"},
		{"cuti bersama around it", at(wib, "2026-12-24 09:00"), "Cuti bersama Natal", "2026-12-24", "2026-12-26"},
		// 2026-08-16 18:00 UTC is 2026-08-17 01:00 WIB: the date is the calendar's.
		{"instant in another zone", at(time.UTC, "2026-08-16 18:00"), "Hari Kemerdekaan", "2026-08-17", "2026-08-17"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, ok := c.Holiday(tt.t)
			if ok != (tt.wantName != "") {
				t.Fatalf("Holiday(%v) = %+v, %v", tt.t, h, ok)
			}
			if !ok {
				return
			}
			if h.Name != tt.wantName || !h.From.Equal(at(wib, tt.from+" 00:00")) || !h.To.Equal(at(wib, tt.to+" 00:00")) {
				t.Errorf("Holiday(%v) = %v, want %s..%s %s", tt.t, h, tt.from, tt.to, tt.wantName)
			}
			if h.From.Location() != c.Location() {
				t.Errorf("From in %v, want the calendar's zone", h.From.Location())
			}
		})
	}
}

func TestIsOpen(t *testing.T) {
	std := Default()
	split := mustParse(t, "Mon-Thu 08:00-16:00; Fri 08:00-11:30, 13:00-16:30; Sat 08:00-12:00", holidays2026, nil)
	allDay := mustParse(t, "Mon-Sun 00:00-24:00", nil, nil)
	tests := []struct {
		name string
		c    *Calendar
		t    time.Time
		want bool
	}{
		{"opening minute", std, at(wib, "2026-08-18 08:00"), true},
		{"minute before opening", std, at(wib, "2026-08-18 07:59"), false},
		{"nanosecond before opening", std, at(wib, "2026-08-18 08:00").Add(-1), false},
		{"midday", std, at(wib, "2026-08-18 12:34"), true},
		{"last nanosecond", std, at(wib, "2026-08-18 16:00").Add(-1), true},
		{"closing minute", std, at(wib, "2026-08-18 16:00"), false},
		{"night", std, at(wib, "2026-08-18 23:00"), false},
		{"saturday", std, at(wib, "2026-08-15 10:00"), false},
		{"sunday", std, at(wib, "2026-08-16 10:00"), false},
		{"default has no holidays", std, at(wib, "2026-08-17 10:00"), true},
		{"holiday", split, at(wib, "2026-08-17 10:00"), false},
		{"cuti bersama", split, at(wib, "2026-04-02 10:00"), false},
		{"friday morning closes 11:30", split, at(wib, "2026-08-14 11:30"), false},
		{"friday last minute before prayer", split, at(wib, "2026-08-14 11:29"), true},
		{"friday prayer break", split, at(wib, "2026-08-14 12:00"), false},
		{"friday afternoon opens 13:00", split, at(wib, "2026-08-14 13:00"), true},
		{"friday closes 16:30", split, at(wib, "2026-08-14 16:30"), false},
		{"friday open at 16:29", split, at(wib, "2026-08-14 16:29"), true},
		{"saturday morning", split, at(wib, "2026-08-15 11:59"), true},
		{"saturday noon", split, at(wib, "2026-08-15 12:00"), false},
		{"all day at midnight", allDay, at(wib, "2026-08-18 00:00"), true},
		{"all day before midnight", allDay, at(wib, "2026-08-18 23:59"), true},
		{"UTC instant, open in Jakarta", std, at(time.UTC, "2026-08-18 01:00"), true},
		{"UTC instant, closed in Jakarta", std, at(time.UTC, "2026-08-18 09:00"), false},
		{"New York instant", std, at(nyc, "2026-08-17 21:00"), true}, // 08:00 WIB on Tuesday
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.IsOpen(tt.t); got != tt.want {
				t.Errorf("IsOpen(%v) = %v, want %v", tt.t, got, tt.want)
			}
		})
	}
}

func TestNextOpen(t *testing.T) {
	std := Default()
	hol := mustParse(t, "Mon-Fri 08:00-16:00", holidays2026, nil)
	split := mustParse(t, "Mon-Thu 08:00-16:00; Fri 08:00-11:30, 13:00-16:30", nil, nil)
	tests := []struct {
		name string
		c    *Calendar
		t    time.Time
		want time.Time
	}{
		{"open returns t", std, at(wib, "2026-08-18 10:15").Add(1234), at(wib, "2026-08-18 10:15").Add(1234)},
		{"opening minute", std, at(wib, "2026-08-18 08:00"), at(wib, "2026-08-18 08:00")},
		{"early morning", std, at(wib, "2026-08-18 06:00"), at(wib, "2026-08-18 08:00")},
		{"closing minute", std, at(wib, "2026-08-18 16:00"), at(wib, "2026-08-19 08:00")},
		{"night", std, at(wib, "2026-08-18 22:00"), at(wib, "2026-08-19 08:00")},
		{"after midnight", std, at(wib, "2026-08-19 00:30"), at(wib, "2026-08-19 08:00")},
		{"friday evening", std, at(wib, "2026-08-14 17:00"), at(wib, "2026-08-17 08:00")},
		{"saturday", std, at(wib, "2026-08-15 10:00"), at(wib, "2026-08-17 08:00")},
		{"sunday night", std, at(wib, "2026-08-16 23:59"), at(wib, "2026-08-17 08:00")},
		{"weekend then holiday monday", hol, at(wib, "2026-08-14 17:00"), at(wib, "2026-08-18 08:00")},
		{"on the holiday", hol, at(wib, "2026-08-17 09:00"), at(wib, "2026-08-18 08:00")},
		{"cuti bersama week", hol, at(wib, "2026-03-27 16:00"), at(wib, "2026-04-06 08:00")},
		{"inside cuti bersama", hol, at(wib, "2026-04-01 10:00"), at(wib, "2026-04-06 08:00")},
		{"christmas eve to christmas to weekend", hol, at(wib, "2026-12-23 16:30"), at(wib, "2026-12-28 08:00")},
		{"friday prayer break", split, at(wib, "2026-08-14 11:45"), at(wib, "2026-08-14 13:00")},
		{"friday close", split, at(wib, "2026-08-14 16:30"), at(wib, "2026-08-17 08:00")},
		{"UTC input, answer in WIB", std, at(time.UTC, "2026-08-18 10:00"), at(wib, "2026-08-19 08:00")},
		{"year end", std, at(wib, "2026-12-31 16:00"), at(wib, "2027-01-01 08:00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.c.NextOpen(tt.t)
			if !got.Equal(tt.want) {
				t.Errorf("NextOpen(%v) = %v, want %v", tt.t, got, tt.want)
			}
			if got.Location() != tt.c.Location() {
				t.Errorf("NextOpen in %v, want %v", got.Location(), tt.c.Location())
			}
		})
	}
}

func TestAdd(t *testing.T) {
	std := Default()
	hol := mustParse(t, "Mon-Fri 08:00-16:00", holidays2026, nil)
	split := mustParse(t, "Mon-Thu 08:00-16:00; Fri 08:00-11:30, 13:00-16:30; Sat 08:00-12:00", nil, nil)
	tests := []struct {
		name string
		c    *Calendar
		t    time.Time
		d    time.Duration
		want time.Time
	}{
		{"within the day", std, at(wib, "2026-08-18 09:00"), 2 * time.Hour, at(wib, "2026-08-18 11:00")},
		{"ends at closing", std, at(wib, "2026-08-14 15:00"), time.Hour, at(wib, "2026-08-14 16:00")},
		{"friday to monday", std, at(wib, "2026-08-14 15:00"), 4 * time.Hour, at(wib, "2026-08-17 11:00")},
		{"holiday monday pushes to tuesday", hol, at(wib, "2026-08-14 15:00"), 4 * time.Hour, at(wib, "2026-08-18 11:00")},
		{"from the night", std, at(wib, "2026-08-18 20:00"), 30 * time.Minute, at(wib, "2026-08-19 08:30")},
		{"from the weekend", std, at(wib, "2026-08-15 10:00"), 8 * time.Hour, at(wib, "2026-08-17 16:00")},
		{"three working days", std, at(wib, "2026-08-18 10:00"), 24 * time.Hour, at(wib, "2026-08-21 10:00")},
		{"over cuti bersama", hol, at(wib, "2026-03-27 14:00"), 3 * time.Hour, at(wib, "2026-04-06 09:00")},
		{"over christmas", hol, at(wib, "2026-12-23 12:00"), 8 * time.Hour, at(wib, "2026-12-28 12:00")},
		{"skips friday prayer", split, at(wib, "2026-08-14 11:00"), time.Hour, at(wib, "2026-08-14 13:30")},
		{"into saturday", split, at(wib, "2026-08-14 16:00"), time.Hour, at(wib, "2026-08-15 08:30")},
		{"seconds kept", std, at(wib, "2026-08-18 15:59").Add(30 * time.Second), 45 * time.Second, at(wib, "2026-08-19 08:00").Add(15 * time.Second)},
		{"zero", std, at(wib, "2026-08-15 10:00"), 0, at(wib, "2026-08-15 10:00")},
		{"back within the day", std, at(wib, "2026-08-18 11:00"), -2 * time.Hour, at(wib, "2026-08-18 09:00")},
		{"back to opening", std, at(wib, "2026-08-18 11:00"), -3 * time.Hour, at(wib, "2026-08-18 08:00")},
		{"back over the weekend", std, at(wib, "2026-08-17 11:00"), -4 * time.Hour, at(wib, "2026-08-14 15:00")},
		{"back over a holiday", hol, at(wib, "2026-08-18 11:00"), -4 * time.Hour, at(wib, "2026-08-14 15:00")},
		{"back from the night", std, at(wib, "2026-08-18 22:00"), -time.Hour, at(wib, "2026-08-18 15:00")},
		{"UTC input", std, at(time.UTC, "2026-08-14 08:00"), 4 * time.Hour, at(wib, "2026-08-17 11:00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.c.Add(tt.t, tt.d)
			if !got.Equal(tt.want) {
				t.Errorf("Add(%v, %v) = %v, want %v", tt.t, tt.d, got, tt.want)
			}
			if got.Location() != tt.c.Location() {
				t.Errorf("Add in %v, want %v", got.Location(), tt.c.Location())
			}
		})
	}
}

func TestBetween(t *testing.T) {
	std := Default()
	hol := mustParse(t, "Mon-Fri 08:00-16:00", holidays2026, nil)
	split := mustParse(t, "Mon-Thu 08:00-16:00; Fri 08:00-11:30, 13:00-16:30", nil, nil)
	tests := []struct {
		name string
		c    *Calendar
		a, b time.Time
		want time.Duration
	}{
		{"same day", std, at(wib, "2026-08-18 09:00"), at(wib, "2026-08-18 11:30"), 150 * time.Minute},
		{"equal", std, at(wib, "2026-08-18 09:00"), at(wib, "2026-08-18 09:00"), 0},
		{"reversed", std, at(wib, "2026-08-18 11:00"), at(wib, "2026-08-18 09:00"), 0},
		{"both at night", std, at(wib, "2026-08-18 17:00"), at(wib, "2026-08-19 07:00"), 0},
		{"over the night", std, at(wib, "2026-08-18 15:00"), at(wib, "2026-08-19 09:00"), 2 * time.Hour},
		{"friday to monday", std, at(wib, "2026-08-14 15:00"), at(wib, "2026-08-17 11:00"), 4 * time.Hour},
		{"holiday monday", hol, at(wib, "2026-08-14 15:00"), at(wib, "2026-08-17 11:00"), time.Hour},
		{"whole week", std, at(wib, "2026-08-17 00:00"), at(wib, "2026-08-24 00:00"), 40 * time.Hour},
		{"cuti bersama week", hol, at(wib, "2026-03-30 00:00"), at(wib, "2026-04-06 00:00"), 0},
		{"split friday", split, at(wib, "2026-08-14 00:00"), at(wib, "2026-08-15 00:00"), 7 * time.Hour},
		{"across friday prayer", split, at(wib, "2026-08-14 11:00"), at(wib, "2026-08-14 14:00"), 90 * time.Minute},
		// Jakarta has no DST: every working day of 2026 is exactly 8h (261 weekdays).
		{"year 2026", std, at(wib, "2026-01-01 00:00"), at(wib, "2027-01-01 00:00"), 261 * 8 * time.Hour},
		{"year 2026 minus holidays", hol, at(wib, "2026-01-01 00:00"), at(wib, "2027-01-01 00:00"), (261 - 1 - 5 - 2) * 8 * time.Hour},
		{"mixed zones", std, at(time.UTC, "2026-08-14 08:00"), at(nyc, "2026-08-17 00:00"), 4 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.Between(tt.a, tt.b); got != tt.want {
				t.Errorf("Between(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestMakassar(t *testing.T) {
	c := mustParse(t, "Sen-Jum 08.00-16.00 WITA", []string{"2026-08-17 Hari Kemerdekaan"}, wita)
	if c.Location() != wita {
		t.Fatalf("Location() = %v", c.Location())
	}
	now := at(wib, "2026-08-18 15:30") // 16:30 WITA: closed in Makassar, open in Jakarta
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"07:30 WIB is 08:30 WITA", c.IsOpen(at(wib, "2026-08-18 07:30")), true},
		{"07:59 WITA", c.IsOpen(at(wita, "2026-08-18 07:59")), false},
		{"15:30 WIB is 16:30 WITA", c.IsOpen(now), false},
		{"Jakarta still open", Default().IsOpen(now), true},
		{"next open", c.NextOpen(now).String(), "2026-08-19 08:00:00 +0800 WITA"},
		{"next open in WIB", c.NextOpen(now).In(wib).Format("15:04"), "07:00"},
		{"add over the holiday", c.Add(at(wita, "2026-08-14 15:00"), 4*time.Hour).String(), "2026-08-18 11:00:00 +0800 WITA"},
		{"between", c.Between(at(wib, "2026-08-18 07:00"), at(wib, "2026-08-18 10:00")), 3 * time.Hour},
		{"holiday by Makassar date", func() bool { _, ok := c.Holiday(at(wib, "2026-08-16 23:30")); return ok }(), true},
		{"describe", Describe(c.NextOpen(now), now, "id"), "besok pukul 08.00 WITA"},
		{"describe en", Describe(c.NextOpen(now), now, "en"), "tomorrow at 08:00 WITA"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

// TestDST checks that the computations do not depend on daylight saving time: a DST
// zone's calendar keeps its wall-clock hours and counts real elapsed time, and a
// Jakarta calendar gives the same answers whatever the zone of its inputs.
func TestDST(t *testing.T) {
	allDay := mustParse(t, "Mon-Sun 00:00-24:00", nil, nyc)
	office := mustParse(t, "Mon-Fri 09:00-17:00; Sun 01:00-04:00", nil, nyc)
	tests := []struct {
		name string
		got  any
		want any
	}{
		// New York springs forward on 2026-03-08 at 02:00 and falls back on 2026-11-01 at 02:00.
		{"23h spring day", allDay.Between(at(nyc, "2026-03-08 00:00"), at(nyc, "2026-03-09 00:00")), 23 * time.Hour},
		{"25h autumn day", allDay.Between(at(nyc, "2026-11-01 00:00"), at(nyc, "2026-11-02 00:00")), 25 * time.Hour},
		{"all day equals elapsed", allDay.Between(at(nyc, "2026-03-01 10:00"), at(nyc, "2026-11-30 10:00")),
			at(nyc, "2026-11-30 10:00").Sub(at(nyc, "2026-03-01 10:00"))},
		{"add over spring", allDay.Add(at(nyc, "2026-03-07 12:00"), 24*time.Hour).String(), "2026-03-08 13:00:00 -0400 EDT"},
		{"office week keeps 8h days", office.Between(at(nyc, "2026-03-06 09:00"), at(nyc, "2026-03-09 17:00")), 16*time.Hour + 2*time.Hour},
		{"office add over spring", office.Add(at(nyc, "2026-03-06 16:00"), 2*time.Hour).String(), "2026-03-08 03:00:00 -0400 EDT"},
		{"sunday 01:00-04:00 is 2h in spring", office.Between(at(nyc, "2026-03-08 00:00"), at(nyc, "2026-03-08 12:00")), 2 * time.Hour},
		{"sunday 01:00-04:00 is 4h in autumn", office.Between(at(nyc, "2026-11-01 00:00"), at(nyc, "2026-11-01 12:00")), 4 * time.Hour},
		{"opens at 09:00 EDT", office.NextOpen(at(nyc, "2026-03-09 06:00")).String(), "2026-03-09 09:00:00 -0400 EDT"},
		{"opens at 09:00 EST", office.NextOpen(at(nyc, "2026-11-02 06:00")).String(), "2026-11-02 09:00:00 -0500 EST"},
		{"zone label in winter", Describe(at(nyc, "2026-01-05 09:00"), at(nyc, "2026-01-05 08:00"), "en"), "today at 09:00 EST"},
		{"zone label in summer", Describe(at(nyc, "2026-07-06 09:00"), at(nyc, "2026-07-06 08:00"), "en"), "today at 09:00 EDT"},
		// Jakarta calendar, New York inputs on both sides of New York's transition:
		// 2026-03-06 20:00 EST = Sat 08:00 WIB; 2026-03-09 21:00 EDT = Tue 08:00 WIB.
		{"NY input before transition", Default().IsOpen(at(nyc, "2026-03-06 20:00")), false},
		{"NY input after transition", Default().IsOpen(at(nyc, "2026-03-09 21:00")), true},
		{"NY input next open", Default().NextOpen(at(nyc, "2026-03-06 20:00")).String(), "2026-03-09 08:00:00 +0700 WIB"},
		{"NY inputs between", Default().Between(at(nyc, "2026-03-05 20:00"), at(nyc, "2026-03-09 21:00")), 8*time.Hour + 8*time.Hour},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}

	// The zone of the input never matters to a Jakarta calendar.
	c := mustParse(t, "Mon-Thu 08:00-16:00; Fri 08:00-11:30, 13:00-16:30", holidays2026, nil)
	rng := rand.New(rand.NewPCG(7, 8))
	start := at(wib, "2026-01-01 00:00")
	for range 500 {
		tm := start.Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour))))
		d := time.Duration(rng.Int64N(int64(100 * time.Hour)))
		for _, loc := range []*time.Location{time.UTC, nyc, wita, time.FixedZone("", -3*3600)} {
			in := tm.In(loc)
			if c.IsOpen(in) != c.IsOpen(tm) || !c.NextOpen(in).Equal(c.NextOpen(tm)) || !c.Add(in, d).Equal(c.Add(tm, d)) {
				t.Fatalf("%v: results differ when given in %v", tm, loc)
			}
		}
	}
}

func TestDescribe(t *testing.T) {
	now := at(wib, "2026-12-24 17:00") // Thursday evening
	tests := []struct {
		name   string
		t, now time.Time
		lang   string
		want   string
	}{
		{"today id", at(wib, "2026-12-24 13:00"), now, "id", "hari ini pukul 13.00 WIB"},
		{"today en", at(wib, "2026-12-24 13:00"), now, "en", "today at 13:00 WIB"},
		{"tomorrow id", at(wib, "2026-12-25 08:00"), now, "id", "besok pukul 08.00 WIB"},
		{"tomorrow en", at(wib, "2026-12-25 08:00"), now, "en", "tomorrow at 08:00 WIB"},
		{"later id", at(wib, "2026-12-28 08:00"), now, "id", "Senin, 28 Desember 2026 pukul 08.00 WIB"},
		{"later en", at(wib, "2026-12-28 08:00"), now, "en", "Monday, 28 December 2026 at 08:00 WIB"},
		{"jumat", at(wib, "2026-08-14 13:30"), now, "id", "Jumat, 14 Agustus 2026 pukul 13.30 WIB"},
		{"past gets full date", at(wib, "2026-12-23 09:05"), now, "en", "Wednesday, 23 December 2026 at 09:05 WIB"},
		{"tomorrow across the year", at(wib, "2027-01-01 08:00"), at(wib, "2026-12-31 20:00"), "id", "besok pukul 08.00 WIB"},
		{"day after tomorrow", at(wib, "2027-01-02 08:00"), at(wib, "2026-12-31 20:00"), "id", "Sabtu, 2 Januari 2027 pukul 08.00 WIB"},
		// now is 2026-12-24 20:00 UTC, already 2026-12-25 03:00 in Jakarta.
		{"today in t's zone", at(wib, "2026-12-25 08:00"), at(time.UTC, "2026-12-24 20:00"), "id", "hari ini pukul 08.00 WIB"},
		{"midnight", at(wib, "2026-12-25 00:00"), now, "en", "tomorrow at 00:00 WIB"},
		{"seconds dropped", at(wib, "2026-12-24 13:00").Add(59 * time.Second), now, "id", "hari ini pukul 13.00 WIB"},
		{"WITA", at(wita, "2026-12-28 08:00"), now, "id", "Senin, 28 Desember 2026 pukul 08.00 WITA"},
		{"WIT", at(wit, "2026-12-25 08:00"), at(wit, "2026-12-25 07:00"), "en", "today at 08:00 WIT"},
		{"fallback WIB zone", time.Date(2026, 12, 25, 8, 0, 0, 0, time.FixedZone("WIB", 7*3600)), now, "id", "besok pukul 08.00 WIB"},
		{"UTC", at(time.UTC, "2026-12-25 08:00"), now, "en", "tomorrow at 08:00 UTC"},
		{"unnamed offset", time.Date(2026, 12, 25, 8, 0, 0, 0, time.FixedZone("", 5*3600+1800)), now, "en", "tomorrow at 08:00 UTC+5:30"},
		{"numeric abbreviation", at(mustLoad(t, "America/Sao_Paulo"), "2026-12-25 08:00"), now, "en", "tomorrow at 08:00 UTC-3"},
		{"en-US is English", at(wib, "2026-12-24 13:00"), now, "en-US", "today at 13:00 WIB"},
		{"empty lang is Indonesian", at(wib, "2026-12-24 13:00"), now, "", "hari ini pukul 13.00 WIB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Describe(tt.t, tt.now, tt.lang); got != tt.want {
				t.Errorf("Describe(%v, %v, %q) = %q, want %q", tt.t, tt.now, tt.lang, got, tt.want)
			}
		})
	}
}

func TestDefaultAndZero(t *testing.T) {
	var zero Calendar
	var nilCal *Calendar
	tm := at(wib, "2026-08-14 15:00")
	for name, c := range map[string]*Calendar{"Default": Default(), "zero": &zero, "nil": nilCal} {
		t.Run(name, func(t *testing.T) {
			if got := c.String(); got != "Mon-Fri 08:00-16:00" {
				t.Errorf("String() = %q", got)
			}
			if c.Location().String() != "Asia/Jakarta" {
				t.Errorf("Location() = %v", c.Location())
			}
			if got := c.Add(tm, 4*time.Hour); !got.Equal(at(wib, "2026-08-17 11:00")) {
				t.Errorf("Add = %v", got)
			}
			if _, ok := c.Holiday(at(wib, "2026-08-17 10:00")); ok {
				t.Error("Default has a holiday")
			}
		})
	}
}

// TestAddBetween is the property test: for random t and d, Between(t, Add(t, d)) == d,
// and the same backwards, on calendars with split days, holidays, other zones and DST.
func TestAddBetween(t *testing.T) {
	calendars := map[string]*Calendar{
		"default":    Default(),
		"split":      mustParse(t, "Mon-Thu 08:00-16:00; Fri 08:00-11:30, 13:00-16:30; Sat 08:00-12:00", holidays2026, nil),
		"makassar":   mustParse(t, "Sen-Jum 07:30-16:00", holidays2026, wita),
		"ny office":  mustParse(t, "Mon-Fri 09:00-17:00; Sun 01:30-02:30, 03:00-04:00", nil, nyc),
		"ny all day": mustParse(t, "Mon-Sun 00:00-24:00", nil, nyc),
	}
	rng := rand.New(rand.NewPCG(1, 2))
	start := at(time.UTC, "2025-06-01 00:00")
	for name, c := range calendars {
		t.Run(name, func(t *testing.T) {
			for range 2000 {
				tm := start.Add(time.Duration(rng.Int64N(int64(3 * 365 * 24 * time.Hour))))
				d := time.Duration(rng.Int64N(int64(300 * time.Hour)))
				if rng.IntN(10) == 0 {
					d = d.Truncate(time.Hour) // exact hours hit closing times
				}
				due := c.Add(tm, d)
				if got := c.Between(tm, due); got != d {
					t.Fatalf("Between(%v, Add(t, %v) = %v) = %v", tm, d, due, got)
				}
				if d > 0 && !c.IsOpen(due.Add(-1)) {
					t.Fatalf("Add(%v, %v) = %v: the nanosecond before is not working time", tm, d, due)
				}
				back := c.Add(tm, -d)
				if got := c.Between(back, tm); got != d {
					t.Fatalf("Between(Add(t, -%v) = %v, %v) = %v", d, back, tm, got)
				}
				if d > 0 && !c.IsOpen(back) {
					t.Fatalf("Add(%v, -%v) = %v is not working time", tm, d, back)
				}
				next := c.NextOpen(tm)
				if next.Before(tm) || !c.IsOpen(next) || c.Between(tm, next) != 0 {
					t.Fatalf("NextOpen(%v) = %v", tm, next)
				}
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"Mon-Fri 08:00-16:00",
		"Mon-Thu 08:00-16:00; Fri 08:00-11:30, 13:00-16:30; Sat 08:00-12:00",
		"Senin s.d. Jumat 08.00-16.00 WIB",
		"Sat-Mon 10:00-14:00",
		"Mon 08:00-12:00, 12:00-24:00",
		"Mon-Fri 08:00-25:00",
		"-,; 0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, hours string) {
		c, err := Parse(hours, nil, nil)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "workhours: ") {
				t.Errorf("error without prefix: %v", err)
			}
			return
		}
		again, err := Parse(c.String(), nil, nil)
		if err != nil || again.String() != c.String() {
			t.Errorf("String() %q does not round-trip: %v", c.String(), err)
		}
		tm := at(wib, "2026-08-14 15:00")
		if c.Between(tm, c.Add(tm, 10*time.Hour)) != 10*time.Hour {
			t.Errorf("Add/Between disagree for %q", c.String())
		}
	})
}

func TestSummaryAndFormatDate(t *testing.T) {
	c, err := Parse("Mon-Thu 08:00-16:00; Fri 08:00-11:30, 13:00-16:30", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Summary("id"), "Senin–Kamis 08.00–16.00, Jumat 08.00–11.30, 13.00–16.30 WIB"; got != want {
		t.Errorf("Summary(id) = %q, want %q", got, want)
	}
	if got, want := Default().Summary("en"), "Monday–Friday 08:00–16:00 WIB"; got != want {
		t.Errorf("Summary(en) = %q, want %q", got, want)
	}
	d := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	if got := FormatDate(d, "id"); got != "1 Mei 2024" {
		t.Errorf("FormatDate(id) = %q", got)
	}
	if got := FormatDate(d, "en"); got != "1 May 2024" {
		t.Errorf("FormatDate(en) = %q", got)
	}
}
