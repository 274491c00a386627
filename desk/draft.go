package desk

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/redact"
)

// draft turns a ticket's question and the officer's answer into a draft FAQ entry file for
// admins to review (and move into the corpus).
func (d *Desk) draft(ctx context.Context, o *officerTurn, id int64, officer string) error {
	t, err := d.store.Ticket(ctx, id)
	if err != nil {
		return err
	}
	num := d.number(t)
	o.log("faq_draft", num)
	if strings.TrimSpace(t.Answer) == "" {
		o.reply(d.officerText("desk_no_answer", map[string]any{"Number": num}), "")
		return nil
	}
	path, err := d.writeDraft(t, officer)
	if err != nil {
		o.reply(d.officerText("desk_faq_failed", map[string]any{"Number": num, "Error": err.Error()}), "")
		return nil
	}
	o.reply(d.officerText("desk_faq_written", map[string]any{"Number": num, "Path": path}), "")
	return nil
}

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
		ID:        "draf-" + strings.ToLower(d.number(t)),
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

func (d *Desk) writeDraft(t Ticket, officer string) (string, error) {
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
