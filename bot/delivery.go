package bot

import (
	"strings"
)

// configureDelivery applies the delivery settings of the configuration to the dispatcher.
func (e *Engine) configureDelivery() {
	d := e.dispatch
	if e.cfg.DeliveryHorizon > 0 {
		d.horizon = e.cfg.DeliveryHorizon
	}
	if e.cfg.DeliveryBackoff > 0 {
		d.backoff = e.cfg.DeliveryBackoff
	}
	if e.cfg.MaxDeliveryBackoff > 0 {
		d.maxBackoff = max(e.cfg.MaxDeliveryBackoff, d.backoff)
	}
	d.combine = e.combineNotices
	d.batch = e.batchBriefs
}

// batchBriefs renders items with a Brief that wait together as one list: a heading with
// their count ("briefs_batched") and each item's Brief on a line, in order. The list has no
// buttons, no reply reference and no Ref: it stands for no one item.
func (e *Engine) batchBriefs(first Outgoing, more []Outgoing) Outgoing {
	lang := first.Lang
	if lang == "" {
		lang = LangID
	}
	lines := []string{e.msgs.Text(lang, "briefs_batched", map[string]any{"Count": len(more) + 1}), "• " + first.Brief}
	for _, m := range more {
		lines = append(lines, "• "+m.Brief)
	}
	return Outgoing{Chat: first.Chat, Kind: OutMessage, Text: strings.Join(lines, "\n"), Lang: first.Lang, ThreadID: first.ThreadID}
}

// combineNotices renders several waiting notices as one message: a heading with their count
// ("notices_combined") and each notice after it, in order. The first notice's reply
// reference is kept when all of them answer the same message (notices about one ticket).
func (e *Engine) combineNotices(first Outgoing, more []Outgoing) Outgoing {
	o := first
	lang := first.Lang
	if lang == "" {
		lang = LangID
	}
	parts := []string{e.msgs.Text(lang, "notices_combined", map[string]any{"Count": len(more) + 1}), first.Text}
	for _, m := range more {
		parts = append(parts, m.Text)
		if m.ReplyTo != first.ReplyTo {
			o.ReplyTo = ""
		}
		if m.Ref != first.Ref {
			o.Ref = ""
		}
	}
	o.Text = strings.Join(parts, "\n\n")
	return o
}
