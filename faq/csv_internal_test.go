package faq

import (
	"strings"
	"testing"
	"time"
)

func TestShorten(t *testing.T) {
	tests := []struct {
		name, in string
		limit    int
		want     string
	}{
		{"fits", "Membuat KTP-el baru", 60, "Membuat KTP-el baru"},
		{"spacing collapsed", "  Membuat   KTP-el  ", 60, "Membuat KTP-el"},
		{"cut between words", "Persyaratan Pencatatan Perkawinan bagi Penduduk Non-Muslim di Wilayah Kabupaten", 60,
			"Persyaratan Pencatatan Perkawinan bagi Penduduk Non-Muslim…"},
		{"no connector before the cut", "Syarat membuat kartu keluarga baru untuk penduduk pindahan dari luar kota", 45,
			"Syarat membuat kartu keluarga baru…"},
		{"abbreviation for its name", "Persyaratan Kartu Tanda Penduduk Elektronik (KTP-el) untuk Pemula dan Pindahan", 60,
			"Persyaratan KTP-el untuk Pemula dan Pindahan"},
		{"no unclosed parenthesis", "Layanan Pengaduan Masyarakat melalui Aplikasi (SP4N LAPOR dan kanal lain) di kantor", 50,
			"Layanan Pengaduan Masyarakat melalui Aplikasi…"},
		{"one long word", strings.Repeat("x", 70), 60, strings.Repeat("x", 59) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := shorten(tt.in, tt.limit)
			if got != tt.want {
				t.Errorf("shorten(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
			}
			if runeLen(got) > tt.limit {
				t.Errorf("%q is %d characters, over %d", got, runeLen(got), tt.limit)
			}
		})
	}
}

func TestContractAbbrev(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Penerbitan Kartu Tanda Penduduk Elektronik (KTP-el) baru", "Penerbitan KTP-el baru"},
		{"Surat Keterangan Catatan Kepolisian (SKCK),", "SKCK,"},
		{"Pejabat Pengelola Informasi dan Dokumentasi (PPID)", "PPID"},
		{"Jam buka (Senin)", "Jam buka (Senin)"},           // not an abbreviation
		{"Layanan Kantor (BPJS)", "Layanan Kantor (BPJS)"}, // initials do not spell it
	}
	for _, tt := range tests {
		if got := strings.Join(contractAbbrev(strings.Fields(tt.in)), " "); got != tt.want {
			t.Errorf("contractAbbrev(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFitHead(t *testing.T) {
	head := strings.Fields("Persyaratan dan Tata Cara Permohonan Penerbitan KTP-el bagi Warga Negara Indonesia")
	tests := []struct {
		name  string
		ws    []string
		keep  []int
		limit int
		want  string
	}{
		{"fits", head, []int{6}, 90, strings.Join(head, " ")},
		{"keeps the abbreviation", head, []int{6}, 24, "Persyaratan … KTP-el"},
		{"more lead when room", head, []int{6}, 40, "Persyaratan dan Tata Cara … KTP-el"},
		{"nothing to keep: cut", head, nil, 24, "Persyaratan dan Tata…"},
		{"keeps where groups part", strings.Fields("Persyaratan Penerbitan Dokumen Kependudukan Jenis Alfa untuk Warga"), []int{5}, 40,
			"Persyaratan Penerbitan Dokumen … Alfa"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fitHead(tt.ws, tt.keep, tt.limit); got != tt.want {
				t.Errorf("fitHead = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTitleCase(t *testing.T) {
	tests := []struct{ in, want string }{
		{"INFORMASI PUBLIK", "Informasi Publik"},
		{"informasi  publik", "Informasi Publik"},
		{"Informasi publik", "Informasi Publik"},
		{"BPJS Kesehatan", "BPJS Kesehatan"},
		{"SIM dan SKCK", "SIM dan SKCK"},
		{"INFORMASI DAN PENGADUAN", "Informasi dan Pengaduan"},
		{"layanan e-KTP", "Layanan e-KTP"},
		{"SKCK", "SKCK"},
		{"NPWP DAN PENDAFTARAN", "NPWP dan Pendaftaran"},
		{"STNK DAN BPKB", "STNK dan BPKB"},
		{"KTP ELEKTRONIK", "KTP Elektronik"},
		{"LAYANAN PPID", "Layanan PPID"},
		{"PAJAK DAERAH", "Pajak Daerah"},
		{"BANK DAN ASURANSI", "Bank dan Asuransi"},
		{"SURAT IZIN MENGEMUDI", "Surat Izin Mengemudi"},
		{"PPH 21", "PPH 21"},
	}
	for _, tt := range tests {
		if got := titleCase(tt.in); got != tt.want {
			t.Errorf("titleCase(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSlugID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Syarat Membuat KTP-el untuk Pemula?", "syarat-membuat-ktp-el-pemula"},
		{"Pendaftaran Sekolah Dasar Négeri", "pendaftaran-sekolah-dasar-negeri"},
		{"Persyaratan dan Tata Cara Penerbitan Kartu Tanda Penduduk Elektronik (KTP-el) bagi Warga Negara Indonesia",
			"persyaratan-tata-cara-penerbitan-ktp-el-warga"},
		{"Persyaratan Pencatatan Perkawinan bagi Penduduk Non-Muslim", "persyaratan-pencatatan-perkawinan-penduduk"},
		{"???", ""},
	}
	for _, tt := range tests {
		got := slugID(tt.in, maxIDLen)
		if got != tt.want {
			t.Errorf("slugID(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got != "" && !idPattern.MatchString(got) || len(got) > maxIDLen {
			t.Errorf("slugID(%q) = %q is not a valid id of at most %d characters", tt.in, got, maxIDLen)
		}
	}
}

func TestSheetDate(t *testing.T) {
	want := time.Date(2024, 5, 1, 0, 0, 0, 0, jakarta)
	for _, s := range []string{
		"2024-05-01", "2024/5/1", "01/05/2024", "1-5-2024", "01.05.2024", "1/5/24", "1 Mei 2024",
		"1 May 2024", "Rabu, 1 Mei 2024", "1 mei 2024", "2024-05-01 00:00:00",
		"2024-04-30T20:00:00Z", // 03:00 on 1 May in Jakarta
	} {
		got, err := SheetDate(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("SheetDate(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "kemarin", "31/02/2024", "13/13/2024", "2024-13-01", "05/13/2024", "1 Foo 2024"} {
		if got, err := SheetDate(s); err == nil {
			t.Errorf("SheetDate(%q) = %v, want an error", s, got)
		}
	}
}

func TestHeaderField(t *testing.T) {
	tests := map[string]string{
		"id": "id", " ID ": "id",
		"Title": "title", "JUDUL": "title",
		"question": "questions", "Questions": "questions", "Pertanyaan": "questions", "Pertanyaan 2": "questions", "question_3": "questions",
		"Answer": "answer", "jawaban": "answer", "Jawaban*": "answer",
		"Category": "category", "KATEGORI": "category",
		"source": "source", "Sumber (URL)": "source",
		"updated": "updated", "Diperbarui": "updated", "Tanggal": "updated",
		"keywords": "keywords", "Kata  Kunci": "keywords", "kata_kunci": "keywords", "Kata-Kunci": "keywords",
		"owner": "owner", "Pemilik": "owner", "UNIT": "owner",
		"review_by": "review_by", "Review By": "review_by",
		"No.": "", "Keterangan": "", "": "",
	}
	for in, want := range tests {
		if got := headerField(in); got != want {
			t.Errorf("headerField(%q) = %q, want %q", in, got, want)
		}
	}
}
