package workhours

import (
	"fmt"
	"strings"
	"time"
)

var (
	hariID  = [7]string{"Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"}
	bulanID = [12]string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli",
		"Agustus", "September", "Oktober", "November", "Desember"}
)

// Describe says when t falls, relative to now, in words a citizen understands, in lang
// "id" or "en":
//
//	hari ini pukul 13.00 WIB                  today at 13:00 WIB
//	besok pukul 08.00 WIB                     tomorrow at 08:00 WIB
//	Senin, 28 Desember 2026 pukul 08.00 WIB   Monday, 28 December 2026 at 08:00 WIB
//
// t is told in its own zone, and "today" and "tomorrow" are dates in that zone (pass a
// time from Calendar.NextOpen or Calendar.Add to use the calendar's zone). Times before
// today get the full date. The zone is WIB, WITA or WIT for Asia/Jakarta, Asia/Makassar
// and Asia/Jayapura (and their aliases), else its abbreviation, or "UTC+7" for zones
// without one. lang "en" or "en-..." is English; anything else Indonesian, the agency's
// language. Seconds are dropped.
func Describe(t, now time.Time, lang string) string {
	en := strings.HasPrefix(strings.ToLower(lang), "en")
	now = now.In(t.Location())
	day, today := dateOf(t), dateOf(now)
	zone := zoneLabel(t)
	if en {
		at := fmt.Sprintf("%02d:%02d %s", t.Hour(), t.Minute(), zone)
		switch day {
		case today:
			return "today at " + at
		case today.add(1):
			return "tomorrow at " + at
		}
		return fmt.Sprintf("%s, %d %s %d at %s", t.Weekday(), t.Day(), t.Month(), t.Year(), at)
	}
	at := fmt.Sprintf("%02d.%02d %s", t.Hour(), t.Minute(), zone)
	switch day {
	case today:
		return "hari ini pukul " + at
	case today.add(1):
		return "besok pukul " + at
	}
	return fmt.Sprintf("%s, %d %s %d pukul %s", hariID[t.Weekday()], t.Day(), bulanID[t.Month()-1], t.Year(), at)
}

// zoneLabel names t's zone for citizens: WIB, WITA, WIT for Indonesia, else the
// abbreviation in effect at t, or the UTC offset when there is none.
func zoneLabel(t time.Time) string {
	switch t.Location().String() {
	case "Asia/Jakarta", "Asia/Pontianak":
		return "WIB"
	case "Asia/Makassar", "Asia/Ujung_Pandang":
		return "WITA"
	case "Asia/Jayapura":
		return "WIT"
	}
	name, off := t.Zone()
	if name != "" && name[0] != '+' && name[0] != '-' {
		return name
	}
	if off == 0 {
		return "UTC"
	}
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	s := fmt.Sprintf("UTC%s%d", sign, off/3600)
	if m := off % 3600 / 60; m != 0 {
		s += fmt.Sprintf(":%02d", m)
	}
	return s
}

// FormatDate writes t's date in words, in lang "id" ("1 Mei 2024") or "en" ("1 May 2024").
func FormatDate(t time.Time, lang string) string {
	if strings.HasPrefix(strings.ToLower(lang), "en") {
		return fmt.Sprintf("%d %s %d", t.Day(), t.Month(), t.Year())
	}
	return fmt.Sprintf("%d %s %d", t.Day(), bulanID[t.Month()-1], t.Year())
}

// Summary describes the weekly hours for citizens in lang: "Senin–Jumat 08.00–16.00 WIB"
// or "Monday–Friday 08:00–16:00 WIB". Days with different hours are listed one by one.
func (c *Calendar) Summary(lang string) string {
	c = c.get()
	en := strings.HasPrefix(strings.ToLower(lang), "en")
	zone := zoneLabel(time.Date(2026, 1, 5, 12, 0, 0, 0, c.Location()))
	var parts []string
	// Group consecutive days (Monday first) that share the same intervals.
	order := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	name := func(d time.Weekday) string {
		if en {
			return d.String()
		}
		return hariID[d]
	}
	for i := 0; i < len(order); {
		iv := c.describeDay(order[i], en)
		j := i + 1
		for j < len(order) && c.describeDay(order[j], en) == iv {
			j++
		}
		if iv != "" {
			days := name(order[i])
			if j-i > 1 {
				days += "–" + name(order[j-1])
			}
			parts = append(parts, days+" "+iv)
		}
		i = j
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, ", ") + " " + zone
}

// describeDay words the intervals of a weekday: "08.00–16.00" or "08:00–11:30, 13:00–16:00".
func (c *Calendar) describeDay(d time.Weekday, en bool) string {
	var ivs []string
	for _, iv := range c.week[d] {
		ivs = append(ivs, clock(iv.start)+"–"+clock(iv.end))
	}
	s := strings.Join(ivs, ", ")
	if !en {
		s = strings.ReplaceAll(s, ":", ".")
	}
	return s
}
