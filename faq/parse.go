package faq

import (
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

var (
	idPattern = regexp.MustCompile(`^[a-z0-9-]+$`)
)

// MaxTitleLen is the title length above which validation warns: titles label buttons.
const MaxTitleLen = 60

// Parse reads one corpus file. name is used in problems and stored as Entry.File.
// The entry is nil when the file has an error that leaves nothing to index.
func Parse(name string, data []byte) (*Entry, Problems) {
	var ps Problems
	if !utf8.Valid(data) {
		ps.add(name, 1, Error, "file is not valid UTF-8")
		return nil, ps
	}
	text := strings.TrimPrefix(string(data), "\uFEFF")
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	lines := strings.Split(text, "\n")

	open := -1
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if strings.TrimRight(l, " \t") == "---" {
			open = i
		}
		break
	}
	if open < 0 {
		ps.add(name, 1, Error, "missing front matter: the file must start with a line \"---\"")
		return nil, ps
	}
	closing := -1
	for i := open + 1; i < len(lines); i++ {
		if t := strings.TrimRight(lines[i], " \t"); t == "---" || t == "..." {
			closing = i
			break
		}
	}
	if closing < 0 {
		ps.add(name, open+1, Error, "front matter is not closed: add a line \"---\" after it")
		return nil, ps
	}
	// fmLine converts a 1-based line of the YAML text to a line of the file.
	fmLine := func(l int) int { return open + 1 + l }

	e := &Entry{File: name, Lang: "id", BodyLine: closing + 2}
	pairs, perr := parseFrontMatter(strings.Join(lines[open+1:closing], "\n"))
	if perr != nil {
		line := open + 1
		if perr.line > 0 {
			line = fmLine(perr.line)
		}
		ps.add(name, line, Error, "%s", perr.msg)
		return nil, ps
	}

	seen := map[string]int{}
	for _, kv := range pairs {
		key := kv.key
		line := fmLine(kv.line)
		if prev, ok := seen[key]; ok {
			ps.add(name, line, Error, "field %q is given twice (first on line %d)", key, prev)
			continue
		}
		seen[key] = line
		v := kv.value
		vline := fmLine(v.line)
		switch key {
		case "id":
			e.ID = scalar(name, vline, key, v, &ps)
		case "title":
			e.Title = scalar(name, vline, key, v, &ps)
		case "full_title":
			e.FullTitle = scalar(name, vline, key, v, &ps)
		case "questions":
			e.Questions = list(name, key, v, false, fmLine, &ps)
		case "keywords":
			e.Keywords = list(name, key, v, true, fmLine, &ps)
		case "category":
			e.Category = scalar(name, vline, key, v, &ps)
		case "source":
			e.Source = scalar(name, vline, key, v, &ps)
			if e.Source != "" && !validURL(e.Source) {
				ps.add(name, vline, Error, "source %q is not an absolute http(s) URL", e.Source)
			}
		case "updated":
			e.Updated = date(name, vline, key, v, &ps)
		case "review_by":
			e.ReviewBy = date(name, vline, key, v, &ps)
		case "owner":
			e.Owner = scalar(name, vline, key, v, &ps)
		case "lang":
			if l := strings.ToLower(scalar(name, vline, key, v, &ps)); l != "" {
				e.Lang = l
				if l != "id" && l != "en" {
					ps.add(name, vline, Warning, "lang %q is neither \"id\" nor \"en\"", l)
				}
			}
		default:
			ps.add(name, line, Warning, "unknown field %q is ignored", key)
		}
	}

	top := open + 1
	switch {
	case e.ID == "":
		ps.add(name, top, Error, "missing id")
	case !idPattern.MatchString(e.ID):
		ps.add(name, seen["id"], Error, "id %q may contain only a-z, 0-9 and -", e.ID)
	}
	if e.Title == "" {
		ps.add(name, top, Error, "missing title")
	} else if n := utf8.RuneCountInString(e.Title); n > MaxTitleLen {
		ps.add(name, seen["title"], Warning, "title is %d characters long; buttons show about %d", n, MaxTitleLen)
	}
	if len(e.Questions) == 0 {
		if _, ok := seen["questions"]; !ok {
			ps.add(name, top, Error, "missing questions: give at least one way citizens ask it")
		} else {
			ps.add(name, seen["questions"], Error, "questions is empty: give at least one way citizens ask it")
		}
	}
	e.Body = strings.TrimSpace(strings.Join(lines[closing+1:], "\n"))
	if e.Body == "" {
		ps.add(name, e.BodyLine, Error, "empty body: write the answer below the front matter")
	}
	if !e.Updated.IsZero() && !e.ReviewBy.IsZero() && e.ReviewBy.Before(e.Updated) {
		ps.add(name, seen["review_by"], Warning, "review_by %s is before updated %s",
			e.ReviewBy.Format(DateLayout), e.Updated.Format(DateLayout))
	}
	if ps.Errors() > 0 && (e.ID == "" || len(e.Questions) == 0 || e.Body == "") {
		return nil, ps
	}
	return e, ps
}

func scalar(file string, line int, key string, v fmValue, ps *Problems) string {
	if v.kind != kindScalar {
		ps.add(file, line, Error, "%s must be a single value", key)
		return ""
	}
	return strings.TrimSpace(v.text)
}

// list reads a list of strings. A single string is one item, or, when commaSplit is set,
// a comma-separated list (keywords: ktp, e-ktp).
func list(file, key string, v fmValue, commaSplit bool, fmLine func(int) int, ps *Problems) []string {
	var out []string
	switch v.kind {
	case kindNull:
		return nil
	case kindScalar:
		if commaSplit {
			for _, s := range strings.Split(v.text, ",") {
				if s = strings.TrimSpace(s); s != "" {
					out = append(out, s)
				}
			}
			return out
		}
		if s := strings.TrimSpace(v.text); s != "" {
			out = append(out, s)
		}
		return out
	case kindList:
		for _, it := range v.items {
			if it.kind != kindScalar && it.kind != kindNull {
				ps.add(file, fmLine(it.line), Error, "each item of %s must be a single value", key)
				continue
			}
			s := strings.TrimSpace(it.text)
			if s == "" {
				ps.add(file, fmLine(it.line), Error, "empty item in %s", key)
				continue
			}
			out = append(out, s)
		}
		return out
	default:
		ps.add(file, fmLine(v.line), Error, "%s must be a list", key)
		return nil
	}
}

func date(file string, line int, key string, v fmValue, ps *Problems) time.Time {
	s := scalar(file, line, key, v, ps)
	if s == "" {
		return time.Time{}
	}
	if t, err := Date(s); err == nil {
		return t
	}
	// A full timestamp is accepted for its day.
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		d, _ := Date(t.In(jakarta).Format(DateLayout))
		return d
	}
	ps.add(file, line, Error, "%s %q is not a date: write YYYY-MM-DD", key, s)
	return time.Time{}
}

func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
		!strings.ContainsAny(s, " \t\n")
}
