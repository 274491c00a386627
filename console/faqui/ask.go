package faqui

import (
	"html/template"
	"net/http"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot/render"
	"github.com/balai-id/balai/knowledge"
)

// answer is one version's answer to a question, explained.
type answer struct {
	Label      string // which version
	Decision   string
	Reason     string
	Candidates []knowledge.Candidate
	Explain    *knowledge.Explanation
	// Answer is the answered entry's reply as the web chat shows it (nil unless answered).
	AnswerID string
	Answer   template.HTML
}

type askData struct {
	V        version
	Question string
	Sides    []answer
}

// askPage asks the question of the version and of the published one, side by side.
func (u *UI) askPage(w http.ResponseWriter, r *http.Request, q request) {
	id, ok := pathID(r)
	if !ok {
		u.fail(w, q, balai.ErrVersionNotFound, "")
		return
	}
	ctx := r.Context()
	v, err := u.load(ctx, id)
	if err != nil {
		u.fail(w, q, err, "load a corpus version")
		return
	}
	d := askData{V: v, Question: r.URL.Query().Get("q")}
	l := tr{Cat: u.cfg.Texts, Code: q.lang}
	if d.Question != "" {
		if !v.Published {
			ix, err := u.cache.get(ctx, v.C)
			if err != nil {
				u.fail(w, q, err, "index a corpus version")
				return
			}
			res, err := ix.Ask(ctx, d.Question, knowledge.WithExplain())
			if err != nil {
				u.fail(w, q, err, "ask a corpus version")
				return
			}
			d.Sides = append(d.Sides, u.answer(l.T("console_faq_ask_this", "ID", v.V.ID), res, ix.Thresholds(), q.lang))
		}
		res, err := u.cfg.Served.Ask(ctx, d.Question, knowledge.WithExplain())
		if err != nil {
			u.fail(w, q, err, "ask the published corpus")
			return
		}
		th := u.cfg.Index.Thresholds
		if t, ok := u.cfg.Served.(interface{ Thresholds() knowledge.Thresholds }); ok {
			th = t.Thresholds()
		}
		d.Sides = append(d.Sides, u.answer(l.T("console_faq_ask_published"), res, th, q.lang))
	}
	u.render(w, http.StatusOK, "ask", u.newPage(q, "console_faq_ask_title", d))
}

func (u *UI) answer(label string, res *knowledge.Result, th knowledge.Thresholds, lang string) answer {
	a := answer{Label: label, Decision: string(res.Decision), Reason: res.Reason, Explain: res.Explain}
	if u.cfg.Reason != nil {
		a.Reason = u.cfg.Reason(res, th)
	}
	a.Candidates = res.Candidates
	if len(a.Candidates) > 5 {
		a.Candidates = a.Candidates[:5]
	}
	if top, ok := res.Top(); ok && res.Decision == knowledge.Answer {
		p := previewEntry(u.cfg.Texts, top.Entry, lang)
		a.AnswerID, a.Answer = top.Entry.ID, template.HTML(render.HTML(p.Markdown))
	}
	return a
}
