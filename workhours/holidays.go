package workhours

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
)

// Holiday is a national holiday or a cuti bersama range: the days From to To, both
// included. Only their dates count; they are at midnight (UTC from ParseHolidays, the
// calendar's zone from Calendar.Holiday). Name may be empty.
type Holiday struct {
	From, To time.Time
	Name     string
}

// maxHolidayDays bounds a holiday range, to catch typos such as a wrong year.
const maxHolidayDays = 366

// String returns the holiday as a line of a holidays file, which Parse and ParseHolidays
// read back: "2026-08-17 Hari Kemerdekaan" or "2026-03-30..2026-04-03 Cuti bersama".
func (h Holiday) String() string {
	s := h.From.Format(time.DateOnly)
	if dateOf(h.To) != dateOf(h.From) {
		s += ".." + h.To.Format(time.DateOnly)
	}
	if h.Name != "" {
		s += " " + h.Name
	}
	return s
}

// ParseHolidays reads a holidays file: one date or range per line, '#' comments, optional
// description after the date ("2026-08-17 Hari Kemerdekaan",
// "2026-03-30..2026-04-03 Cuti bersama Idulfitri"). A '#' starts a comment at the start
// of a line or after a space. Ranges are inclusive and at most 366 days long. Errors
// name the line: `workhours: line 3: bad holiday date "2026-02-30"`.
func ParseHolidays(r io.Reader) ([]Holiday, error) {
	var hs []Holiday
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		from, to, name, ok, err := parseHolidayLine(line)
		if err != nil {
			return nil, fmt.Errorf("workhours: line %d: %v", n, err)
		}
		if ok {
			hs = append(hs, Holiday{From: from.in(time.UTC), To: to.in(time.UTC), Name: name})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("workhours: read holidays: %w", err)
	}
	return hs, nil
}

// parseHolidayLine reads "2026-08-17 Name" or "2026-03-30..2026-04-03 Name"; ok is false
// for a blank or comment line.
func parseHolidayLine(line string) (from, to civil, name string, ok bool, err error) {
	for i := 0; i < len(line); i++ {
		if line[i] == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			line = line[:i]
			break
		}
	}
	line = strings.TrimSpace(line)
	if line == "" {
		return civil{}, civil{}, "", false, nil
	}
	first, rest := cutField(line)
	fromS, toS, isRange := strings.Cut(strings.TrimSuffix(first, ":"), "..")
	switch {
	case isRange && toS == "": // "2026-03-30.. 2026-04-03"
		toS, rest = cutField(rest)
	case !isRange && strings.HasPrefix(rest, ".."): // "2026-03-30 ..2026-04-03", "2026-03-30 .. 2026-04-03"
		isRange = true
		toS, rest = cutField(strings.TrimSpace(rest[2:]))
	}
	if from, err = parseDate(fromS); err != nil {
		return civil{}, civil{}, "", false, err
	}
	to = from
	if isRange {
		toS = strings.TrimSuffix(toS, ":")
		if to, err = parseDate(toS); err != nil {
			return civil{}, civil{}, "", false, err
		}
		r := fromS + ".." + toS
		if to.before(from) {
			return civil{}, civil{}, "", false, fmt.Errorf("holiday range %q ends before it starts", r)
		}
		if daysBetween(from, to) >= maxHolidayDays {
			return civil{}, civil{}, "", false, fmt.Errorf("holiday range %q is longer than %d days", r, maxHolidayDays)
		}
	}
	name = strings.TrimSpace(strings.TrimLeft(rest, ":-–— \t"))
	return from, to, name, true, nil
}

// cutField splits s at its first run of white space.
func cutField(s string) (field, rest string) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

func parseDate(s string) (civil, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return civil{}, fmt.Errorf("bad holiday date %q", s)
	}
	return dateOf(t), nil
}
