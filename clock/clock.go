// Package clock is Balai's one notion of "now".
//
// The rule: every window Balai judges — a ticket's reopen window, WhatsApp's 24-hour
// customer-service window, SLA due times, claim timeouts, the flood limit, an entry's
// review date — is judged by Balai's own clock, never by a platform's. A message's time
// (bot.Inbound.Time) is when Balai accepted it, read from this clock; the timestamp a
// platform stamps on a message (Telegram's date, WhatsApp's timestamp, a browser's clock)
// is kept as bot.Inbound.SentAt for the record and is never compared with Balai's clock.
// Platforms' clocks can be hours off; a decision must not change when they are.
//
// Components take a func() time.Time (tests inject their own clock) and default to Now.
// Now is the system clock shifted by BALAI_CLOCK_OFFSET, so the whole product, and the
// whole test suite, can be run as if it were a year or ten years later.
package clock

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// OffsetEnv names the environment variable that shifts Balai's clock: a Go duration
// ("8760h", "-90m") or a whole number of days or years ("30d", "10y"). Unset means no shift.
const OffsetEnv = "BALAI_CLOCK_OFFSET"

var offset = sync.OnceValues(func() (time.Duration, error) { return ParseOffset(os.Getenv(OffsetEnv)) })

// Now is Balai's clock: the system time shifted by BALAI_CLOCK_OFFSET (an invalid setting
// shifts nothing; Offset reports it).
func Now() time.Time {
	d, _ := offset()
	return time.Now().Add(d)
}

// Offset returns the shift in force and an error when BALAI_CLOCK_OFFSET is not valid.
func Offset() (time.Duration, error) { return offset() }

// ParseOffset reads a clock shift: a Go duration, or a whole number of days ("30d") or
// years of 365 days ("10y"), optionally negative. "" is no shift.
func ParseOffset(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "y": 365 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.Atoi(n)
			if limit := int(100 * 365 * 24 * time.Hour / unit); err != nil || v > limit || v < -limit {
				return 0, fmt.Errorf("clock: %s=%q: want a duration like 8760h, 30d or 10y (at most 100 years)", OffsetEnv, s)
			}
			return time.Duration(v) * unit, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("clock: %s=%q: want a duration like 8760h, 30d or 10y", OffsetEnv, s)
	}
	return d, nil
}
