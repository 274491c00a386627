package faq_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/balai-id/balai/faq"
)

// runImport imports sheet (called s.csv in problems) into dir.
func runImport(t *testing.T, dir, sheet string, opt faq.ImportOptions) (*faq.ImportResult, faq.Problems) {
	t.Helper()
	res, ps, err := faq.Import(dir, "s.csv", strings.NewReader(sheet), opt)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return res, ps
}

func mustLoad(t *testing.T, dir string) *faq.Corpus {
	t.Helper()
	c, ps, err := faq.LoadDir(dir)
	if err != nil || ps.Errors() > 0 {
		t.Fatalf("load %s: %v %v", dir, err, ps)
	}
	return c
}

func mustEntry(t *testing.T, c *faq.Corpus, id string) *faq.Entry {
	t.Helper()
	e, ok := c.Entry(id)
	if !ok {
		var ids []string
		for _, e := range c.Entries {
			ids = append(ids, e.ID)
		}
		t.Fatalf("no entry %q; have %v", id, ids)
	}
	return e
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// snapshot reads every file under dir (nil when dir does not exist).
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return nil
	}
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// messages lists problems of a severity as name:line: message.
func messages(ps faq.Problems, sev faq.Severity) []string {
	var out []string
	for _, p := range ps {
		if p.Severity == sev {
			out = append(out, p.String())
		}
	}
	return out
}

// checkProblems wants each of want among the problems of sev (as substrings, in order) and,
// when exact, no other.
func checkProblems(t *testing.T, ps faq.Problems, sev faq.Severity, want []string, exact bool) {
	t.Helper()
	got := messages(ps, sev)
	i := 0
	for _, g := range got {
		if i < len(want) && strings.Contains(g, want[i]) {
			i++
		}
	}
	if i < len(want) {
		t.Errorf("%ss lack %q (in order); got:\n  %s", sev, want[i], strings.Join(got, "\n  "))
	}
	if exact && len(got) != len(want) {
		t.Errorf("want %d %ss, got %d:\n  %s", len(want), sev, len(got), strings.Join(got, "\n  "))
	}
}

// entryView is what a test compares of an entry.
type entryView struct {
	ID, Title, Body, Category, Source, Updated, Owner string
	Questions, Keywords                               []string
}

func view(e *faq.Entry) entryView {
	v := entryView{ID: e.ID, Title: e.Title, Body: e.Body, Category: e.Category, Source: e.Source, Owner: e.Owner, Questions: e.Questions, Keywords: e.Keywords}
	if !e.Updated.IsZero() {
		v.Updated = e.Updated.Format(faq.DateLayout)
	}
	return v
}

func TestImportHeaderAliases(t *testing.T) {
	full := entryView{
		ID: "ktp", Title: "KTP baru", Body: "Datang ke kantor.", Category: "Kependudukan",
		Source: "https://x.go.id/", Updated: "2024-05-01", Owner: "Dukcapil",
		Questions: []string{"Bagaimana membuat KTP?"}, Keywords: []string{"ktp", "e-ktp"},
	}
	plain := entryView{ID: "ktp-baru", Title: "KTP baru", Body: "Datang ke kantor.", Category: "Umum",
		Questions: []string{"Bagaimana membuat KTP?"}}
	three := plain
	three.Questions = []string{"Bagaimana membuat KTP?", "Syarat KTP apa?", "Bikin KTP di mana?"}
	win := plain
	win.Body = "Datang ke kantor “Dukcapil”."
	utf16, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String("judul\tpertanyaan\tjawaban\r\nKTP baru\tBagaimana membuat KTP?\tDatang ke kantor.\r\n")
	cp1252, _ := charmap.Windows1252.NewEncoder().String("judul,pertanyaan,jawaban\nKTP baru,Bagaimana membuat KTP?,Datang ke kantor “Dukcapil”.\n")

	tests := []struct {
		name, sheet string
		id          string
		want        entryView
		wantWarn    []string
	}{
		{"english", "id,title,questions,answer,category,source,updated,keywords,owner\n" +
			"ktp,KTP baru,Bagaimana membuat KTP?,Datang ke kantor.,Kependudukan,https://x.go.id/,2024-05-01,\"ktp, e-ktp\",Dukcapil\n", "ktp", full, nil},
		{"indonesian in any case and spacing", "ID ; JUDUL;  Pertanyaan ;Jawaban;KATEGORI;Sumber;Tanggal;Kata  Kunci;Unit\n" +
			"ktp;KTP baru;Bagaimana membuat KTP?;Datang ke kantor.;Kependudukan;https://x.go.id/;01/05/2024;ktp | e-ktp;Dukcapil\n", "ktp", full, nil},
		{"singular and other names", "Question,Answer,Title,Category,Source,Diperbarui,Keyword,Pemilik,Id\n" +
			"Bagaimana membuat KTP?,Datang ke kantor.,KTP baru,Kependudukan,https://x.go.id/,1 Mei 2024,\"ktp\ne-ktp\",Dukcapil,ktp\n", "ktp", full, nil},
		{"kata_kunci, review_by", "id,judul,pertanyaan,jawaban,kategori,sumber,tanggal,kata_kunci,pemilik,review_by\n" +
			"ktp,KTP baru,Bagaimana membuat KTP?,Datang ke kantor.,Kependudukan,https://x.go.id/,2024-05-01,ktp;e-ktp,Dukcapil,2030-01-01\n", "ktp", full, nil},
		{"questions by newline, | and bullets", "judul,pertanyaan,jawaban\n" +
			"KTP baru,\"1. Bagaimana membuat KTP?\n- Syarat KTP apa? | Bikin KTP di mana?\",Datang ke kantor.\n", "ktp-baru", three, nil},
		{"several question columns", "Judul,Pertanyaan 1,Pertanyaan 2,Pertanyaan 3,Jawaban\n" +
			"KTP baru,Bagaimana membuat KTP?,Syarat KTP apa?,Bikin KTP di mana?,Datang ke kantor.\n", "ktp-baru", three, nil},
		{"BOM, semicolons, CRLF", "\uFEFFjudul;pertanyaan;jawaban\r\nKTP baru;Bagaimana membuat KTP?;Datang ke kantor.\r\n", "ktp-baru", plain, nil},
		{"commas in cells of a semicolon sheet", "judul;pertanyaan;jawaban\nKTP baru;Bagaimana membuat KTP?;Datang ke kantor.\n", "ktp-baru", plain, nil},
		{"tabs", "judul\tpertanyaan\tjawaban\nKTP baru\tBagaimana membuat KTP?\tDatang ke kantor.\n", "ktp-baru", plain, nil},
		{"title rows above the header and sep=", "sep=;\nDAFTAR FAQ DINAS;;\n;;\nJudul;Pertanyaan;Jawaban\nKTP baru;Bagaimana membuat KTP?;Datang ke kantor.\n", "ktp-baru", plain, nil},
		{"UTF-16 from Excel's Unicode text", utf16, "ktp-baru", plain, nil},
		{"Windows-1252", cp1252, "ktp-baru", win, []string{"s.csv:1: warning: the file is not UTF-8; it was read as Windows-1252"}},
		{"unknown columns are ignored", "No.,Judul,Pertanyaan,Jawaban,Catatan\n1,KTP baru,Bagaimana membuat KTP?,Datang ke kantor.,cek lagi\n", "ktp-baru", plain,
			[]string{`s.csv:1: warning: column(s) "No.", "Catatan" not imported`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			res, ps := runImport(t, dir, tt.sheet, faq.ImportOptions{})
			checkProblems(t, ps, faq.Error, nil, true)
			checkProblems(t, ps, faq.Warning, tt.wantWarn, true)
			if len(res.Created) != 1 {
				t.Fatalf("created %v", res.Created)
			}
			got := view(mustEntry(t, mustLoad(t, dir), tt.id))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("entry (-want +got):\n%s", diff)
			}
		})
	}
}

func TestImportHeaderProblems(t *testing.T) {
	tests := []struct {
		name, sheet string
		wantErr     []string
	}{
		{"no answer column", "judul,pertanyaan,keterangan\nA,Apa?,x\n", []string{"s.csv:1: error: no answer column"}},
		{"no questions column", "judul,jawaban\nA,x\n", []string{"s.csv:1: error: no questions column"}},
		{"two title columns", "judul,title,pertanyaan,jawaban\nA,A,Apa?,x\n", []string{`s.csv:1: error: columns "judul" and "title" both give the title`}},
		{"header below a title row", "DAFTAR FAQ,,\n,,\njudul,pertanyaan,kolom\nA,Apa?,x\n", []string{"s.csv:3: error: no answer column"}},
		{"unclosed quote", "judul,pertanyaan,jawaban\nA,Apa?,ok\nB,\"Apa\nlagi?,x\n", []string{"s.csv:3: error: bad CSV"}},
		{"bare quote", "judul,pertanyaan,jawaban\nA,Apa \"ini\"?,x\n", []string{`s.csv:2: error: bad CSV, column 7: bare " in non-quoted-field: a quote (") inside a cell must be doubled ("")`}},
		{"empty file", "", []string{"s.csv:1: error: the file is empty"}},
		{"header only", "judul,pertanyaan,jawaban\n", []string{"s.csv:1: error: no rows below the header"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "corpus")
			_, ps := runImport(t, dir, tt.sheet, faq.ImportOptions{})
			checkProblems(t, ps, faq.Error, tt.wantErr, true)
			if snapshot(t, dir) != nil {
				t.Error("a failed import created the corpus folder")
			}
		})
	}
}

func TestImportSource(t *testing.T) {
	sheet := "judul;pertanyaan;jawaban;sumber\n" +
		"Tanpa sumber;Apa satu?;Satu.;\n" +
		"Sumber salah;Apa dua?;\"Dua,\nbaris kedua.\";www.dukcapil.go.id\n" +
		"Sumber benar;Apa tiga?;Tiga.;https://dukcapil.go.id/tiga\n" +
		"Peraturan;Apa empat?;Empat.;Permendagri No. 7 Tahun 2019\n"
	def := "https://dukcapil.example.go.id/"
	tests := []struct {
		name       string
		sheet      string
		source     string
		wantErr    []string
		wantWarn   []string
		wantUsed   []int
		wantSource map[string]string
	}{
		{"not a URL is an error without a default", sheet, "", []string{
			`s.csv:4: error: source "www.dukcapil.go.id" is not an absolute http(s) URL (https://www.dukcapil.go.id?)`,
			`s.csv:6: error: source "Permendagri No. 7 Tahun 2019" is not an absolute http(s) URL: write the full address, or give --source URL`,
		}, nil, nil, nil},
		{"the default stands in, rows named", sheet, def, nil, []string{
			`s.csv:4: warning: source "www.dukcapil.go.id" is not an absolute http(s) URL; the default --source ` + def + ` is used`,
			`s.csv:6: warning: source "Permendagri No. 7 Tahun 2019"`,
		}, []int{2, 3, 6}, map[string]string{"tanpa-sumber": def, "sumber-salah": def, "sumber-benar": "https://dukcapil.go.id/tiga", "peraturan": def}},
		{"no source and no default is no source", "judul;pertanyaan;jawaban;sumber\nTanpa sumber;Apa satu?;Satu.;\n", "", nil, nil, nil,
			map[string]string{"tanpa-sumber": ""}},
		{"a URL and more keeps the URL", "judul;pertanyaan;jawaban;sumber\nDua;Apa?;Ya.;\"https://a.go.id/x\nhttps://b.go.id/\"\n", "", nil,
			[]string{"s.csv:2: warning: source holds more than a URL; only https://a.go.id/x is kept"}, nil, map[string]string{"dua": "https://a.go.id/x"}},
		{"a default that is not a URL", sheet, "dukcapil.go.id", []string{`s.csv:0: error: --source "dukcapil.go.id" is not an absolute http(s) URL`}, nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			res, ps := runImport(t, dir, tt.sheet, faq.ImportOptions{Source: tt.source})
			checkProblems(t, ps, faq.Error, tt.wantErr, true)
			checkProblems(t, ps, faq.Warning, tt.wantWarn, true)
			if len(tt.wantErr) > 0 {
				if len(snapshot(t, dir)) != 0 {
					t.Error("a failed import wrote files")
				}
				return
			}
			if diff := cmp.Diff(tt.wantUsed, res.SourceUsed); diff != "" {
				t.Errorf("rows given the default (-want +got):\n%s", diff)
			}
			c := mustLoad(t, dir)
			for id, want := range tt.wantSource {
				if got := mustEntry(t, c, id).Source; got != want {
					t.Errorf("%s: source %q, want %q", id, got, want)
				}
			}
		})
	}
}

func TestImportUpdated(t *testing.T) {
	existing := map[string]string{
		"same.md":    "---\nid: same\ntitle: Sama\nquestions:\n  - Apa sama?\nupdated: 2023-03-03\n---\nSama.\n",
		"changed.md": "---\nid: changed\ntitle: Berubah\nquestions:\n  - Apa berubah?\nupdated: 2023-03-03\n---\nLama.\n",
	}
	sheet := "id,judul,pertanyaan,jawaban,tanggal\n" +
		"same,Sama,Apa sama?,Sama.,\n" +
		"changed,Berubah,Apa berubah?,Baru.,\n" +
		"new,Baru,Apa baru?,Baru sekali.,\n" +
		"dated,Bertanggal,Apa bertanggal?,Ada tanggalnya.,1 Mei 2024\n"
	tests := []struct {
		name    string
		updated time.Time
		want    map[string]string // id → updated
		used    []int
		kept    []int
		status  map[string]string
	}{
		{"no date is stamped unless asked", time.Time{},
			map[string]string{"same": "2023-03-03", "changed": "2023-03-03", "new": "", "dated": "2024-05-01"}, nil, []int{3},
			map[string]string{"same": "unchanged", "changed": "updated", "new": "new", "dated": "new"}},
		{"--updated on new and changed rows without a date", time.Date(2025, 1, 15, 0, 0, 0, 0, time.UTC),
			map[string]string{"same": "2023-03-03", "changed": "2025-01-15", "new": "2025-01-15", "dated": "2024-05-01"}, []int{3, 4}, nil,
			map[string]string{"same": "unchanged", "changed": "updated", "new": "new", "dated": "new"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for f, c := range existing {
				writeFile(t, filepath.Join(dir, f), c)
			}
			res, ps := runImport(t, dir, sheet, faq.ImportOptions{Updated: tt.updated})
			checkProblems(t, ps, faq.Error, nil, true)
			c := mustLoad(t, dir)
			for id, want := range tt.want {
				if got := view(mustEntry(t, c, id)).Updated; got != want {
					t.Errorf("%s: updated %q, want %q", id, got, want)
				}
			}
			status := map[string]string{}
			for _, e := range res.Entries {
				status[e.ID] = e.Status
			}
			if diff := cmp.Diff(tt.status, status); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.used, res.UpdatedUsed); diff != "" {
				t.Errorf("rows given --updated (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.kept, res.KeptDate); diff != "" {
				t.Errorf("rows keeping an older date (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("a bad date names its cell's line", func(t *testing.T) {
		dir := t.TempDir()
		_, ps := runImport(t, dir, "judul,jawaban,pertanyaan,tanggal\nA,\"satu\ndua\",Apa?,31/02/2024\n", faq.ImportOptions{})
		checkProblems(t, ps, faq.Error, []string{`s.csv:3: error: updated "31/02/2024" is not a date: write YYYY-MM-DD (or DD/MM/YYYY)`}, true)
	})
}

func TestImportIDs(t *testing.T) {
	t.Run("made from the title or first question, unique and readable", func(t *testing.T) {
		dir := t.TempDir()
		sheet := "id,judul,pertanyaan,jawaban\n" +
			",Syarat Membuat KTP-el untuk Pemula,Syarat KTP pemula?,Satu.\n" +
			",,Bagaimana cara bayar PBB?,Dua.\n" +
			",Jam Layanan,Kapan kantor buka?,Tiga.\n" +
			",Jam Layanan,Apakah buka hari Sabtu?,Empat.\n" +
			"FAQ_001,Kode Lama,Apa kode lama?,Lima.\n"
		res, ps := runImport(t, dir, sheet, faq.ImportOptions{})
		checkProblems(t, ps, faq.Error, nil, true)
		want := []string{"syarat-membuat-ktp-el-pemula", "bagaimana-cara-bayar-pbb", "jam-layanan", "jam-layanan-apakah-buka-hari-sabtu", "faq-001"}
		if diff := cmp.Diff(want, res.Created); diff != "" {
			t.Errorf("ids (-want +got):\n%s", diff)
		}
		wantIDs := []faq.IDChange{
			{Line: 6, ID: "faq-001", From: "FAQ_001"},
			{Line: 2, ID: "syarat-membuat-ktp-el-pemula", From: "Syarat Membuat KTP-el untuk Pemula", Made: true},
			{Line: 3, ID: "bagaimana-cara-bayar-pbb", From: "Bagaimana cara bayar PBB?", Made: true},
			{Line: 4, ID: "jam-layanan", From: "Jam Layanan", Made: true},
			{Line: 5, ID: "jam-layanan-apakah-buka-hari-sabtu", From: "Jam Layanan", Made: true},
		}
		if diff := cmp.Diff(wantIDs, res.IDs); diff != "" {
			t.Errorf("id report (-want +got):\n%s", diff)
		}
		if got := mustEntry(t, mustLoad(t, dir), "bagaimana-cara-bayar-pbb").Title; got != "Bagaimana cara bayar PBB" {
			t.Errorf("title from the question = %q", got)
		}
		// The same sheet again finds the same entries.
		res, ps = runImport(t, dir, sheet, faq.ImportOptions{})
		if ps.Errors() > 0 || len(res.Unchanged) != 5 || len(res.Created)+len(res.Updated) != 0 {
			t.Errorf("second import: %+v %v", res.Entries, ps)
		}
	})
	t.Run("an id given twice is an error naming both lines", func(t *testing.T) {
		dir := t.TempDir()
		_, ps := runImport(t, dir, "id,judul,pertanyaan,jawaban\nktp,A,\"Apa?\nSiapa?\",Satu.\nktp,B,Kenapa?,Dua.\n", faq.ImportOptions{})
		checkProblems(t, ps, faq.Error, []string{`s.csv:4: error: id "ktp" is also on line 2`}, true)
		if len(snapshot(t, dir)) != 0 {
			t.Error("files written")
		}
	})
}

func TestImportCreatesFolder(t *testing.T) {
	sheet := "judul,pertanyaan,jawaban\nKTP baru,Bagaimana membuat KTP?,Datang ke kantor.\n"
	t.Run("missing folder is created", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "baru", "corpus")
		res, ps := runImport(t, dir, sheet, faq.ImportOptions{})
		checkProblems(t, ps, faq.Error, nil, true)
		if !res.NewDir || !cmp.Equal(res.Written, []string{"umum/ktp-baru.md"}) {
			t.Errorf("result %+v", res)
		}
		mustEntry(t, mustLoad(t, dir), "ktp-baru")
	})
	t.Run("a dry run creates nothing", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "corpus")
		res, ps := runImport(t, dir, sheet, faq.ImportOptions{DryRun: true})
		checkProblems(t, ps, faq.Error, nil, true)
		if !res.NewDir || !res.DryRun || len(res.Written) != 0 || !cmp.Equal(res.Created, []string{"ktp-baru"}) {
			t.Errorf("result %+v", res)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("dry run created %s: %v", dir, err)
		}
	})
	t.Run("a file where the folder should be", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "corpus")
		writeFile(t, dir, "x")
		if _, _, err := faq.Import(dir, "s.csv", strings.NewReader(sheet), faq.ImportOptions{}); err == nil || !strings.Contains(err.Error(), "is not a folder") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestImportTitles(t *testing.T) {
	const longA = "Persyaratan dan Tata Cara Permohonan Penerbitan Kartu Tanda Penduduk Elektronik (KTP-el) bagi Warga Negara Indonesia"
	tests := []struct {
		name      string
		corpus    map[string]string
		sheet     string
		want      map[string]string // id → title
		shortened int
		distinct  []int // entries per group
	}{
		{"a title that fits is kept", nil,
			"id,judul,pertanyaan,jawaban\na,Membuat KTP-el baru,Apa?,Ya.\n",
			map[string]string{"a": "Membuat KTP-el baru"}, 0, nil},
		{"a long title is cut between words", nil,
			"id,judul,pertanyaan,jawaban\na,Persyaratan Pencatatan Perkawinan bagi Penduduk Non-Muslim di Wilayah Kabupaten,Apa?,Ya.\n",
			map[string]string{"a": "Persyaratan Pencatatan Perkawinan bagi Penduduk Non-Muslim…"}, 1, nil},
		{"titles the same once cut get the words that set them apart", nil,
			"id,judul,pertanyaan,jawaban\n" +
				"a," + longA + " yang Baru Berusia 17 Tahun,Apa satu?,Satu.\n" +
				"b," + longA + " karena Hilang atau Rusak,Apa dua?,Dua.\n" +
				"c,Membuat KK,Apa tiga?,Tiga.\n",
			map[string]string{
				"a": "Persyaratan dan Tata Cara … KTP-el – Baru Berusia 17 Tahun",
				"b": "Persyaratan dan Tata Cara … KTP-el – Hilang atau Rusak",
				"c": "Membuat KK",
			}, 0, []int{2}},
		{"the same title twice: words from the questions", nil,
			"id,judul,pertanyaan,jawaban\na,Jam Layanan,Jam berapa kantor buka?,Satu.\nb,Jam Layanan,Apakah kantor buka hari Sabtu?,Dua.\n",
			map[string]string{"a": "Jam Layanan – Jam berapa kantor buka", "b": "Jam Layanan – Apakah kantor buka hari Sabtu"}, 0, []int{2}},
		{"the title of an entry outside the sheet", map[string]string{"jam.md": "---\nid: jam\ntitle: Jam Layanan\nquestions: [Kapan buka?]\n---\nPagi.\n"},
			"id,judul,pertanyaan,jawaban\nsabtu,Jam Layanan,Apakah kantor buka hari Sabtu?,Tidak.\n",
			map[string]string{"jam": "Jam Layanan", "sabtu": "Jam Layanan – Apakah kantor buka hari Sabtu"}, 0, []int{1}},
		{"an entry's own long title, unchanged in the sheet, is kept", map[string]string{"a.md": "---\nid: a\ntitle: " + longA + "\nquestions: [Apa?]\n---\nYa.\n"},
			"id,judul,pertanyaan,jawaban\na," + longA + ",Apa?,Ya.\n",
			map[string]string{"a": longA}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for f, c := range tt.corpus {
				writeFile(t, filepath.Join(dir, f), c)
			}
			res, ps := runImport(t, dir, tt.sheet, faq.ImportOptions{})
			checkProblems(t, ps, faq.Error, nil, true)
			c := mustLoad(t, dir)
			for id, want := range tt.want {
				if got := mustEntry(t, c, id).Title; got != want {
					t.Errorf("%s: title %q, want %q", id, got, want)
				}
			}
			if len(res.Shortened) != tt.shortened {
				t.Errorf("shortened %+v, want %d", res.Shortened, tt.shortened)
			}
			var groups []int
			for _, g := range res.Distinct {
				groups = append(groups, len(g.Entries))
			}
			if diff := cmp.Diff(tt.distinct, groups); diff != "" {
				t.Errorf("distinct groups (-want +got):\n%s", diff)
			}
		})
	}
}

// TestImportManyTitleCollisions imports 90 rows whose official titles, cut for buttons,
// read as 36 titles: each gets a title of its own that says what sets it apart.
func TestImportManyTitleCollisions(t *testing.T) {
	names := strings.Fields("Alfa Bravo Charlie Delta Echo Foxtrot Golf Hotel India Juliet Kilo Lima Mike November Oscar Papa Quebec Romeo " +
		"Sierra Tango Uniform Victor Whiskey Xray Yankee Zulu Ambon Bogor Cirebon Denpasar Ende Garut Jember Kudus Lumajang Madiun")
	suffixes := []string{"Hilang", "Rusak", "Perubahan Data"}
	var b strings.Builder
	b.WriteString("judul,pertanyaan,jawaban\n")
	type row struct{ name, suffix string }
	var rows []row
	for i, n := range names {
		k := 2
		if i < 18 {
			k = 3
		}
		for _, s := range suffixes[:k] {
			rows = append(rows, row{n, s})
			fmt.Fprintf(&b, "Persyaratan Penerbitan Dokumen Kependudukan Jenis %s untuk Warga Negara Indonesia di Wilayah Kabupaten karena %s,Bagaimana mengurus dokumen %s %s?,Jawaban %d.\n", n, s, n, s, len(rows))
		}
	}
	if len(rows) != 90 || len(names) != 36 {
		t.Fatalf("fixture: %d rows, %d names", len(rows), len(names))
	}
	dir := t.TempDir()
	res, ps := runImport(t, dir, b.String(), faq.ImportOptions{})
	checkProblems(t, ps, faq.Error, nil, true)
	checkProblems(t, ps, faq.Warning, nil, true)
	if len(res.Distinct) != 36 {
		t.Errorf("%d groups made distinct, want 36", len(res.Distinct))
	}
	numbered := regexp.MustCompile(`\(\d+\)$`)
	seen := map[string]string{}
	for i, e := range res.Entries {
		r := rows[i]
		if n := len([]rune(e.Title)); n > faq.MaxTitleLen {
			t.Errorf("%s: title %q is %d characters", e.ID, e.Title, n)
		}
		if numbered.MatchString(e.Title) {
			t.Errorf("%s: numbered title %q", e.ID, e.Title)
		}
		if !strings.Contains(e.Title, r.name) || !strings.HasSuffix(e.Title, "– "+r.suffix) {
			t.Errorf("%s: title %q does not say %q and %q", e.ID, e.Title, r.name, r.suffix)
		}
		if prev, dup := seen[strings.ToLower(e.Title)]; dup {
			t.Errorf("%s and %s share the title %q", prev, e.ID, e.Title)
		}
		seen[strings.ToLower(e.Title)] = e.ID
	}
	if got := mustEntry(t, mustLoad(t, dir), res.Created[0]).Title; got != "Persyaratan Penerbitan Dokumen … Alfa – Hilang" {
		t.Errorf("first title %q", got)
	}
}

func TestImportDuplicateQuestions(t *testing.T) {
	long := "Bagaimana cara mengajukan pengaduan terhadap petugas layanan yang tidak ramah di kantor"
	tests := []struct {
		name     string
		corpus   map[string]string
		sheet    string
		wantWarn []string
	}{
		{"the same ignoring case, spacing and punctuation",
			nil, "id,judul,pertanyaan,jawaban\na,A,Bagaimana membuat KTP?,Satu.\nb,B,\"Kapan?\nbagaimana  MEMBUAT ktp\",Dua.\n",
			[]string{`s.csv:4: warning: question "bagaimana MEMBUAT ktp" (id b) is also on line 2 (id a); citizens asking it cannot be told apart`}},
		{"nearly the same: 13 of 14 words", nil,
			"id,judul,pertanyaan,jawaban\na,A," + long + " kecamatan?,Satu.\nb,B," + long + " kecamatan setempat?,Dua.\n",
			[]string{`s.csv:3: warning: question "` + long + ` kecamatan setempat?" (id b) is nearly the one on line 2 (id a), "` + long + ` kecamatan?": 13 of 14 words shared`}},
		{"the same words in another order", nil,
			"id,judul,pertanyaan,jawaban\na,A,Bagaimana cara membuat akta kelahiran?,Satu.\nb,B,Cara membuat akta kelahiran bagaimana?,Dua.\n",
			[]string{`s.csv:3: warning: question "Cara membuat akta kelahiran bagaimana?" (id b) is nearly the one on line 2 (id a), "Bagaimana cara membuat akta kelahiran?": the same words in another order`}},
		{"four of five words is not a duplicate", nil,
			"id,judul,pertanyaan,jawaban\na,A,Bagaimana cara membuat akta kelahiran?,Satu.\nb,B,Bagaimana cara membuat akta kematian?,Dua.\n",
			nil},
		{"a question of an entry outside the sheet", map[string]string{"ktp.md": "---\nid: ktp\ntitle: KTP\nquestions: [Bagaimana membuat KTP?]\n---\nKe kantor.\n"},
			"id,judul,pertanyaan,jawaban\nb,B,Bagaimana membuat KTP?,Dua.\n",
			[]string{`s.csv:2: warning: question "Bagaimana membuat KTP?" (id b) is also a question of ktp (`}},
		{"twice in one row is kept once", nil,
			"id,judul,pertanyaan,jawaban\na,A,Apa itu KTP? | apa itu ktp,Satu.\n",
			[]string{`s.csv:2: warning: question "apa itu ktp" is given twice for this row (also line 2); it is kept once`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for f, c := range tt.corpus {
				writeFile(t, filepath.Join(dir, f), c)
			}
			res, ps := runImport(t, dir, tt.sheet, faq.ImportOptions{})
			checkProblems(t, ps, faq.Error, nil, true)
			checkProblems(t, ps, faq.Warning, tt.wantWarn, true)
			if n := len(res.Duplicates); tt.wantWarn != nil && !strings.Contains(tt.name, "one row") && n != 1 {
				t.Errorf("duplicates %+v", res.Duplicates)
			}
		})
	}
}

func TestImportMergeDuplicates(t *testing.T) {
	sheet := "id,judul,pertanyaan,jawaban\n" +
		"akta,Akta Kelahiran,Bagaimana membuat akta kelahiran?,\"Bawa surat keterangan lahir, KK dan KTP.\"\n" +
		",Akta Anak,\"Syarat akta anak?\nBagaimana membuat akta kelahiran?\",\"bawa  surat keterangan lahir KK dan KTP\"\n" +
		"kk,Kartu Keluarga,Bagaimana membuat KK?,Bawa buku nikah.\n"
	t.Run("reported without --merge-duplicates", func(t *testing.T) {
		dir := t.TempDir()
		res, ps := runImport(t, dir, sheet, faq.ImportOptions{})
		checkProblems(t, ps, faq.Error, nil, true)
		checkProblems(t, ps, faq.Warning, []string{
			"s.csv:3: warning: the answer (id akta-anak) is the same as on line 2 (id akta): --merge-duplicates folds the rows into one entry",
			`s.csv:4: warning: question "Bagaimana membuat akta kelahiran?" (id akta-anak) is also on line 2 (id akta)`,
		}, true)
		if len(res.Created) != 3 || len(res.SameAnswer) != 1 || len(res.Merged) != 0 {
			t.Errorf("result %+v", res)
		}
	})
	t.Run("folded with --merge-duplicates", func(t *testing.T) {
		dir := t.TempDir()
		res, ps := runImport(t, dir, sheet, faq.ImportOptions{MergeDuplicates: true})
		checkProblems(t, ps, faq.Error, nil, true)
		checkProblems(t, ps, faq.Warning, nil, true)
		if diff := cmp.Diff([]faq.RowPair{{Line: 3, IntoLine: 2, IntoID: "akta", Questions: 2}}, res.Merged); diff != "" {
			t.Errorf("merged (-want +got):\n%s", diff)
		}
		if !cmp.Equal(res.Created, []string{"akta", "kk"}) || !cmp.Equal(res.Entries[0].Lines, []int{2, 3}) {
			t.Errorf("result %+v", res.Entries)
		}
		akta := mustEntry(t, mustLoad(t, dir), "akta")
		if diff := cmp.Diff([]string{"Bagaimana membuat akta kelahiran?", "Syarat akta anak?"}, akta.Questions); diff != "" {
			t.Errorf("questions (-want +got):\n%s", diff)
		}
		if akta.Title != "Akta Kelahiran" || akta.Body != "Bawa surat keterangan lahir, KK dan KTP." {
			t.Errorf("merged entry %+v", akta)
		}
	})
	t.Run("a row naming another entry of the corpus is not folded", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "anak.md"), "---\nid: anak\ntitle: Anak\nquestions: [Syarat akta anak?]\n---\nLama.\n")
		res, ps := runImport(t, dir, strings.Replace(sheet, "\n,Akta Anak,", "\nanak,Akta Anak,", 1), faq.ImportOptions{MergeDuplicates: true})
		checkProblems(t, ps, faq.Warning, []string{"s.csv:3: warning: the answer is the same as on line 2, but id anak is an entry of the corpus: not folded"}, false)
		if len(res.Merged) != 0 || len(res.Updated) != 1 {
			t.Errorf("result %+v", res)
		}
	})
}

func TestImportCategories(t *testing.T) {
	tests := []struct {
		name    string
		corpus  map[string]string
		sheet   string
		want    map[string]string // id → category
		files   []string
		reports []faq.CategoryName
	}{
		{"spellings of one category become one",
			nil, "id,kategori,judul,pertanyaan,jawaban\n" +
				"a,INFORMASI PUBLIK,A,Apa a?,A.\nb,Informasi Publik,B,Apa b?,B.\nc, informasi  publik ,C,Apa c?,C.\nd,INFORMASI PUBLIK,D,Apa d?,D.\n",
			map[string]string{"a": "Informasi Publik", "b": "Informasi Publik", "c": "Informasi Publik", "d": "Informasi Publik"},
			[]string{"informasi-publik/a.md", "informasi-publik/b.md", "informasi-publik/c.md", "informasi-publik/d.md"},
			[]faq.CategoryName{{Name: "Informasi Publik", Folder: "informasi-publik", Spellings: []faq.Spelling{
				{Text: "INFORMASI PUBLIK", Rows: 2}, {Text: "Informasi Publik", Rows: 1}, {Text: "informasi  publik", Rows: 1}}}}},
		{"acronyms of the most common spelling stay",
			nil, "id,kategori,judul,pertanyaan,jawaban\na,BPJS Kesehatan,A,Apa a?,A.\nb,bpjs kesehatan,B,Apa b?,B.\nc,BPJS Kesehatan,C,Apa c?,C.\n",
			map[string]string{"a": "BPJS Kesehatan", "b": "BPJS Kesehatan", "c": "BPJS Kesehatan"},
			[]string{"bpjs-kesehatan/a.md", "bpjs-kesehatan/b.md", "bpjs-kesehatan/c.md"},
			[]faq.CategoryName{{Name: "BPJS Kesehatan", Folder: "bpjs-kesehatan", Spellings: []faq.Spelling{{Text: "BPJS Kesehatan", Rows: 2}, {Text: "bpjs kesehatan", Rows: 1}}}}},
		{"the corpus's spelling and folder win",
			map[string]string{"dukcapil/ktp.md": "---\nid: ktp\ntitle: KTP\nquestions: [Apa KTP?]\ncategory: Kependudukan\n---\nKartu.\n"},
			"id,kategori,judul,pertanyaan,jawaban\nkk,KEPENDUDUKAN,KK,Apa KK?,Kartu keluarga.\n",
			map[string]string{"kk": "Kependudukan", "ktp": "Kependudukan"},
			[]string{"dukcapil/kk.md", "dukcapil/ktp.md"},
			[]faq.CategoryName{{Name: "Kependudukan", Folder: "dukcapil", Spellings: []faq.Spelling{{Text: "KEPENDUDUKAN", Rows: 1}}}}},
		{"one spelling is not reported",
			nil, "id,kategori,judul,pertanyaan,jawaban\na,Pajak,A,Apa a?,A.\nb,Pajak,B,Apa b?,B.\n",
			map[string]string{"a": "Pajak", "b": "Pajak"}, []string{"pajak/a.md", "pajak/b.md"}, nil},
		{"headings and merged cells",
			nil, "No,Kategori,Judul,Pertanyaan,Jawaban\n" +
				"A. KEPENDUDUKAN,,,,\n1,,KTP,Apa KTP?,Kartu.\n2,,KK,Apa KK?,Keluarga.\n" +
				"B. Pajak Daerah,,,,\n3,,PBB,Apa PBB?,Pajak bumi.\n4,Perizinan,NIB,Apa NIB?,Izin.\n5,,SIUP,Apa SIUP?,Izin usaha.\n",
			map[string]string{"ktp": "Kependudukan", "kk": "Kependudukan", "pbb": "Pajak Daerah", "nib": "Perizinan", "siup": "Perizinan"},
			[]string{"kependudukan/kk.md", "kependudukan/ktp.md", "pajak-daerah/pbb.md", "perizinan/nib.md", "perizinan/siup.md"},
			[]faq.CategoryName{{Name: "Kependudukan", Folder: "kependudukan", Spellings: []faq.Spelling{{Text: "KEPENDUDUKAN", Rows: 2}}}}},
		{"no category", nil, "id,judul,pertanyaan,jawaban\na,A,Apa a?,A.\n",
			map[string]string{"a": "Umum"}, []string{"umum/a.md"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for f, c := range tt.corpus {
				writeFile(t, filepath.Join(dir, f), c)
			}
			res, ps := runImport(t, dir, tt.sheet, faq.ImportOptions{})
			checkProblems(t, ps, faq.Error, nil, true)
			c := mustLoad(t, dir)
			for id, want := range tt.want {
				if got := mustEntry(t, c, id).Category; got != want {
					t.Errorf("%s: category %q, want %q", id, got, want)
				}
			}
			files := slices.Sorted(maps.Keys(snapshot(t, dir)))
			if diff := cmp.Diff(tt.files, files); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.reports, res.Categories); diff != "" {
				t.Errorf("category report (-want +got):\n%s", diff)
			}
		})
	}
}

func TestImportDryRun(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.md"), "---\nid: a\ntitle: A\nquestions:\n  - Apa a?\n---\nA.\n")
	writeFile(t, filepath.Join(dir, "b.md"), "---\nid: b\ntitle: B\nquestions:\n  - Apa b?\n---\nB.\n")
	before := snapshot(t, dir)
	sheet := "id,judul,pertanyaan,jawaban\na,A,Apa a?,A.\nb,B baru,Apa b?,B.\nc,C,Apa a?,C.\n"
	res, ps := runImport(t, dir, sheet, faq.ImportOptions{DryRun: true})
	checkProblems(t, ps, faq.Error, nil, true)
	checkProblems(t, ps, faq.Warning, []string{`s.csv:4: warning: question "Apa a?" (id c) is also on line 2 (id a)`}, true)
	want := []faq.ImportedEntry{
		{ID: "a", Title: "A", File: "a.md", Lines: []int{2}, Status: "unchanged"},
		{ID: "b", Title: "B baru", File: "b.md", Lines: []int{3}, Status: "updated", Changed: []string{"title"}},
		{ID: "c", Title: "C", File: "umum/c.md", Lines: []int{4}, Status: "new"},
	}
	if diff := cmp.Diff(want, res.Entries); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	if !res.DryRun || len(res.Written) != 0 {
		t.Errorf("result %+v", res)
	}
	if diff := cmp.Diff(before, snapshot(t, dir)); diff != "" {
		t.Errorf("a dry run changed files (-before +after):\n%s", diff)
	}
}

// TestImportWritesNothingOnError checks that any error leaves the corpus as it was and that
// every problem names the sheet and the line, counting lines of cells over several lines.
func TestImportWritesNothingOnError(t *testing.T) {
	corpus := map[string]string{"a.md": "---\nid: a\ntitle: A\nquestions: [Apa a?]\n---\nA.\n"}
	tests := []struct {
		name    string
		corpus  map[string]string
		sheet   string
		check   func(*faq.Corpus) faq.Problems
		wantErr []string
	}{
		{"row without answer or question after multi-line cells", corpus,
			"id,judul,pertanyaan,jawaban\na,A baru,\"Apa a?\nApa lagi?\",\"A.\n\nB.\"\nb,B,,\nc,C,Apa c?,\n",
			nil, []string{"s.csv:6: error: no question", "s.csv:6: error: no answer", "s.csv:7: error: no answer"}},
		{"each error on the line of its cell", corpus,
			"id,judul,pertanyaan,jawaban,sumber\nb,B,Apa b?,B.,https://x.go.id\nc,C,Apa c?,C.,x\nd,D,Apa d?,D.,https://x.go.id\n" +
				"e,E,\"Apa e?\nApa f?\nApa g?\",E.,ftp://x\n",
			nil, []string{`s.csv:3: error: source "x"`, `s.csv:7: error: source "ftp://x"`}},
		{"a corpus with errors is not imported into", map[string]string{"a.md": "---\nid: a\n---\n"},
			"id,judul,pertanyaan,jawaban\nb,B,Apa b?,B.\n", nil,
			[]string{"a.md:1: error: missing title", "a.md:1: error: missing questions", "a.md:4: error: empty body", "s.csv:0: error: the corpus in "}},
		{"a file of the corpus in the way", map[string]string{"umum/b.md": "---\nid: other\ntitle: O\nquestions: [Apa o?]\n---\nO.\n"},
			"id,judul,pertanyaan,jawaban\nb,B,Apa b?,B.\n", nil,
			[]string{`s.csv:2: error: file `}},
		{"the data files' check", corpus, "id,judul,pertanyaan,jawaban\nb,B,Apa b?,B.\n",
			func(*faq.Corpus) faq.Problems {
				return faq.Problems{{File: "_balai/synonyms.txt", Line: 3, Severity: faq.Error, Message: "bad synonym"}}
			},
			[]string{"_balai/synonyms.txt:3: error: bad synonym"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for f, c := range tt.corpus {
				writeFile(t, filepath.Join(dir, f), c)
			}
			before := snapshot(t, dir)
			_, ps := runImport(t, dir, tt.sheet, faq.ImportOptions{Check: tt.check})
			checkProblems(t, ps, faq.Error, tt.wantErr, true)
			if diff := cmp.Diff(before, snapshot(t, dir)); diff != "" {
				t.Errorf("a failed import changed files (-before +after):\n%s", diff)
			}
		})
	}
}

// TestImportQuestionLines checks that a problem about a question names the line it is on
// inside a cell over several lines.
func TestImportQuestionLines(t *testing.T) {
	sheet := "id,judul,pertanyaan,jawaban\n" +
		"a,A,\"Apa satu?\nApa dua?\nApa tiga?\",\"Satu\nbaris.\"\n" +
		"b,B,\"Apa empat?\n\nApa tiga?\",Dua.\n"
	_, ps := runImport(t, t.TempDir(), sheet, faq.ImportOptions{})
	checkProblems(t, ps, faq.Warning, []string{`s.csv:8: warning: question "Apa tiga?" (id b) is also on line 4 (id a)`}, true)
}

// TestImportMessyGolden imports an agency's sheet as admins keep it (title rows, headings,
// merged category cells, spellings, long titles, duplicates, bad sources) and compares the
// corpus written with testdata/import/messy.corpus.golden (go test -update rewrites it).
func TestImportMessyGolden(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "corpus")
	opt := faq.ImportOptions{
		Source: "https://disdukcapil.example.go.id/", MergeDuplicates: true,
		Updated: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC),
	}
	f, err := os.Open("testdata/import/messy.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, ps, err := faq.Import(dir, "messy.csv", f, opt)
	if err != nil || ps.Errors() > 0 {
		t.Fatalf("import: %v %v", err, ps)
	}
	if res.Rows != 30 || len(res.Created) != 29 || len(res.Merged) != 1 {
		t.Errorf("rows %d, created %d, merged %d", res.Rows, len(res.Created), len(res.Merged))
	}
	files := snapshot(t, dir)
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(files)) {
		fmt.Fprintf(&b, "==> %s\n%s", name, files[name])
	}
	golden := "testdata/import/messy.corpus.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("corpus (-want +got):\n%s", diff)
	}
	c := mustLoad(t, dir)
	for _, e := range c.Entries {
		if n := len([]rune(e.Title)); n > faq.MaxTitleLen {
			t.Errorf("%s: title of %d characters", e.ID, n)
		}
	}
	// The same sheet again changes nothing.
	f2, _ := os.Open("testdata/import/messy.csv")
	defer f2.Close()
	res, ps, err = faq.Import(dir, "messy.csv", f2, opt)
	if err != nil || ps.Errors() > 0 || len(res.Unchanged) != 29 || len(res.Written) != 0 {
		t.Errorf("second import: %v %v %+v", err, ps, res)
	}
}

// TestImportDefaultCorpusRoundTrip exports the default corpus and imports it into a copy of
// itself: nothing changes and nothing is reported.
func TestImportDefaultCorpusRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, faq.Default()); err != nil {
		t.Fatal(err)
	}
	c := mustLoad(t, dir)
	var buf bytes.Buffer
	if err := faq.WriteCSV(&buf, c.Entries); err != nil {
		t.Fatal(err)
	}
	res, ps, err := faq.Import(dir, "export.csv", &buf, faq.ImportOptions{})
	if err != nil || len(ps) != 0 {
		t.Fatalf("import: %v %v", err, ps)
	}
	if len(res.Unchanged) != len(c.Entries) || len(res.Written) != 0 || len(res.Shortened)+len(res.Distinct)+len(res.Categories) != 0 {
		t.Errorf("round trip changed something: %d unchanged of %d, %+v", len(res.Unchanged), len(c.Entries), res)
	}
}

// TestImportKeepsFullTitle: a title cut for buttons keeps the sheet's whole title for
// search (FullTitle, written as full_title); a title that fits has none; importing the same
// sheet again changes nothing, and an export gives the whole title back.
func TestImportKeepsFullTitle(t *testing.T) {
	const long = "Persyaratan Klaim Jaminan Hari Tua bagi Pekerja Kontrak (PKWT) yang Masa Kontraknya Berakhir"
	sheet := "id,judul,pertanyaan,jawaban\na," + long + ",Apakah JHT dapat dicairkan?,Ya.\nb,Membuat KTP-el baru,Apa?,Ya.\n"
	dir := t.TempDir()
	_, ps := runImport(t, dir, sheet, faq.ImportOptions{})
	checkProblems(t, ps, faq.Error, nil, true)
	c := mustLoad(t, dir)
	a, b := mustEntry(t, c, "a"), mustEntry(t, c, "b")
	if a.Title == long || a.FullTitle != long || a.SearchTitle() != long {
		t.Errorf("a: title %q, full title %q, search title %q; want a short title and the whole one kept", a.Title, a.FullTitle, a.SearchTitle())
	}
	if b.FullTitle != "" || b.SearchTitle() != "Membuat KTP-el baru" {
		t.Errorf("b: full title %q, search title %q; want none and the title", b.FullTitle, b.SearchTitle())
	}
	res, ps := runImport(t, dir, sheet, faq.ImportOptions{})
	checkProblems(t, ps, faq.Error, nil, true)
	if len(res.Unchanged) != 2 || len(res.Updated)+len(res.Created) != 0 {
		t.Errorf("second import: unchanged %v, updated %v, created %v; want both unchanged", res.Unchanged, res.Updated, res.Created)
	}
	var buf strings.Builder
	if err := faq.WriteCSV(&buf, []*faq.Entry{a}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), long) {
		t.Errorf("export lost the whole title:\n%s", buf.String())
	}
}
