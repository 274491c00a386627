package store_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

func TestForms(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) { testForms(t, storetest.SQLite(t)) })
	t.Run("Postgres", func(t *testing.T) { testForms(t, storetest.Postgres(t)) })
}

func TestFormNumbersAcrossReplicas(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) { testFormNumbersAcrossReplicas(t, storetest.SQLite(t)) })
	t.Run("Postgres", func(t *testing.T) { testFormNumbersAcrossReplicas(t, storetest.Postgres(t)) })
}

var equalTimes = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })

// newFormTicket stores a ticket of chat for a form to hang on.
func newFormTicket(t *testing.T, db *store.DB, chat balai.ChatRef, key string, at time.Time) int64 {
	t.Helper()
	tk, _, _, err := db.CreateTicket(context.Background(), desk.Ticket{SourceKey: key, Chat: chat, UserName: "Warga", Question: "lapor",
		Reason: "asked", Lang: "id", CreatedAt: at, DueAt: at.Add(4 * time.Hour)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tk.ID
}

func testForms(t *testing.T, open storetest.Opener) {
	ctx := context.Background()
	wib := time.FixedZone("WIB", 7*3600)
	at := time.Date(2026, 8, 13, 14, 0, 0, 0, wib)
	db := open(t, "forms", store.Options{Now: func() time.Time { return at }})
	citizen := balai.ChatRef{Channel: balai.WhatsApp, ID: "6281234567890"}
	other := balai.ChatRef{Channel: balai.Telegram, ID: "777"}

	// A complaint saved as the citizen gives it, then complete.
	c1 := newFormTicket(t, db, citizen, "c1", at) // one active ticket per chat: each form on its own chat
	partial := balai.Form{TicketID: c1, Kind: balai.KindComplaint, ReceivedAt: at, Complaint: &balai.Complaint{Title: "Pungutan liar"}}
	if _, err := db.SaveForm(ctx, partial, "PPID"); err != nil {
		t.Fatal(err)
	}
	complaint := balai.Form{TicketID: c1, Kind: balai.KindComplaint, ReceivedAt: at, Complaint: &balai.Complaint{
		Title: "Pungutan liar", Description: "Diminta Rp 200.000 untuk KTP", EventDate: time.Date(2026, 8, 10, 0, 0, 0, 0, wib),
		EventPlace: "Kantor Kecamatan Sukajadi", Agency: "Kecamatan Sukajadi", Category: "Pungli", Attachments: []string{"wa:media/ABC123"},
		Confidential: true, ReporterName: "Budi", ReporterContact: "+6281234567890"}}
	if _, err := db.SaveForm(ctx, complaint, "PPID"); err != nil {
		t.Fatal(err)
	}
	got, err := db.Form(ctx, c1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(complaint, got, equalTimes); diff != "" {
		t.Errorf("complaint (-saved +read):\n%s", diff)
	}

	// Information requests: numbered per prefix and year, once.
	r1 := newFormTicket(t, db, other, "r1", at)
	req := balai.Form{TicketID: r1, Kind: balai.KindInfoRequest, ReceivedAt: at, InfoRequest: &balai.InfoRequest{
		Name: "Sari", Address: "Jl. Melati 1", Email: "sari@contoh.id", Information: "DPA 2025", Purpose: "penelitian",
		Obtain: balai.ObtainCopy, CopyForm: balai.CopySoft, Delivery: balai.DeliverEmail}}
	saved, err := db.SaveForm(ctx, req, "PPID")
	if err != nil {
		t.Fatal(err)
	}
	if saved.InfoRequest.Number != "PPID-2026-000001" || req.InfoRequest.Number != "" {
		t.Errorf("first request numbered %q (caller's copy %q), want PPID-2026-000001 on the returned form only", saved.InfoRequest.Number, req.InfoRequest.Number)
	}
	// An officer extends it: the number stays, even if the caller dropped it.
	ext := saved
	r := *saved.InfoRequest
	r.Number = ""
	if err := r.Extend(at.Add(24*time.Hour), "dokumen di arsip daerah"); err != nil {
		t.Fatal(err)
	}
	ext.InfoRequest = &r
	if again, err := db.SaveForm(ctx, ext, "PPID"); err != nil || again.InfoRequest.Number != "PPID-2026-000001" {
		t.Fatalf("re-saved request: number %q, %v; want it kept", again.InfoRequest.Number, err)
	}
	r2 := newFormTicket(t, db, balai.ChatRef{Channel: balai.Telegram, ID: "778"}, "r2", at.Add(time.Hour))
	second, err := db.SaveForm(ctx, balai.Form{TicketID: r2, Kind: balai.KindInfoRequest, ReceivedAt: at.Add(time.Hour), InfoRequest: &balai.InfoRequest{Name: "Sari"}}, "PPID")
	if err != nil || second.InfoRequest.Number != "PPID-2026-000002" {
		t.Fatalf("second request: %v, %v", second.InfoRequest, err)
	}
	nextYear := time.Date(2027, 1, 4, 9, 0, 0, 0, wib)
	r3 := newFormTicket(t, db, balai.ChatRef{Channel: balai.Telegram, ID: "779"}, "r3", nextYear)
	third, err := db.SaveForm(ctx, balai.Form{TicketID: r3, Kind: balai.KindInfoRequest, ReceivedAt: nextYear, InfoRequest: &balai.InfoRequest{Name: "Sari"}}, "PPID")
	if err != nil || third.InfoRequest.Number != "PPID-2027-000001" {
		t.Fatalf("first request of 2027: %v, %v", third.InfoRequest, err)
	}
	byNumber, err := db.FormByNumber(ctx, "PPID-2026-000001")
	if err != nil {
		t.Fatal(err)
	}
	if byNumber.TicketID != r1 || byNumber.InfoRequest.ExtensionReason != "dokumen di arsip daerah" {
		t.Errorf("FormByNumber: ticket %d, %+v", byNumber.TicketID, byNumber.InfoRequest)
	}

	// Listing by kind and time received.
	list, err := db.Forms(ctx, balai.KindInfoRequest, at, nextYear)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, f := range list {
		ids = append(ids, f.TicketID)
	}
	if diff := cmp.Diff([]int64{r1, r2}, ids); diff != "" {
		t.Errorf("requests of 2026 (-want +got):\n%s", diff)
	}
	if list, _ := db.Forms(ctx, balai.KindComplaint, at.Add(time.Second), nextYear); len(list) != 0 {
		t.Errorf("complaints from a second after the only one: %d", len(list))
	}

	// Wrong shapes and missing forms.
	if _, err := db.SaveForm(ctx, balai.Form{TicketID: r1, Kind: balai.KindComplaint, ReceivedAt: at}, "PPID"); err == nil {
		t.Error("saved a complaint without its fields")
	}
	if _, err := db.Form(ctx, 99999); !errors.Is(err, balai.ErrFormNotFound) {
		t.Errorf("Form of no ticket: %v", err)
	}

	// Erasing the citizen erases the fields of their forms, not the others'.
	if _, err := db.EraseChat(ctx, citizen); err != nil {
		t.Fatal(err)
	}
	erased, err := db.Form(ctx, c1)
	if err != nil {
		t.Fatal(err)
	}
	if erased.Kind != balai.KindComplaint || erased.Complaint != nil || !erased.ReceivedAt.Equal(at) {
		t.Errorf("erased complaint: %+v", erased)
	}
	if kept, _ := db.Form(ctx, r1); kept.InfoRequest == nil || kept.InfoRequest.Name != "Sari" {
		t.Errorf("another citizen's request lost its fields: %+v", kept)
	}
}

// Two replicas handing out registration numbers at once never give the same one.
func testFormNumbersAcrossReplicas(t *testing.T, open storetest.Opener) {
	ctx := context.Background()
	at := time.Date(2026, 8, 13, 14, 0, 0, 0, time.UTC)
	dbs := []*store.DB{open(t, "numbers", store.Options{Owner: "a"}), open(t, "numbers", store.Options{Owner: "b"})}
	const per = 15
	var ids []int64
	for i := range 2 * per {
		ids = append(ids, newFormTicket(t, dbs[0], balai.ChatRef{Channel: balai.Telegram, ID: fmt.Sprint(1000 + i)}, fmt.Sprint("n", i), at))
	}
	var mu sync.Mutex
	var numbers []string
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			f, err := dbs[i%2].SaveForm(ctx, balai.Form{TicketID: id, Kind: balai.KindInfoRequest, ReceivedAt: at, InfoRequest: &balai.InfoRequest{Name: "x"}}, "PPID")
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			numbers = append(numbers, f.InfoRequest.Number)
			mu.Unlock()
		})
	}
	wg.Wait()
	sort.Strings(numbers)
	var want []string
	for i := 1; i <= 2*per; i++ {
		want = append(want, balai.InfoRequestNumber("PPID", 2026, int64(i)))
	}
	if diff := cmp.Diff(want, numbers); diff != "" {
		t.Errorf("numbers (-want +got):\n%s", diff)
	}
}
