package faq_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/balai-id/balai/faq"
)

// reviewCorpus builds a corpus whose review dates are days relative to now (a day in
// Asia/Jakarta): -1 is yesterday, 0 today.
func reviewCorpus(t *testing.T, now time.Time, entries map[string]struct {
	days  int
	owner string
}) *faq.Corpus {
	t.Helper()
	jkt, _ := time.LoadLocation("Asia/Jakarta")
	var es []*faq.Entry
	for id, e := range entries {
		day, err := faq.Date(now.In(jkt).AddDate(0, 0, e.days).Format(faq.DateLayout))
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, &faq.Entry{ID: id, Title: id, Questions: []string{id}, Body: id, ReviewBy: day, Owner: e.owner})
	}
	es = append(es, &faq.Entry{ID: "never", Title: "never", Questions: []string{"q"}, Body: "b"}) // no review_by
	c, err := faq.NewCorpus(es, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestReview(t *testing.T) {
	jkt, _ := time.LoadLocation("Asia/Jakarta")
	for _, now := range []time.Time{
		time.Date(2031, 3, 14, 9, 0, 0, 0, jkt),
		time.Date(2029, 12, 31, 23, 30, 0, 0, jkt), // late in the day, at a year's end
		time.Date(2028, 2, 28, 18, 0, 0, 0, time.UTC),
	} {
		t.Run(now.Format(time.RFC3339), func(t *testing.T) {
			c := reviewCorpus(t, now, map[string]struct {
				days  int
				owner string
			}{
				"lama":        {-40, "Dukcapil"},
				"kemarin":     {-1, "Dukcapil"},
				"pajak-lalu":  {-3, "Bapenda"},
				"hari-ini":    {0, "Bapenda"}, // current through today
				"besok":       {1, ""},
				"bulan-depan": {29, "Dukcapil"},
				"nanti":       {30, "Dukcapil"}, // its day ends after now+30 days
				"tahun-depan": {365, "Humas"},
			})
			r := c.Review(now, faq.ReviewWindow)
			ids := func(es []*faq.Entry) []string {
				var out []string
				for _, e := range es {
					out = append(out, e.ID)
				}
				return out
			}
			if diff := cmp.Diff([]string{"lama", "pajak-lalu", "kemarin"}, ids(r.Stale)); diff != "" {
				t.Errorf("stale, oldest first (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"hari-ini", "besok", "bulan-depan"}, ids(r.DueSoon)); diff != "" {
				t.Errorf("due soon, soonest first (-want +got):\n%s", diff)
			}
			want := []faq.OwnerReview{
				{Owner: "Dukcapil", Stale: 2, DueSoon: 1},
				{Owner: "Bapenda", Stale: 1, DueSoon: 1},
				{Owner: "", DueSoon: 1},
			}
			if diff := cmp.Diff(want, r.ByOwner()); diff != "" {
				t.Errorf("by owner (-want +got):\n%s", diff)
			}
			if r.Empty() || r.WindowDays() != 30 {
				t.Errorf("Empty() = %v, WindowDays() = %d", r.Empty(), r.WindowDays())
			}
			// Without a window only the stale entries count.
			if r0 := c.Review(now, 0); len(r0.DueSoon) != 0 || len(r0.Stale) != 3 {
				t.Errorf("no window: stale %v, due %v", ids(r0.Stale), ids(r0.DueSoon))
			}
			// A year before, nothing is due.
			if r := c.Review(now.AddDate(-1, 0, 0), faq.ReviewWindow); !r.Empty() {
				t.Errorf("a year earlier: stale %v, due %v", ids(r.Stale), ids(r.DueSoon))
			}
		})
	}
}

// TestDefaultCorpusReviewWarned: the embedded corpus is reported due before any entry goes
// stale, and every entry it would stop answering has an owner to tell.
func TestDefaultCorpusReviewWarned(t *testing.T) {
	c, _, err := faq.LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range c.Entries {
		if e.ReviewBy.IsZero() || e.Owner == "" {
			t.Errorf("%s: default entries need review_by and owner", e.ID)
			continue
		}
		// The morning of its review day it is due soon, not stale; the next day it is stale.
		y, m, d := e.ReviewBy.Date()
		morning := time.Date(y, m, d, 8, 0, 0, 0, e.ReviewBy.Location())
		if r := c.Review(morning, faq.ReviewWindow); !slices.Contains(r.DueSoon, e) || slices.Contains(r.Stale, e) {
			t.Errorf("%s: not reported due on its review day", e.ID)
		}
		if r := c.Review(morning.AddDate(0, 0, 1), faq.ReviewWindow); !slices.Contains(r.Stale, e) {
			t.Errorf("%s: not reported stale the day after its review day", e.ID)
		}
	}
}
