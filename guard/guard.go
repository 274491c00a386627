// Package guard is the desk's outbound guard: before an officer's reply leaves for a
// citizen, it looks for what must not leave with it (the social-media guideline's ethics:
// keep state secrets, respect persons) —
//
//   - another person's NIK or KK number (16 digits that pass the province, regency, district
//     and birth-date checks of a real NIK, so that ordinary long numbers do not trip it),
//     phone number (Indonesian: 08…, 62…, +62…, landlines with an area code, however spaced
//     or dashed; any number written with a leading '+') or e-mail address: anything the
//     citizen did not write to the agency themselves (their own transcript and, on WhatsApp,
//     their own number) and that is not one of the agency's public contacts;
//   - text copied from the ticket's internal notes: a run of at least MinShared words shared
//     with a note, compared without case, punctuation or spacing;
//   - a word or phrase the agency lists as internal (code names, internal systems).
//
// Check returns structured findings with the matched fragment masked; Reasons words them for
// the officer from the message catalogue (Indonesian by default). Guard.CheckReply has the
// shape of the desk's reply hook. The guard never blocks by itself: the officer sees why and
// edits the reply or confirms it, and the desk audits the confirmation.
package guard

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/redact"
)

// Kind is what a Finding found.
type Kind string

// Kinds of findings.
const (
	NIK   Kind = "nik"   // another person's NIK or KK number
	Phone Kind = "phone" // another person's phone number
	Email Kind = "email" // another person's e-mail address
	Note  Kind = "note"  // text copied from an internal note
	Word  Kind = "word"  // a word the agency lists as internal
)

// Finding is one thing in a reply that should not leave: its kind and the matched fragment,
// masked where it is personal data ("3201********0001", "0812*****890", "b***@contoh.id"),
// shortened where it is copied note text, as listed where it is an internal word.
type Finding struct {
	Kind     Kind   `json:"kind"`
	Fragment string `json:"fragment"`
}

// DefaultMinShared is how many words in a row a reply must share with a note to count as
// copied from it.
const DefaultMinShared = 6

// Config is the agency's settings for the guard.
type Config struct {
	// Words are the agency's internal words and phrases (case-insensitive, matched as whole
	// words: "rahasia" does not match "kerahasiaan").
	Words []string
	// Allowed are the agency's public contacts a reply may always give: phone numbers
	// ("021-1500-123", "+62 811 1234 5678"), e-mail addresses ("ppid@contoh.go.id") and
	// whole e-mail domains written with a leading '@' ("@contoh.go.id").
	Allowed []string
	// MinShared is the length, in words, of a run shared with a note that counts as copied
	// (default DefaultMinShared).
	MinShared int
	// Lang is the language reasons are worded in for officers (default "id").
	Lang string
}

// Texts is the message catalogue (bot.Messages).
type Texts interface {
	Text(lang, key string, data map[string]any) string
}

// Guard checks officers' replies. It is immutable and safe for concurrent use.
type Guard struct {
	cfg      Config
	texts    Texts
	allowed  map[string]bool     // redact.Match keys of the agency's public contacts
	domains  []string            // "@contoh.go.id", lower-case
	wordsSet map[string][]string // first word → the internal phrases starting with it (normalised words joined by spaces)
}

// New returns a guard with cfg's settings wording its reasons from texts.
func New(cfg Config, texts Texts) *Guard {
	if cfg.MinShared <= 0 {
		cfg.MinShared = DefaultMinShared
	}
	if cfg.Lang == "" {
		cfg.Lang = "id"
	}
	g := &Guard{cfg: cfg, texts: texts, allowed: map[string]bool{}, wordsSet: map[string][]string{}}
	for _, w := range cfg.Words {
		if ws := words(w); len(ws) > 0 {
			g.wordsSet[ws[0]] = append(g.wordsSet[ws[0]], strings.Join(ws, " "))
		}
	}
	for _, a := range cfg.Allowed {
		a = strings.TrimSpace(a)
		switch {
		case strings.HasPrefix(a, "@"):
			g.domains = append(g.domains, strings.ToLower(a))
		case a != "":
			for _, m := range redact.Find(a) {
				g.allowed[m.Key()] = true
			}
		}
	}
	return g
}

// CheckReply is the desk's reply hook: the reasons, worded for the officer, why text should
// not be sent to the citizen of ticket t as it is (none when it may go).
func (g *Guard) CheckReply(t balai.Ticket, notes []balai.Event, text string) []string {
	return g.Reasons(g.Check(t, notes, text))
}

// Reasons words findings for the officer from the catalogue, one reason each.
func (g *Guard) Reasons(fs []Finding) []string {
	if len(fs) == 0 {
		return nil
	}
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, g.texts.Text(g.cfg.Lang, "guard_"+string(f.Kind), map[string]any{"Fragment": f.Fragment}))
	}
	return out
}

// Check returns what in text should not go to the citizen of ticket t, in the order of the
// kinds above and then of the text; a fragment found twice is reported once. notes are the
// ticket's internal notes (their Detail is the note's text).
func (g *Guard) Check(t balai.Ticket, notes []balai.Event, text string) []Finding {
	var out []Finding
	seen := map[Finding]bool{}
	add := func(f Finding) {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	own := citizensOwn(t)
	for _, m := range redact.Find(text) {
		key := m.Key()
		if own[key] || g.allowed[key] {
			continue
		}
		switch m.Kind {
		case redact.NIK:
			if ValidNIK(digitsOf(m.Text)) {
				add(Finding{NIK, maskDigits(m.Text, 4, 4)})
			}
		case redact.Phone:
			if indonesianPhone(m) {
				add(Finding{Phone, maskDigits(m.Text, 4, 3)})
			}
		case redact.Email:
			if !g.allowedDomain(key) {
				add(Finding{Email, maskEmail(m.Text)})
			}
		}
	}
	reply := words(text)
	for _, f := range copied(reply, notes, g.cfg.MinShared) {
		add(Finding{Note, f})
	}
	for i := range reply {
		for _, phrase := range g.wordsSet[reply[i]] {
			n := strings.Count(phrase, " ") + 1
			if i+n <= len(reply) && strings.Join(reply[i:i+n], " ") == phrase {
				add(Finding{Word, phrase})
			}
		}
	}
	return out
}

func (g *Guard) allowedDomain(email string) bool {
	for _, d := range g.domains {
		if strings.HasSuffix(email, d) {
			return true
		}
	}
	return false
}

// citizensOwn returns the keys (redact.Match.Key) of the personal data the citizen of t gave
// the agency themselves: in their messages, and their WhatsApp number.
func citizensOwn(t balai.Ticket) map[string]bool {
	own := map[string]bool{}
	addAll := func(s string) {
		for _, m := range redact.Find(s) {
			own[m.Key()] = true
		}
	}
	addAll(t.Question)
	addAll(t.UserName)
	for _, l := range t.Transcript {
		if l.From == "citizen" {
			addAll(l.Text)
		}
	}
	if t.Chat.Channel == balai.WhatsApp {
		id, _, _ := strings.Cut(t.Chat.ID, "@")
		addAll("+" + digitsOf(id))
	}
	return own
}

// indonesianPhone reports whether m is written like a phone number: with a leading '+', or
// in Indonesia's national form (0 and an area or mobile prefix, 9 to 13 digits; "62…" counts
// as "0…"). Bank account and reference numbers of 10–15 digits without a leading 0 do not.
func indonesianPhone(m redact.Match) bool {
	if strings.HasPrefix(m.Text, "+") || strings.HasPrefix(m.Text, "(+") {
		return true
	}
	k := m.Key()
	return len(k) >= 9 && len(k) <= 13 && k[0] == '0' && k[1] != '0'
}

// provinces are the first two digits of a NIK: the province codes of Kemendagri.
var provinces = map[int]bool{
	11: true, 12: true, 13: true, 14: true, 15: true, 16: true, 17: true, 18: true, 19: true, 21: true,
	31: true, 32: true, 33: true, 34: true, 35: true, 36: true, 51: true, 52: true, 53: true,
	61: true, 62: true, 63: true, 64: true, 65: true, 71: true, 72: true, 73: true, 74: true, 75: true, 76: true,
	81: true, 82: true, 91: true, 92: true, 93: true, 94: true, 95: true, 96: true,
}

// ValidNIK reports whether d (16 digits) can be a NIK or KK number: a province code, a
// regency or city and a district that are not 00, a day of birth 01–31 (41–71 for women), a
// month 01–12 and a serial that is not 0000.
func ValidNIK(d string) bool {
	if len(d) != 16 {
		return false
	}
	n := func(i int) int { v, _ := strconv.Atoi(d[i : i+2]); return v }
	day, month := n(6), n(8)
	if day > 40 {
		day -= 40
	}
	return provinces[n(0)] && n(2) != 0 && n(4) != 0 && day >= 1 && day <= 31 && month >= 1 && month <= 12 && d[12:] != "0000"
}

// maskDigits keeps the first `head` and last `tail` digits of s and stars the others,
// keeping its writing ("0812-3456-7890" → "0812-****-*890").
func maskDigits(s string, head, tail int) string {
	total := len(digitsOf(s))
	var b strings.Builder
	i := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			if i >= head && i < total-tail {
				r = '*'
			}
			i++
		}
		b.WriteRune(r)
	}
	return b.String()
}

// maskEmail keeps the first character of the local part and the domain: "b***@contoh.id".
func maskEmail(s string) string {
	local, domain, _ := strings.Cut(s, "@")
	if local == "" {
		return s
	}
	return local[:1] + "***@" + domain
}

func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// words splits s into lower-case words of letters and digits: how replies, notes and
// internal words are compared, without case, punctuation or spacing.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// copied returns the runs of at least n words of reply that also stand in a row in one of
// notes, each as its words joined by spaces (shortened to its first words and masked).
func copied(reply []string, notes []balai.Event, n int) []string {
	if len(reply) < n {
		return nil
	}
	grams := map[string]bool{}
	for _, note := range notes {
		ws := words(note.Detail)
		for i := 0; i+n <= len(ws); i++ {
			grams[strings.Join(ws[i:i+n], " ")] = true
		}
	}
	if len(grams) == 0 {
		return nil
	}
	var out []string
	for i := 0; i+n <= len(reply); {
		if !grams[strings.Join(reply[i:i+n], " ")] {
			i++
			continue
		}
		end := i + n // extend the run while the next window is shared too
		for end < len(reply) && grams[strings.Join(reply[end-n+1:end+1], " ")] {
			end++
		}
		out = append(out, fragment(reply[i:end]))
		i = end
	}
	return out
}

// maxFragment is how many words of a copied run a finding shows.
const maxFragment = 12

func fragment(ws []string) string {
	s := strings.Join(ws[:min(len(ws), maxFragment)], " ")
	if len(ws) > maxFragment {
		s += " …"
	}
	return redact.String(s)
}

// ParseWords reads a list of internal words: one word or phrase a line or separated by
// commas, blank entries and '#' comments skipped.
func ParseWords(r io.Reader) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		out = append(out, SplitList(line)...)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("guard: read words: %w", err)
	}
	return out, nil
}

// SplitList splits a comma-separated list, trimming entries and dropping blank ones.
func SplitList(s string) []string {
	var out []string
	for _, w := range strings.Split(s, ",") {
		if w = strings.TrimSpace(w); w != "" {
			out = append(out, w)
		}
	}
	return out
}
