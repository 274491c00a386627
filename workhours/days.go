package workhours

import "time"

// AddWorkingDays returns the deadline of a legal clock counted in working days ("paling
// lambat n hari kerja sejak diterimanya"): the close of the nth working day after t's date
// in the calendar's zone. The day of t is not counted, whatever the hour; a working day is
// a day with working hours that is not a holiday or cuti bersama, and its close is the end
// of its last working interval. n <= 0 returns t. The result is in the calendar's zone.
func (c *Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	c = c.get()
	t = t.In(c.loc)
	if n <= 0 {
		return t
	}
	var buf [8]span
	for day := dateOf(t).add(1); ; day = day.add(1) {
		spans := c.spans(day, buf[:0])
		if len(spans) == 0 {
			continue
		}
		if n--; n == 0 {
			return spans[len(spans)-1].end
		}
	}
}

// WorkingDaysBetween counts the working days after a's date up to and including b's date
// (0 if b's date is not after a's): how many days of a legal clock started at a have begun
// by b.
func (c *Calendar) WorkingDaysBetween(a, b time.Time) int {
	c = c.get()
	a, b = a.In(c.loc), b.In(c.loc)
	n := 0
	var buf [8]span
	last := dateOf(b)
	for day := dateOf(a).add(1); !last.before(day); day = day.add(1) {
		if len(c.spans(day, buf[:0])) > 0 {
			n++
		}
	}
	return n
}
