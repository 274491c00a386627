package main

import "testing"

// TestTicketLimitsConfig reads BALAI_TICKETS_PER_HOUR and BALAI_OFFICER_CARDS_PER_MINUTE:
// defaults, numbers, off, and refuses what is not a count.
func TestTicketLimitsConfig(t *testing.T) {
	for _, tc := range []struct {
		perHour, perMinute string
		wantHour, wantMin  int
		ok                 bool
	}{
		{"", "", 3, 10, true},
		{"5", "20", 5, 20, true},
		{"off", "0", 0, 0, true},
		{"-1", "", 0, 10, false},
		{"", "banyak", 3, 0, false},
	} {
		t.Setenv("BALAI_TICKETS_PER_HOUR", tc.perHour)
		t.Setenv("BALAI_OFFICER_CARDS_PER_MINUTE", tc.perMinute)
		c, err := loadConfig()
		if (err == nil) != tc.ok {
			t.Errorf("%q/%q: err = %v, want ok=%v", tc.perHour, tc.perMinute, err, tc.ok)
			continue
		}
		if tc.ok && (c.Desk.TicketsPerHour != tc.wantHour || c.Desk.OfficerCardsPerMinute != tc.wantMin) {
			t.Errorf("%q/%q: got %d/%d, want %d/%d", tc.perHour, tc.perMinute, c.Desk.TicketsPerHour, c.Desk.OfficerCardsPerMinute, tc.wantHour, tc.wantMin)
		}
	}
}
