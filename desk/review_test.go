package desk_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/bot/telegram"
	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/internal/tgfake"
	"github.com/balai-id/balai/knowledge"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
	"github.com/balai-id/balai/workhours"
)

// liveCorpus stands in for the knowledge index's Corpus: tests swap corpora like a reload.
type liveCorpus struct{ p atomic.Pointer[faq.Corpus] }

func (l *liveCorpus) Corpus() *faq.Corpus { return l.p.Load() }

// reviewEntry is an entry whose review date is days after the clock's day.
type reviewEntry struct {
	id, title, owner string
	days             int
}

func reviewCorpus(t *testing.T, now time.Time, es ...reviewEntry) *faq.Corpus {
	t.Helper()
	var entries []*faq.Entry
	for _, e := range es {
		day, err := faq.Date(now.In(jakarta(t)).AddDate(0, 0, e.days).Format(faq.DateLayout))
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, &faq.Entry{ID: e.id, Title: e.title, Questions: []string{e.title + "?"}, Body: "Isi.",
			ReviewBy: day, Owner: e.owner})
	}
	c, err := faq.NewCorpus(entries, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func jakarta(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// startDesk runs a desk whose corpus is live, with an engine delivering to the fake Bot API,
// on the database dbName (the same name is the same database: a restart or a replica).
func startDesk(t *testing.T, open storetest.Opener, dbName, owner string, fake *tgfake.Server, api string, c *storetest.Clock, live *liveCorpus) *rig {
	t.Helper()
	ctx := context.Background()
	db := open(t, dbName, store.Options{Owner: owner, Now: c.Now})
	mini, ps, err := knowledge.LoadCorpus("../knowledge/testdata/mini")
	if err != nil || ps.Err() != nil {
		t.Fatal(err, ps)
	}
	ix, err := knowledge.Open(ctx, mini, knowledge.Options{Logger: quiet, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ := bot.LoadMessages("", "Dinas Uji")
	officers := balai.ChatRef{Channel: balai.Telegram, ID: strconv.FormatInt(officerChat, 10)}
	d, err := desk.New(desk.Config{Store: db, Messages: msgs, Calendar: workhours.Default(), OfficerChat: officers,
		Corpus: live.Corpus, Logger: quiet, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := bot.New(bot.Config{Store: db, Knowledge: ix, Messages: msgs, Escalator: d, Logger: quiet, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	ad, err := telegram.New(telegram.Config{Token: token, APIURL: api, Logger: quiet}, eng)
	if err != nil {
		t.Fatal(err)
	}
	eng.AddSender(balai.Telegram, ad, bot.Limits{}, true)
	d.SetQueuer(eng)
	if err := eng.Start(ctx); err != nil {
		t.Fatal(err)
	}
	r := &rig{fake: fake, desk: d, eng: eng, db: db, clock: c}
	var once sync.Once
	r.stop = func() {
		once.Do(func() {
			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			eng.Close(cctx)
			cancel()
			ix.Close()
		})
	}
	t.Cleanup(r.stop)
	return r
}

// sweep runs one round of the desk's periodic jobs and waits for what it posted.
func (r *rig) sweep(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.desk.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if !r.eng.Idle(ctx) {
		t.Fatal("deliveries did not finish")
	}
}

// reviewNotices are the review notices posted in the officers' chat.
func reviewNotices(fake *tgfake.Server) []string {
	var out []string
	for _, m := range fake.SentTo(officerChat) {
		if s := plain(m); strings.Contains(s, "melewati tanggal tinjauan") {
			out = append(out, s)
		}
	}
	return out
}

// TestReviewNoticeOncePerDay: while entries are past review the officers' chat gets one
// notice a day — not one per sweep, not one more after a restart — and none while nothing
// is past review.
func TestReviewNoticeOncePerDay(t *testing.T) {
	eachStore(t, func(t *testing.T, open storetest.Opener) {
		fake := tgfake.New(token)
		api := httptest.NewServer(fake)
		defer api.Close()
		c := storetest.NewClock(time.Date(2030, 3, 14, 10, 0, 0, 0, jakarta(t)))
		now := c.Now()
		live := &liveCorpus{}
		live.p.Store(reviewCorpus(t, now,
			reviewEntry{"ktp-baru", "Membuat KTP-el baru", "Dinas Dukcapil", 0},
			reviewEntry{"pbb-bayar", "Membayar PBB", "Bapenda", 10}))
		r := startDesk(t, open, "review", "replica-a", fake, api.URL, c, live)

		// Nothing past review (one entry is due today, and still answered): no notice.
		r.sweep(t)
		if got := reviewNotices(fake); len(got) != 0 {
			t.Fatalf("notice while nothing is past review: %q", got)
		}

		// The corpus reloads with entries past review: one notice that names them.
		live.p.Store(reviewCorpus(t, now,
			reviewEntry{"ktp-baru", "Membuat KTP-el baru", "Dinas Dukcapil", -1},
			reviewEntry{"kk-baru", "Membuat Kartu Keluarga", "Dinas Dukcapil", -40},
			reviewEntry{"pbb-bayar", "Membayar PBB", "Bapenda", 10},
			reviewEntry{"jam-buka", "Jam layanan", "", 400}))
		r.sweep(t)
		got := reviewNotices(fake)
		if len(got) != 1 {
			t.Fatalf("%d notices after the first sweep, want 1: %q", len(got), got)
		}
		kk := workhours.FormatDate(now.AddDate(0, 0, -40), "id")
		ktp := workhours.FormatDate(now.AddDate(0, 0, -1), "id")
		for _, want := range []string{
			"2 entri FAQ melewati tanggal tinjauan",
			"diteruskan ke petugas",
			"kk-baru — Membuat Kartu Keluarga · Dinas Dukcapil · batas tinjauan " + kk,
			"ktp-baru — Membuat KTP-el baru · Dinas Dukcapil · batas tinjauan " + ktp,
			"Per pemilik: Dinas Dukcapil (2).",
			"1 entri lain jatuh tempo tinjauan dalam 30 hari.",
		} {
			if !strings.Contains(got[0], want) {
				t.Errorf("notice lacks %q:\n%s", want, got[0])
			}
		}
		if strings.Contains(got[0], "jam-buka") || strings.Contains(got[0], "pbb-bayar") {
			t.Errorf("notice lists entries not past review:\n%s", got[0])
		}

		// Later the same day, and after a restart on the same database: nothing more.
		c.Add(5 * time.Hour)
		r.sweep(t)
		r.stop()
		r = startDesk(t, open, "review", "replica-a", fake, api.URL, c, live)
		r.sweep(t)
		if got := reviewNotices(fake); len(got) != 1 {
			t.Fatalf("%d notices on the first day, want 1: %q", len(got), got)
		}

		// The next day: another notice.
		c.Add(24 * time.Hour)
		r.sweep(t)
		r.sweep(t)
		if got := reviewNotices(fake); len(got) != 2 {
			t.Fatalf("%d notices after the second day, want 2: %q", len(got), got)
		}

		// Reviewed (review_by moved on): no notice the next working day (Monday).
		live.p.Store(reviewCorpus(t, c.Now(), reviewEntry{"ktp-baru", "Membuat KTP-el baru", "Dinas Dukcapil", 365}))
		c.Add(3 * 24 * time.Hour)
		r.sweep(t)
		if got := reviewNotices(fake); len(got) != 2 {
			t.Fatalf("%d notices after the entries were reviewed, want still 2", len(got))
		}
	})
}

// TestReviewNoticeOnceAcrossReplicas: two desks sharing one database sweep at the same
// moment; the officers get one notice.
func TestReviewNoticeOnceAcrossReplicas(t *testing.T) {
	eachStore(t, func(t *testing.T, open storetest.Opener) {
		fake := tgfake.New(token)
		api := httptest.NewServer(fake)
		defer api.Close()
		c := storetest.NewClock(time.Date(2030, 3, 14, 0, 0, 1, 0, jakarta(t))) // just after midnight
		var es []reviewEntry
		for i := range 12 {
			es = append(es, reviewEntry{fmt.Sprintf("entri-%02d", i), fmt.Sprintf("Judul %d", i), []string{"Dinas Dukcapil", "Bapenda", ""}[i%3], -1 - i})
		}
		live := &liveCorpus{}
		live.p.Store(reviewCorpus(t, c.Now(), es...))
		a := startDesk(t, open, "replicas", "replica-a", fake, api.URL, c, live)
		b := startDesk(t, open, "replicas", "replica-b", fake, api.URL, c, live)
		// At midnight nobody is at work: the notice waits for office hours.
		a.sweep(t)
		if got := reviewNotices(fake); len(got) != 0 {
			t.Fatalf("notice outside office hours: %q", got)
		}
		c.Set(time.Date(2030, 3, 14, 8, 0, 30, 0, jakarta(t)))
		for range 3 {
			var wg sync.WaitGroup
			for _, r := range []*rig{a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := r.desk.Sweep(context.Background()); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		a.eng.Idle(ctx)
		b.eng.Idle(ctx)
		got := reviewNotices(fake)
		if len(got) != 1 {
			t.Fatalf("%d notices from two replicas, want 1: %q", len(got), got)
		}
		// Twelve entries: the ten longest past review listed, the rest counted; owners
		// counted, the unowned named so.
		for _, want := range []string{"12 entri FAQ melewati tanggal tinjauan", "entri-11 — Judul 11", "entri-02 — Judul 2",
			"… dan 2 entri lainnya", "Per pemilik: tanpa pemilik (4), Bapenda (4), Dinas Dukcapil (4)."} {
			if !strings.Contains(got[0], want) {
				t.Errorf("notice lacks %q:\n%s", want, got[0])
			}
		}
		if strings.Contains(got[0], "entri-01") || strings.Contains(got[0], "entri-00") {
			t.Errorf("notice lists more than ten entries:\n%s", got[0])
		}
	})
}
