package main

import (
	"context"
	"testing"
	"time"

	"github.com/balai-id/balai/analytics/analyticstest"
	"github.com/balai-id/balai/console/faqui"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

// TestFeedbackRates: the FAQ pages' answers and 👎 per entry are the dashboard's counts
// over the last 90 days up to now, on both databases (the seeded log of analyticstest,
// counted by hand: ktp answered Sunday night, Monday and Tuesday, with the 👎 Tuesday;
// akta twice; kk once; Thursday's answer is after now).
func TestFeedbackRates(t *testing.T) {
	for name, opener := range map[string]func(*testing.T) storetest.Opener{"SQLite": storetest.SQLite, "Postgres": storetest.Postgres} {
		t.Run(name, func(t *testing.T) {
			clk := storetest.NewClock(analyticstest.Now)
			db := opener(t)(t, "feedback", store.Options{Now: clk.Now})
			analyticstest.Seed(t, db)
			got, err := feedbackRates{db: db, now: func() time.Time { return analyticstest.Now }}.NotHelpful(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]faqui.Rate{"ktp": {Answers: 3, NotHelpful: 1}, "akta": {Answers: 2}, "kk": {Answers: 1}}
			if len(got) != len(want) {
				t.Errorf("rates %v, want %v", got, want)
			}
			for id, w := range want {
				if got[id] != w {
					t.Errorf("%s: %+v, want %+v", id, got[id], w)
				}
			}
		})
	}
}
