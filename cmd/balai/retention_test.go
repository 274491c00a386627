package main

import (
	"testing"
	"time"
)

func TestDoneRetentionSetting(t *testing.T) {
	const d = 24 * time.Hour
	for _, tt := range []struct {
		env       string
		retention time.Duration
		want      time.Duration
		ok        bool
	}{
		{"", 365 * d, 7 * d, true},
		{"14d", 90 * d, 14 * d, true},
		{"72h", 90 * d, 3 * d, true},
		{"2d", 90 * d, 0, false},  // below the web chat's session
		{"30d", 14 * d, 0, false}, // beyond the retention
		{"14d", 14 * d, 14 * d, true},
		{"seminggu", 90 * d, 0, false},
	} {
		t.Run(tt.env, func(t *testing.T) {
			t.Setenv("BALAI_DONE_RETENTION", tt.env)
			got, err := doneRetentionFromEnv(tt.retention)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("BALAI_DONE_RETENTION=%q (retention %s): %v, %v; want %v (ok=%v)", tt.env, tt.retention, got, err, tt.want, tt.ok)
			}
		})
	}
}
