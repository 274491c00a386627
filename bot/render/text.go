package render

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	extast "github.com/yuin/goldmark/extension/ast"
)

// TelegramHTML renders Markdown for Telegram's parse_mode=HTML: only the tags Telegram accepts
// (<b>, <i>, <u>, <s>, <code>, <pre>, <a href="...">, <blockquote>), with <, >, & and " escaped
// in text and attributes; lists as lines starting with "• " or "1. "; paragraphs separated by a blank line.
// Text like "a < b & c", "snake_case", "2*3", "<br>" must come out valid for Telegram.
//
// It also keeps Telegram's nesting rules: no tags inside <code> or <pre> (but
// <pre><code class="language-x"> for a code block with a language), no <code> or link
// inside a link, no blockquote inside a blockquote, and no empty entities.
func TelegramHTML(md string) string { return renderText(md, modeTelegram) }

// WhatsApp renders Markdown as WhatsApp formatting: *bold*, _italic_, ```code```, "- " lists,
// "1. " ordered lists, links as "text (url)" (or the bare url when text == url).
// Strikethrough becomes ~text~ and blockquotes "> " lines.
func WhatsApp(md string) string { return renderText(md, modeWhatsApp) }

// Plain renders Markdown as plain text (for logs, search, previews, SMS-like channels): no
// markup except "- " and "1. " list markers, "> " quote lines and links as "text (url)".
func Plain(md string) string { return renderText(md, modePlain) }

type mode int

const (
	modeTelegram mode = iota
	modeWhatsApp
	modePlain
)

func renderText(md string, m mode) string {
	src := []byte(prepare(md))
	r := &textRenderer{mode: m, src: src}
	return strings.TrimSpace(r.blocks(parse(src), "\n\n"))
}

// textRenderer walks a goldmark AST and writes one of the text-based formats. Its
// counters track open formatting so that no format is nested in itself and Telegram's
// nesting rules hold.
type textRenderer struct {
	mode mode
	src  []byte

	bold, italic, strike, link, quote int
}

// blocks renders the block children of parent, separated by sep.
func (r *textRenderer) blocks(parent ast.Node, sep string) string {
	var b strings.Builder
	var prev ast.Node
	for c := parent.FirstChild(); c != nil; c = c.NextSibling() {
		s := r.block(c)
		if strings.TrimSpace(s) == "" {
			continue
		}
		if prev != nil {
			// A list written right under its introducing line ("Syarat:\n- KTP") or under
			// another list stays attached to it.
			if sep == "\n\n" && c.Kind() == ast.KindList && !c.HasBlankPreviousLines() &&
				(prev.Kind() == ast.KindParagraph || prev.Kind() == ast.KindList) {
				b.WriteString("\n")
			} else {
				b.WriteString(sep)
			}
		}
		b.WriteString(s)
		prev = c
	}
	return b.String()
}

func (r *textRenderer) block(n ast.Node) string {
	switch n := n.(type) {
	case *ast.Paragraph, *ast.TextBlock:
		return strings.TrimSpace(r.inlines(n))
	case *ast.Heading:
		r.bold++
		inner := strings.TrimSpace(r.inlines(n))
		r.bold--
		return r.wrapBold(inner)
	case *ast.ThematicBreak:
		if r.mode == modePlain {
			return "---"
		}
		return "———"
	case *ast.CodeBlock:
		return r.codeBlock(string(n.Lines().Value(r.src)), "")
	case *ast.FencedCodeBlock:
		return r.codeBlock(string(n.Lines().Value(r.src)), string(n.Language(r.src)))
	case *ast.Blockquote:
		r.quote++
		inner := r.blocks(n, "\n\n")
		r.quote--
		if strings.TrimSpace(inner) == "" {
			return ""
		}
		if r.mode == modeTelegram {
			if r.quote > 0 {
				return inner // Telegram does not nest blockquotes
			}
			return "<blockquote>" + inner + "</blockquote>"
		}
		return prefixLines(inner, "> ", ">")
	case *ast.List:
		return r.list(n)
	case *ast.HTMLBlock:
		return r.esc(strings.TrimSpace(htmlBlockText(n, r.src)))
	case *ast.LinkReferenceDefinition:
		return ""
	}
	if n.HasChildren() {
		if n.FirstChild().Type() == ast.TypeInline {
			return strings.TrimSpace(r.inlines(n))
		}
		return r.blocks(n, "\n\n")
	}
	return r.esc(strings.TrimSpace(string(n.Lines().Value(r.src))))
}

// htmlBlockText is the raw source of an HTML block, its closing line included.
func htmlBlockText(n *ast.HTMLBlock, src []byte) string {
	b := n.Lines().Value(src)
	if n.HasClosure() {
		b = append(b, n.ClosureLine.Value(src)...)
	}
	return string(b)
}

func (r *textRenderer) codeBlock(code, lang string) string {
	code = strings.TrimRight(code, "\n")
	if strings.TrimSpace(code) == "" {
		return ""
	}
	switch r.mode {
	case modeTelegram:
		lang = sanitizeLang(lang)
		if lang != "" {
			return `<pre><code class="language-` + lang + `">` + escapeHTML(code) + "</code></pre>"
		}
		return "<pre>" + escapeHTML(code) + "</pre>"
	case modeWhatsApp:
		return "```" + code + "```"
	}
	return code
}

// sanitizeLang keeps a code block's language name to characters that are safe in a class
// attribute and that Telegram accepts.
func sanitizeLang(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("+-_#.", c) {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func (r *textRenderer) list(n *ast.List) string {
	var b strings.Builder
	num := n.Start
	for item := n.FirstChild(); item != nil; item = item.NextSibling() {
		var marker string
		switch {
		case n.IsOrdered():
			marker = strconv.Itoa(num) + ". "
			num++
		case r.mode == modeTelegram:
			marker = "• "
		default:
			marker = "- "
		}
		content := strings.TrimSpace(r.blocks(item, "\n"))
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		if content == "" {
			b.WriteString(strings.TrimSpace(marker))
			continue
		}
		indent := strings.Repeat(" ", utf8.RuneCountInString(marker))
		for i, line := range strings.Split(content, "\n") {
			if i == 0 {
				b.WriteString(marker)
			} else {
				b.WriteString("\n")
				if line != "" {
					b.WriteString(indent)
				}
			}
			b.WriteString(line)
		}
	}
	return b.String()
}

// prefixLines prefixes every line of s, using blank for empty lines.
func prefixLines(s, prefix, blank string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l == "" {
			lines[i] = blank
		} else {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}

// esc escapes literal text for the output format.
func (r *textRenderer) esc(s string) string {
	if r.mode == modeTelegram {
		return escapeHTML(s)
	}
	return s
}

func (r *textRenderer) inlines(n ast.Node) string {
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		b.WriteString(r.inline(c))
	}
	return b.String()
}

func (r *textRenderer) inline(n ast.Node) string {
	switch n := n.(type) {
	case *ast.Text:
		var s string
		if n.IsRaw() {
			s = string(n.Value(r.src))
		} else {
			s = unescapeMD(n.Value(r.src))
		}
		s = r.esc(s)
		if n.HardLineBreak() || n.SoftLineBreak() {
			s += "\n"
		}
		return s
	case *ast.String:
		if n.IsCode() || n.IsRaw() {
			return r.esc(string(n.Value))
		}
		return r.esc(unescapeMD(n.Value))
	case *ast.CodeSpan:
		return r.codeSpan(codeSpanText(n, r.src))
	case *ast.Emphasis:
		if n.Level >= 2 {
			r.bold++
			inner := r.inlines(n)
			r.bold--
			return r.wrapBold(inner)
		}
		return r.styled(n, &r.italic, "i", "_")
	case *extast.Strikethrough:
		return r.styled(n, &r.strike, "s", "~")
	case *ast.Link:
		r.link++
		inner := r.inlines(n)
		r.link--
		return r.linkTo(inner, n, classifyURL(unescapeMD(n.Destination)))
	case *ast.AutoLink:
		label := string(n.Label(r.src))
		url := string(n.URL(r.src))
		if n.AutoLinkType == ast.AutoLinkEmail {
			return r.esc(label) // every channel links e-mail addresses by itself
		}
		d := classifyURL(url)
		if r.mode == modeTelegram && r.link == 0 && d.kind == linkWeb {
			return `<a href="` + escapeHTML(d.href) + `">` + escapeHTML(label) + "</a>"
		}
		return r.esc(label)
	case *ast.Image:
		alt := strings.TrimSpace(plainInlines(n, r.src))
		d := classifyURL(unescapeMD(n.Destination))
		if r.link > 0 || d.kind == linkNone {
			return r.esc(alt)
		}
		if r.mode == modeTelegram && d.kind == linkWeb {
			if alt == "" {
				alt = d.display
			}
			return `<a href="` + escapeHTML(d.href) + `">` + escapeHTML(alt) + "</a>"
		}
		if alt == "" || sameURL(alt, d.display) {
			return r.esc(d.display)
		}
		return r.esc(alt + " (" + d.display + ")")
	case *ast.RawHTML:
		return r.esc(string(n.Segments.Value(r.src)))
	}
	return r.inlines(n)
}

func (r *textRenderer) wrapBold(inner string) string {
	if r.bold > 0 {
		return inner
	}
	switch r.mode {
	case modeTelegram:
		return wrapTag("b", inner)
	case modeWhatsApp:
		return wrapMarker("*", inner)
	}
	return inner
}

func (r *textRenderer) codeSpan(s string) string {
	switch r.mode {
	case modeTelegram:
		if r.link > 0 {
			return escapeHTML(s) // Telegram allows no code inside links
		}
		return wrapTag("code", escapeHTML(s))
	case modeWhatsApp:
		if strings.TrimSpace(s) == "" || strings.Contains(s, "```") {
			return s
		}
		return "```" + s + "```"
	}
	return s
}

// linkTo renders a link whose text was rendered as inner.
func (r *textRenderer) linkTo(inner string, n ast.Node, d destination) string {
	if r.link > 0 {
		return inner
	}
	if r.mode == modeTelegram && d.kind == linkWeb {
		if strings.TrimSpace(inner) == "" {
			inner = escapeHTML(d.display)
		}
		return `<a href="` + escapeHTML(d.href) + `">` + inner + "</a>"
	}
	if d.kind == linkNone {
		return inner
	}
	plain := strings.TrimSpace(plainInlines(n, r.src))
	if plain == "" || sameURL(plain, d.display) {
		return r.esc(d.display)
	}
	return inner + r.esc(" ("+d.display+")")
}

// wrapTag wraps inner in a Telegram tag, leaving whitespace-only content bare (Telegram
// rejects empty entities).
func wrapTag(tag, inner string) string {
	if strings.TrimSpace(inner) == "" {
		return inner
	}
	return "<" + tag + ">" + inner + "</" + tag + ">"
}

// wrapMarker wraps inner in a WhatsApp marker. WhatsApp only formats when the markers touch
// non-space characters, so surrounding whitespace is moved outside.
func wrapMarker(m, inner string) string {
	t := strings.TrimSpace(inner)
	if t == "" {
		return inner
	}
	i := strings.Index(inner, t)
	return inner[:i] + m + t + m + inner[i+len(t):]
}

// codeSpanText is the literal content of a code span.
func codeSpanText(n ast.Node, src []byte) string {
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			v := c.Value(src)
			if len(v) > 0 && v[len(v)-1] == '\n' {
				b.Write(v[:len(v)-1])
				b.WriteByte(' ')
			} else {
				b.Write(v)
			}
		case *ast.String:
			b.Write(c.Value)
		}
	}
	return b.String()
}

// plainInlines is the plain text of a node's inline content.
func plainInlines(n ast.Node, src []byte) string {
	r := &textRenderer{mode: modePlain, src: src, link: 1}
	return r.inlines(n)
}

// styled renders the children of an italic or strikethrough span, marked once however
// deeply such spans nest (depth counts the enclosing ones): with the HTML tag on Telegram,
// the marker on WhatsApp, plain elsewhere.
func (r *textRenderer) styled(n ast.Node, depth *int, tag, marker string) string {
	*depth++
	inner := r.inlines(n)
	*depth--
	if *depth > 0 {
		return inner
	}
	switch r.mode {
	case modeTelegram:
		return wrapTag(tag, inner)
	case modeWhatsApp:
		return wrapMarker(marker, inner)
	}
	return inner
}
