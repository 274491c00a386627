package desk

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/redact"
)

// DraftEntry builds the draft entry of an answered ticket. A draft may become public FAQ
// text: the citizen's NIK, phone numbers and e-mail addresses are masked in its title and
// questions, and wherever the officer's answer repeats them (the agency's own contacts in
// the answer stay).
func (d *Desk) DraftEntry(t Ticket, officer string) *faq.Entry {
	question := redact.String(strings.TrimSpace(t.Question))
	title := question
	if r := []rune(title); len(r) > faq.MaxTitleLen {
		title = strings.TrimSpace(string(r[:faq.MaxTitleLen-1])) + "…"
	}
	category := t.Category
	if category == "" {
		category = "Draf"
	}
	today, _ := faq.Date(d.now().In(d.cfg.Calendar.Location()).Format(faq.DateLayout))
	return &faq.Entry{
		ID:        "draf-" + strings.ToLower(d.Number(t)),
		Title:     title,
		Questions: []string{question},
		Category:  category,
		Updated:   today,
		Owner:     officer,
		Lang:      "id",
		Body:      maskCitizenData(strings.TrimSpace(t.Answer), t),
	}
}

// maskCitizenData masks in text the personal data the citizen of t wrote (in the question
// or the transcript), however it is written, and every NIK, NPWP and WhatsApp address.
func maskCitizenData(text string, t Ticket) string {
	theirs := map[string]bool{}
	for _, s := range append([]string{t.Question}, citizenLines(t)...) {
		for _, m := range redact.Find(s) {
			theirs[m.Key()] = true
		}
	}
	var b strings.Builder
	last := 0
	for _, m := range redact.Find(text) {
		if m.Kind == redact.Phone || m.Kind == redact.Email {
			if !theirs[m.Key()] {
				continue // the agency's own contact
			}
		}
		b.WriteString(text[last:m.Start])
		b.WriteString(m.Kind.Label())
		last = m.End
	}
	b.WriteString(text[last:])
	return b.String()
}

func citizenLines(t Ticket) []string {
	var out []string
	for _, l := range t.Transcript {
		if l.From == "citizen" {
			out = append(out, l.Text)
		}
	}
	return out
}

// WriteDraft writes the draft FAQ entry of answered ticket t (see DraftEntry) into
// Config.DraftsDir, checked the way `balai faq validate` checks it, and returns the file's
// path for admins to review.
func (d *Desk) WriteDraft(t Ticket, officer string) (string, error) {
	if d.cfg.DraftsDir == "" {
		return "", fmt.Errorf("no drafts folder is configured (BALAI_DRAFTS_DIR)")
	}
	e := d.DraftEntry(t, officer)
	data, err := e.Markdown()
	if err != nil {
		return "", err
	}
	// Check it the way `balai faq validate` will.
	if _, ps := faq.Parse(e.ID+".md", data); ps.Errors() > 0 {
		return "", ps.Err()
	}
	p, err := faq.WriteEntryFile(d.cfg.DraftsDir, e)
	if err != nil {
		return "", err
	}
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	return p, nil
}
