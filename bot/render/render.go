// Package render converts Balai's Markdown (FAQ answer bodies and message templates) into
// the format of each channel: Telegram HTML, WhatsApp formatting, safe HTML for the web
// chat and plain text. It also splits long texts into chunks that fit a channel's message
// length limit.
//
// Markdown is parsed with goldmark (CommonMark plus GFM strikethrough and bare-URL
// linkification) and every renderer walks the AST; nothing is converted with regular
// expressions. Raw HTML in the source is never passed through: it is shown as text.
package render

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// markdown is the shared goldmark instance. Its parser is safe for concurrent use: every
// Parse call has its own context.
var markdown = goldmark.New(goldmark.WithExtensions(extension.Strikethrough, extension.Linkify))

// prepare normalises input: valid UTF-8, no NUL bytes, "\n" line endings.
func prepare(md string) string {
	if !utf8.ValidString(md) {
		md = strings.ToValidUTF8(md, "\uFFFD")
	}
	if strings.IndexByte(md, 0) >= 0 {
		md = strings.ReplaceAll(md, "\x00", "\uFFFD")
	}
	if strings.IndexByte(md, '\r') >= 0 {
		md = strings.ReplaceAll(md, "\r\n", "\n")
		md = strings.ReplaceAll(md, "\r", "\n")
	}
	return md
}

// parse parses prepared Markdown.
func parse(src []byte) ast.Node {
	return markdown.Parser().Parse(text.NewReader(src))
}

// unescapeMD resolves backslash escapes and HTML entity references in Markdown text, the
// way goldmark's HTML writer does, and returns the literal text a reader sees.
func unescapeMD(b []byte) string {
	if !containsAny(b, "\\&") {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b))
	for i := 0; i < len(b); {
		c := b[i]
		if c == '\\' && i+1 < len(b) && util.IsPunct(b[i+1]) {
			sb.WriteByte(b[i+1])
			i += 2
			continue
		}
		if c == '&' {
			if r, n := entityAt(b[i:]); n > 0 {
				sb.WriteString(r)
				i += n
				continue
			}
		}
		sb.WriteByte(c)
		i++
	}
	return sb.String()
}

func containsAny(b []byte, chars string) bool {
	for _, c := range b {
		if strings.IndexByte(chars, c) >= 0 {
			return true
		}
	}
	return false
}

// entityAt decodes an HTML entity reference at the start of b ("&amp;", "&#39;",
// "&#x1F600;"). It returns the characters and the length consumed, or 0 when b does not
// start with a valid reference.
func entityAt(b []byte) (string, int) {
	if len(b) < 3 || b[0] != '&' {
		return "", 0
	}
	if b[1] == '#' {
		i := 2
		base := 10
		if i < len(b) && (b[i] == 'x' || b[i] == 'X') {
			base = 16
			i++
		}
		start := i
		for i < len(b) && (base == 10 && util.IsNumeric(b[i]) || base == 16 && util.IsHexDecimal(b[i])) {
			i++
		}
		digits := i - start
		if digits == 0 || i >= len(b) || b[i] != ';' || (base == 10 && digits > 7) || (base == 16 && digits > 6) {
			return "", 0
		}
		v, err := strconv.ParseUint(string(b[start:i]), base, 32)
		if err != nil {
			return "", 0
		}
		return string(util.ToValidRune(rune(v))), i + 1
	}
	i := 1
	for i < len(b) && util.IsAlphaNumeric(b[i]) {
		i++
	}
	if i == 1 || i >= len(b) || b[i] != ';' {
		return "", 0
	}
	e, ok := util.LookUpHTML5EntityByName(string(b[1:i]))
	if !ok {
		return "", 0
	}
	return string(e.Characters), i + 1
}

// escapeHTML escapes the characters that are special in HTML text and attribute values.
func escapeHTML(s string) string {
	if !strings.ContainsAny(s, `<>&"`) {
		return s
	}
	var sb strings.Builder
	sb.Grow(len(s) + 16)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			sb.WriteString("&lt;")
		case '>':
			sb.WriteString("&gt;")
		case '&':
			sb.WriteString("&amp;")
		case '"':
			sb.WriteString("&quot;")
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

// linkKind says how a link destination may be shown.
type linkKind int

const (
	linkNone linkKind = iota // relative, empty or dangerous: show the link text only
	linkWeb                  // http, https or tg URL (or a bare domain): a clickable link
	linkMail                 // mailto: show the address
	linkTel                  // tel: show the number
)

// destination describes a link destination for the renderers.
type destination struct {
	kind    linkKind
	href    string // URL-escaped, for href attributes; empty unless kind is linkWeb or linkMail
	display string // what a reader sees when the URL is written out
}

// classifyURL classifies a literal (already unescaped) link destination.
func classifyURL(d string) destination {
	d = strings.TrimSpace(d)
	if d == "" {
		return destination{}
	}
	lower := strings.ToLower(d)
	switch {
	case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "https://"), strings.HasPrefix(lower, "tg://"):
		if strings.IndexFunc(d, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
			return destination{}
		}
		// A space would end the link where channels linkify URLs in text.
		return destination{kind: linkWeb, href: string(util.URLEscape([]byte(d), false)), display: strings.ReplaceAll(d, " ", "%20")}
	case strings.HasPrefix(lower, "mailto:"):
		addr := d[len("mailto:"):]
		if addr == "" {
			return destination{}
		}
		return destination{kind: linkMail, href: string(util.URLEscape([]byte(d), false)), display: addr}
	case strings.HasPrefix(lower, "tel:"):
		if len(d) == len("tel:") {
			return destination{}
		}
		return destination{kind: linkTel, display: d[len("tel:"):]}
	}
	if looksLikeDomain(d) {
		return destination{kind: linkWeb, href: "https://" + string(util.URLEscape([]byte(d), false)), display: d}
	}
	return destination{}
}

// looksLikeDomain reports whether a destination without a scheme starts with a host name
// such as "kip-kuliah.kemdikbud.go.id", which authors sometimes write without "https://".
func looksLikeDomain(d string) bool {
	host := d
	if i := strings.IndexAny(host, "/?#"); i >= 0 {
		host = host[:i]
	}
	if strings.Contains(host, ":") || !strings.Contains(host, ".") {
		return false
	}
	labels := strings.Split(strings.ToLower(host), ".")
	for _, l := range labels {
		if l == "" || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	if len(tld) < 2 {
		return false
	}
	for i := 0; i < len(tld); i++ {
		if tld[i] < 'a' || tld[i] > 'z' {
			return false
		}
	}
	return true
}

// sameURL reports whether a link's text is just its URL written differently
// ("lapor.go.id" for "https://www.lapor.go.id/").
func sameURL(text, url string) bool {
	norm := func(s string) string {
		s = strings.ToLower(strings.TrimSpace(s))
		for _, p := range []string{"https://", "http://", "mailto:", "tel:", "www."} {
			s = strings.TrimPrefix(s, p)
		}
		return strings.TrimRight(s, "/")
	}
	n := norm(text)
	return n != "" && n == norm(url)
}

// UTF16Len is the length of s in UTF-16 code units, as Telegram and WhatsApp count.
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// VisibleLen returns the length in UTF-16 code units of the text a Telegram user sees for
// Telegram HTML (tags removed, entities unescaped). It also measures the web chat's HTML,
// where it counts the newlines between tags too.
func VisibleLen(telegramHTML string) int {
	n := 0
	s := telegramHTML
	for i := 0; i < len(s); {
		switch c := s[i]; c {
		case '<':
			j := strings.IndexByte(s[i:], '>')
			if j < 0 {
				// Not a tag: Telegram would reject it; count it as text.
				n++
				i++
				continue
			}
			i += j + 1
		case '&':
			if r, k := entityAt([]byte(s[i:min(len(s), i+40)])); k > 0 {
				n += UTF16Len(r)
				i += k
				continue
			}
			n++
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r >= 0x10000 {
				n += 2
			} else {
				n++
			}
			i += size
		}
	}
	return n
}
