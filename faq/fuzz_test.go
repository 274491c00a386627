package faq_test

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/balai-id/balai/faq"
)

// FuzzParse checks that the front-matter parser never panics, that every problem has a
// line inside the file, and that an entry it accepts survives a write and a re-read.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"---\nid: a\ntitle: A\nquestions: [q]\n---\nbody\n",
		"---\nid: a\ntitle: A\nquestions:\n  - q\n  - r\nkeywords: x, y\nupdated: 2024-05-01\nreview_by: 2025-01-01\nsource: https://a.go.id/x\n---\n**b**\n",
		"\uFEFF---\r\nid: a\r\ntitle: A\r\nquestions: q\r\n---\r\nb\r\n",
		"---\nid: [a\n---\n",
		"---\n- a\n- b\n---\nx",
		"---\nid: a\nid: b\n---\nx",
		"---\n",
		"",
		"---\nid: a\ntitle: \"x\\u0000\"\nquestions: [\"\"]\n---\n\n",
		"---\nid: a\ntitle: A\nquestions: [q]\nupdated: 2024-05-01T10:00:00Z\n...\nbody",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, ps := faq.Parse("f.md", data)
		// Lines end in \n, \r\n or a lone \r, as the parser reads them.
		lines := 1 + bytes.Count(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")), []byte("\n")) +
			bytes.Count(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")), []byte("\r"))
		for _, p := range ps {
			if p.Line < 0 || p.Line > lines+1 {
				t.Fatalf("problem line %d outside a %d-line file: %s", p.Line, lines, p)
			}
		}
		if e == nil || ps.Errors() > 0 {
			return
		}
		out, err := e.Markdown()
		if err != nil {
			t.Fatalf("write accepted entry: %v", err)
		}
		again, ps2 := faq.Parse("f.md", out)
		if ps2.Errors() > 0 || again == nil {
			t.Fatalf("re-read of written entry failed: %v\n%s", ps2, out)
		}
		e.File, e.BodyLine, again.File, again.BodyLine = "", 0, "", 0
		if diff := cmp.Diff(e, again); diff != "" {
			t.Fatalf("round trip changed the entry (-first +second):\n%s\n%s", diff, out)
		}
	})
}
