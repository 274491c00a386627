package tgfake

import (
	"errors"
	"fmt"
	"html"
	"regexp"
	"strings"
	"unicode/utf16"
)

var (
	tagRE    = regexp.MustCompile(`<(/?)([a-zA-Z0-9-]+)((?:\s[^<>]*)?)>`)
	entityRE = regexp.MustCompile(`&(#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z]+);`)
	allowed  = map[string]bool{"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true, "s": true,
		"strike": true, "del": true, "code": true, "pre": true, "a": true, "blockquote": true, "tg-spoiler": true, "span": true}
	named = map[string]bool{"lt": true, "gt": true, "amp": true, "quot": true}
)

// CheckHTML validates text as Telegram's HTML parse mode does: only supported tags, properly
// nested and closed, and "&" only in the named entities &lt; &gt; &amp; &quot; or numeric ones.
func CheckHTML(text string) error {
	var stack []string
	rest := text
	for {
		loc := tagRE.FindStringSubmatchIndex(rest)
		plain := rest
		if loc != nil {
			plain = rest[:loc[0]]
		}
		if strings.ContainsAny(plain, "<>") {
			return errors.New("unsupported start tag or unescaped < or >")
		}
		if err := checkEntities(plain); err != nil {
			return err
		}
		if loc == nil {
			break
		}
		closing, name, attrs := rest[loc[2]:loc[3]] == "/", strings.ToLower(rest[loc[4]:loc[5]]), rest[loc[6]:loc[7]]
		if !allowed[name] {
			return fmt.Errorf("unsupported start tag %q", name)
		}
		if closing {
			if len(stack) == 0 || stack[len(stack)-1] != name {
				return fmt.Errorf("unmatched end tag %q", name)
			}
			stack = stack[:len(stack)-1]
		} else {
			if name == "a" && !strings.Contains(attrs, "href=") {
				return errors.New("a tag without href")
			}
			if err := checkEntities(attrs); err != nil {
				return err
			}
			stack = append(stack, name)
		}
		rest = rest[loc[1]:]
	}
	if len(stack) > 0 {
		return fmt.Errorf("unclosed tag %q", stack[len(stack)-1])
	}
	return nil
}

func checkEntities(s string) error {
	for i := 0; i < len(s); i++ {
		if s[i] != '&' {
			continue
		}
		m := entityRE.FindStringSubmatch(s[i:])
		if m == nil || !strings.HasPrefix(s[i:], m[0]) {
			return errors.New("unescaped &")
		}
		if !strings.HasPrefix(m[1], "#") && !named[m[1]] {
			return fmt.Errorf("unsupported entity &%s;", m[1])
		}
	}
	return nil
}

// VisibleText is what the citizen sees of a message: tags removed and entities decoded for
// HTML.
func VisibleText(text, parseMode string) string {
	if parseMode != "HTML" {
		return text
	}
	return html.UnescapeString(tagRE.ReplaceAllString(text, ""))
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }
