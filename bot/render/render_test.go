package render

import (
	"flag"
	"fmt"
	"html"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/balai-id/balai/faq"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// renderers are the functions under test, in the order of the golden files.
var renderers = []struct {
	name   string
	render func(string) string
}{
	{"telegram", TelegramHTML},
	{"whatsapp", WhatsApp},
	{"html", HTML},
	{"plain", Plain},
}

// goldenCases cover every supported construct; each golden file holds the output of all
// four renderers.
var goldenCases = []struct {
	name string
	md   string
}{
	{"paragraphs", "Paragraf pertama.\n\nParagraf kedua\nberlanjut di baris berikutnya.\n\n\n\nParagraf ketiga."},
	{"bold", "Layanan ini **gratis** dan __tanpa calo__."},
	{"italic", "Baca *panduan* dan _syaratnya_ dulu."},
	{"bold_italic", "***Penting*** dan **tebal _miring_ di dalam** serta *miring **tebal** di dalam*."},
	{"strikethrough", "Biaya ~~Rp50.000~~ gratis."},
	{"code_span", "Ketik `CEK NIK` lalu kirim ke `1500537`; ``a`b`` juga."},
	{"fenced_code", "Contoh:\n\n```\nREG#NIK#NAMA\nkirim ke 1500537\n```"},
	{"fenced_code_lang", "```json\n{\"nik\": \"3201xxxx\", \"ok\": true && x < 3}\n```"},
	{"indented_code", "Format SMS:\n\n    REG <NIK> <NAMA>\n    & kirim"},
	{"links", "Daftar di [SP4N-LAPOR!](https://www.lapor.go.id/) atau [situs resmi](https://kemensos.go.id/ \"Kemensos\")."},
	{"link_text_is_url", "Buka [pip.kemdikbud.go.id](https://pip.kemdikbud.go.id/) atau [https://lpdp.kemenkeu.go.id](https://lpdp.kemenkeu.go.id)."},
	{"link_without_scheme", "Lihat [portal](kip-kuliah.kemdikbud.go.id/daftar)."},
	{"link_unsafe_and_relative", "Jangan klik [ini](javascript:alert(1)) atau [itu](/halaman/lokal) atau [kosong]()."},
	{"link_mail_tel", "Kirim ke [email kami](mailto:pengaduan@contoh.go.id) atau [telepon](tel:1500537)."},
	{"reference_link", "Lihat [situs Dukcapil][dukcapil] dan [LAPOR].\n\n[dukcapil]: https://dukcapil.kemendagri.go.id/\n[lapor]: https://www.lapor.go.id/"},
	{"autolinks", "Situs <https://www.lapor.go.id/> dan www.kemensos.go.id, https://pip.kemdikbud.go.id/cek?nisn=1&nik=2, serta <pengaduan@contoh.go.id> dan info@contoh.go.id."},
	{"bullet_list", "Syarat:\n- KTP-el asli\n- Kartu Keluarga\n* pas foto\n\nSelesai."},
	{"ordered_list", "Langkah:\n\n1. Datang ke Disdukcapil.\n2. Ambil nomor antrean.\n3. Serahkan dokumen."},
	{"ordered_list_start", "3. ketiga\n4. keempat\n\n10) sepuluh\n11) sebelas"},
	{"nested_list", "- Dokumen wajib:\n  - KTP-el\n  - KK\n- Dokumen tambahan:\n  1. Akta lahir\n  2. Surat nikah\n- Selesai"},
	{"loose_list", "- Item pertama\n\n  dengan paragraf kedua.\n\n- Item kedua"},
	{"list_with_code", "1. Ketik:\n\n   ```\n   CEK NIK\n   ```\n2. Kirim."},
	{"headings", "# Judul Utama\n\nTeks.\n\n## Sub *judul* **tebal**\n\nJudul Setext\n============\n\n###### kecil"},
	{"blockquote", "> Kutipan dari **peraturan**:\n> pasal 1.\n>\n> Paragraf kedua kutipan."},
	{"nested_blockquote", "> Luar\n>\n> > Dalam\n> > baris dua\n>\n> - daftar di kutipan"},
	{"line_breaks", "Baris satu  \nbaris dua (hard)\\\nbaris tiga (backslash)\nbaris empat (soft)"},
	{"thematic_break", "Atas\n\n---\n\nBawah\n\n***\n\n___"},
	{"raw_html_inline", "Teks <b>tebal</b> dan <br> dan <script>alert(1)</script> dan <!-- komentar --> selesai."},
	{"raw_html_block", "<div class=\"x\">\n<p>Halo & selamat</p>\n</div>\n\nSetelahnya."},
	{"raw_html_script_block", "<script>\nalert(\"x\")\n</script>"},
	{"images", "Logo: ![Logo Balai](https://contoh.go.id/logo.png) dan ![](https://contoh.go.id/x.png) dan ![alt lokal](/x.png)."},
	{"image_in_link", "[![lencana](https://contoh.go.id/b.png)](https://contoh.go.id/)"},
	{"special_chars_text", "a < b & c > d \"kutip\" 'apos' 5 > 3 && x <- y, AT&T, &copy; &amp; &#169; &#xA9; &bogus; &"},
	{"telegram_sensitive_chars", "snake_case dan __init__ dan 2*3*4 dan a_b_c, [kurung], [tak tertutup, `kode`, \\*bintang\\*, \\_garis\\_, \\`tick\\`, \\[x\\](y), tilde ~ dan ~~"},
	{"special_chars_in_links", "[a < b & \"c\" _d_ *e*](https://contoh.go.id/cari?q=a&b=\"c\"&d=<x>) dan [`kode` di tautan](https://contoh.go.id/a_b*c) dan <https://contoh.go.id/?a=1&b=2>"},
	{"special_chars_in_url", "[tautan](<https://contoh.go.id/ada spasi/ü?x=1&y=2>) dan [escape](https://contoh.go.id/a\\_b\\)c)"},
	{"emoji_indonesian", "Halo 👋 Kak! Terima kasih sudah menghubungi **Balai** 🇮🇩.\n\nPengajuan Anda sedang diproses ⏳ — mohon ditunggu 1×24 jam. Keluarga 👨‍👩‍👧‍👦 penerima *bansos* 👍🏽 silakan cek di cekbansos.kemensos.go.id."},
	{"escapes", "\\# bukan judul, \\- bukan daftar, 1\\. bukan urutan, \\> bukan kutipan, \\<br\\>, \\\\ garis miring terbalik"},
	{"empty_constructs", "** **\n\n``\n\n[](https://contoh.go.id)\n\n- \n-\n\n>\n\n```\n```"},
	{"template", "Halo {{.Nama}}, nomor tiket Anda **{{.Tiket}}**.\nBalas *1* untuk lanjut atau _0_ untuk batal."},
}

func TestRenderGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			fmt.Fprintf(&b, "-- markdown --\n%s\n", tc.md)
			for _, r := range renderers {
				fmt.Fprintf(&b, "-- %s --\n%s\n", r.name, r.render(tc.md))
			}
			got := b.String()
			path := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./bot/render -run TestRenderGolden -update)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s (rerun with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
			}
			if err := checkTelegramHTML(TelegramHTML(tc.md)); err != nil {
				t.Errorf("TelegramHTML is not valid for Telegram: %v", err)
			}
		})
	}
}

// TestRender pins the outputs that matter most, renderer by renderer.
func TestRender(t *testing.T) {
	tests := []struct {
		name, md              string
		telegram, wa, plain   string
		htmlContains, htmlNot []string
	}{
		{
			name: "html special characters", md: "a < b & c > d \"e\"",
			telegram: "a &lt; b &amp; c &gt; d &quot;e&quot;", wa: "a < b & c > d \"e\"", plain: "a < b & c > d \"e\"",
			htmlContains: []string{"a &lt; b &amp; c &gt; d &quot;e&quot;"},
		},
		{
			name: "markdown-looking text stays text", md: "snake_case 2*3 a_b_c",
			telegram: "snake_case 2*3 a_b_c", wa: "snake_case 2*3 a_b_c", plain: "snake_case 2*3 a_b_c",
		},
		{
			name: "raw html is escaped", md: "baris<br>baru <b>x</b>",
			telegram: "baris&lt;br&gt;baru &lt;b&gt;x&lt;/b&gt;", wa: "baris<br>baru <b>x</b>", plain: "baris<br>baru <b>x</b>",
			htmlContains: []string{"baris&lt;br&gt;baru &lt;b&gt;x&lt;/b&gt;"}, htmlNot: []string{"<br>baru", "<b>"},
		},
		{
			name: "bold and italic", md: "**tebal** __tebal__ *miring* _miring_",
			telegram: "<b>tebal</b> <b>tebal</b> <i>miring</i> <i>miring</i>",
			wa:       "*tebal* *tebal* _miring_ _miring_", plain: "tebal tebal miring miring",
			htmlContains: []string{"<strong>tebal</strong>", "<em>miring</em>"},
		},
		{
			name: "code span", md: "ketik `a<b & *c*`",
			telegram: "ketik <code>a&lt;b &amp; *c*</code>", wa: "ketik ```a<b & *c*```", plain: "ketik a<b & *c*",
			htmlContains: []string{"<code>a&lt;b &amp; *c*</code>"},
		},
		{
			name: "fenced code block", md: "```sh\necho \"a\" && b < c\n```",
			telegram: "<pre><code class=\"language-sh\">echo &quot;a&quot; &amp;&amp; b &lt; c</code></pre>",
			wa:       "```echo \"a\" && b < c```", plain: "echo \"a\" && b < c",
			htmlContains: []string{`<pre><code class="language-sh">`},
		},
		{
			name: "link", md: "[Lapor](https://www.lapor.go.id/?a=1&b=2)",
			telegram: `<a href="https://www.lapor.go.id/?a=1&amp;b=2">Lapor</a>`,
			wa:       "Lapor (https://www.lapor.go.id/?a=1&b=2)", plain: "Lapor (https://www.lapor.go.id/?a=1&b=2)",
			htmlContains: []string{`<a href="https://www.lapor.go.id/?a=1&amp;b=2" rel="noopener noreferrer" target="_blank">Lapor</a>`},
		},
		{
			name: "link text equal to url", md: "[lapor.go.id](https://lapor.go.id/)",
			telegram: `<a href="https://lapor.go.id/">lapor.go.id</a>`, wa: "https://lapor.go.id/", plain: "https://lapor.go.id/",
		},
		{
			name: "autolink", md: "<https://lapor.go.id>",
			telegram: `<a href="https://lapor.go.id">https://lapor.go.id</a>`, wa: "https://lapor.go.id", plain: "https://lapor.go.id",
			htmlContains: []string{`rel="noopener noreferrer" target="_blank"`},
		},
		{
			name: "javascript link", md: "[klik](javascript:alert(1))",
			telegram: "klik", wa: "klik", plain: "klik", htmlNot: []string{"javascript", "<a"},
		},
		{
			name: "bullet list", md: "- satu\n- dua",
			telegram: "• satu\n• dua", wa: "- satu\n- dua", plain: "- satu\n- dua",
			htmlContains: []string{"<ul>\n<li>satu</li>"},
		},
		{
			name: "ordered list", md: "1. satu\n1. dua",
			telegram: "1. satu\n2. dua", wa: "1. satu\n2. dua", plain: "1. satu\n2. dua",
		},
		{
			name: "nested list", md: "- a\n  - b\n- c",
			telegram: "• a\n  • b\n• c", wa: "- a\n  - b\n- c", plain: "- a\n  - b\n- c",
		},
		{
			name: "heading", md: "## Syarat *umum*\nTeks",
			telegram: "<b>Syarat <i>umum</i></b>\n\nTeks", wa: "*Syarat _umum_*\n\nTeks", plain: "Syarat umum\n\nTeks",
			htmlContains: []string{"<h2>Syarat <em>umum</em></h2>"},
		},
		{
			name: "bold heading does not nest bold", md: "# **Tebal** judul",
			telegram: "<b>Tebal judul</b>", wa: "*Tebal judul*", plain: "Tebal judul",
		},
		{
			name: "blockquote", md: "> kutip\n> lagi",
			telegram: "<blockquote>kutip\nlagi</blockquote>", wa: "> kutip\n> lagi", plain: "> kutip\n> lagi",
			htmlContains: []string{"<blockquote>"},
		},
		{
			name: "nested blockquote is flattened for Telegram", md: "> a\n>\n> > b",
			telegram: "<blockquote>a\n\nb</blockquote>", wa: "> a\n>\n> > b", plain: "> a\n>\n> > b",
		},
		{
			name: "line breaks", md: "a  \nb\\\nc\nd",
			telegram: "a\nb\nc\nd", wa: "a\nb\nc\nd", plain: "a\nb\nc\nd",
			htmlContains: []string{"a<br>\nb<br>\nc<br>\nd"},
		},
		{
			name: "thematic break", md: "a\n\n---\n\nb",
			telegram: "a\n\n———\n\nb", wa: "a\n\n———\n\nb", plain: "a\n\n---\n\nb",
			htmlContains: []string{"<hr>"},
		},
		{
			name: "image", md: "![Logo](https://x.go.id/l.png)",
			telegram: `<a href="https://x.go.id/l.png">Logo</a>`, wa: "Logo (https://x.go.id/l.png)", plain: "Logo (https://x.go.id/l.png)",
			htmlContains: []string{`<a href="https://x.go.id/l.png" rel="noopener noreferrer" target="_blank">Logo</a>`},
			htmlNot:      []string{"<img"},
		},
		{
			name: "code inside link is plain for Telegram", md: "[`kode`](https://x.go.id)",
			telegram: `<a href="https://x.go.id">kode</a>`, wa: "```kode``` (https://x.go.id)", plain: "kode (https://x.go.id)",
		},
		{
			name: "whatsapp markers hug the text", md: "** a **b",
			telegram: "** a **b", wa: "** a **b", plain: "** a **b",
		},
		{
			name: "emoji and Indonesian", md: "Terima kasih 🙏, **Bapak/Ibu** 👨‍👩‍👧!",
			telegram: "Terima kasih 🙏, <b>Bapak/Ibu</b> 👨‍👩‍👧!", wa: "Terima kasih 🙏, *Bapak/Ibu* 👨‍👩‍👧!", plain: "Terima kasih 🙏, Bapak/Ibu 👨‍👩‍👧!",
		},
		{
			name: "entities and escapes", md: "&copy; &amp;amp; \\*x\\* \\&amp;",
			telegram: "© &amp;amp; *x* &amp;amp;", wa: "© &amp; *x* &amp;", plain: "© &amp; *x* &amp;",
		},
		{
			name: "invalid utf-8 and NUL", md: "a\xffb\x00c",
			telegram: "a\uFFFDb\uFFFDc", wa: "a\uFFFDb\uFFFDc", plain: "a\uFFFDb\uFFFDc",
		},
		{name: "empty", md: "", telegram: "", wa: "", plain: ""},
		{name: "crlf", md: "a\r\nb\r\n\r\nc", telegram: "a\nb\n\nc", wa: "a\nb\n\nc", plain: "a\nb\n\nc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := TelegramHTML(tc.md); got != tc.telegram {
				t.Errorf("TelegramHTML(%q)\n got %q\nwant %q", tc.md, got, tc.telegram)
			}
			if err := checkTelegramHTML(TelegramHTML(tc.md)); err != nil {
				t.Errorf("TelegramHTML(%q) is not valid: %v", tc.md, err)
			}
			if got := WhatsApp(tc.md); got != tc.wa {
				t.Errorf("WhatsApp(%q)\n got %q\nwant %q", tc.md, got, tc.wa)
			}
			if got := Plain(tc.md); got != tc.plain {
				t.Errorf("Plain(%q)\n got %q\nwant %q", tc.md, got, tc.plain)
			}
			h := HTML(tc.md)
			for _, s := range tc.htmlContains {
				if !strings.Contains(h, s) {
					t.Errorf("HTML(%q) = %q, want it to contain %q", tc.md, h, s)
				}
			}
			for _, s := range tc.htmlNot {
				if strings.Contains(h, s) {
					t.Errorf("HTML(%q) = %q, must not contain %q", tc.md, h, s)
				}
			}
		})
	}
}

func TestVisibleLen(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"abc", 3},
		{"<b>abc</b>", 3},
		{`<a href="https://x.go.id/?a=1&amp;b=2">tautan</a>`, 6},
		{"a &lt; b &amp; c &gt; &quot;d&quot;", 15},
		{"&#169;&#xA9;", 2},
		{"<pre><code class=\"language-go\">x</code></pre>", 1},
		{"Halo 👋", 7},        // the emoji is a surrogate pair
		{"👨‍👩‍👧", 8},         // 3 surrogate pairs and 2 zero-width joiners
		{"Indonesia 🇮🇩", 14}, // two regional indicators
		{"é", 1},             // one code point
		{"a\nb", 3},          // newlines count
		{"&bogus; & x", 11},  // not entities: counted as they are
		{"a < b", 5},         // a stray < without > is text
		{"<blockquote>x</blockquote>", 1},
	}
	for _, tc := range tests {
		if got := VisibleLen(tc.in); got != tc.want {
			t.Errorf("VisibleLen(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

// TestCorpusTelegramHTML renders every body of the real corpus for Telegram and checks
// that Telegram would accept it; the other renderers must not leave Markdown behind.
func TestCorpusTelegramHTML(t *testing.T) {
	root := filepath.Join("..", "..", "faq", "corpus")
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), "_") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || filepath.Ext(path) != ".md" || d.Name() == "README.md" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		e, ps := faq.Parse(path, data)
		if e == nil {
			t.Errorf("%s: %v", path, ps)
			return nil
		}
		n++
		tg := TelegramHTML(e.Body)
		if strings.TrimSpace(tg) == "" {
			t.Errorf("%s: empty Telegram rendering", path)
		}
		if err := checkTelegramHTML(tg); err != nil {
			t.Errorf("%s: %v\n%s", path, err, tg)
		}
		for _, r := range []struct {
			name string
			out  string
		}{{"WhatsApp", WhatsApp(e.Body)}, {"Plain", Plain(e.Body)}} {
			for _, leftover := range []string{"**", "](", "<b>", "&amp;"} {
				if strings.Contains(r.out, leftover) {
					t.Errorf("%s: %s output contains %q:\n%s", path, r.name, leftover, r.out)
				}
			}
		}
		// Every body also splits cleanly for a small limit.
		checkChunks(t, e.Body, 300, "telegram "+path, TelegramHTML, Split(e.Body, 300, TelegramHTML))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("rendered only %d corpus entries; is the corpus at %s?", n, root)
	}
}

// isHTML reports whether render is one of the HTML renderers.
func isHTML(render func(string) string) bool {
	p := reflect.ValueOf(render).Pointer()
	return p == reflect.ValueOf(TelegramHTML).Pointer() || p == reflect.ValueOf(HTML).Pointer()
}

// words are the visible words of a rendering: for HTML without tags and with entities
// unescaped, and without list markers and quote markers at the start of lines, which a
// list item split in two repeats.
func words(out string, isHTML bool) []string {
	if isHTML {
		out = html.UnescapeString(tagPattern.ReplaceAllString(out, ""))
	}
	var ws []string
	for _, line := range strings.Split(out, "\n") {
		ws = append(ws, strings.Fields(markerPattern.ReplaceAllString(line, ""))...)
	}
	return ws
}

var (
	tagPattern    = regexp.MustCompile(`</?(b|i|u|s|code|pre|a|blockquote|p|br|em|strong|del|ul|ol|li|h[1-6]|hr)( [^>]*)?>`)
	markerPattern = regexp.MustCompile(`^(\s*(•|-|>|[0-9]+\.)(\s|$))+`)
)

// telegramTags are the tags Telegram's HTML parse mode accepts that we emit.
var telegramTags = map[string]bool{"b": true, "i": true, "u": true, "s": true, "code": true, "pre": true, "a": true, "blockquote": true}

var (
	hrefAttr  = regexp.MustCompile(`^a href="([^"<>]*)"$`)
	classAttr = regexp.MustCompile(`^code class="language-[A-Za-z0-9+#._-]+"$`)
	entityRe  = regexp.MustCompile(`^&(lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});`)
)

// checkTelegramHTML reports why s would not be accepted by Telegram's HTML parse mode: a
// tag Telegram does not know, an attribute other than a's href and a code block's
// language, unclosed or badly nested tags, a tag nested where Telegram forbids it (inside
// code or pre, a link or code in a link, a blockquote in a blockquote), an empty entity, a
// raw <, > or " in text, or an & that does not start &lt; &gt; &amp; &quot; or &#NN;.
func checkTelegramHTML(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("not valid UTF-8")
	}
	type open struct {
		name    string
		hasText bool
	}
	var stack []open
	inside := func(name string) bool {
		for _, o := range stack {
			if o.name == name {
				return true
			}
		}
		return false
	}
	checkEntities := func(t string, where string) error {
		for i := 0; i < len(t); i++ {
			switch t[i] {
			case '&':
				if !entityRe.MatchString(t[i:]) {
					end := min(len(t), i+12)
					return fmt.Errorf("& at %s does not start an entity: %q", where, t[i:end])
				}
			case '<', '>', '"':
				return fmt.Errorf("raw %q in %s", t[i], where)
			}
		}
		return nil
	}
	for i := 0; i < len(s); {
		if s[i] != '<' {
			j := strings.IndexByte(s[i:], '<')
			if j < 0 {
				j = len(s) - i
			}
			text := s[i : i+j]
			if err := checkEntities(text, fmt.Sprintf("offset %d", i)); err != nil {
				return err
			}
			if strings.TrimSpace(text) != "" {
				for k := range stack {
					stack[k].hasText = true
				}
			}
			i += j
			continue
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			return fmt.Errorf("unterminated tag at offset %d", i)
		}
		tag := s[i+1 : i+j]
		i += j + 1
		if strings.HasPrefix(tag, "/") {
			name := tag[1:]
			if len(stack) == 0 || stack[len(stack)-1].name != name {
				return fmt.Errorf("closing </%s> does not match the open tags %v", name, stack)
			}
			if !stack[len(stack)-1].hasText {
				return fmt.Errorf("empty <%s> entity", name)
			}
			stack = stack[:len(stack)-1]
			continue
		}
		name := tag
		if k := strings.IndexByte(tag, ' '); k >= 0 {
			name = tag[:k]
		}
		if !telegramTags[name] {
			return fmt.Errorf("tag <%s> is not allowed", tag)
		}
		switch {
		case name == "a":
			m := hrefAttr.FindStringSubmatch(tag)
			if m == nil {
				return fmt.Errorf("bad link tag <%s>", tag)
			}
			if err := checkEntities(m[1], "href"); err != nil {
				return err
			}
		case name == "code" && tag != "code":
			if !classAttr.MatchString(tag) || len(stack) == 0 || stack[len(stack)-1].name != "pre" {
				return fmt.Errorf("bad code tag <%s>", tag)
			}
		case tag != name:
			return fmt.Errorf("tag <%s> has attributes", tag)
		}
		if len(stack) > 0 {
			top := stack[len(stack)-1].name
			if top == "code" || (top == "pre" && name != "code") {
				return fmt.Errorf("<%s> inside <%s>", name, top)
			}
		}
		if inside("a") && (name == "a" || name == "code" || name == "pre" || name == "blockquote") {
			return fmt.Errorf("<%s> inside a link", name)
		}
		if name == "blockquote" && inside("blockquote") {
			return fmt.Errorf("nested blockquote")
		}
		stack = append(stack, open{name: name})
	}
	if len(stack) > 0 {
		return fmt.Errorf("unclosed tags %v", stack)
	}
	return nil
}

func TestCheckTelegramHTML(t *testing.T) {
	valid := []string{
		"", "teks", "<b>a</b> <i>b</i> <u>c</u> <s>d</s>", "&lt;&gt;&amp;&quot;&#169;&#xA9;",
		`<a href="https://x.go.id/?a=1&amp;b=2">x</a>`, "<pre><code class=\"language-go\">x</code></pre>",
		"<blockquote><b>x</b></blockquote>", "<a href=\"https://x\"><b>x</b></a>",
	}
	invalid := []string{
		"<br>", "<b>x", "<b><i>x</b></i>", "x</b>", "a < b", "a > b", "a & b", "&nbsp;", `say "hi"`,
		"<b></b>", "<b> </b>", `<a href="x" target="_blank">x</a>`, "<span>x</span>", "<code class=\"language-go\">x</code>",
		"<blockquote><blockquote>x</blockquote></blockquote>", "<code><b>x</b></code>", `<a href="x"><code>x</code></a>`,
		`<a href="a"><a href="b">x</a></a>`, "<pre><b>x</b></pre>", "\xff",
	}
	for _, s := range valid {
		if err := checkTelegramHTML(s); err != nil {
			t.Errorf("checkTelegramHTML(%q) = %v, want nil", s, err)
		}
	}
	for _, s := range invalid {
		if checkTelegramHTML(s) == nil {
			t.Errorf("checkTelegramHTML(%q) = nil, want an error", s)
		}
	}
}

// TestConcurrent renders from many goroutines (run with -race).
func TestConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, tc := range goldenCases {
				for _, r := range renderers {
					r.render(tc.md)
				}
				Split(tc.md, 20, TelegramHTML)
			}
		}()
	}
	wg.Wait()
}

func FuzzTelegramHTML(f *testing.F) {
	for _, tc := range goldenCases {
		f.Add(tc.md)
	}
	for _, s := range []string{
		"a < b & c", "<br>", "**a _b_ `c`**", "[a](<b c>)", "> > x", "- [ ] x", "~~~\nx", "&#0; &#x110000;",
		"***x***", "[![a](b)](c)", "<a href=\"x\">y</a>", "`<b>`", "* * *", "1.\n2.", "[*a*](https://x \"t\")",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, md string) {
		out := TelegramHTML(md)
		if err := checkTelegramHTML(out); err != nil {
			t.Fatalf("TelegramHTML(%q) = %q: %v", md, out, err)
		}
		if VisibleLen(out) > 0 && strings.TrimSpace(out) == "" {
			t.Fatalf("TelegramHTML(%q) = %q: not trimmed", md, out)
		}
	})
}
