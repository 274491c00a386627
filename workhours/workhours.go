// Package workhours is the agency's working-time calendar: weekly opening hours in a
// time zone, minus national holidays and cuti bersama. It answers when officers are
// working (IsOpen, NextOpen), computes SLA due times in working hours (Add, Between),
// and words times for citizens in Indonesian or English (Describe).
//
// All computations use the wall clock of the calendar's zone and real elapsed time, so
// they do not depend on the zone of the times passed in, and stay exact in zones with
// daylight saving time. A Calendar is immutable and safe for concurrent use.
package workhours

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Calendar is the agency's working time: weekly opening hours in a time zone, minus holidays.
// The zero Calendar and a nil *Calendar behave like Default().
type Calendar struct {
	week     [7][]interval // by time.Weekday; sorted, disjoint, not touching
	loc      *time.Location
	holidays []Holiday     // as given, dates at midnight in loc
	byDate   map[civil]int // day -> index into holidays
}

// interval is a working interval of a day in minutes since midnight, start < end <= 24*60.
type interval struct{ start, end int }

// jakarta is the default zone; a fixed +07:00 "WIB" zone when tzdata is unavailable.
var jakarta = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		return time.FixedZone("WIB", 7*3600)
	}
	return loc
}()

// defaultHours are the opening hours of Default.
const defaultHours = "Mon-Fri 08:00-16:00"

var defaultCalendar = func() *Calendar {
	c, err := Parse(defaultHours, nil, nil)
	if err != nil {
		panic(err)
	}
	return c
}()

// Default returns the agency's standard calendar: Mon-Fri 08:00-16:00 in Asia/Jakarta,
// without holidays.
func Default() *Calendar { return defaultCalendar }

// get returns c, or the default calendar for a nil or zero c.
func (c *Calendar) get() *Calendar {
	if c == nil || c.loc == nil {
		return defaultCalendar
	}
	return c
}

// Parse builds a calendar. hours is like "Mon-Fri 08:00-16:00" or
// "Mon-Thu 08:00-16:00; Fri 08:00-11:30, 13:00-16:30; Sat 08:00-12:00": clauses separated
// by ';' or newlines, each a list of days followed by a list of intervals.
//
// Days are English or Indonesian names, case-insensitive: Mon..Sun, Monday..Sunday,
// Sen Sel Rab Kam Jum Sab Min, Senin..Minggu. They combine into lists ("Mon,Wed") and
// ranges ("Mon-Fri", "Senin s.d. Jumat", "Sat-Mon" wraps around the week). Times are
// "08:00" or "08.00"; "24:00" ends a day. An interval is "08:00-16:00" (also with an en
// dash, "s.d." or "sampai"); overnight intervals are not supported. A clause may end with
// the zone's label ("08.00-16.00 WIB"), which must match loc. A day named in several
// clauses gets the union of their intervals; overlapping intervals are an error.
//
// holidays is a list of dates "2026-12-25" or inclusive ranges "2026-03-30..2026-04-03"
// (cuti bersama), each optionally followed by a name, as in ParseHolidays; blank entries
// and '#' comments are skipped. Use Holiday.String to pass holidays from ParseHolidays.
// loc is the zone; Asia/Jakarta when nil (a fixed +07:00 zone named "WIB" if the time
// zone database is unavailable).
//
// Errors name what is wrong, e.g. `workhours: bad time "25:00" in "Mon-Fri 08:00-25:00"`.
func Parse(hours string, holidays []string, loc *time.Location) (*Calendar, error) {
	if loc == nil {
		loc = jakarta
	}
	c := &Calendar{loc: loc}
	if err := c.parseHours(hours); err != nil {
		return nil, err
	}
	for _, s := range holidays {
		from, to, name, ok, err := parseHolidayLine(s)
		if err != nil {
			return nil, fmt.Errorf("workhours: %v", err)
		}
		if ok {
			c.addHoliday(Holiday{From: from.in(loc), To: to.in(loc), Name: name})
		}
	}
	return c, nil
}

// addHoliday records h for each of its days. Where holidays overlap, a day belongs to
// the shortest of them (a named holiday inside a cuti bersama range), else the first.
func (c *Calendar) addHoliday(h Holiday) {
	if c.byDate == nil {
		c.byDate = make(map[civil]int)
	}
	idx := len(c.holidays)
	c.holidays = append(c.holidays, h)
	from, to := dateOf(h.From), dateOf(h.To)
	n := daysBetween(from, to)
	for d := from; !to.before(d); d = d.add(1) {
		if old, ok := c.byDate[d]; ok {
			o := c.holidays[old]
			if daysBetween(dateOf(o.From), dateOf(o.To)) <= n {
				continue
			}
		}
		c.byDate[d] = idx
	}
}

// parseHours fills c.week from hours.
func (c *Calendar) parseHours(hours string) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("workhours: %s in %q", fmt.Sprintf(format, args...), hours)
	}
	clauses := strings.FieldsFunc(hours, func(r rune) bool { return r == ';' || r == '\n' })
	for _, cl := range clauses {
		cl = strings.TrimSpace(cl)
		if cl == "" {
			continue
		}
		i := strings.IndexFunc(cl, unicode.IsDigit)
		if i < 0 {
			return fail("missing hours after %q", cl)
		}
		daysPart := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(cl[:i]), ":"))
		if daysPart == "" {
			return fail("missing days before %q", cl)
		}
		days, err := parseDays(daysPart)
		if err != nil {
			return fail("%v", err)
		}
		times := strings.TrimSpace(cl[i:])
		if j := strings.LastIndexFunc(times, unicode.IsSpace); j >= 0 && isWord(times[j+1:]) {
			zone := times[j+1:]
			if !zoneMatches(zone, c.loc) {
				return fail("zone %q does not match the calendar's zone %s", zone, zoneLabels(c.loc)[0])
			}
			times = strings.TrimSpace(times[:j])
		}
		for _, item := range strings.Split(times, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			iv, err := parseInterval(item)
			if err != nil {
				return fail("%v", err)
			}
			for _, d := range days {
				c.week[d] = append(c.week[d], iv)
			}
		}
	}
	open := false
	for wd := range c.week {
		ivs := c.week[wd]
		slices.SortStableFunc(ivs, func(a, b interval) int { return a.start - b.start })
		var merged []interval
		for _, iv := range ivs {
			if n := len(merged); n > 0 {
				last := &merged[n-1]
				if iv.start < last.end {
					return fail("intervals %q and %q overlap on %s", last.String(), iv.String(), dayAbbr[wd])
				}
				if iv.start == last.end {
					last.end = iv.end
					continue
				}
			}
			merged = append(merged, iv)
		}
		c.week[wd] = merged
		open = open || len(merged) > 0
	}
	if !open {
		return fail("no working hours")
	}
	return nil
}

// isWord reports whether s is a non-empty run of letters.
func isWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// zoneLabels returns how Describe names loc, in winter and in summer.
func zoneLabels(loc *time.Location) []string {
	jan := zoneLabel(time.Date(2026, time.January, 15, 12, 0, 0, 0, loc))
	jul := zoneLabel(time.Date(2026, time.July, 15, 12, 0, 0, 0, loc))
	if jan == jul {
		return []string{jan}
	}
	return []string{jan, jul}
}

func zoneMatches(zone string, loc *time.Location) bool {
	for _, l := range zoneLabels(loc) {
		if strings.EqualFold(zone, l) {
			return true
		}
	}
	return false
}

// rangeSeparators turn the ways a range is written into "-"; applied to lower-case text.
var rangeSeparators = strings.NewReplacer("–", "-", "—", "-", " s.d. ", "-", " s/d ", "-", " sampai ", "-")

// splitRange splits "a-b" (or "a s.d. b", ...) into its trimmed parts.
func splitRange(s string) []string {
	parts := strings.Split(rangeSeparators.Replace(strings.ToLower(s)), "-")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

var dayNames = map[string]time.Weekday{
	"mon": time.Monday, "monday": time.Monday, "sen": time.Monday, "senin": time.Monday,
	"tue": time.Tuesday, "tues": time.Tuesday, "tuesday": time.Tuesday, "sel": time.Tuesday, "selasa": time.Tuesday,
	"wed": time.Wednesday, "wednesday": time.Wednesday, "rab": time.Wednesday, "rabu": time.Wednesday,
	"thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday, "thursday": time.Thursday,
	"kam": time.Thursday, "kamis": time.Thursday,
	"fri": time.Friday, "friday": time.Friday, "jum": time.Friday, "jumat": time.Friday,
	"jum'at": time.Friday, "jum’at": time.Friday,
	"sat": time.Saturday, "saturday": time.Saturday, "sab": time.Saturday, "sabtu": time.Saturday,
	"sun": time.Sunday, "sunday": time.Sunday, "min": time.Sunday, "minggu": time.Sunday, "ahad": time.Sunday,
}

// dayAbbr is the normalised English abbreviation by time.Weekday.
var dayAbbr = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}

// parseDays reads a list of days and day ranges.
func parseDays(s string) ([]time.Weekday, error) {
	var days []time.Weekday
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		parts := splitRange(item)
		if len(parts) > 2 {
			return nil, fmt.Errorf("bad day range %q", item)
		}
		var wds []time.Weekday
		for _, p := range parts {
			if p == "" {
				return nil, fmt.Errorf("bad day range %q", item)
			}
			wd, ok := dayNames[p]
			if !ok {
				return nil, fmt.Errorf("unknown day %q", dayWord(item, p))
			}
			wds = append(wds, wd)
		}
		wd := wds[0]
		for {
			days = append(days, wd)
			if wd == wds[len(wds)-1] {
				break
			}
			wd = (wd + 1) % 7
		}
	}
	return days, nil
}

// dayWord returns the part of item spelling lower-case p as written, or p.
func dayWord(item, p string) string {
	for _, f := range strings.FieldsFunc(item, func(r rune) bool { return r == '-' || r == '–' || r == '—' || unicode.IsSpace(r) }) {
		if strings.ToLower(f) == p {
			return f
		}
	}
	return p
}

// parseInterval reads "08:00-16:00".
func parseInterval(s string) (interval, error) {
	parts := splitRange(s)
	if len(parts) != 2 {
		return interval{}, fmt.Errorf("bad interval %q", s)
	}
	var iv interval
	for i, p := range parts {
		m, ok := parseClock(p)
		if !ok {
			return interval{}, fmt.Errorf("bad time %q", p)
		}
		if i == 0 {
			iv.start = m
		} else {
			iv.end = m
		}
	}
	switch {
	case iv.start == iv.end:
		return interval{}, fmt.Errorf("interval %q is empty", s)
	case iv.start > iv.end:
		return interval{}, fmt.Errorf("interval %q ends before it starts", s)
	}
	return iv, nil
}

// parseClock reads "8:00", "08:00" or "08.00" as minutes since midnight; "24:00" is 1440.
func parseClock(s string) (int, bool) {
	i := strings.IndexAny(s, ":.")
	if i < 1 || i > 2 || len(s) != i+3 {
		return 0, false
	}
	h, m := 0, 0
	for j := 0; j < len(s); j++ {
		if j == i {
			continue
		}
		ch := s[j]
		if ch < '0' || ch > '9' {
			return 0, false
		}
		if j < i {
			h = h*10 + int(ch-'0')
		} else {
			m = m*10 + int(ch-'0')
		}
	}
	if m > 59 || h > 24 || h == 24 && m != 0 {
		return 0, false
	}
	return h*60 + m, true
}

func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

func (iv interval) String() string { return clock(iv.start) + "-" + clock(iv.end) }

// String returns the hours as given, normalised: English day abbreviations in Monday-first
// order, days with the same intervals grouped into lists and ranges, times as "15:04",
// clauses joined by "; ", e.g. "Mon-Thu 08:00-16:00; Fri 08:00-11:30, 13:00-16:30".
// Parse reads it back to the same hours. Holidays and the zone are not included.
func (c *Calendar) String() string {
	c = c.get()
	order := [7]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	var done [7]bool
	var clauses []string
	for i, wd := range order {
		if done[i] || len(c.week[wd]) == 0 {
			continue
		}
		var same []int
		for j := i; j < len(order); j++ {
			if !done[j] && slices.Equal(c.week[order[j]], c.week[wd]) {
				same = append(same, j)
				done[j] = true
			}
		}
		var days []string
		for k := 0; k < len(same); {
			e := k
			for e+1 < len(same) && same[e+1] == same[e]+1 {
				e++
			}
			d := dayAbbr[order[same[k]]]
			if e > k {
				d += "-" + dayAbbr[order[same[e]]]
			}
			days = append(days, d)
			k = e + 1
		}
		var ivs []string
		for _, iv := range c.week[wd] {
			ivs = append(ivs, iv.String())
		}
		clauses = append(clauses, strings.Join(days, ",")+" "+strings.Join(ivs, ", "))
	}
	return strings.Join(clauses, "; ")
}

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.get().loc }

// Holiday returns the holiday on t's date in the calendar's zone, if any. Its From and To
// are the first and last day of the holiday as given (a whole cuti bersama range), at
// midnight in the calendar's zone. Where holidays overlap, the shortest one is returned.
func (c *Calendar) Holiday(t time.Time) (Holiday, bool) {
	c = c.get()
	i, ok := c.byDate[dateOf(t.In(c.loc))]
	if !ok {
		return Holiday{}, false
	}
	return c.holidays[i], true
}

// IsOpen reports whether t is working time: within an interval of its weekday (opening
// minute included, closing minute excluded) on a day that is not a holiday.
func (c *Calendar) IsOpen(t time.Time) bool {
	return c.NextOpen(t).Equal(t)
}

// NextOpen returns t if open, else the start of the next working interval, skipping
// nights, weekends and holidays. The result is in the calendar's zone.
func (c *Calendar) NextOpen(t time.Time) time.Time {
	c = c.get()
	t = t.In(c.loc)
	var buf [8]span
	for day := dateOf(t).add(-1); ; day = day.add(1) {
		for _, s := range c.spans(day, buf[:0]) {
			if t.Before(s.end) {
				if t.Before(s.start) {
					return s.start
				}
				return t
			}
		}
	}
}

// Add returns the instant when d of working time has elapsed after t (SLA due time); skips
// nights, weekends and holidays. Work starts at t if open, else at NextOpen(t); a due
// time that uses up an interval exactly is its closing time (Fri 15:00 + 1h = Fri 16:00).
// Add(t, 0) is t. A negative d goes back: Add(t, -d) is the latest instant s with
// Between(s, t) == d. The result is in the calendar's zone.
func (c *Calendar) Add(t time.Time, d time.Duration) time.Time {
	c = c.get()
	t = t.In(c.loc)
	var buf [8]span
	switch {
	case d == 0:
		return t
	case d > 0:
		for day := dateOf(t).add(-1); ; day = day.add(1) {
			for _, s := range c.spans(day, buf[:0]) {
				if !t.Before(s.end) {
					continue
				}
				start := s.start
				if t.After(start) {
					start = t
				}
				avail := s.end.Sub(start)
				if d <= avail {
					return start.Add(d)
				}
				d -= avail
			}
		}
	default:
		for day := dateOf(t).add(1); ; day = day.add(-1) {
			spans := c.spans(day, buf[:0])
			for i := len(spans) - 1; i >= 0; i-- {
				s := spans[i]
				if !s.start.Before(t) {
					continue
				}
				end := s.end
				if t.Before(end) {
					end = t
				}
				avail := end.Sub(s.start)
				if d >= -avail {
					return end.Add(d)
				}
				d += avail
			}
		}
	}
}

// Between returns the working time elapsed between a and b (0 if b <= a).
func (c *Calendar) Between(a, b time.Time) time.Duration {
	c = c.get()
	if !a.Before(b) {
		return 0
	}
	a, b = a.In(c.loc), b.In(c.loc)
	var total time.Duration
	var buf [8]span
	last := dateOf(b).add(1)
	for day := dateOf(a).add(-1); !last.before(day); day = day.add(1) {
		for _, s := range c.spans(day, buf[:0]) {
			lo, hi := s.start, s.end
			if a.After(lo) {
				lo = a
			}
			if b.Before(hi) {
				hi = b
			}
			if lo.Before(hi) {
				total += hi.Sub(lo)
			}
		}
	}
	return total
}

// span is a working interval as instants.
type span struct{ start, end time.Time }

// spans appends to buf the working intervals of day as instants in c.loc: none on
// holidays. They are clipped to the day (midnight to midnight) and to each other, so
// that the spans of successive days are sorted and disjoint even where a daylight saving
// transition skips or repeats wall-clock times.
func (c *Calendar) spans(day civil, buf []span) []span {
	if _, ok := c.byDate[day]; ok {
		return buf
	}
	ivs := c.week[day.weekday()]
	if len(ivs) == 0 {
		return buf
	}
	lo := time.Date(day.y, day.m, day.d, 0, 0, 0, 0, c.loc)
	next := day.add(1)
	hi := time.Date(next.y, next.m, next.d, 0, 0, 0, 0, c.loc)
	for _, iv := range ivs {
		s := time.Date(day.y, day.m, day.d, iv.start/60, iv.start%60, 0, 0, c.loc)
		e := time.Date(day.y, day.m, day.d, iv.end/60, iv.end%60, 0, 0, c.loc)
		if s.Before(lo) {
			s = lo
		}
		if e.After(hi) {
			e = hi
		}
		if s.Before(e) {
			buf = append(buf, span{s, e})
			lo = e
		}
	}
	return buf
}

// civil is a calendar date.
type civil struct {
	y int
	m time.Month
	d int
}

func dateOf(t time.Time) civil {
	y, m, d := t.Date()
	return civil{y, m, d}
}

func (d civil) noonUTC() time.Time { return time.Date(d.y, d.m, d.d, 12, 0, 0, 0, time.UTC) }

func (d civil) add(n int) civil { return dateOf(time.Date(d.y, d.m, d.d+n, 12, 0, 0, 0, time.UTC)) }

func (d civil) weekday() time.Weekday { return d.noonUTC().Weekday() }

func (d civil) before(e civil) bool { return d.noonUTC().Before(e.noonUTC()) }

func (d civil) in(loc *time.Location) time.Time { return time.Date(d.y, d.m, d.d, 0, 0, 0, 0, loc) }

// daysBetween returns the number of days from a to b.
func daysBetween(a, b civil) int { return int(b.noonUTC().Sub(a.noonUTC()) / (24 * time.Hour)) }
