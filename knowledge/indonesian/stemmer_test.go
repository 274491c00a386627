package indonesian

import (
	"slices"
	"sync"
	"testing"
)

type stemCase struct{ in, want string }

// stemCases are grouped by what they exercise. want == in means "must not be stemmed".
var stemCases = []struct {
	group string
	cases []stemCase
}{
	{"particles -lah -kah -tah -pun", []stemCase{
		{"bukulah", "buku"}, {"pergilah", "pergi"}, {"mohonlah", "mohon"}, {"tolonglah", "tolong"},
		{"apakah", "apa"}, {"siapakah", "siapa"}, {"bisakah", "bisa"}, {"dapatkah", "dapat"},
		{"bukankah", "bukan"}, {"kapankah", "kapan"}, {"apatah", "apa"},
		{"apapun", "apa"}, {"siapapun", "siapa"}, {"kapanpun", "kapan"}, {"berapapun", "berapa"},
		{"bagaimanapun", "bagaimana"},
	}},
	{"possessives -ku -mu -nya", []stemCase{
		{"bukuku", "buku"}, {"bukumu", "buku"}, {"bukunya", "buku"}, {"rumahnya", "rumah"},
		{"kamarku", "kamar"}, {"tasmu", "tas"}, {"anaknya", "anak"}, {"anakku", "anak"},
		{"sekolahnya", "sekolah"}, {"masalahnya", "masalah"}, {"hilangnya", "hilang"},
		{"rusaknya", "rusak"}, {"pajaknya", "pajak"}, {"lengkapnya", "lengkap"},
	}},
	{"particle after possessive, suffix after possessive", []stemCase{
		{"sampaikanlah", "sampai"}, {"berikanlah", "beri"}, {"urusannya", "urus"},
		{"kesehatannya", "sehat"}, {"pendaftarannya", "daftar"}, {"mempelajarinya", "ajar"},
		{"verifikasinya", "verifikasi"}, {"registrasinya", "registrasi"},
	}},
	{"derivational suffixes -i -kan -an", []stemCase{
		{"minuman", "minum"}, {"makanan", "makan"}, {"pakaian", "pakai"}, {"bantuan", "bantu"},
		{"aturan", "atur"}, {"tujuan", "tuju"}, {"laporan", "lapor"}, {"urusan", "urus"},
		{"tagihan", "tagih"}, {"tunggakan", "tunggak"}, {"kiriman", "kirim"}, {"pesanan", "pesan"},
		{"layanan", "layan"}, {"jalanan", "jalan"}, {"tekanan", "tekan"}, {"masakan", "masak"},
		{"desakan", "desak"}, {"tindakan", "tindak"}, {"gerakan", "gerak"}, {"masukan", "masuk"},
		{"berikan", "beri"}, {"belikan", "beli"}, {"bersihkan", "bersih"}, {"sampaikan", "sampai"},
		{"dengarkan", "dengar"}, {"tinggalkan", "tinggal"}, {"tandatangani", "tandatangan"},
	}},
	{"prefixes di- ke- se-", []stemCase{
		{"diurus", "urus"}, {"dibuat", "buat"}, {"dicetak", "cetak"}, {"direkam", "rekam"},
		{"dikirim", "kirim"}, {"ditunggu", "tunggu"}, {"diambil", "ambil"}, {"ditolak", "tolak"},
		{"diterima", "terima"}, {"dibayar", "bayar"}, {"dicek", "cek"}, {"dimohon", "mohon"},
		{"ketua", "ketua"}, {"kedua", "dua"}, {"ketiga", "tiga"}, {"ketemu", "temu"},
		{"seribu", "ribu"}, {"sebanyak", "banyak"}, {"seluruhnya", "seluruh"},
		{"sebenarnya", "benar"}, {"selanjutnya", "lanjut"}, {"seharusnya", "harus"},
	}},
	{"me- with recoding", []stemCase{
		{"melapor", "lapor"}, {"merawat", "rawat"}, {"merusak", "rusak"}, {"melihat", "lihat"},
		{"membayar", "bayar"}, {"membuat", "buat"}, {"membom", "bom"}, {"memproses", "proses"},
		{"memakai", "pakai"}, {"memilih", "pilih"}, {"memohon", "mohon"}, {"memasak", "masak"},
		{"memakan", "makan"}, {"meminta", "minta"}, {"mencetak", "cetak"}, {"mendaftar", "daftar"},
		{"menjual", "jual"}, {"mencari", "cari"}, {"menulis", "tulis"}, {"menunggu", "tunggu"},
		{"menolak", "tolak"}, {"menerima", "terima"}, {"menikah", "nikah"}, {"menilai", "nilai"},
		{"menanti", "nanti"}, {"mengurus", "urus"}, {"mengambil", "ambil"}, {"mengirim", "kirim"},
		{"mengenal", "kenal"}, {"mengubah", "ubah"}, {"mengganti", "ganti"}, {"menghapus", "hapus"},
		{"mengecek", "cek"}, {"mengecat", "cat"}, {"mengetik", "ketik"}, {"mengelola", "kelola"},
		{"menyimpan", "simpan"}, {"menyetor", "setor"}, {"menyewa", "sewa"}, {"menyanyi", "nyanyi"},
		{"mentransfer", "transfer"}, {"mengakses", "akses"}, {"mengunduh", "unduh"},
	}},
	{"pe- allomorphs", []stemCase{
		{"pemakai", "pakai"}, {"pemilih", "pilih"}, {"pemohon", "mohon"}, {"pembeli", "beli"},
		{"penulis", "tulis"}, {"penjual", "jual"}, {"pendaftar", "daftar"}, {"pengurus", "urus"},
		{"pengirim", "kirim"}, {"pengganti", "ganti"}, {"penyanyi", "nyanyi"}, {"penyedia", "sedia"},
		{"pelapor", "lapor"}, {"pelajar", "ajar"}, {"pekerja", "kerja"}, {"petugas", "tugas"},
		{"pedagang", "dagang"}, {"pejabat", "jabat"}, {"petani", "tani"}, {"penglihatan", "lihat"},
	}},
	{"be- ber- bel-", []stemCase{
		{"berlaku", "laku"}, {"berhasil", "hasil"}, {"berhak", "hak"}, {"berusia", "usia"},
		{"berobat", "obat"}, {"berubah", "ubah"}, {"bertanya", "tanya"}, {"bertemu", "temu"},
		{"berdiri", "diri"}, {"berdomisili", "domisili"}, {"berjalan", "jalan"},
		{"bekerja", "kerja"}, {"belajar", "ajar"}, {"bepergian", "pergi"}, {"bercerai", "cerai"},
	}},
	{"te- ter-", []stemCase{
		{"terdaftar", "daftar"}, {"terlambat", "lambat"}, {"tersedia", "sedia"}, {"terkena", "kena"},
		{"terhapus", "hapus"}, {"teratur", "atur"}, {"terverifikasi", "verifikasi"},
		{"tepercaya", "percaya"}, {"terpercaya", "percaya"}, {"terbuka", "buka"},
	}},
	{"confixes", []stemCase{
		{"kehilangan", "hilang"}, {"kelahiran", "lahir"}, {"kematian", "mati"},
		{"kebersihan", "bersih"}, {"keamanan", "aman"}, {"kebutuhan", "butuh"},
		{"kebijakan", "bijak"}, {"kerusakan", "rusak"}, {"keterlambatan", "lambat"},
		{"keberhasilan", "hasil"}, {"kepindahan", "pindah"}, {"kependudukan", "duduk"},
		{"pendaftaran", "daftar"}, {"pembayaran", "bayar"}, {"pengaduan", "adu"},
		{"pembuatan", "buat"}, {"penggantian", "ganti"}, {"pencetakan", "cetak"},
		{"perekaman", "rekam"}, {"pengiriman", "kirim"}, {"pengecekan", "cek"},
		{"penyimpanan", "simpan"}, {"penyelesaian", "selesai"}, {"penarikan", "tarik"},
		{"pendidikan", "didik"}, {"pemasukan", "masuk"}, {"perusakan", "rusak"},
		{"perpanjangan", "panjang"}, {"perkawinan", "kawin"}, {"pernikahan", "nikah"},
		{"perceraian", "cerai"}, {"permohonan", "mohon"}, {"persyaratan", "syarat"},
		{"perubahan", "ubah"}, {"perpajakan", "pajak"}, {"pertanyaan", "tanya"},
		{"berkaitan", "kait"}, {"berhadapan", "hadap"}, {"bertentangan", "tentang"},
		{"mendaftarkan", "daftar"}, {"memastikan", "pasti"}, {"mengatakan", "kata"},
		{"menyelesaikan", "selesai"}, {"menyatakan", "nyata"}, {"memasukkan", "masuk"},
		{"mengembalikan", "kembali"}, {"melayani", "layan"}, {"menikahi", "nikah"},
		{"menyetujui", "setuju"}, {"didaftarkan", "daftar"}, {"diperlukan", "perlu"},
		{"dikenakan", "kena"}, {"diberikan", "beri"}, {"dinilai", "nilai"}, {"dilayani", "layan"},
		{"diverifikasi", "verifikasi"}, {"ditandatangani", "tandatangan"},
	}},
	{"memper- diper- and stacked prefixes", []stemCase{
		{"perpanjang", "panjang"}, {"memperpanjang", "panjang"}, {"diperpanjang", "panjang"},
		{"memperbaiki", "baik"}, {"diperbaiki", "baik"}, {"memperbarui", "baru"},
		{"diperbarui", "baru"}, {"mempermudah", "mudah"}, {"memperoleh", "oleh"},
		{"memperhatikan", "hati"}, {"mempersiapkan", "siap"}, {"dipersyaratkan", "syarat"},
		{"mempelajari", "ajar"}, {"mempekerjakan", "kerja"}, {"memberlakukan", "laku"},
		{"pemberdayaan", "daya"}, {"keberadaan", "ada"}, {"keberangkatan", "berangkat"},
		{"kepemilikan", "milik"}, {"kepegawaian", "pegawai"}, {"diketahui", "tahu"},
		{"mengetahui", "tahu"}, {"pengetahuan", "tahu"}, {"pemberitahuan", "beritahu"},
		{"pertanggungjawaban", "tanggungjawab"}, {"kewarganegaraan", "warganegara"},
	}},
	{"roots that look affixed", []stemCase{
		{"perlu", "perlu"}, {"pergi", "pergi"}, {"beri", "beri"}, {"kenal", "kenal"},
		{"sehat", "sehat"}, {"tentang", "tentang"}, {"tanya", "tanya"}, {"minta", "minta"},
		{"kena", "kena"}, {"dengar", "dengar"}, {"percaya", "percaya"}, {"sebab", "sebab"},
		{"selesai", "selesai"}, {"sedia", "sedia"}, {"menang", "menang"}, {"merah", "merah"},
		{"mereka", "mereka"}, {"dekat", "dekat"}, {"teman", "teman"}, {"tempat", "tempat"},
		{"tengah", "tengah"}, {"kelas", "kelas"}, {"kecil", "kecil"}, {"keluar", "keluar"},
		{"semua", "semua"}, {"senang", "senang"}, {"dengan", "dengan"}, {"diri", "diri"},
		{"besar", "besar"}, {"pakai", "pakai"}, {"peta", "peta"}, {"pesan", "pesan"},
		{"kantor", "kantor"}, {"kartu", "kartu"}, {"berita", "berita"}, {"terima", "terima"},
		{"sekolah", "sekolah"}, {"sekarang", "sekarang"}, {"selalu", "selalu"},
		{"mengapa", "mengapa"}, {"kenapa", "kenapa"}, {"pemerintah", "pemerintah"},
		{"pegawai", "pegawai"}, {"peserta", "peserta"}, {"pengacara", "pengacara"},
		{"pemilu", "pemilu"}, {"alasan", "alasan"}, {"rambutan", "rambutan"},
		{"bekasi", "bekasi"}, {"kediri", "kediri"}, {"kuningan", "kuningan"},
		{"perangkat", "perangkat"}, {"berangkat", "berangkat"}, {"masalah", "masalah"},
	}},
	{"rule precedence (prefix first)", []stemCase{
		{"bermasalah", "masalah"}, {"bersekolah", "sekolah"}, {"bersalah", "salah"},
		{"pemerintahan", "pemerintah"}, {"mengakui", "aku"},
	}},
	{"public-service vocabulary", []stemCase{
		{"mengurus", "urus"}, {"pengurusan", "urus"}, {"mengadu", "adu"}, {"aduan", "adu"},
		{"pelaporan", "lapor"}, {"dilaporkan", "lapor"}, {"pengajuan", "aju"},
		{"mengajukan", "aju"}, {"perizinan", "izin"}, {"mengizinkan", "izin"},
		{"penduduk", "duduk"}, {"pelayanan", "layan"}, {"penerimaan", "terima"},
		{"penolakan", "tolak"}, {"pengambilan", "ambil"}, {"perpindahan", "pindah"},
		{"pemeriksaan", "periksa"}, {"pengobatan", "obat"}, {"perawatan", "rawat"},
		{"kecelakaan", "celaka"}, {"ditilang", "tilang"}, {"pelanggaran", "langgar"},
		{"penipuan", "tipu"}, {"pencurian", "curi"}, {"penyaluran", "salur"},
		{"penyetoran", "setor"}, {"angsuran", "angsur"}, {"pinjaman", "pinjam"},
		{"penghasilan", "hasil"}, {"keuangan", "uang"}, {"pengeluaran", "keluar"},
		{"pengumuman", "umum"}, {"penyesuaian", "sesuai"}, {"pemblokiran", "blokir"},
		{"pengesahan", "sah"}, {"keabsahan", "absah"}, {"persetujuan", "setuju"},
		{"penerbitan", "terbit"}, {"antrean", "antre"}, {"rujukan", "rujuk"},
		{"kesehatan", "sehat"}, {"perumahan", "rumah"}, {"permukiman", "mukim"},
		{"perusahaan", "usaha"}, {"pengusaha", "usaha"}, {"kebakaran", "bakar"},
		{"pengungsian", "ungsi"}, {"penanggulangan", "tanggulang"},
	}},
	{"slang roots, unknown words and reduplication halves", []stemCase{
		{"bikin", "bikin"}, {"anak", "anak"}, {"kira2", "kira2"}, {"covid19", "covid19"},
		{"pemda", "pemda"}, {"disdukcapil", "disdukcapil"}, {"puskesmas", "puskesmas"},
		{"samsat", "samsat"}, {"telkomsel", "telkomsel"}, {"meeting", "meeting"},
		{"password", "password"}, {"ketidakpastian", "ketidakpastian"}, {"mentari", "mentari"},
		{"ktpnya", "ktpnya"}, {"bpjsnya", "bpjsnya"}, {"kk", "kk"}, {"sim", "sim"},
		{"e", "e"}, {"", ""}, {"Menulis", "Menulis"}, {"e-ktp", "e-ktp"},
		// Reduplication arrives split by the tokenizer; each half is stemmed alone.
		{"anak-anak", "anak-anak"}, {"berlari", "lari"}, {"lari", "lari"},
		{"surat", "surat"}, {"menyurati", "surat"},
	}},
	{"later suffix stage of one recoding vs. earlier stage of another", []stemCase{
		{"memakainya", "pakai"}, {"memengaruhi", "pengaruh"}, {"ketahui", "tahu"},
		{"dinonaktifkan", "nonaktif"}, {"disalahgunakan", "salahguna"},
		{"psikologi", "psikologi"}, {"kegiatan", "giat"}, {"pemuka", "pemuka"},
	}},
}

func TestStem(t *testing.T) {
	s := NewStemmer()
	n := 0
	for _, g := range stemCases {
		for _, c := range g.cases {
			n++
			if got := s.Stem(c.in); got != c.want {
				t.Errorf("%s: Stem(%q) = %q, want %q", g.group, c.in, got, c.want)
			}
			if c.want != c.in && !s.IsRoot(c.want) {
				t.Errorf("%s: expected root %q of %q is not in the dictionary", g.group, c.want, c.in)
			}
		}
	}
	if n < 150 {
		t.Errorf("only %d cases", n)
	}
}

func TestStemIsIdempotent(t *testing.T) {
	s := NewStemmer()
	for _, g := range stemCases {
		for _, c := range g.cases {
			r := s.Stem(c.in)
			if again := s.Stem(r); again != r {
				t.Errorf("Stem(Stem(%q)) = %q, want %q", c.in, again, r)
			}
		}
	}
}

func TestStemExtraRoots(t *testing.T) {
	def := NewStemmer()
	s := NewStemmer("ktp", " BPJS ", "", "dukcapil")
	for _, c := range []stemCase{
		{"ktpnya", "ktp"}, {"bpjsnya", "bpjs"}, {"ktpmu", "ktp"}, {"dukcapilnya", "dukcapil"},
		{"ktp", "ktp"}, {"pendaftaran", "daftar"},
	} {
		if got := s.Stem(c.in); got != c.want {
			t.Errorf("with extra roots: Stem(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if def.IsRoot("ktp") || def.Stem("ktpnya") != "ktpnya" {
		t.Error("extra roots leaked into the default stemmer")
	}
	if !s.IsRoot("bpjs") || !s.IsRoot("daftar") || s.IsRoot("") || s.IsRoot("pendaftaran") {
		t.Error("IsRoot is wrong")
	}
}

func TestStemmerDefaultRoots(t *testing.T) {
	roots := DefaultRoots()
	if len(roots) < 2500 {
		t.Fatalf("only %d default roots", len(roots))
	}
	if !slices.IsSorted(roots) {
		t.Error("data/roots.txt is not in alphabetical order")
	}
	seen := map[string]bool{}
	for _, r := range roots {
		if seen[r] {
			t.Errorf("duplicate root %q", r)
		}
		seen[r] = true
		for i := 0; i < len(r); i++ {
			if r[i] < 'a' || r[i] > 'z' {
				t.Errorf("root %q has a character other than a-z", r)
				break
			}
		}
	}
	for _, w := range []string{
		"kependudukan", "kesehatan", "pajak", "izin", "usaha", "sekolah", "bantu", "polisi",
		"paspor", "daftar", "urus", "buat", "ganti", "hilang", "rusak", "ubah", "pindah",
		"lahir", "mati", "nikah", "cerai", "bayar", "lapor", "adu", "minta", "terima", "tolak",
		"cetak", "rekam", "cek", "kirim", "tunggu", "ambil", "administrasi", "dokumen", "data",
		"online", "aplikasi", "verifikasi", "aktivasi", "registrasi", "legalisir", "perlu",
		"pergi", "beri", "tanya", "bikin", "ikut", "istri", "lain", "lalu", "lebih", "biaya",
	} {
		if w == "kependudukan" || w == "kesehatan" {
			if seen[w] {
				t.Errorf("derived word %q must not be a root", w)
			}
			continue
		}
		if !seen[w] {
			t.Errorf("root %q is missing", w)
		}
	}
	// Derived or slang forms whose presence would stop the stemmer.
	for _, w := range []string{
		"pendaftaran", "penduduk", "minuman", "pelajaran", "nanya", "nulis", "nunggu", "milih",
		"ktp", "bpjs", "asa", "etik", "nila", "sih", "bang",
	} {
		if seen[w] {
			t.Errorf("%q must not be in the default roots", w)
		}
	}
	// DefaultRoots returns a copy.
	roots[0] = "zzz"
	if DefaultRoots()[0] == "zzz" {
		t.Error("DefaultRoots shares its backing array")
	}
}

func TestStemParseRootList(t *testing.T) {
	got := parseRootList("# header\n\nAir\nbuku # comment\n  cat  \nair\r\nduduk")
	want := []string{"air", "buku", "cat", "duduk"}
	if !slices.Equal(got, want) {
		t.Errorf("parseRootList = %q, want %q", got, want)
	}
}

func TestStemConcurrent(t *testing.T) {
	s := NewStemmer("ktp")
	words := stemBenchWords()
	want := make([]string, len(words))
	for i, w := range words {
		want[i] = s.Stem(w)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Go(func() {
			for i, w := range words {
				if got := s.Stem(w); got != want[i] {
					t.Errorf("concurrent Stem(%q) = %q, want %q", w, got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestStemAllocations(t *testing.T) {
	s := NewStemmer()
	words := stemBenchWords()
	allocs := testing.AllocsPerRun(20, func() {
		for _, w := range words {
			s.Stem(w)
		}
	})
	// The formal path allocates nothing; only the colloquial fallback, tried for words that
	// have no formal root, builds candidate strings.
	if allocs > float64(len(words))/20 {
		t.Errorf("Stem allocates: %.1f allocations per %d words", allocs, len(words))
	}
}

func TestStemColloquial(t *testing.T) {
	s := NewStemmer()
	for _, tt := range []struct{ in, want string }{
		{"diwakilin", "wakil"}, {"bayarin", "bayar"}, {"ngurus", "urus"}, {"ngurusin", "urus"},
		{"ngecek", "cek"}, {"ngirim", "kirim"}, {"nyari", "cari"}, {"nyetor", "setor"},
		{"ngajuin", "aju"}, {"dicariin", "cari"}, {"nungguin", "tunggu"},
		{"ngantuk", "kantuk"}, {"nanya", "tanya"}, {"gabut", "gabut"}, // unknown stays unchanged
	} {
		if got := s.Stem(tt.in); got != tt.want {
			t.Errorf("Stem(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// stemBenchWords is every test input plus more inflected words, a few hundred in all.
func stemBenchWords() []string {
	var words []string
	for _, g := range stemCases {
		for _, c := range g.cases {
			words = append(words, c.in)
		}
	}
	return append(words,
		"menyanyikan", "menyebabkan", "disebabkan", "penyewaan", "disewakan", "persiapan",
		"perolehan", "perhatian", "diperkenalkan", "mempertahankan", "ketahanan", "keadilan",
		"pemalsuan", "dipalsukan", "kesejahteraan", "menyejahterakan", "pengeboman",
		"kepercayaan", "penyandang", "penggunaan", "berguna", "menanam", "penanaman",
		"penanganan", "tanggapan", "penanggung", "jaminan", "penjualan", "penawaran",
		"sumbangan", "salinan", "permintaan", "pertolongan", "perlindungan", "hubungan",
		"jawaban", "unduhan", "pencarian", "pembukaan", "penutupan", "kebanyakan",
		"penyebaran", "perhitungan", "pengurangan", "kekurangan", "penambahan", "kejadian",
		"pendapatan", "pendengaran", "kelihatan", "penonton", "kenaikan", "penurunan",
		"keturunan", "peraturan", "persuratan", "penjemputan", "perbedaan", "mengenai",
		"pemadam", "membanjiri", "perkembangan", "pengembangan", "pembangunan", "kebangkitan",
		"kemerdekaan", "perekonomian", "pedesaan", "perkotaan", "peninggalan", "ketinggalan",
		"menerapkan", "menghadapi", "permainan", "kepunyaan", "mempunyai", "penderitaan",
		"menyusui", "sebelumnya", "darimana", "dimana", "kemana", "seminar", "kartini",
		"pertamina", "medan", "tegal", "terminal", "pendingin", "pemanas", "berlari",
	)
}

func BenchmarkStem(b *testing.B) {
	s := NewStemmer()
	words := stemBenchWords()
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		for _, w := range words {
			s.Stem(w)
		}
		n += len(words)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/word")
}
