// Command growth measures how much the store keeps: it pushes N citizens' messages through
// the real store (accepted, answered or escalated to a ticket an officer answers and closes,
// replies and cards delivered) on a clock that moves over -days, runs the retention job as
// `balai serve` does (PurgeBefore, PruneDone, Compact, every 6 simulated hours), and reports
// the database's size at the end per million messages within the retention: the SQLite file
// and its WAL, or PostgreSQL's pg_total_relation_size of every table; and where the bytes
// are, per table and index (a PostgreSQL table's TOAST as "name(toast)").
//
//	go run ./internal/cmd/growth                                                        # SQLite
//	go run ./internal/cmd/growth -pg 'postgres://root@127.0.0.1:5432/test?sslmode=disable'
//	go run ./internal/cmd/growth -prune=false    # the retention alone, without PruneDone
//
// On PostgreSQL a run of 100,000 messages takes most of an hour on a loaded machine; the
// size does not depend on commit durability, so a DSN may add &synchronous_commit=off (pgx
// sends unknown parameters as the session's settings) to make it several times faster.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/balai-id/balai"
	"github.com/balai-id/balai/bot"
	"github.com/balai-id/balai/desk"
	"github.com/balai-id/balai/store"
)

var questions = []string{
	"selamat siang, ktp elektronik saya hilang waktu di pasar kemarin, bagaimana cara mengurus penggantinya dan apa saja syaratnya?",
	"syarat membuat kartu keluarga baru setelah menikah apa saja ya pak, apakah harus datang ke kantor dukcapil?",
	"bagaimana cara bayar pajak kendaraan bermotor secara online, saya sudah coba aplikasi tapi gagal terus",
	"mohon info mengurus akta kelahiran anak saya yang lahir di rumah sakit bulan lalu, nomor hp saya 0812-3456-7890",
	"jam buka kantor kecamatan hari sabtu sampai jam berapa? saya mau legalisir dokumen",
	"cara pindah domisili dari kabupaten lain ke kota ini bagaimana, apakah bisa diurus lewat online?",
}

// answerText is a FAQ answer of typical length (the corpus's answers run 400 to 1,200 bytes).
var answerText = "Untuk mengurus KTP-el yang hilang, silakan datang ke kantor Dinas Kependudukan dan Pencatatan Sipil " +
	"(Disdukcapil) sesuai domisili Anda dengan membawa: (1) surat keterangan kehilangan dari kepolisian; (2) fotokopi " +
	"Kartu Keluarga; (3) nomor NIK Anda. Petugas akan melakukan verifikasi data dan perekaman ulang bila diperlukan. " +
	"Pencetakan KTP-el tidak dipungut biaya. Layanan buka Senin sampai Jumat pukul 08.00–15.00 WIB, Sabtu 08.00–12.00 WIB. " +
	"Anda juga dapat mengajukan permohonan melalui aplikasi layanan kependudukan daring; dokumen akan dikirim ke alamat " +
	"Anda. Bila ada pertanyaan lain, balas pesan ini atau ketik /petugas untuk berbicara dengan petugas kami."

func main() {
	pg := flag.String("pg", "", "PostgreSQL DSN (default: SQLite in a temporary folder)")
	n := flag.Int("n", 100_000, "messages")
	days := flag.Int("days", 180, "days the messages are spread over")
	retentionDays := flag.Int("retention", 90, "BALAI_RETENTION in days")
	doneDays := flag.Int("done", 7, "BALAI_DONE_RETENTION in days")
	escalate := flag.Float64("escalate", 0.2, "share of messages escalated to a ticket")
	prune := flag.Bool("prune", true, "run PruneDone and Compact after the retention (false: the retention alone)")
	flag.Parse()
	if err := run(context.Background(), *pg, *n, *days, *retentionDays, *doneDays, *escalate, *prune); err != nil {
		fmt.Fprintln(os.Stderr, "growth:", err)
		os.Exit(1)
	}
}

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func run(ctx context.Context, pg string, n, days, retentionDays, doneDays int, escalate float64, prune bool) error {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := &clock{t: start}
	db, size, cleanup, err := open(ctx, pg, clk.Now)
	if err != nil {
		return err
	}
	defer cleanup()
	defer db.Close()
	retention, done := time.Duration(retentionDays)*24*time.Hour, time.Duration(doneDays)*24*time.Hour
	officers := balai.ChatRef{Channel: balai.Telegram, ID: "-100200300"}
	rng := rand.New(rand.NewPCG(1, 2))
	step := time.Duration(days) * 24 * time.Hour / time.Duration(n)
	nextPurge := start.Add(6 * time.Hour)
	var total store.Purged
	purge := func() error {
		p, err := db.PurgeBefore(ctx, clk.t.Add(-retention))
		if err != nil {
			return err
		}
		total = total.Add(p)
		if !prune {
			return nil
		}
		q, err := db.PruneDone(ctx, clk.t.Add(-done), clk.t.Add(-min(store.DedupeWindow, retention)))
		if err != nil {
			return err
		}
		total = total.Add(q)
		_, err = db.Compact(ctx)
		return err
	}
	began := time.Now()
	var tickets int
	for i := range n {
		clk.t = start.Add(time.Duration(i) * step)
		if !clk.t.Before(nextPurge) {
			if err := purge(); err != nil {
				return fmt.Errorf("purge: %w", err)
			}
			nextPurge = nextPurge.Add(6 * time.Hour)
		}
		chat := balai.ChatRef{Channel: balai.Telegram, ID: fmt.Sprint(100000 + rng.IntN(n/20+1))}
		if i%3 == 1 {
			chat = balai.ChatRef{Channel: balai.WhatsApp, ID: fmt.Sprintf("62812%07d@s.whatsapp.net", rng.IntN(n/20+1))}
		}
		q := questions[rng.IntN(len(questions))]
		stored, _, err := db.Accept(ctx, []bot.Inbound{{Chat: chat, Key: fmt.Sprintf("m%d", i), Kind: bot.KindText, UserID: chat.ID,
			UserName: "Warga " + chat.ID, Text: q, Time: clk.t, MessageID: fmt.Sprint(i)}})
		if err != nil {
			return err
		}
		escalated := rng.Float64() < escalate
		reply, decision := answerText, "answer"
		if escalated {
			reply, decision = "Pertanyaan Anda sudah kami teruskan kepada petugas. Kami akan membalas di sini secepatnya pada jam layanan.", "escalate"
		}
		out, err := db.Commit(ctx, bot.Turn{Inbound: stored[0], State: bot.Conversation{LastQuestion: q, Lang: "id"},
			Out: []bot.Outgoing{{Chat: chat, Kind: bot.OutMessage, Text: reply, Lang: "id"}},
			Log: bot.LogEntry{Decision: decision, Reason: "match", EntryID: "ktp-hilang", Confidence: 0.7 + rng.Float64()*0.3, Lang: "id"}})
		if err != nil {
			return err
		}
		for _, o := range out {
			if err := db.MarkSent(ctx, o.ID, fmt.Sprint(rng.Int64()), clk.t); err != nil {
				return err
			}
		}
		if !escalated {
			continue
		}
		tickets++
		tk := desk.Ticket{SourceKey: fmt.Sprintf("%s/m%d", chat, i), Chat: chat, UserName: "Warga " + chat.ID, Question: q,
			Reason: bot.EscalateAsked, Category: "Kependudukan", Lang: "id", CreatedAt: clk.t, DueAt: clk.t.Add(4 * time.Hour),
			Transcript: []desk.Line{{From: "citizen", Text: q, At: clk.t}, {From: "bot", Text: reply, At: clk.t}}}
		tk, _, cards, err := db.CreateTicket(ctx, tk, func(tk desk.Ticket) []bot.Outgoing {
			return []bot.Outgoing{{Chat: officers, Kind: bot.OutMessage, Ref: desk.CardRef(tk.ID),
				Text: fmt.Sprintf("Tiket #%d · Kependudukan · Warga %s\n%s\nBalas pesan ini untuk menjawab.", tk.ID, chat.ID, q)}}
		})
		if err != nil {
			return fmt.Errorf("ticket: %w", err)
		}
		for _, o := range cards {
			if err := db.MarkSent(ctx, o.ID, fmt.Sprint(rng.Int64()), clk.t); err != nil {
				return err
			}
		}
		if tk.Status != desk.Open {
			continue // the chat's ticket was still active: the message joined it
		}
		officerReply := "Selamat siang, untuk kasus Anda silakan datang ke Disdukcapil dengan membawa surat kehilangan dari kepolisian dan fotokopi KK. Terima kasih."
		_, sent, err := db.Transition(ctx, tk.ID, []desk.Status{desk.Open}, desk.Answered,
			desk.Event{Actor: "telegram:9001", ActorName: "Petugas A", Action: "replied", Detail: officerReply, At: clk.t},
			[]bot.Outgoing{{Chat: chat, Kind: bot.OutMessage, Text: officerReply, Lang: "id"}}, desk.TicketUpdate{Answer: officerReply, Rating: 1 + rng.IntN(5)})
		if err != nil {
			return fmt.Errorf("answer ticket: %w", err)
		}
		for _, o := range sent {
			if err := db.MarkSent(ctx, o.ID, fmt.Sprint(rng.Int64()), clk.t); err != nil {
				return err
			}
		}
		if _, _, err := db.Transition(ctx, tk.ID, []desk.Status{desk.Answered}, desk.Closed,
			desk.Event{Actor: "system", Action: "closed", At: clk.t}, nil, desk.TicketUpdate{}); err != nil {
			return fmt.Errorf("close ticket: %w", err)
		}
	}
	clk.t = start.Add(time.Duration(n) * step)
	if err := purge(); err != nil {
		return fmt.Errorf("purge: %w", err)
	}
	bytes, err := size(ctx)
	if err != nil {
		return err
	}
	window := int(retention / step)
	if window > n {
		window = n
	}
	dialect := "sqlite"
	if pg != "" {
		dialect = "postgres"
	}
	fmt.Printf("growth: %s, %d messages over %d days (%d escalated tickets), retention %dd, done %dd, prune=%v (%.0fs)\n",
		dialect, n, days, tickets, retentionDays, doneDays, prune, time.Since(began).Seconds())
	fmt.Printf("rows left:")
	for _, table := range []string{"inbound", "outbox", "message_log", "log_texts", "message_counts", "conversations", "tickets", "ticket_events", "notices"} {
		var k int64
		if err := db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&k); err != nil {
			return err
		}
		fmt.Printf(" %s=%d", table, k)
	}
	fmt.Println()
	// Where the bytes are: every table and index (SQLite's dbstat; PostgreSQL's
	// pg_relation_size, a table's TOAST counted with it as "name(toast)").
	largest := `SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 20`
	if pg != "" {
		largest = `SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
			WHERE s.nspname = current_schema() AND c.relkind IN ('r', 'i')
			UNION ALL SELECT c.relname || '(toast)', pg_total_relation_size(c.reltoastrelid) FROM pg_class c
			JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = current_schema() AND c.relkind = 'r' AND c.reltoastrelid <> 0
			ORDER BY 2 DESC LIMIT 20`
	}
	rows, err := db.SQL().QueryContext(ctx, largest)
	if err != nil {
		return err
	}
	fmt.Printf("largest:")
	for rows.Next() {
		var name string
		var b int64
		if err := rows.Scan(&name, &b); err != nil {
			rows.Close()
			return err
		}
		fmt.Printf(" %s=%.1fMiB", name, float64(b)/(1<<20))
	}
	rows.Close()
	fmt.Println()
	fmt.Printf("purged: %+v\n", total)
	fmt.Printf("kept: %.1f MiB for the %d messages within the retention = %.2f GiB per million messages\n",
		float64(bytes)/(1<<20), window, float64(bytes)/float64(window)*1e6/(1<<30))
	return nil
}

// open opens a throwaway store on the clock now: a SQLite file in a temporary folder, or a
// fresh schema of the PostgreSQL at pg. size reports the database's bytes.
func open(ctx context.Context, pg string, now func() time.Time) (*store.DB, func(context.Context) (int64, error), func(), error) {
	if pg == "" {
		dir, err := os.MkdirTemp("", "growth-")
		if err != nil {
			return nil, nil, nil, err
		}
		path := filepath.Join(dir, "balai.db")
		db, err := store.Open(ctx, path, store.Options{Owner: "growth", Now: now, Exclusive: true})
		if err != nil {
			os.RemoveAll(dir)
			return nil, nil, nil, err
		}
		size := func(context.Context) (int64, error) {
			var total int64
			for _, p := range []string{path, path + "-wal"} {
				fi, err := os.Stat(p)
				if errors.Is(err, os.ErrNotExist) {
					continue
				}
				if err != nil {
					return 0, err
				}
				total += fi.Size()
			}
			return total, nil
		}
		return db, size, func() {
			if os.Getenv("GROWTH_KEEP") != "" {
				fmt.Println("kept database:", path)
				return
			}
			os.RemoveAll(dir)
		}, nil
	}
	conn, err := pgx.Connect(ctx, pg)
	if err != nil {
		return nil, nil, nil, err
	}
	schema := fmt.Sprintf("growth%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return nil, nil, nil, err
	}
	cleanup := func() {
		conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		conn.Close(context.Background())
	}
	sep := "?"
	if strings.Contains(pg, "?") {
		sep = "&"
	}
	db, err := store.Open(ctx, pg+sep+"search_path="+schema, store.Options{Owner: "growth", Now: now})
	if err != nil {
		cleanup()
		return nil, nil, nil, err
	}
	size := func(ctx context.Context) (int64, error) {
		var total int64
		err := conn.QueryRow(ctx, `SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c
			JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = $1 AND c.relkind = 'r'`, schema).Scan(&total)
		return total, err
	}
	return db, size, cleanup, nil
}
