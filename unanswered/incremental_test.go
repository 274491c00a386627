package unanswered_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
	"github.com/balai-id/balai/unanswered"
)

// row is a question logged or a ticket, for writing the same data to several stores.
type row struct {
	ticket   bool
	chat     string
	text     string
	decision string
	reason   string
	at       time.Time
}

// someRows returns n questions on 40 topics (escalations, and now and then a ticket),
// one every ten minutes before t0.
func someRows(n int) []row {
	rng := rand.New(rand.NewPCG(7, 8))
	out := make([]row, n)
	for i := range out {
		topic := rng.IntN(40)
		ws := []string{benchAsking[rng.IntN(len(benchAsking))], benchWord(topic * 3), benchWord(topic*3 + 1), benchWord(200 + topic)}
		for k := 0; k < 1+rng.IntN(3); k++ {
			ws = append(ws, benchWord(300+rng.IntN(400)))
		}
		rng.Shuffle(len(ws)-1, func(a, b int) { ws[a+1], ws[b+1] = ws[b+1], ws[a+1] })
		out[i] = row{ticket: i%7 == 3, chat: fmt.Sprint(1000 + i), text: strings.Join(ws, " "), decision: "escalate", reason: "low_confidence",
			at: t0.Add(-time.Duration(n-i) * 10 * time.Minute)}
	}
	return out
}

func writeRows(t *testing.T, db *store.DB, rows []row) {
	t.Helper()
	for _, r := range rows {
		var err error
		if r.ticket {
			_, err = db.SQL().Exec(`INSERT INTO tickets (source_key, channel, chat_id, question, reason, status, created_at, due_at, activity_at)
				VALUES ($1, 'telegram', $2, $3, $4, 'open', $5, $5, $5)`, "k"+r.chat, r.chat, r.text, r.reason, r.at.UnixMilli())
		} else {
			_, err = db.SQL().Exec(`INSERT INTO message_log (channel, chat_id, inbound_id, direction, kind, text, decision, reason, entry_id, confidence, lang, created_at)
				VALUES ('telegram', $1, 0, 'in', 'text', $2, $3, $4, '', 0.3, 'id', $5)`, r.chat, r.text, r.decision, r.reason, r.at.UnixMilli())
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// shape is what the pages show of clusters, for comparing.
func shape(t *testing.T, svc *unanswered.Service) []string {
	t.Helper()
	cs, err := svc.Clusters(context.Background(), unanswered.Filter{Hidden: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cs {
		var refs []string
		for _, q := range c.Questions {
			refs = append(refs, q.Ref)
		}
		out = append(out, fmt.Sprintf("%s %v %d/%d %v %v %v", c.ID, c.Terms, c.Size, c.New, c.Channels, c.Examples[0].Text, refs))
	}
	return out
}

// stored lists the store's points: ref, order, cluster and weighted terms.
func stored(t *testing.T, db *store.DB) []string {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT ref, seq, cluster, terms FROM unanswered_points ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var ref, cluster, terms string
		var seq int64
		if err := rows.Scan(&ref, &seq, &cluster, &terms); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(ref, seq, cluster, terms))
	}
	return out
}

// Clustering the questions as they come, in ten syncs by two replicas in turn, gives what
// one sync of all of them gives on another database; a replica started afterwards shows
// the same from the store.
func TestIncrementalEqualsFromScratch(t *testing.T) {
	backends(t, func(t *testing.T, open storetest.Opener) {
		clk := storetest.NewClock(t0)
		rows := someRows(400)
		inc := open(t, "inc", store.Options{Owner: "inc", Now: clk.Now})
		replicas := make([]*unanswered.Service, 2)
		for i := range replicas {
			var err error
			if replicas[i], err = unanswered.New(unanswered.Options{Store: inc, Now: clk.Now}); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < 10; i++ {
			writeRows(t, inc, rows[i*40:(i+1)*40])
			if err := replicas[i%2].Sync(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		scratch := open(t, "scratch", store.Options{Owner: "scratch", Now: clk.Now})
		writeRows(t, scratch, rows)
		one, err := unanswered.New(unanswered.Options{Store: scratch, Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		want := shape(t, one)
		if len(want) < 30 || len(want) > 80 {
			t.Fatalf("%d clusters of 400 questions on 40 topics:\n%s", len(want), strings.Join(want, "\n"))
		}
		for i, r := range replicas {
			if got := shape(t, r); !slices.Equal(got, want) {
				t.Errorf("replica %d's clusters differ from one sync's:\n%s\nwant\n%s", i, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
		if got, want := stored(t, inc), stored(t, scratch); !slices.Equal(got, want) {
			t.Errorf("stored points differ: %d rows, want %d", len(got), len(want))
		}
		restarted, err := unanswered.New(unanswered.Options{Store: inc, Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		if got := shape(t, restarted); !slices.Equal(got, want) {
			t.Errorf("after a restart:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}

func countPoints(t *testing.T, db *store.DB, cond string, args ...any) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM unanswered_points WHERE `+cond, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A question leaves its cluster when it is no longer unanswered (a suggestion taken later),
// and the store's copy goes with the retention and an erasure; a replica that saw it before
// drops it too.
func TestPointsLeaveWithTheirQuestions(t *testing.T) {
	backends(t, func(t *testing.T, open storetest.Opener) {
		r := newRig(t, open)
		r.seed(t)
		ctx := context.Background()
		other, err := unanswered.New(unanswered.Options{Store: r.db, Now: r.clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		concertSize := func(svc *unanswered.Service) int {
			cs, err := svc.Clusters(ctx, unanswered.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			c, _ := find(cs, "konser")
			return c.Size
		}
		if n := concertSize(other); n != 5 {
			t.Fatalf("concert cluster: %d questions, want 5", n)
		}
		// Chat 5's suggestion was pending; the citizen now takes the offered entry.
		r.logIn(t, "whatsapp", "5", "button", "entry:ktp-el-baru", "answer", "chosen", "ktp-el-baru", t0.Add(-time.Hour))
		if n := concertSize(r.svc); n != 4 {
			t.Errorf("after the suggestion was taken: %d questions, want 4", n)
		}
		if n := concertSize(other); n != 4 {
			t.Errorf("the other replica: %d questions, want 4", n)
		}
		if n := countPoints(t, r.db, `chat_id = '5' OR (cluster = '' AND text <> '')`); n != 0 {
			t.Errorf("%d points keep the question that left (or a text)", n)
		}
		// An erasure of chat 3 (web) removes its question and its copy.
		if _, err := r.db.EraseChat(ctx, balai.ChatRef{Channel: balai.Web, ID: "3"}); err != nil {
			t.Fatal(err)
		}
		if n := countPoints(t, r.db, `channel = 'web' AND chat_id = '3'`); n != 0 {
			t.Errorf("%d points of the erased chat", n)
		}
		if n := concertSize(other); n != 3 {
			t.Errorf("after the erasure: %d questions, want 3", n)
		}
		// The retention: everything was logged before now + 1 day.
		r.clk.Add(48 * time.Hour)
		if _, err := r.db.PurgeBefore(ctx, t0.Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n := countPoints(t, r.db, `1 = 1`); n != 0 {
			t.Errorf("%d points left after the retention", n)
		}
		cs, err := other.Clusters(ctx, unanswered.Filter{Hidden: true})
		if err != nil || len(cs) != 0 {
			t.Errorf("after the retention: %d clusters, %v", len(cs), err)
		}
	})
}

// racing is a store whose next sync lets another replica sync first, between reading the
// news and storing them.
type racing struct {
	*store.DB
	other *unanswered.Service
	t     *testing.T
}

func (r *racing) SyncUnanswered(ctx context.Context, have balai.PointsState, fn func(balai.PointsDelta) ([]balai.UnansweredPoint, error)) (balai.PointsState, error) {
	return r.DB.SyncUnanswered(ctx, have, func(d balai.PointsDelta) ([]balai.UnansweredPoint, error) {
		if r.other != nil {
			other := r.other
			r.other = nil
			if err := other.Sync(ctx); err != nil {
				r.t.Fatal(err)
			}
		}
		return fn(d)
	})
}

// Two replicas syncing the same news at once: one stores it, the other stores nothing and
// takes the first one's points; both show what one sync shows.
func TestConcurrentSyncs(t *testing.T) {
	backends(t, func(t *testing.T, open storetest.Opener) {
		clk := storetest.NewClock(t0)
		rows := someRows(120)
		db := open(t, "race", store.Options{Owner: "race", Now: clk.Now})
		second, err := unanswered.New(unanswered.Options{Store: db, Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		rs := &racing{DB: db, t: t}
		first, err := unanswered.New(unanswered.Options{Store: rs, Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		writeRows(t, db, rows[:60])
		if err := first.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
		writeRows(t, db, rows[60:])
		rs.other = second
		if err := first.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
		if rs.other != nil {
			t.Fatal("the other replica did not sync")
		}
		scratch := open(t, "scratch", store.Options{Owner: "scratch", Now: clk.Now})
		writeRows(t, scratch, rows)
		one, err := unanswered.New(unanswered.Options{Store: scratch, Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		want := shape(t, one)
		for i, svc := range []*unanswered.Service{first, second} {
			if got := shape(t, svc); !slices.Equal(got, want) {
				t.Errorf("replica %d:\n%s\nwant\n%s", i, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
		if got, want := stored(t, db), stored(t, scratch); !slices.Equal(got, want) {
			t.Errorf("stored points differ: %d rows, want %d", len(got), len(want))
		}
	})
}
