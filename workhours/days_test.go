package workhours

import (
	"testing"
	"time"
)

func TestAddWorkingDays(t *testing.T) {
	jkt := mustLoad(t, "Asia/Jakarta")
	// 2026: 17 Aug (Mon) Hari Kemerdekaan; cuti bersama 18-19 Aug (made up for the test).
	cal := mustParse(t, "Mon-Thu 08:00-16:00; Fri 08:00-11:30, 13:00-16:30", []string{"2026-08-17 Hari Kemerdekaan", "2026-08-18..2026-08-19 Cuti bersama"}, jkt)
	for _, c := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-08-03 10:00", 3, "2026-08-06 16:00"}, // Mon → Thu
		{"2026-08-03 07:00", 3, "2026-08-06 16:00"}, // before opening: the day still not counted
		{"2026-08-03 23:00", 4, "2026-08-07 16:30"}, // Friday closes at 16:30
		{"2026-08-07 15:00", 1, "2026-08-10 16:00"}, // Fri → Mon, weekend skipped
		{"2026-08-08 09:00", 1, "2026-08-10 16:00"}, // received on a Saturday
		{"2026-08-14 09:00", 1, "2026-08-20 16:00"}, // Fri → Thu: holiday and cuti bersama skipped
		{"2026-08-14 09:00", 10, "2026-09-02 16:00"},
		{"2026-08-03 10:00", 10, "2026-08-20 16:00"}, // 10 working days across the holidays
		{"2026-08-20 16:00", 7, "2026-08-31 16:00"},  // an extension of 7 from that deadline
		{"2026-08-03 10:00", 0, "2026-08-03 10:00"},
	} {
		got := cal.AddWorkingDays(at(jkt, c.from), c.n)
		if want := at(jkt, c.want); !got.Equal(want) {
			t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", c.from, c.n, got.Format("Mon 2006-01-02 15:04"), want.Format("Mon 2006-01-02 15:04"))
		}
		if c.n > 0 {
			if got := cal.WorkingDaysBetween(at(jkt, c.from), cal.AddWorkingDays(at(jkt, c.from), c.n)); got != c.n {
				t.Errorf("WorkingDaysBetween(%s, its deadline of %d days) = %d", c.from, c.n, got)
			}
		}
	}
	// The time zone of the argument does not matter: the date is the calendar's.
	if got, want := cal.AddWorkingDays(time.Date(2026, 8, 2, 18, 0, 0, 0, time.UTC), 1), at(jkt, "2026-08-04 16:00"); !got.Equal(want) {
		t.Errorf("Sun 18:00 UTC (Mon 01:00 WIB) + 1 = %s, want %s", got, want)
	}
}
