package workhours_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/balai-id/balai/workhours"
)

func Example() {
	cal, err := workhours.Parse("Sen-Kam 08.00-16.00; Jum 08.00-11.30, 13.00-16.30",
		[]string{"2026-08-17 Hari Kemerdekaan"}, nil)
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 8, 14, 19, 30, 0, 0, cal.Location()) // Friday evening
	if !cal.IsOpen(now) {
		fmt.Println("Petugas akan membalas " + workhours.Describe(cal.NextOpen(now), now, "id") + ".")
		fmt.Println("An officer will reply " + workhours.Describe(cal.NextOpen(now), now, "en") + ".")
	}
	due := cal.Add(now, 4*time.Hour)
	fmt.Println("SLA:", due.Format("2006-01-02 15:04 MST"))
	// Output:
	// Petugas akan membalas Selasa, 18 Agustus 2026 pukul 08.00 WIB.
	// An officer will reply Tuesday, 18 August 2026 at 08:00 WIB.
	// SLA: 2026-08-18 12:00 WIB
}

func ExampleCalendar_Add() {
	cal := workhours.Default()
	fri := time.Date(2026, 8, 14, 15, 0, 0, 0, cal.Location())
	fmt.Println(cal.Add(fri, 4*time.Hour).Format("Mon 15:04"))
	fmt.Println(cal.Between(fri, cal.Add(fri, 4*time.Hour)))
	// Output:
	// Mon 11:00
	// 4h0m0s
}

func ExampleParseHolidays() {
	file := `# Libur nasional dan cuti bersama 2026
2026-08-17 Hari Kemerdekaan
2026-12-24..2026-12-26 Cuti bersama Natal
`
	hs, err := workhours.ParseHolidays(strings.NewReader(file))
	if err != nil {
		panic(err)
	}
	var lines []string
	for _, h := range hs {
		lines = append(lines, h.String())
	}
	cal, err := workhours.Parse("Mon-Fri 08:00-16:00", lines, nil)
	if err != nil {
		panic(err)
	}
	h, _ := cal.Holiday(time.Date(2026, 12, 25, 10, 0, 0, 0, cal.Location()))
	fmt.Println(h.Name, h.From.Format("2 Jan"), "-", h.To.Format("2 Jan"))
	// Output:
	// Cuti bersama Natal 24 Dec - 26 Dec
}
