package bot

import (
	_ "embed"
	"fmt"
	"os"
	"sort"
	"strings"
	"text/template"

	"github.com/goccy/go-yaml"
)

//go:embed messages.yaml
var defaultMessages []byte

// Languages Balai speaks to citizens.
const (
	LangID = "id"
	LangEN = "en"
)

// Messages holds every citizen-facing text as templates per language: the defaults embedded
// from messages.yaml, with an admin's overrides on top.
type Messages struct {
	tmpl   map[string]map[string]*template.Template // key → lang → template
	Agency string
	Hours  map[string]string // service hours in words, per language
}

var templateFuncs = template.FuncMap{"esc": EscapeMarkdown}

// LoadMessages reads the default texts and, when overridePath is not "", an admin's file of
// the same shape that replaces some of them. Unknown keys and broken templates are errors.
func LoadMessages(overridePath, agency string) (*Messages, error) {
	m := &Messages{tmpl: map[string]map[string]*template.Template{}, Agency: agency, Hours: map[string]string{}}
	if err := m.add("messages.yaml", defaultMessages, false); err != nil {
		return nil, err
	}
	if overridePath != "" {
		b, err := os.ReadFile(overridePath)
		if err != nil {
			return nil, fmt.Errorf("bot: messages: %w", err)
		}
		if err := m.add(overridePath, b, true); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Messages) add(name string, data []byte, override bool) error {
	var raw map[string]map[string]string
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("bot: messages %s: %w", name, err)
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		if override && m.tmpl[key] == nil {
			return fmt.Errorf("bot: messages %s: unknown key %q", name, key)
		}
		if m.tmpl[key] == nil {
			m.tmpl[key] = map[string]*template.Template{}
		}
		for lang, text := range raw[key] {
			if lang != LangID && lang != LangEN {
				return fmt.Errorf("bot: messages %s: %s: unknown language %q (want id or en)", name, key, lang)
			}
			t, err := template.New(key + "." + lang).Funcs(templateFuncs).Option("missingkey=zero").Parse(text)
			if err != nil {
				return fmt.Errorf("bot: messages %s: %w", name, err)
			}
			m.tmpl[key][lang] = t
		}
		if !override && m.tmpl[key][LangID] == nil {
			return fmt.Errorf("bot: messages %s: %s has no Indonesian text", name, key)
		}
	}
	return nil
}

// Text renders the text key in lang (Indonesian when lang has none) with data, which may add
// to or override the common fields Agency, Hours and Name.
func (m *Messages) Text(lang, key string, data map[string]any) string {
	byLang, ok := m.tmpl[key]
	if !ok {
		panic(fmt.Sprintf("bot: no message %q", key)) // a programming error, caught by tests
	}
	t := byLang[lang]
	if t == nil {
		t, lang = byLang[LangID], LangID
	}
	d := map[string]any{"Agency": m.Agency, "Hours": m.Hours[lang]}
	for k, v := range data {
		d[k] = v
	}
	var b strings.Builder
	if err := t.Execute(&b, d); err != nil {
		return "" // missing fields render empty (missingkey=zero); other errors cannot happen
	}
	return strings.TrimSpace(b.String())
}

// Has reports whether key is a text of messages.yaml. Optional texts, such as a topic's own
// refusal ("refuse_<topic id>"), are looked up with it before Text.
func (m *Messages) Has(key string) bool {
	_, ok := m.tmpl[key]
	return ok
}

// EscapeMarkdown escapes characters that Markdown would read as formatting, for text that
// comes from citizens or data (names, titles).
func EscapeMarkdown(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]()<>#!|~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
