package clock_test

import (
	"testing"
	"time"

	"github.com/balai-id/balai/clock"
)

func TestParseOffset(t *testing.T) {
	day := 24 * time.Hour
	for _, c := range []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{"", 0, false},
		{"8760h", 8760 * time.Hour, false},
		{"-90m", -90 * time.Minute, false},
		{"30d", 30 * day, false},
		{"10y", 3650 * day, false},
		{"-1y", -365 * day, false},
		{"soon", 0, true},
		{"1.5y", 0, true},
		{"300y", 0, true}, // would overflow time.Duration
	} {
		got, err := clock.ParseOffset(c.in)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("ParseOffset(%q) = %v, %v; want %v, error %v", c.in, got, err, c.want, c.bad)
		}
	}
}

func TestNowFollowsTheSystemClockWithTheOffset(t *testing.T) {
	d, err := clock.Offset()
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now().Add(d)
	got := clock.Now()
	after := time.Now().Add(d)
	if got.Before(before) || got.After(after) {
		t.Fatalf("clock.Now() = %v, want between %v and %v (offset %v)", got, before, after, d)
	}
}
