package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/store"
)

// testTicketSearch: a query's words each begin a word of the ticket's name, question,
// transcript, follow-ups or replies, whatever their case and accents; a query naming an
// existing ticket selects it alone; tickets stored before the search index are indexed when
// the store opens; an erasure takes a ticket's words away.
func testTicketSearch(t *testing.T, open Opener) {
	db := open(t, "search", store.Options{Owner: "a"})
	now := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	mk := func(key, name, question string, lines ...string) desk.Ticket {
		t.Helper()
		tk := newTicket(key, now)
		tk.UserName, tk.Question, tk.Transcript = name, question, nil
		for _, l := range lines {
			tk.Transcript = append(tk.Transcript, desk.Line{From: "citizen", Text: l, At: now})
		}
		tk, _, _, err := db.CreateTicket(ctx(), tk, nil)
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	passport := mk("s1", "Siti Nurhaliza", "Bagaimana mengurus paspornya?", "Halo, soal Akta Kelahiran anak", "kode 9999")
	lost := mk("s2", "René Sitompul", "KTP hilang di kecamatan Cibeureum")
	moving := mk("s3", "Agus", fmt.Sprintf("Surat pindah, nomor lama %d", lost.ID))
	list := func(f desk.Filter) []int64 {
		t.Helper()
		if f.View == "" {
			f.View = desk.ViewAll
		}
		f.Now, f.Soon, f.Limit = now, now.Add(30*time.Minute), 50
		ts, total, err := db.List(ctx(), f)
		if err != nil {
			t.Fatalf("List(%+v): %v", f, err)
		}
		var out []int64
		for _, tk := range ts {
			out = append(out, tk.ID)
		}
		if total != len(out) {
			t.Errorf("List(%q): total %d for %d tickets", f.Query, total, len(out))
		}
		return out
	}
	check := func(name string, f desk.Filter, want ...int64) {
		t.Helper()
		if got := list(f); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: List(%q) = %v, want %v", name, f.Query, got, want)
		}
	}
	check("prefix", desk.Filter{Query: "paspor"}, passport.ID)
	check("case", desk.Filter{Query: "PASPORNYA"}, passport.ID)
	check("transcript, every word", desk.Filter{Query: "akta kelahiran"}, passport.ID)
	check("a word missing", desk.Filter{Query: "akta hilang"})
	check("not inside a word", desk.Filter{Query: "spor"})
	check("name", desk.Filter{Query: "siti"}, passport.ID)
	check("accents folded in the ticket", desk.Filter{Query: "rene"}, lost.ID)
	check("accents folded in the query", desk.Filter{Query: "RENÉ cibeureum"}, lost.ID)
	check("punctuation ignored", desk.Filter{Query: "ktp, hilang!"}, lost.ID)
	check("one letter: a whole word only", desk.Filter{Query: "s"})                        // "siti", "surat": not "s"
	check("several tickets, newest first", desk.Filter{Query: "Si"}, lost.ID, passport.ID) // Sitompul, Siti
	check("filters still apply", desk.Filter{View: desk.ViewClosed, Query: "paspor"})
	// A number: the ticket, not the tickets mentioning it; a number that is no ticket: words.
	check("ticket number", desk.Filter{Query: fmt.Sprint(lost.ID), Number: lost.ID}, lost.ID)
	check("ticket number with prefix", desk.Filter{Query: fmt.Sprintf("BLI-%06d", lost.ID), Number: lost.ID}, lost.ID)
	check("number of no ticket", desk.Filter{Query: "9999", Number: 9999}, passport.ID)

	// A follow-up's and a reply's words become searchable.
	check("before the follow-up", desk.Filter{Query: "domisili"})
	if err := db.AddEvent(ctx(), desk.Event{TicketID: moving.ID, Actor: "citizen", Action: "followed", Detail: "Dokumen DOMISILI sudah saya kirim", At: now}); err != nil {
		t.Fatal(err)
	}
	check("follow-up", desk.Filter{Query: "domisili dokumen"}, moving.ID)
	if _, _, err := db.Apply(ctx(), desk.Action{ID: moving.ID, At: now,
		Events: []desk.Event{{Actor: "user:7", Action: "replied", Detail: "Silakan datang ke loket 3", At: now},
			{Actor: "user:7", Action: "noted", Detail: "catatanrahasia", At: now}}}); err != nil {
		t.Fatal(err)
	}
	check("reply", desk.Filter{Query: "loket"}, moving.ID)
	check("notes are not searched", desk.Filter{Query: "catatanrahasia"})

	// A ticket stored before the index (as by an earlier version) is indexed at the next Open.
	var old int64
	if err := db.SQL().QueryRowContext(ctx(), `INSERT INTO tickets (source_key, channel, chat_id, user_name, question, transcript, reason,
		created_at, due_at, activity_at) VALUES ('old', 'telegram', '77', 'Wayan', 'izin keramaian', '[{"from":"citizen","text":"untuk pernikahan"}]',
		'asked', 1, 2, 3) RETURNING id`).Scan(&old); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx(), `INSERT INTO ticket_events (ticket_id, actor, action, detail, created_at)
		VALUES ($1, 'citizen', 'followed', 'bulan Desember', 4)`, old); err != nil {
		t.Fatal(err)
	}
	check("not indexed yet", desk.Filter{Query: "keramaian"})
	db.Close()
	db = open(t, "search", store.Options{Owner: "a"})
	check("indexed at open: question", desk.Filter{Query: "keramaian"}, old)
	check("indexed at open: transcript, name, follow-up", desk.Filter{Query: "pernikahan wayan desember"}, old)

	// An erasure takes the words away.
	if _, err := db.EraseChat(ctx(), passport.Chat); err != nil {
		t.Fatal(err)
	}
	check("erased", desk.Filter{Query: "paspor"})
	check("erased name", desk.Filter{Query: "siti"})
}

// testCitizenLinks: chats an officer links are one citizen's, with the chats they were
// linked to before; the links are audited in the same transaction; unlinking takes one chat
// out; an erasure of a chat removes its link.
func testCitizenLinks(t *testing.T, open Opener) {
	db := open(t, "links", store.Options{Owner: "a"})
	now := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	tg := balai.ChatRef{Channel: balai.Telegram, ID: "501"}
	wa := balai.ChatRef{Channel: balai.WhatsApp, ID: "6281234567890"}
	web := balai.ChatRef{Channel: balai.Web, ID: "w-1"}
	other := balai.ChatRef{Channel: balai.Telegram, ID: "502"}
	tk := newTicket("l1", now)
	tk.Chat = tg
	t1, _, _, err := db.CreateTicket(ctx(), tk, nil)
	if err != nil {
		t.Fatal(err)
	}
	linked := func(c balai.ChatRef) string {
		t.Helper()
		cs, err := db.LinkedChats(ctx(), c)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(cs)
	}
	if got := linked(tg); got != "[]" {
		t.Fatalf("a chat nobody linked: %s", got)
	}
	ev := desk.Event{TicketID: t1.ID, Actor: "user:7", Action: "citizen_linked", Detail: "BLI-000002", At: now}
	if err := db.LinkChats(ctx(), tg, wa, "user:7", now, []desk.Event{ev}); err != nil {
		t.Fatal(err)
	}
	if got, want := linked(tg), fmt.Sprint([]balai.ChatRef{wa}); got != want {
		t.Errorf("linked to the Telegram chat: %s, want %s", got, want)
	}
	if got, want := linked(wa), fmt.Sprint([]balai.ChatRef{tg}); got != want {
		t.Errorf("linked to the WhatsApp chat: %s, want %s", got, want)
	}
	evs, _ := db.Events(ctx(), t1.ID)
	if got, _ := db.Ticket(ctx(), t1.ID); len(evs) != 2 || evs[1].Action != "citizen_linked" || got.Version != 2 {
		t.Errorf("the link's audit: %+v (version %d)", evs, got.Version)
	}
	// Two citizens' chats found to be one person: all of them are linked.
	if err := db.LinkChats(ctx(), web, other, "user:7", now, nil); err != nil {
		t.Fatal(err)
	}
	if got := linked(tg); got != fmt.Sprint([]balai.ChatRef{wa}) {
		t.Errorf("another citizen's link touched this one: %s", got)
	}
	if err := db.LinkChats(ctx(), wa, web, "user:7", now, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := linked(tg), fmt.Sprint([]balai.ChatRef{other, web, wa}); got != want {
		t.Errorf("after merging: %s, want %s", got, want)
	}
	if err := db.LinkChats(ctx(), tg, other, "user:7", now, nil); err != nil {
		t.Errorf("linking chats already linked: %v", err)
	}
	if ok, err := db.UnlinkChat(ctx(), wa, nil); err != nil || !ok {
		t.Fatalf("unlink: %v %v", ok, err)
	}
	if ok, err := db.UnlinkChat(ctx(), wa, nil); err != nil || ok {
		t.Errorf("unlink again: %v %v, want false", ok, err)
	}
	if got := linked(wa); got != "[]" {
		t.Errorf("an unlinked chat: %s", got)
	}
	if got, want := linked(tg), fmt.Sprint([]balai.ChatRef{other, web}); got != want {
		t.Errorf("after unlinking WhatsApp: %s, want %s", got, want)
	}
	if _, err := db.EraseChat(ctx(), web); err != nil {
		t.Fatal(err)
	}
	if got, want := linked(tg), fmt.Sprint([]balai.ChatRef{other}); got != want {
		t.Errorf("after erasing the web chat: %s, want %s", got, want)
	}
	// The last other chat unlinked: the chat is linked to nobody.
	if _, err := db.UnlinkChat(ctx(), other, nil); err != nil {
		t.Fatal(err)
	}
	if got := linked(tg); got != "[]" {
		t.Errorf("alone: %s", got)
	}
	if ok, _ := db.UnlinkChat(ctx(), tg, nil); ok {
		t.Error("a chat left alone is still linked")
	}
}
