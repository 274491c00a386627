package faqui

import (
	"html/template"
	"net/url"
	"strings"

	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/render"
	"github.com/balai-id/balai/bot/telegram"
	"github.com/balai-id/balai/bot/whatsapp/cloud"
	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/workhours"
)

// Preview is an entry's answer as each channel shows it to a citizen.
type Preview struct {
	Lang string
	// Markdown is the answer the engine sends (title, body, source footer, feedback
	// question), before a channel renders it.
	Markdown string
	// Telegram are the messages' HTML the Telegram adapter sends (parse mode HTML), split
	// as it splits them.
	Telegram []template.HTML
	// WhatsApp are the messages' text with WhatsApp's formatting marks, split likewise.
	WhatsApp []string
	// Web is the web chat's HTML.
	Web template.HTML
	// Buttons are the feedback buttons under the answer.
	Buttons []string
}

// previewEntry renders e's answer as the engine composes it (bot's Engine.answer: bold
// title, body, the English note for English-speaking citizens, the source footer, the
// feedback question and buttons) with the catalogue's texts in lang, through the channels'
// own renderers.
func previewEntry(t Texts, e *faq.Entry, lang string) Preview {
	var sb strings.Builder
	sb.WriteString("**" + bot.EscapeMarkdown(e.Title) + "**\n\n")
	sb.WriteString(e.Body)
	if note := t.Text(lang, "answer_english_note", nil); note != "" && e.Lang != "en" {
		sb.WriteString("\n\n" + note)
	}
	updated := ""
	if !e.Updated.IsZero() {
		updated = workhours.FormatDate(e.Updated, lang)
	}
	host := ""
	if u, err := url.Parse(e.Source); err == nil {
		host = strings.TrimPrefix(u.Host, "www.")
	}
	if footer := t.Text(lang, "answer_footer", map[string]any{"Source": e.Source, "SourceHost": host, "Updated": updated}); footer != "" {
		sb.WriteString("\n\n" + footer)
	}
	sb.WriteString("\n\n" + t.Text(lang, "feedback_question", nil))
	md := sb.String()
	p := Preview{Lang: lang, Markdown: md, Web: template.HTML(render.HTML(md)), // render.HTML escapes raw HTML
		Buttons: []string{t.Text(lang, "button_yes", nil), t.Text(lang, "button_no", nil)}}
	tg := []string{md}
	if render.VisibleLen(render.TelegramHTML(md)) > telegram.MaxText {
		tg = render.Split(md, telegram.MaxText, render.TelegramHTML)
	}
	for _, c := range tg {
		p.Telegram = append(p.Telegram, template.HTML(render.TelegramHTML(c))) // escaped by the renderer
	}
	wa := []string{md}
	if render.UTF16Len(render.WhatsApp(md)) > cloud.MaxText {
		wa = render.Split(md, cloud.MaxText, render.WhatsApp)
	}
	for _, c := range wa {
		p.WhatsApp = append(p.WhatsApp, strings.TrimSpace(render.WhatsApp(c)))
	}
	return p
}
