// Package redact masks personal data — NIK and KK numbers (16 digits), NPWP, phone numbers of
// any country, e-mail addresses and WhatsApp addresses — in text bound for logs, metrics and
// FAQ drafts, and provides a slog.Handler that masks every string it logs and replaces
// citizens' identifiers (chat ids, user ids, phone numbers) with pseudonyms. Citizens'
// messages reach officers unmasked; they never reach logs unmasked.
//
// The masking reads numbers the way people write them: grouped with spaces, dots, dashes or
// parentheses ("3201 2345 6789 0001", "+60 12-345 6789", "(021) 555 1234") and glued to a word
// ("nik3201…", "NIK:3201…", "hp081…"). Ordinary numbers stay: dates, times, amounts written
// with thousands separators ("Rp 50.000", "Rp 1.500.000.000"), years, postal codes, ticket
// numbers, decimals.
package redact

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is the kind of personal data a Match holds.
type Kind int

// Kinds of personal data.
const (
	NIK   Kind = iota + 1 // a 16-digit number: NIK, KK (family card) or a card number
	NPWP                  // a 15-digit tax number written in its format (12.345.678.9-012.345)
	Phone                 // a phone number of any country
	Email                 // an e-mail address
	JID                   // a WhatsApp address (60123456789@s.whatsapp.net, …@lid)
)

// Label is what String writes in place of personal data of kind k.
func (k Kind) Label() string {
	switch k {
	case NIK:
		return "[NIK]"
	case NPWP:
		return "[NPWP]"
	case Phone:
		return "[telepon]"
	case Email:
		return "[email]"
	case JID:
		return "[wa]"
	}
	return "[data]"
}

// Match is one piece of personal data in a text: s[Start:End].
type Match struct {
	Start, End int
	Kind       Kind
	Text       string
}

// Key is the value of a match without its writing: the digits of a number, the lower-cased
// address of an e-mail, an Indonesian phone number in its national form. Two matches with the
// same Key name the same thing ("0812-3456-7890", "0812 3456 7890" and "+62 812 3456 7890").
func (m Match) Key() string {
	switch d := digits(m.Text); {
	case m.Kind == Email:
		return strings.ToLower(m.Text)
	case m.Kind == Phone && strings.HasPrefix(d, "62"):
		return "0" + d[2:] // +62 812… is 0812…
	default:
		return d
	}
}

var (
	email = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)
	jid   = regexp.MustCompile(`\+?\d{5,20}(?:[.:]\d+)*@(?:s\.whatsapp\.net|c\.us|lid)\b`)
	// Dates and times: read as such, never as parts of a phone number ("17-08-2024 10.30").
	dateTime = regexp.MustCompile(`\b(?:(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|1[0-2])[-/.](?:19|20)\d{2}|(?:0?[1-9]|[12]\d|3[01]) (?:0?[1-9]|1[0-2]) (?:19|20)\d{2}|(?:19|20)\d{2}[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])|(?:[01]?\d|2[0-3])[.:][0-5]\d(?:[.:][0-5]\d)?)\b`)
)

// String masks NIK/KK and NPWP numbers, phone numbers, e-mail and WhatsApp addresses in s.
func String(s string) string {
	ms := Find(s)
	if len(ms) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		b.WriteString(s[last:m.Start])
		b.WriteString(m.Kind.Label())
		last = m.End
	}
	b.WriteString(s[last:])
	return b.String()
}

// Find returns the personal data in s, in order, without overlaps.
func Find(s string) []Match {
	if !hasDigitOrAt(s) {
		return nil
	}
	var out []Match
	taken := func(a, b int) bool {
		for _, m := range out {
			if a < m.End && m.Start < b {
				return true
			}
		}
		return false
	}
	if strings.IndexByte(s, '@') >= 0 {
		for _, r := range jid.FindAllStringIndex(s, -1) {
			out = append(out, Match{Start: r[0], End: r[1], Kind: JID, Text: s[r[0]:r[1]]})
		}
		for _, r := range email.FindAllStringIndex(s, -1) {
			if !taken(r[0], r[1]) {
				out = append(out, Match{Start: r[0], End: r[1], Kind: Email, Text: s[r[0]:r[1]]})
			}
		}
	}
	// Numbers are read in the text between what was found, hex tokens, dates and times.
	skip := make([][2]int, 0, len(out))
	for _, m := range out {
		skip = append(skip, [2]int{m.Start, m.End})
	}
	for _, r := range hexTokens(s) {
		if !taken(r[0], r[1]) {
			skip = append(skip, r)
		}
	}
	for _, sp := range numericSpans(s) {
		for _, r := range dateTime.FindAllStringIndex(s[sp[0]:sp[1]], -1) {
			if a, b := sp[0]+r[0], sp[0]+r[1]; !taken(a, b) {
				skip = append(skip, [2]int{a, b})
			}
		}
	}
	sort.Slice(skip, func(i, j int) bool { return skip[i][0] < skip[j][0] })
	from := 0
	for _, sp := range append(skip, [2]int{len(s), len(s)}) {
		if sp[0] > from {
			out = append(out, numbers(s, from, sp[0])...)
		}
		from = max(from, sp[1])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}

// hexTokens returns the spans of tokens that hold digits without being numbers: UUIDs and
// long hex strings (session ids, hashes), at least 12 characters of hex digits and dashes
// with both digits and letters, standing alone. They are left as they are.
func hexTokens(s string) [][2]int {
	var out [][2]int
	for i := 0; i < len(s); {
		j := i
		digit, letter := false, false
		for j < len(s) && (isDigit(s[j]) || s[j] == '-' || (s[j]|0x20 >= 'a' && s[j]|0x20 <= 'f')) {
			digit = digit || isDigit(s[j])
			letter = letter || (s[j]|0x20 >= 'a' && s[j]|0x20 <= 'f')
			j++
		}
		if j-i >= 12 && digit && letter && (i == 0 || !isWordByte(s[i-1])) && (j == len(s) || !isWordByte(s[j])) {
			out = append(out, [2]int{i, j})
		}
		if j == i {
			j++
		}
		i = j
	}
	return out
}

func isWordByte(c byte) bool {
	return isDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'z' || c == '_' || c >= 0x80
}

// numericSpans returns the spans of digits with the punctuation of dates and times between
// them ("17-08-2024 10.30"), where dateTime may match.
func numericSpans(s string) [][2]int {
	var out [][2]int
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		j, last := i, i
		for j < len(s) && (isDigit(s[j]) || strings.IndexByte("-/.: ", s[j]) >= 0) {
			if isDigit(s[j]) {
				last = j + 1
			}
			j++
		}
		if last-i >= 4 {
			out = append(out, [2]int{i, last})
		}
		i = j
	}
	return out
}

func hasDigitOrAt(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '@' || isDigit(c) {
			return true
		}
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func digits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// group is a run of digits in a written number and what stands before it.
type group struct {
	start, end int    // the digits: s[start:end]
	sep        string // what separates it from the group before ("" for the first)
}

// numbers finds personal numbers in s[lo:hi]: runs of digit groups joined by short
// separators, classified by their digits and writing.
func numbers(s string, lo, hi int) []Match {
	var out []Match
	i := lo
	for i < hi {
		if !isDigit(s[i]) || (i > lo && isDigit(s[i-1])) {
			i++
			continue
		}
		start := i
		// A '+' or '(' (or "+(") right before the first digits belongs to the number.
		for start > lo && i-start < 2 && (s[start-1] == '+' || s[start-1] == '(') {
			start--
		}
		if !standsAlone(s, lo, start) {
			for i < hi && isDigit(s[i]) {
				i++
			}
			continue
		}
		groups := []group{{start: i}}
		for {
			for i < hi && isDigit(s[i]) {
				i++
			}
			groups[len(groups)-1].end = i
			j := i + sepLen(s[i:hi])
			if j == i || j >= hi || !isDigit(s[j]) || !validSep(s[i:j]) {
				break
			}
			groups = append(groups, group{start: j, sep: s[i:j]})
			i = j
		}
		out = append(out, classifyRun(s, start, groups)...)
	}
	return out
}

// sepLen is the length of the separator characters (up to three of " .,-()" and the no-break
// space) at the start of s.
func sepLen(s string) int {
	n, count := 0, 0
	for n < len(s) && count < 3 {
		switch {
		case strings.IndexByte(" .-()", s[n]) >= 0:
			n++
		case strings.HasPrefix(s[n:], "\u00a0"):
			n += 2
		default:
			return n
		}
		count++
	}
	return n
}

// validSep reports whether sep may join two digit groups of one number.
func validSep(sep string) bool {
	sep = strings.ReplaceAll(sep, "\u00a0", " ")
	switch sep {
	case " ", ".", "-", ") ", ")", " (", "(", ")-", "-(", ")(":
		return true
	}
	return false
}

// standsAlone reports whether a number starting at s[start] is not part of a longer token:
// the text before it is a space, punctuation, or a word of letters only ("nik3201…",
// "hp0812…"), not a word mixing letters and digits (a code, a hash).
func standsAlone(s string, lo, start int) bool {
	j := start
	for j > lo {
		r, size := utf8.DecodeLastRuneInString(s[lo:j])
		if !unicode.IsLetter(r) {
			if unicode.IsDigit(r) {
				return false
			}
			break
		}
		j -= size
	}
	return true
}

// classifyRun masks the run of groups (starting at s[start], with a '+' or '(' before the
// first digits if any) as a whole when it is personal data, or else the longest stretch of its
// groups that is, and what is left on either side the same way ("17 08 2024 0812 3456 7890":
// a date, then a phone number).
func classifyRun(s string, start int, groups []group) []Match {
	n := len(groups)
	if n == 0 {
		return nil
	}
	if k, ok := classify(s, start, groups, true); ok {
		if k == 0 {
			return nil
		}
		return []Match{match(s, start, groups, k)}
	}
	if n > 16 {
		return nil
	}
	for length := n - 1; length >= 1; length-- {
		for a := 0; a+length <= n; a++ {
			sub := append([]group{{start: groups[a].start, end: groups[a].end}}, groups[a+1:a+length]...)
			first := sub[0].start
			if a == 0 {
				first = start
			}
			k, ok := classify(s, first, sub, false)
			if !ok || k == 0 {
				continue
			}
			out := classifyRun(s, start, groups[:a])
			out = append(out, match(s, first, sub, k))
			if a+length < n {
				rest := append([]group{{start: groups[a+length].start, end: groups[a+length].end}}, groups[a+length+1:]...)
				out = append(out, classifyRun(s, rest[0].start, rest)...)
			}
			return out
		}
	}
	return nil
}

// match is the Match of kind k made of groups starting at s[start]. A '+' or '(' before
// the digits is part of a phone number only, and a '(' only when its ')' is too.
func match(s string, start int, groups []group, k Kind) Match {
	end := groups[len(groups)-1].end
	if k != Phone || !strings.Contains(s[start:end], ")") {
		start = groups[0].start // "(0812-3456-7890)": the parentheses are the text's
		if k == Phone && start > 0 && s[start-1] == '+' {
			start--
		}
	}
	return Match{Start: start, End: end, Kind: k, Text: s[start:end]}
}

// classify decides what the number made of groups is: personal data (its kind, true), an
// ordinary number (0, true: an amount, a decimal), or nothing known (0, false).
func classify(s string, start int, groups []group, whole bool) (Kind, bool) {
	d := 0
	for _, g := range groups {
		d += g.end - g.start
	}
	plus := s[start] == '+'
	paren := s[start] == '(' || (plus && start+1 < len(s) && s[start+1] == '(')
	first := s[groups[0].start:groups[0].end]
	seps := make([]string, 0, len(groups))
	for _, g := range groups[1:] {
		seps = append(seps, g.sep)
	}
	if whole && currencyBefore(s, start) {
		return 0, true
	}
	if d == 15 && npwp(groups) {
		return NPWP, true
	}
	for _, g := range groups[1:] {
		if g.end-g.start < 2 && !plus {
			return 0, false // "1 2 3 4 5 6 7 8 9 10": a list, not a number
		}
	}
	switch {
	case d == 16 && nikShape(s, groups, whole):
		return NIK, true
	case d == 16:
		return 0, false
	case !whole && !plus && !paren && first[0] != '0' && !strings.HasPrefix(first, "62"):
		// Part of a longer run: only what starts like a phone number is one.
		return 0, false
	case plus && d >= 8 && d <= 15:
		return Phone, true
	case thousands(s, groups):
		return 0, true
	case first == "0" && len(seps) > 0 && (seps[0] == "." || seps[0] == ","):
		return 0, true // a decimal: 0,75
	case first[0] == '0' && d >= 9 && d <= 13:
		return Phone, true
	case paren && d >= 9 && d <= 13:
		return Phone, true
	case d >= 10 && d <= 15:
		return Phone, true
	}
	return 0, false
}

// thousands reports whether groups are an amount written with thousands separators: 1–3
// digits, then groups of three, joined by the same '.' or ','.
func thousands(s string, groups []group) bool {
	if len(groups) < 2 || groups[0].end-groups[0].start > 3 {
		return false
	}
	sep := groups[1].sep
	if sep != "." && sep != "," {
		return false
	}
	for _, g := range groups[1:] {
		if g.sep != sep || g.end-g.start != 3 {
			return false
		}
	}
	return true
}

// nikShape reports whether 16 digits in groups are written the way NIK and KK numbers are:
// not as years in a row ("2021 2022 2023 2024"); and, when they are part of a longer run
// (whole is false), in one piece, 4-4-4-4, 6-6-4, 6-10, 8-8 or 2-2-2-6-4 (province, regency,
// district, birth date, serial).
func nikShape(s string, groups []group, whole bool) bool {
	var shape []string
	years := 0
	for _, g := range groups {
		shape = append(shape, strconv.Itoa(g.end-g.start))
		if y, _ := strconv.Atoi(s[g.start:g.end]); g.end-g.start == 4 && y >= 1900 && y < 2100 {
			years++
		}
	}
	if years == len(groups) {
		return false
	}
	if whole {
		return true
	}
	switch strings.Join(shape, "-") {
	case "16", "4-4-4-4", "6-6-4", "6-10", "8-8", "2-2-2-6-4", "2-2-2-2-2-2-4":
		return true
	}
	return false
}

// npwp reports whether groups are written as an NPWP: 12.345.678.9-012.345.
func npwp(groups []group) bool {
	want := []int{2, 3, 3, 1, 3, 3}
	if len(groups) != len(want) {
		return false
	}
	for i, g := range groups {
		if g.end-g.start != want[i] {
			return false
		}
	}
	return true
}

// currencyBefore reports whether the number at s[start] is an amount of money: "Rp", "Rp.",
// "IDR", "USD" or "$" stands right before it.
func currencyBefore(s string, start int) bool {
	before := strings.ToLower(strings.TrimRight(s[:start], " .\u00a0"))
	for _, c := range []string{"rp", "idr", "usd", "$", "rm", "sgd"} {
		if strings.HasSuffix(before, c) {
			rest := before[:len(before)-len(c)]
			r, _ := utf8.DecodeLastRuneInString(rest)
			if rest == "" || !unicode.IsLetter(r) {
				return true
			}
		}
	}
	return false
}
