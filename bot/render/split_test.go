package render

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// indonesianSentences build long test bodies.
var indonesianSentences = []string{
	"Pengajuan dapat dilakukan di Disdukcapil kabupaten/kota atau kantor kecamatan yang melayani.",
	"Layanan ini **gratis** dan tidak dipungut biaya apa pun.",
	"Bawa KTP-el asli, Kartu Keluarga, dan surat pengantar bila diminta petugas.",
	"Cek status permohonan melalui [situs resmi](https://dukcapil.kemendagri.go.id/) atau hubungi 1500537.",
	"Waspadai calo yang menjanjikan proses cepat dengan bayaran; laporkan ke SP4N-LAPOR!",
	"Jika dokumen hilang, minta surat keterangan kehilangan dari kepolisian terlebih dahulu.",
	"Petugas akan memverifikasi data Anda, lalu dokumen dicetak ulang pada hari yang sama 👍.",
	"Untuk informasi lebih lanjut, baca _panduan lengkap_ di kantor layanan terdekat.",
}

// longBody returns a body of at least n characters made of paragraphs, lists and a code block.
func longBody(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		switch i % 7 {
		case 3:
			fmt.Fprintf(&b, "Langkah %d:\n1. %s\n2. %s\n3. %s\n\n", i, indonesianSentences[i%8], indonesianSentences[(i+1)%8], indonesianSentences[(i+2)%8])
		case 5:
			fmt.Fprintf(&b, "```\nFORMAT %d: REG#NIK#NAMA\nkirim ke 1500537\n```\n\n", i)
		default:
			fmt.Fprintf(&b, "Paragraf %d. %s %s\n\n", i, indonesianSentences[i%8], indonesianSentences[(i+3)%8])
		}
	}
	return b.String()
}

// longParagraph is one paragraph of at least n characters, without newlines.
func longParagraph(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(indonesianSentences[i%8])
	}
	return b.String()
}

// checkChunks checks that every chunk renders within limit and not empty, that the words
// of the chunks are the words of the whole, and that TelegramHTML chunks are valid.
func checkChunks(t *testing.T, md string, limit int, name string, render func(string) string, chunks []string) {
	t.Helper()
	measure := measureFor(render)
	for i, c := range chunks {
		out := render(c)
		if l := measure(out); l > limit {
			t.Errorf("%s: chunk %d has length %d > %d:\n%s", name, i, l, limit, c)
		}
		if strings.TrimSpace(out) == "" {
			t.Errorf("%s: chunk %d renders empty: %q", name, i, c)
		}
		if reflect.ValueOf(render).Pointer() == reflect.ValueOf(TelegramHTML).Pointer() {
			if err := checkTelegramHTML(out); err != nil {
				t.Errorf("%s: chunk %d is not valid Telegram HTML: %v", name, i, err)
			}
		}
	}
	var got []string
	for _, c := range chunks {
		got = append(got, words(render(c), isHTML(render))...)
	}
	if want := words(render(md), isHTML(render)); !reflect.DeepEqual(got, want) {
		t.Errorf("%s: the chunks' words differ from the whole's:\n got %d words: %.300q\nwant %d words: %.300q", name, len(got), got, len(want), want)
	}
}

func TestSplitLongBody(t *testing.T) {
	md := longBody(10000)
	if len(md) < 10000 {
		t.Fatalf("body has %d characters", len(md))
	}
	for _, r := range renderers {
		t.Run(r.name, func(t *testing.T) {
			chunks := Split(md, 4096, r.render)
			if len(chunks) < 3 {
				t.Fatalf("%d chunks for %d characters", len(chunks), len(md))
			}
			checkChunks(t, md, 4096, r.name, r.render, chunks)
			for i, c := range chunks {
				// Paragraph boundaries first: every chunk is whole blocks of the body.
				if !strings.Contains(md, c) {
					t.Errorf("chunk %d is not a slice of the body:\n%s", i, c)
				}
				if strings.Count(c, "```")%2 != 0 {
					t.Errorf("chunk %d cuts a code block:\n%s", i, c)
				}
			}
		})
	}
}

func TestSplitLongParagraph(t *testing.T) {
	md := longParagraph(5000)
	if strings.Contains(md, "\n") || len(md) < 5000 {
		t.Fatal("bad test paragraph")
	}
	for _, r := range renderers {
		t.Run(r.name, func(t *testing.T) {
			chunks := Split(md, 4096, r.render)
			if len(chunks) != 2 {
				t.Errorf("%d chunks, want 2", len(chunks))
			}
			checkChunks(t, md, 4096, r.name, r.render, chunks)
			// Cut at a sentence end, with the emphasis and links of each chunk intact.
			for i, c := range chunks[:len(chunks)-1] {
				if !strings.HasSuffix(strings.TrimSpace(Plain(c)), ".") && !strings.HasSuffix(strings.TrimSpace(Plain(c)), "!") {
					t.Errorf("chunk %d does not end a sentence: …%q", i, c[max(0, len(c)-60):])
				}
			}
		})
	}
}

func TestSplit(t *testing.T) {
	tests := []struct {
		name   string
		md     string
		limit  int
		render func(string) string
		want   []string
	}{
		{name: "fits", md: "Halo **dunia**.\n\nParagraf dua.", limit: 100, render: TelegramHTML, want: []string{"Halo **dunia**.\n\nParagraf dua."}},
		{name: "empty", md: "", limit: 10, render: TelegramHTML, want: nil},
		{name: "blank", md: " \n\n\t\n", limit: 10, render: TelegramHTML, want: nil},
		{name: "no limit", md: "satu dua tiga", limit: 0, render: Plain, want: []string{"satu dua tiga"}},
		{name: "trims", md: "\n\nsatu dua\n\n", limit: 100, render: Plain, want: []string{"satu dua"}},
		{
			name: "paragraphs first", md: "Satu dua tiga.\n\nEmpat lima enam.\n\nTujuh.", limit: 32, render: Plain,
			want: []string{"Satu dua tiga.\n\nEmpat lima enam.", "Tujuh."},
		},
		{
			name: "markup does not count", md: "**Satu** dua.\n\n**Tiga** empat.", limit: 22, render: TelegramHTML,
			want: []string{"**Satu** dua.\n\n**Tiga** empat."}, // 22 visible characters
		},
		{
			name: "markup counts on WhatsApp", md: "**Satu** dua.\n\n**Tiga** empat.", limit: 22, render: WhatsApp,
			want: []string{"**Satu** dua.", "**Tiga** empat."},
		},
		{
			name: "then lines", md: "Baris satu ini.\nBaris dua ini.\nBaris tiga.", limit: 32, render: Plain,
			want: []string{"Baris satu ini.\nBaris dua ini.", "Baris tiga."},
		},
		{
			name: "then sentences", md: "Kalimat satu. Kalimat dua. Kalimat tiga.", limit: 30, render: Plain,
			want: []string{"Kalimat satu. Kalimat dua.", "Kalimat tiga."},
		},
		{
			name: "abbreviation is no sentence end", md: "Lihat hal. lima dan No. 24 serta seterusnya.", limit: 30, render: Plain,
			want: []string{"Lihat hal. lima dan No. 24", "serta seterusnya."},
		},
		{
			name: "then spaces", md: "satu dua tiga empat lima enam", limit: 10, render: Plain,
			want: []string{"satu dua", "tiga empat", "lima enam"},
		},
		{
			name: "word longer than the limit", md: "ab abcdefghijklmnopqrstuvwxyz cd", limit: 10, render: Plain,
			want: []string{"ab", "abcdefghij", "klmnopqrst", "uvwxyz cd"},
		},
		{
			name: "emphasis is closed and reopened", md: "Awal **tebal satu dua tiga** akhir.", limit: 15, render: TelegramHTML,
			want: []string{"Awal **tebal satu**", "**dua tiga** akhir."},
		},
		{
			name: "link is closed and reopened", md: "[satu dua tiga empat](https://x.go.id/a_b) lima", limit: 12, render: TelegramHTML,
			want: []string{"[satu dua](<https://x.go.id/a_b>)", "[tiga empat](https://x.go.id/a_b)", "lima"},
		},
		{
			name: "text that would start a block is escaped", md: "aaaaaa 3. bbbb\naaaaaa - bbbb\naaaaaa # bbbb\naaaaaa > bbbb", limit: 6, render: Plain,
			want: []string{"aaaaaa", "3\\.", "bbbb", "aaaaaa", "\\- bbbb", "aaaaaa", "\\# bbbb", "aaaaaa", "\\> bbbb"},
		},
		{
			name: "list between items", md: "- satu satu\n- dua dua\n- tiga tiga\n- empat", limit: 22, render: Plain,
			want: []string{"- satu satu\n- dua dua", "- tiga tiga\n- empat"},
		},
		{
			name: "ordered list keeps numbers", md: "1. satu satu\n2. dua dua\n3. tiga tiga", limit: 26, render: TelegramHTML,
			want: []string{"1. satu satu\n2. dua dua", "3. tiga tiga"},
		},
		{
			name: "long item keeps its marker", md: "- pendek\n- satu dua tiga empat lima", limit: 16, render: Plain,
			want: []string{"- pendek", "- satu dua tiga", "- empat lima"},
		},
		{
			name: "nested list", md: "- a\n  - satu satu\n  - dua dua\n- b", limit: 16, render: Plain,
			want: []string{"- a", "- - satu satu", "- - dua dua", "- b"},
		},
		{
			name: "code block between lines", md: "```go\nbaris satu\nbaris dua\nbaris tiga\n```", limit: 20, render: TelegramHTML,
			want: []string{"```go\nbaris satu\nbaris dua\n```", "```go\nbaris tiga\n```"},
		},
		{
			name: "code block kept whole when possible", md: "Teks awal.\n\n```\nkode satu\nkode dua\n```\n\nTeks akhir.", limit: 20, render: TelegramHTML,
			want: []string{"Teks awal.", "```\nkode satu\nkode dua\n```", "Teks akhir."},
		},
		{
			name: "indented code block", md: "    baris satu\n    baris dua", limit: 10, render: Plain,
			want: []string{"    baris satu", "    baris dua"},
		},
		{
			name: "blockquote keeps its marker", md: "> satu dua tiga\n> empat lima", limit: 12, render: TelegramHTML,
			want: []string{"> satu dua", "> tiga", "> empat lima"},
		},
		{
			name: "reference definitions follow the links", md: "[satu][a] dua.\n\n[tiga][a] empat.\n\n[a]: https://x.go.id", limit: 12, render: TelegramHTML,
			want: []string{"[satu][a] dua.\n\n[a]: https://x.go.id", "[tiga][a] empat.\n\n[a]: https://x.go.id"},
		},
		{
			name: "emoji are not broken", md: "👨‍👩‍👧‍👦👨‍👩‍👧‍👦🇮🇩🇮🇩", limit: 12, render: Plain,
			want: []string{"👨‍👩‍👧‍👦", "👨‍👩‍👧‍👦", "🇮🇩🇮🇩"},
		},
		{
			name: "utf-16 length", md: "😀😀 😀😀 😀😀", limit: 4, render: Plain,
			want: []string{"😀😀", "😀😀", "😀😀"},
		},
		{
			name: "html special characters count once", md: "a&b a&b a&b", limit: 7, render: TelegramHTML,
			want: []string{"a&b a&b", "a&b"},
		},
		{
			name: "escape and entity are not cut", md: "\\*\\*\\*\\*&amp;&amp;", limit: 3, render: Plain,
			want: []string{"\\*\\*\\*", "\\*&amp;&amp;"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Split(tc.md, tc.limit, tc.render)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Split(%q, %d)\n got %q\nwant %q", tc.md, tc.limit, got, tc.want)
			}
			if tc.limit > 0 {
				measure := measureFor(tc.render)
				for _, c := range got {
					if l := measure(tc.render(c)); l > tc.limit {
						t.Errorf("chunk %q has length %d > %d", c, l, tc.limit)
					}
				}
			}
		})
	}
}

func TestSplitEmojiIndonesian(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 6000; i++ {
		fmt.Fprintf(&b, "Terima kasih 🙏 sudah menghubungi **Balai** 🇮🇩, Kak! Keluarga 👨‍👩‍👧 penerima bansos nomor %d. ", i)
	}
	md := b.String()
	for _, r := range renderers {
		chunks := Split(md, 1000, r.render)
		checkChunks(t, md, 1000, r.name, r.render, chunks)
		for _, c := range chunks {
			if !utf8.ValidString(c) {
				t.Errorf("%s: invalid UTF-8 in chunk", r.name)
			}
		}
	}
}

func TestSplitSingleHugeWord(t *testing.T) {
	md := strings.Repeat("a", 5000)
	chunks := Split(md, 4096, TelegramHTML)
	if len(chunks) != 2 || strings.Join(chunks, "") != md {
		t.Fatalf("got %d chunks of lengths %v", len(chunks), lens(chunks))
	}
	if len(chunks[0]) != 4096 {
		t.Errorf("first chunk has %d characters, want 4096", len(chunks[0]))
	}
}

func TestSplitHugeCodeBlock(t *testing.T) {
	var b strings.Builder
	b.WriteString("Contoh:\n\n```\n")
	for i := 0; i < 400; i++ {
		fmt.Fprintf(&b, "baris kode nomor %d < %d && benar\n", i, i+1)
	}
	b.WriteString("```\n\nSelesai.")
	md := b.String()
	chunks := Split(md, 4096, TelegramHTML)
	checkChunks(t, md, 4096, "telegram", TelegramHTML, chunks)
	for i, c := range chunks {
		out := TelegramHTML(c)
		if i > 0 && i < len(chunks)-1 && (!strings.HasPrefix(out, "<pre>") || !strings.HasSuffix(out, "</pre>")) {
			t.Errorf("chunk %d is not a whole code block: %.80q", i, out)
		}
	}
}

func TestSplitLongBlockquoteAndList(t *testing.T) {
	md := "> " + longParagraph(3000) + "\n\n- " + longParagraph(3000) + "\n- penutup"
	for _, r := range renderers {
		chunks := Split(md, 1000, r.render)
		checkChunks(t, md, 1000, r.name, r.render, chunks)
		if r.name != "telegram" {
			continue
		}
		quotes, items := 0, 0
		for _, c := range chunks {
			out := TelegramHTML(c)
			switch {
			case strings.HasPrefix(out, "<blockquote>"):
				quotes++
			case strings.HasPrefix(out, "• "):
				items++
			default:
				t.Errorf("chunk is neither quote nor list item: %.80q", out)
			}
		}
		if quotes < 3 || items < 3 {
			t.Errorf("%d quote chunks and %d list chunks", quotes, items)
		}
	}
}

// TestSplitUnknownRender measures a renderer Split does not know by its output length.
func TestSplitUnknownRender(t *testing.T) {
	wrapped := func(s string) string { return TelegramHTML(s) }
	md := "**satu** dua **tiga** empat" // 23 visible characters, 37 with the tags
	chunks := Split(md, 25, wrapped)
	if want := []string{"**satu** dua", "**tiga** empat"}; !reflect.DeepEqual(chunks, want) {
		t.Errorf("Split(%q, 25, wrapped TelegramHTML) = %q, want %q (tags counted)", md, chunks, want)
	}
	for _, c := range chunks {
		if l := UTF16Len(wrapped(c)); l > 25 {
			t.Errorf("chunk %q renders to %d > 25 characters", c, l)
		}
	}
}

func lens(ss []string) []int {
	var ls []int
	for _, s := range ss {
		ls = append(ls, len(s))
	}
	return ls
}

func FuzzSplit(f *testing.F) {
	f.Add("satu dua tiga empat", 5)
	f.Add("- a\n  - b b b b\n- c", 3)
	f.Add("> **a b c** [d e](f)\n> ```\n> x y\n> ```", 4)
	f.Add(longBody(600), 100)
	f.Fuzz(func(t *testing.T, md string, limit int) {
		if limit < 1 || limit > 2000 || len(md) > 4000 {
			return
		}
		for _, c := range Split(md, limit, TelegramHTML) {
			out := TelegramHTML(c)
			if err := checkTelegramHTML(out); err != nil {
				t.Fatalf("chunk %q of %q: %v", c, md, err)
			}
			if strings.TrimSpace(out) == "" {
				t.Fatalf("empty chunk %q of %q", c, md)
			}
		}
	})
}
