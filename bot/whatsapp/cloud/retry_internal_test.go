package cloud

import (
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	for _, c := range []struct {
		header, date string
		want         time.Duration
	}{
		{"", "", 0},
		{"7", "", 7 * time.Second},
		{"99999", "", time.Hour},
		{"Thu, 26 Nov 2026 10:00:30 GMT", "Thu, 26 Nov 2026 10:00:00 GMT", 30 * time.Second},
		// Meta's date in the past of its own clock: no wait, whatever Balai's clock says.
		{"Thu, 26 Nov 2026 09:59:00 GMT", "Thu, 26 Nov 2026 10:00:00 GMT", 0},
		{"Thu, 26 Nov 2026 13:00:00 GMT", "Thu, 26 Nov 2026 10:00:00 GMT", time.Hour},
		{"soon", "", 0},
	} {
		if got := retryAfter(c.header, c.date); got != c.want {
			t.Errorf("retryAfter(%q, %q) = %v, want %v", c.header, c.date, got, c.want)
		}
	}
}
