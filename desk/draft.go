package desk

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/balai-id/balai/faq"
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

// DraftEntry builds the draft entry of an answered ticket.
func (d *Desk) DraftEntry(t Ticket, officer string) *faq.Entry {
	title := strings.TrimSpace(t.Question)
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
		Questions: []string{strings.TrimSpace(t.Question)},
		Category:  category,
		Updated:   today,
		Owner:     officer,
		Lang:      "id",
		Body:      strings.TrimSpace(t.Answer),
	}
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
