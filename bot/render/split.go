package render

import (
	"reflect"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	extast "github.com/yuin/goldmark/extension/ast"
)

// Split splits Markdown into chunks whose rendering by render (one of the functions above) has a
// visible length of at most limit (count in UTF-16 code units, as Telegram does, of the text
// a user sees — for TelegramHTML that is the text without tags and with entities unescaped).
// It splits at paragraph boundaries first, then at line boundaries, then at sentence ends, then at
// spaces; never inside a word unless a single word exceeds the limit; never inside a code block
// when avoidable; chunks keep their Markdown valid (a list split between items, not mid-item when avoidable).
//
// For TelegramHTML and HTML the visible length is VisibleLen of the output; for any other
// function it is the UTF-16 length of the output itself. Chunks are Markdown slices of md
// wherever possible; a block split inside keeps its formatting: a code block is closed and
// reopened, emphasis and links are closed and reopened around the cut, a quote keeps its
// "> " and a list item its marker. Link reference definitions are repeated in the chunks
// that need them. A chunk can exceed limit only when a single unbreakable piece (a
// character, or the wrapping a nested block needs) does. limit <= 0 means no limit.
// Empty or blank input gives no chunks.
func Split(md string, limit int, render func(string) string) []string {
	md = prepare(md)
	measure := measureFor(render)
	withDefs := referenceDefinitions(md)
	s := &splitter{fits: func(chunk string) bool { return measure(render(withDefs(chunk))) <= limit }}
	if limit <= 0 {
		s.fits = func(string) bool { return true }
	}
	var out []string
	for _, c := range s.split(md) {
		if c = trimChunk(withDefs(c)); c != "" && strings.TrimSpace(render(c)) != "" {
			out = append(out, c)
		}
	}
	return out
}

// measureFor returns how the output of render is measured: Telegram's visible length for
// the HTML renderers, the UTF-16 length for text renderers.
func measureFor(render func(string) string) func(string) int {
	p := reflect.ValueOf(render).Pointer()
	if p == reflect.ValueOf(TelegramHTML).Pointer() || p == reflect.ValueOf(HTML).Pointer() {
		return VisibleLen
	}
	return UTF16Len
}

// referenceDefinitions returns a function that appends the link reference definitions of
// md to a chunk that has brackets and lacks some of them, so that reference links work in
// every chunk. Definitions are invisible.
func referenceDefinitions(md string) func(string) string {
	src := []byte(md)
	var defs []string
	_ = ast.Walk(parse(src), func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if d, ok := n.(*ast.LinkReferenceDefinition); ok && entering {
			if t := strings.TrimSpace(string(d.Lines().Value(src))); t != "" {
				defs = append(defs, t)
			}
		}
		return ast.WalkContinue, nil
	})
	if len(defs) == 0 {
		return identity
	}
	return func(c string) string {
		if !strings.Contains(c, "[") {
			return c
		}
		var missing []string
		for _, d := range defs {
			if !strings.Contains(c, d) {
				missing = append(missing, d)
			}
		}
		if len(missing) == 0 {
			return c
		}
		with := c + "\n\n" + strings.Join(missing, "\n")
		// Only where they stay definitions (not, say, inside an unclosed code block).
		if last := parse([]byte(with)).LastChild(); last == nil || last.Kind() != ast.KindLinkReferenceDefinition {
			return c
		}
		return with
	}
}

// splitter splits Markdown so that every chunk satisfies fits. Blocks nested in quotes and
// list items are split by a splitter whose fits wraps the chunk back into its container.
type splitter struct {
	fits func(string) bool
}

// unit is a top-level block and the source range it owns: from the start of its first line
// to the start of the next unit.
type unit struct {
	node       ast.Node
	start, end int
}

func (s *splitter) split(md string) []string {
	md = trimChunk(md)
	if md == "" {
		return nil
	}
	if s.fits(md) {
		return []string{md}
	}
	src := []byte(md)
	doc := parse(src)
	us := units(doc, src, 0, len(src))
	switch len(us) {
	case 0:
		return s.splitRaw(md, identity)
	case 1:
		return s.splitBlock(us[0], md, src)
	}
	return s.pack(len(us), func(i, j int) string {
		return trimChunk(md[us[i].start:us[j].end])
	}, func(i int) []string {
		return s.splitBlock(us[i], md, src)
	})
}

// units returns the block children of parent with their source ranges within [start, end).
func units(parent ast.Node, src []byte, start, end int) []unit {
	var us []unit
	for c := parent.FirstChild(); c != nil; c = c.NextSibling() {
		p := firstPos(c)
		if p < 0 {
			continue
		}
		ls := lineStart(src, p)
		if ls < start {
			ls = start
		}
		if len(us) > 0 && ls <= us[len(us)-1].start {
			continue // shares a line with the previous block: keep them together
		}
		us = append(us, unit{node: c, start: ls})
	}
	for i := range us {
		if i+1 < len(us) {
			us[i].end = us[i+1].start
		} else {
			us[i].end = end
		}
	}
	if len(us) > 0 {
		us[0].start = start
	}
	return us
}

// firstPos is the smallest source position of a block or anything in it, or -1.
func firstPos(n ast.Node) int {
	best := -1
	upd := func(p int) {
		if p >= 0 && (best < 0 || p < best) {
			best = p
		}
	}
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		if c.Type() != ast.TypeBlock {
			if t, ok := c.(*ast.Text); ok {
				upd(t.Segment.Start)
			}
			return ast.WalkSkipChildren, nil
		}
		upd(c.Pos())
		if l := c.Lines(); l != nil && l.Len() > 0 {
			upd(l.At(0).Start)
		}
		return ast.WalkContinue, nil
	})
	return best
}

func lineStart(src []byte, p int) int {
	for p > 0 && src[p-1] != '\n' {
		p--
	}
	return p
}

// trimChunk removes leading blank lines and trailing white space. Leading spaces of the
// first line stay: they can matter (an indented code block).
func trimChunk(s string) string {
	s = strings.TrimRight(s, " \t\n")
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 || strings.TrimSpace(s[:i]) != "" {
			break
		}
		s = s[i+1:]
	}
	if strings.TrimSpace(s) == "" {
		return ""
	}
	return s
}

func identity(s string) string { return s }

// largest returns the largest k in [0, n) for which ok holds, assuming ok holds for a
// prefix of [0, n); -1 when ok(0) is false. It probes exponentially, then bisects, so a
// chunk costs O(log n) renderings.
func largest(n int, ok func(int) bool) int {
	if n == 0 || !ok(0) {
		return -1
	}
	lo, hi := 0, n
	for step := 1; lo+step < n; step *= 2 {
		if !ok(lo + step) {
			hi = lo + step
			break
		}
		lo += step
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if ok(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// pack groups n consecutive parts greedily: piece(i, j) is the chunk of parts i..j, and
// one(i) splits part i when it does not fit alone.
func (s *splitter) pack(n int, piece func(i, j int) string, one func(i int) []string) []string {
	var out []string
	for i := 0; i < n; {
		k := largest(n-i, func(k int) bool { return s.fits(piece(i, i+k)) })
		if k < 0 {
			out = append(out, one(i)...)
			i++
			continue
		}
		if c := piece(i, i+k); c != "" {
			out = append(out, c)
		}
		i += k + 1
	}
	return out
}

// splitBlock splits one block that does not fit.
func (s *splitter) splitBlock(u unit, md string, src []byte) []string {
	text := md[u.start:u.end]
	switch n := u.node.(type) {
	case *ast.List:
		items := units(n, src, u.start, u.end)
		if len(items) <= 1 {
			if len(items) == 1 {
				return s.splitItem(items[0], md, src)
			}
			return s.splitRaw(trimChunk(text), identity)
		}
		return s.pack(len(items), func(i, j int) string {
			return trimChunk(md[items[i].start:items[j].end])
		}, func(i int) []string {
			return s.splitItem(items[i], md, src)
		})
	case *ast.Blockquote:
		return s.splitQuote(trimChunk(text))
	case *ast.FencedCodeBlock:
		return s.splitCode(n, text, src, true)
	case *ast.CodeBlock:
		return s.splitCode(n, text, src, false)
	case *ast.Paragraph, *ast.Heading:
		return s.splitInline(n, md, src, u.start, u.end)
	}
	return s.splitRaw(trimChunk(text), identity)
}

// nested splits the content of a container: wrap puts a piece of content back into it.
func (s *splitter) nested(content string, wrap func(string) string) []string {
	sub := &splitter{fits: func(x string) bool { return s.fits(wrap(x)) }}
	pieces := sub.split(content)
	out := make([]string, 0, len(pieces))
	for _, p := range pieces {
		out = append(out, wrap(p))
	}
	return out
}

// splitQuote splits a blockquote: its content without the "> " markers is split, and
// every piece quoted again.
func (s *splitter) splitQuote(text string) []string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		j := 0
		for j < len(l) && j < 3 && l[j] == ' ' {
			j++
		}
		if j < len(l) && l[j] == '>' {
			lines[i] = strings.TrimPrefix(l[j+1:], " ")
		}
	}
	return s.nested(strings.Join(lines, "\n"), func(x string) string { return prefixLines(x, "> ", ">") })
}

// splitItem splits one list item: its content is split and every piece gets the item's
// marker again.
func (s *splitter) splitItem(u unit, md string, src []byte) []string {
	text := trimChunk(md[u.start:u.end])
	if text == "" || !u.node.HasChildren() {
		return s.splitRaw(text, identity)
	}
	lineEnd := strings.IndexByte(text, '\n')
	if lineEnd < 0 {
		lineEnd = len(text)
	}
	var marker, first, rest string
	if cs := firstPos(u.node.FirstChild()) - u.start; cs > 0 && cs < lineEnd {
		marker, first = text[:cs], text[cs:lineEnd]
	} else {
		marker = strings.TrimRight(text[:lineEnd], " \t") + " "
	}
	if lineEnd < len(text) {
		rest = text[lineEnd+1:]
	}
	w := len(marker)
	indent := strings.Repeat(" ", w)
	var content []string
	if first != "" {
		content = append(content, first)
	}
	for _, l := range strings.Split(rest, "\n") {
		j := 0
		for j < len(l) && j < w && l[j] == ' ' {
			j++
		}
		content = append(content, l[j:])
	}
	wrap := func(x string) string {
		lines := strings.Split(x, "\n")
		for i, l := range lines {
			switch {
			case i == 0:
				lines[i] = marker + l
			case l != "":
				lines[i] = indent + l
			}
		}
		return strings.Join(lines, "\n")
	}
	return s.nested(strings.Join(content, "\n"), wrap)
}

// splitCode splits a code block between lines, closing and reopening it.
func (s *splitter) splitCode(n ast.Node, text string, src []byte, fenced bool) []string {
	var lines []string
	for i := 0; i < n.Lines().Len(); i++ {
		seg := n.Lines().At(i)
		lines = append(lines, strings.TrimRight(string(seg.Value(src)), "\n"))
	}
	if len(lines) == 0 {
		return s.splitRaw(trimChunk(text), identity)
	}
	var wrap func([]string) string
	if fenced {
		open := text
		if i := strings.IndexByte(open, '\n'); i >= 0 {
			open = open[:i]
		}
		open = strings.TrimLeft(open, " ")
		fence := "```"
		if open != "" && (open[0] == '`' || open[0] == '~') {
			fence = open[:len(open)-len(strings.TrimLeft(open, string(open[0])))]
		} else {
			open = fence
		}
		wrap = func(ls []string) string { return open + "\n" + strings.Join(ls, "\n") + "\n" + fence }
	} else {
		wrap = func(ls []string) string {
			out := make([]string, len(ls))
			for i, l := range ls {
				if strings.TrimSpace(l) != "" {
					out[i] = "    " + l
				}
			}
			return strings.Join(out, "\n")
		}
	}
	return s.pack(len(lines), func(i, j int) string {
		// Blank lines at the edges of a piece are dropped.
		for i < j && strings.TrimSpace(lines[i]) == "" {
			i++
		}
		for j > i && strings.TrimSpace(lines[j]) == "" {
			j--
		}
		if strings.TrimSpace(lines[i]) == "" {
			return ""
		}
		return wrap(lines[i : j+1])
	}, func(i int) []string {
		return s.splitRaw(lines[i], func(x string) string { return wrap([]string{x}) })
	})
}

// cut is a place to split text: the earlier piece ends at start, the later one begins at
// end (the white space between is dropped). close ends the formatting open at the cut in
// the earlier piece; open reopens it in the later one.
type cut struct {
	start, end  int
	level       int
	open, close string
}

// Cut levels, preferred from the highest.
const (
	levelHard     = iota // inside a word
	levelSpace           // between words
	levelSentence        // after the end of a sentence
	levelLine            // at a line break
)

// cutLoop splits text at the given cuts (sorted by start). piece(a, b) builds the chunk
// from cut a (nil: the beginning) to cut b (nil: the end). hard(from, to) lists cuts
// inside words for when no word boundary fits.
func (s *splitter) cutLoop(cands []cut, hard func(from, to int) []cut, begin int, piece func(a, b *cut) string) []string {
	var out []string
	var prev *cut
	from := begin
	for {
		whole := piece(prev, nil)
		if whole == "" {
			break
		}
		if s.fits(whole) {
			out = append(out, whole)
			break
		}
		// Cuts after the previous one that leave a non-empty piece.
		for len(cands) > 0 && cands[0].start <= from {
			cands = cands[1:]
		}
		var chosen *cut
		for level := levelLine; level > levelHard && chosen == nil; level-- {
			var elig []*cut
			for i := range cands {
				if cands[i].level >= level {
					elig = append(elig, &cands[i])
				}
			}
			if k := largest(len(elig), func(k int) bool { return s.fits(piece(prev, elig[k])) }); k >= 0 {
				chosen = elig[k]
			}
		}
		if chosen == nil {
			to := -1
			if len(cands) > 0 {
				to = cands[0].start
			}
			hs := hard(from, to)
			if len(hs) == 0 {
				out = append(out, whole) // nothing left to cut
				break
			}
			k := largest(len(hs), func(k int) bool { return s.fits(piece(prev, &hs[k])) })
			if k < 0 {
				k = 0 // a single character does not fit: take it anyway
			}
			c := hs[k]
			chosen = &c
		}
		if p := piece(prev, chosen); p != "" {
			out = append(out, p)
		}
		prev = chosen
		from = chosen.end
	}
	return out
}

// splitRaw splits text without Markdown structure (a code line, an HTML block) at line
// breaks, sentence ends, spaces and, if need be, characters; wrap formats every piece.
func (s *splitter) splitRaw(text string, wrap func(string) string) []string {
	if text == "" {
		return nil
	}
	cands := wordCuts(text, 0, len(text), "", "", true)
	hard := func(from, to int) []cut {
		if to < 0 {
			to = len(text)
		}
		return hardCuts(text, from, to, "", "")
	}
	return s.cutLoop(cands, hard, 0, func(a, b *cut) string {
		from, to := 0, len(text)
		if a != nil {
			from = a.end
		}
		if b != nil {
			to = b.start
		}
		if strings.TrimSpace(text[from:to]) == "" {
			return ""
		}
		return trimChunk(wrap(text[from:to]))
	})
}

// wordCuts lists the cuts at white space in text[start:stop]: line breaks (when lines is
// set), sentence ends and spaces.
func wordCuts(text string, start, stop int, open, close string, lines bool) []cut {
	var cs []cut
	for i := start; i < stop; {
		c := text[i]
		if c != ' ' && c != '\t' && c != '\n' {
			i++
			continue
		}
		j := i
		nl := false
		for j < stop && (text[j] == ' ' || text[j] == '\t' || text[j] == '\n') {
			nl = nl || text[j] == '\n'
			j++
		}
		level := levelSpace
		switch {
		case nl && lines:
			level = levelLine
		case sentenceEnd(text[:i]) && sentenceStart(text[j:]):
			level = levelSentence
		}
		cs = append(cs, cut{start: i, end: j, level: level, open: open, close: close})
		i = j
	}
	return cs
}

// sentenceEnd reports whether before ends a sentence: ., ! or ? (or …), possibly followed
// by closing quotes, brackets or emphasis markers.
func sentenceEnd(before string) bool {
	for before != "" {
		r, size := utf8.DecodeLastRuneInString(before)
		switch r {
		case '"', '\'', ')', ']', '»', '”', '’', '*', '_', '~', '`':
			before = before[:len(before)-size]
			continue
		case '.', '!', '?', '…':
			return true
		}
		return false
	}
	return false
}

// sentenceStart reports whether after can start a sentence: not a lower-case letter (so
// "dll. dan" or "No. 24" are not cut as sentence ends).
func sentenceStart(after string) bool {
	after = strings.TrimLeft(after, "*_[`\"'(~")
	r, _ := utf8.DecodeRuneInString(after)
	return after != "" && !unicode.IsLower(r) && !unicode.IsDigit(r)
}

// hardCuts lists the cuts between characters in text[from:to] that do not break a
// character, an emoji sequence, a backslash escape or an entity reference.
func hardCuts(text string, from, to int, open, close string) []cut {
	var cs []cut
	for i := from; i < to; {
		_, size := utf8.DecodeRuneInString(text[i:])
		i += size
		if i >= to {
			break
		}
		if goodHardCut(text, i) {
			cs = append(cs, cut{start: i, end: i, level: levelHard, open: open, close: close})
		}
	}
	return cs
}

func goodHardCut(text string, i int) bool {
	next, _ := utf8.DecodeRuneInString(text[i:])
	prev, _ := utf8.DecodeLastRuneInString(text[:i])
	if prev == '\u200d' || next == '\u200d' || next == '\ufe0f' || next == '\ufe0e' ||
		next >= 0x1f3fb && next <= 0x1f3ff || unicode.Is(unicode.Mn, next) || unicode.Is(unicode.Me, next) ||
		next >= 0xe0020 && next <= 0xe007f || // emoji tag sequences
		isRegionalIndicator(prev) && isRegionalIndicator(next) && regionalRun(text[:i])%2 == 1 {
		return false
	}
	// A backslash escape: an odd run of backslashes before i.
	bs := 0
	for j := i - 1; j >= 0 && text[j] == '\\'; j-- {
		bs++
	}
	if bs%2 == 1 {
		return false
	}
	// An entity reference "&name;" or "&#123;" around i.
	for j := i - 1; j >= 0 && i-j <= 32; j-- {
		c := text[j]
		if c == '&' {
			if _, n := entityAt([]byte(text[j:min(len(text), j+40)])); n > 0 && j+n > i {
				return false
			}
			break
		}
		if !(c == '#' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			break
		}
	}
	return true
}

func isRegionalIndicator(r rune) bool { return r >= 0x1f1e6 && r <= 0x1f1ff }

// regionalRun counts the regional indicators that end s.
func regionalRun(s string) int {
	n := 0
	for s != "" {
		r, size := utf8.DecodeLastRuneInString(s)
		if !isRegionalIndicator(r) {
			break
		}
		n++
		s = s[:len(s)-size]
	}
	return n
}

// textSeg is a piece of literal text in a paragraph, with the Markdown that opens and
// closes the formatting around it.
type textSeg struct {
	start, stop int
	open, close string
	lineBreak   bool // a line break follows the segment
}

// inlineSegs collects the text of a paragraph or heading. Text in images, autolinks and
// raw HTML is not collected: those are not split.
func inlineSegs(n ast.Node, src []byte) []textSeg {
	var segs []textSeg
	var walk func(n ast.Node, open, close string)
	walk = func(n ast.Node, open, close string) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *ast.Text:
				segs = append(segs, textSeg{
					start: c.Segment.Start, stop: c.Segment.Stop, open: open, close: close,
					lineBreak: c.SoftLineBreak() || c.HardLineBreak(),
				})
			case *ast.Emphasis:
				d := strings.Repeat("*", min(c.Level, 2))
				walk(c, open+d, d+close)
			case *extast.Strikethrough:
				walk(c, open+"~~", "~~"+close)
			case *ast.Link:
				walk(c, open+"[", "]("+linkDestination(c.Destination)+")"+close)
			case *ast.CodeSpan:
				p := c.Pos()
				if p < 0 || p >= len(src) || src[p] != '`' {
					continue
				}
				q := p
				for q < len(src) && src[q] == '`' {
					q++
				}
				run := string(src[p:q])
				walk(c, open+run, run+close)
			}
		}
	}
	walk(n, "", "")
	return segs
}

// linkDestination writes a link destination in the <...> form.
func linkDestination(d []byte) string {
	var b strings.Builder
	b.WriteByte('<')
	for i := 0; i < len(d); i++ {
		c := d[i]
		switch {
		case c == '\\' && i+1 < len(d):
			b.WriteByte(c)
			b.WriteByte(d[i+1])
			i++
		case c == '<' || c == '>':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('>')
	return b.String()
}

// splitInline splits a paragraph or heading at line breaks, sentence ends, spaces and, if
// need be, inside words, closing and reopening emphasis, links and code spans at the cut.
func (s *splitter) splitInline(n ast.Node, md string, src []byte, start, end int) []string {
	segs := inlineSegs(n, src)
	if len(segs) == 0 {
		return s.splitRaw(trimChunk(md[start:end]), identity)
	}
	var cands []cut
	for _, g := range segs {
		cands = append(cands, wordCuts(md, g.start, g.stop, g.open, g.close, false)...)
		if g.lineBreak {
			nl := strings.IndexByte(md[g.stop:end], '\n')
			if nl >= 0 {
				e := g.stop + nl + 1
				for e < end && (md[e] == ' ' || md[e] == '\t') {
					e++
				}
				cands = append(cands, cut{start: g.stop, end: e, level: levelLine, open: g.open, close: g.close})
			}
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].start < cands[j].start })
	hard := func(from, to int) []cut {
		var hs []cut
		for _, g := range segs {
			lo, hi := max(g.start, from), g.stop
			if to >= 0 {
				hi = min(hi, to)
			}
			if lo < hi {
				hs = append(hs, hardCuts(md, lo, hi, g.open, g.close)...)
			}
		}
		return hs
	}
	return s.cutLoop(cands, hard, start, func(a, b *cut) string {
		from, to := start, end
		if a != nil {
			from = a.end
		}
		if b != nil {
			to = b.start
		}
		if from >= to || strings.TrimSpace(md[from:to]) == "" {
			return ""
		}
		body := md[from:to]
		if a != nil {
			if a.open == "" {
				body = escapeBlockStart(body)
			} else {
				body = a.open + body
			}
		}
		if b != nil {
			body += b.close
		}
		return trimChunk(body)
	})
}

// escapeBlockStart escapes the first character of a piece of paragraph text that would
// start another block ("- ", "1. ", "# ", "> ", a fence, a thematic break, an HTML block
// or a link reference definition) at the beginning of a chunk.
func escapeBlockStart(s string) string {
	if s == "" {
		return s
	}
	line := s
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		line = s[:i]
	}
	run := func(c byte) int {
		n := 0
		for n < len(line) && line[n] == c {
			n++
		}
		return n
	}
	spaceAt := func(i int) bool { return i >= len(line) || line[i] == ' ' || line[i] == '\t' }
	thematic := func(c byte) bool {
		n := 0
		for i := 0; i < len(line); i++ {
			switch line[i] {
			case c:
				n++
			case ' ', '\t':
			default:
				return false
			}
		}
		return n >= 3
	}
	switch c := s[0]; {
	case c == '>':
		return `\` + s
	case c == '#':
		if n := run('#'); n <= 6 && spaceAt(n) {
			return `\` + s
		}
	case c == '-' || c == '+' || c == '*':
		if spaceAt(1) || thematic(c) {
			return `\` + s
		}
	case c == '_':
		if thematic(c) {
			return `\` + s
		}
	case c == '`' || c == '~':
		if run(c) >= 3 {
			return `\` + s
		}
	case c == '<':
		end := strings.IndexByte(line, '>')
		if end < 0 {
			end = len(line)
		}
		autolink := strings.ContainsAny(line[:end], ":@")
		if len(line) > 1 && !autolink && (unicode.IsLetter(rune(line[1])) || strings.IndexByte("/!?", line[1]) >= 0) {
			return `\` + s
		}
	case c == '[':
		if strings.Contains(line, "]:") {
			return `\` + s
		}
	case c >= '0' && c <= '9':
		n := 0
		for n < len(line) && line[n] >= '0' && line[n] <= '9' {
			n++
		}
		if n <= 9 && n < len(line) && (line[n] == '.' || line[n] == ')') && spaceAt(n+1) {
			return s[:n] + `\` + s[n:]
		}
	}
	return s
}
