package faq

import (
	"sort"
	"time"
)

// ReviewWindow is how far ahead admins are warned that review dates are coming: the
// default of `balai faq stats`, the serve log and /healthz.
const ReviewWindow = 30 * 24 * time.Hour

// ReviewReport is what a corpus's review dates mean at one moment: the entries past review
// (stale: never answered, questions about them go to an officer) and the entries whose review
// date falls within a window, so admins can act before they go stale.
type ReviewReport struct {
	// At is the moment judged; Within the window ahead of it.
	At     time.Time
	Within time.Duration
	// Stale are the entries past review at At; DueSoon the entries still current at At but
	// stale by At+Within. Both are sorted by review date, then id.
	Stale, DueSoon []*Entry
}

// OwnerReview counts an owner's entries in a ReviewReport. Owner is "" for entries
// without an owner.
type OwnerReview struct {
	Owner   string `json:"owner"`
	Stale   int    `json:"stale"`
	DueSoon int    `json:"due_soon"`
}

// Review reports the entries past review at now and those due for review within the
// window after it. Entries without review_by are never in it.
func (c *Corpus) Review(now time.Time, within time.Duration) ReviewReport {
	r := ReviewReport{At: now, Within: within}
	soon := now.Add(within)
	for _, e := range c.Entries {
		switch {
		case e.Stale(now):
			r.Stale = append(r.Stale, e)
		case within > 0 && e.Stale(soon):
			r.DueSoon = append(r.DueSoon, e)
		}
	}
	byDate := func(es []*Entry) {
		sort.SliceStable(es, func(i, j int) bool {
			if !es[i].ReviewBy.Equal(es[j].ReviewBy) {
				return es[i].ReviewBy.Before(es[j].ReviewBy)
			}
			return es[i].ID < es[j].ID
		})
	}
	byDate(r.Stale)
	byDate(r.DueSoon)
	return r
}

// Empty tells whether no entry is past review or due within the window.
func (r ReviewReport) Empty() bool { return len(r.Stale) == 0 && len(r.DueSoon) == 0 }

// ByOwner counts the report's entries per owner: owners with the most entries past review
// first, then the most due soon, then by name.
func (r ReviewReport) ByOwner() []OwnerReview {
	idx := map[string]int{}
	var out []OwnerReview
	add := func(es []*Entry, count func(*OwnerReview)) {
		for _, e := range es {
			i, ok := idx[e.Owner]
			if !ok {
				i = len(out)
				idx[e.Owner] = i
				out = append(out, OwnerReview{Owner: e.Owner})
			}
			count(&out[i])
		}
	}
	add(r.Stale, func(o *OwnerReview) { o.Stale++ })
	add(r.DueSoon, func(o *OwnerReview) { o.DueSoon++ })
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Stale != b.Stale {
			return a.Stale > b.Stale
		}
		if a.DueSoon != b.DueSoon {
			return a.DueSoon > b.DueSoon
		}
		return a.Owner < b.Owner
	})
	return out
}

// WindowDays is the report's window in whole days (for messages: "due within 30 days").
func (r ReviewReport) WindowDays() int { return int(r.Within / (24 * time.Hour)) }
