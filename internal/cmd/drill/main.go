// Command drill is the fault drill of issue 11: it runs two real `balai serve` processes on
// one PostgreSQL (a fresh schema) in Telegram webhook mode behind a round-robin reverse
// proxy, with the fake Bot API (internal/tgfake) on loopback. It sends questions from a fixed
// list at a steady rate over many chats (each chat's updates posted in order and retried
// until accepted, as Telegram does), and injects faults on a schedule: kill -9 of one replica
// and its restart, a Bot API outage (sendMessage answers 500), and optionally a PostgreSQL
// restart (a command you give; the server may be shared, so it is off by default). It then
// waits for every reply and prints: sent, replied, lost, duplicated, out of order per chat,
// time from each fault's end until every earlier question had its reply, reply latency
// p50/p95/p99, and web chat p95 through the proxy against one replica directly. With -keep DIR
// the replicas' logs stay in DIR and the schema is kept, and each out-of-order reply is
// explained: both questions' inbound and outbox rows, who handled and sent each, and when.
//
//	go build -o /tmp/balai ./cmd/balai
//	go run ./internal/cmd/drill -bin /tmp/balai                               # 6 min, 4-minute outage
//	go run ./internal/cmd/drill -duration 2m -kill-at 20s -outage-at 50s -outage 60s   # quick
//
// It exits 1 when a target is missed (0 lost, 0 duplicated, 0 out of order, every reply
// within 60 s of a fault's end, web p95 through the proxy ≤ 1.5 × one replica).
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/balai-id/balai/internal/tgfake"
)

const (
	token  = "123456:DRILL"
	secret = "drill-webhook-secret"
)

// questions are citizens' questions the default embedded corpus answers.
var questions = []string{
	"ktp saya hilang bagaimana cara mengurusnya", "syarat membuat kartu keluarga baru", "cara bayar pajak kendaraan",
	"bagaimana mengurus akta kelahiran", "berapa lama membuat ktp el", "jam buka kantor dukcapil",
	"cara pindah domisili", "syarat perpanjang sim", "pajak bumi dan bangunan bayar dimana",
}

type options struct {
	bin, pg, pgRestart, keep                 string
	duration, killAt, down, outageAt, outage time.Duration
	pgRestartAt, settle                      time.Duration
	rate                                     float64
	chats, web                               int
	lease                                    string
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "", "balai binary (default: go build ./cmd/balai into a temporary folder)")
	flag.StringVar(&o.pg, "pg", "postgres://root@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL DSN; the drill creates (and drops) its own schema")
	flag.DurationVar(&o.duration, "duration", 6*time.Minute, "how long questions are sent")
	flag.Float64Var(&o.rate, "rate", 100, "questions per second")
	flag.IntVar(&o.chats, "chats", 50, "chats the questions are spread over")
	flag.DurationVar(&o.killAt, "kill-at", 30*time.Second, "when replica b is killed with SIGKILL (negative: never)")
	flag.DurationVar(&o.down, "down", 5*time.Second, "how long the killed replica stays down before its restart")
	flag.DurationVar(&o.outageAt, "outage-at", 60*time.Second, "when the Bot API starts answering 500 (negative: never)")
	flag.DurationVar(&o.outage, "outage", 4*time.Minute, "how long the Bot API answers 500")
	flag.StringVar(&o.pgRestart, "pg-restart", "", "shell command that restarts PostgreSQL (e.g. 'pg_ctlcluster 16 main restart'); empty: no database restart")
	flag.DurationVar(&o.pgRestartAt, "pg-restart-at", 2*time.Minute, "when -pg-restart runs")
	flag.DurationVar(&o.settle, "settle", 5*time.Minute, "how long to wait for the last replies after the load ends")
	flag.IntVar(&o.web, "web", 100, "web chat round trips measured per setup (0: skip)")
	flag.StringVar(&o.lease, "lease", "", "BALAI_LEASE for the replicas (empty: the default)")
	flag.StringVar(&o.keep, "keep", "", "keep the replicas' data and logs in this folder, and the drill's schema (default: a temporary folder and schema, removed)")
	flag.Parse()
	if ok, err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "drill:", err)
		os.Exit(2)
	} else if !ok {
		os.Exit(1)
	}
}

// replica is one `balai serve` process.
type replica struct {
	name, http, admin string
	env               []string
	log               *os.File
	mu                sync.Mutex
	cmd               *exec.Cmd
	done              chan struct{} // closed when the process has exited
}

func (r *replica) start(ctx context.Context, bin string) error {
	cmd := exec.Command(bin, "serve")
	cmd.Env = r.env
	cmd.Stdout, cmd.Stderr = r.log, r.log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start replica %s: %w", r.name, err)
	}
	done := make(chan struct{})
	r.mu.Lock()
	r.cmd, r.done = cmd, done
	r.mu.Unlock()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); close(done) }()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("replica %s exited while starting (%v); see %s", r.name, err, r.log.Name())
		default:
		}
		if resp, err := http.Get("http://" + r.http + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				go func() { <-exited }()
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("replica %s not ready after 2 minutes; see %s", r.name, r.log.Name())
}

func (r *replica) kill() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd != nil && r.cmd.Process != nil {
		r.cmd.Process.Kill() // SIGKILL
	}
}

func (r *replica) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd != nil && r.cmd.Process != nil {
		r.cmd.Process.Signal(os.Interrupt)
		select {
		case <-r.done:
		case <-time.After(15 * time.Second):
			r.cmd.Process.Kill()
		}
	}
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// serve serves h on a loopback port and returns its address.
func serve(h http.Handler) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(l)
	return l.Addr().String(), func() { srv.Close() }, nil
}

// roundRobin is the load balancer: each request goes to the next replica.
func roundRobin(backends []string) http.Handler {
	var n atomic.Uint64
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			b := backends[(n.Add(1)-1)%uint64(len(backends))]
			pr.SetURL(&url.URL{Scheme: "http", Host: b})
			pr.Out.Host = pr.In.Host
		},
		FlushInterval: -1, // event streams
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) {
			w.WriteHeader(http.StatusBadGateway)
		},
	}
}

// question is one citizen's question as sent.
type question struct {
	chat  int64
	uid   int64 // the update's id: the inbound message's ext_key
	mid   int
	index int // order within its chat
	at    time.Time
}

// orderPair is an out-of-order reply: first was replied before late, though asked after it.
type orderPair struct{ first, late *question }

type fault struct {
	name       string
	start, end time.Time
}

func run(ctx context.Context, o options) (bool, error) {
	dir := o.keep
	if dir == "" {
		d, err := os.MkdirTemp("", "balai-drill-")
		if err != nil {
			return false, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	if o.bin == "" {
		o.bin = filepath.Join(dir, "balai")
		fmt.Println("building ./cmd/balai …")
		b := exec.Command("go", "build", "-o", o.bin, "./cmd/balai")
		b.Stdout, b.Stderr = os.Stdout, os.Stderr
		if err := b.Run(); err != nil {
			return false, fmt.Errorf("go build: %w", err)
		}
	}

	// A fresh schema on the shared server.
	conn, err := pgx.Connect(ctx, o.pg)
	if err != nil {
		return false, fmt.Errorf("connect %s: %w", o.pg, err)
	}
	schema := fmt.Sprintf("drill_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return false, fmt.Errorf("create schema: %w", err)
	}
	conn.Close(ctx)
	defer func() {
		if o.keep != "" {
			fmt.Printf("drill: schema %s kept\n", schema)
			return
		}
		if c, err := pgx.Connect(context.Background(), o.pg); err == nil {
			c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.Background())
		}
	}()
	sep := "?"
	if strings.Contains(o.pg, "?") {
		sep = "&"
	}
	dsn := o.pg + sep + "search_path=" + schema

	fake := tgfake.New(token)
	apiAddr, stopAPI, err := serve(fake)
	if err != nil {
		return false, err
	}
	defer stopAPI()

	var reps []*replica
	for _, name := range []string{"a", "b"} {
		h, err1 := freeAddr()
		a, err2 := freeAddr()
		if err := errors.Join(err1, err2); err != nil {
			return false, err
		}
		data := filepath.Join(dir, name)
		if err := os.MkdirAll(data, 0o700); err != nil {
			return false, err
		}
		lf, err := os.Create(filepath.Join(dir, name+".log"))
		if err != nil {
			return false, err
		}
		defer lf.Close()
		env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
			"DATABASE_URL=" + dsn, "BALAI_DATA_DIR=" + data, "BALAI_INSTANCE=drill-" + name,
			"BALAI_HTTP_ADDR=" + h, "BALAI_ADMIN_ADDR=" + a, "BALAI_LOG_LEVEL=warn",
			"TELEGRAM_BOT_TOKEN=" + token, "TELEGRAM_API_URL=http://" + apiAddr, "TELEGRAM_MODE=webhook",
			"TELEGRAM_WEBHOOK_URL=https://bot.example.go.id/webhooks/telegram", "TELEGRAM_WEBHOOK_SECRET=" + secret,
			// 100 questions/s from 50 chats is above a citizen's flood limit and Telegram's
			// 30 msg/s per bot: the drill measures order and loss, not those limits.
			"BALAI_FLOOD_LIMIT=off", "BALAI_OUTBOUND_LIMIT=off",
			"BALAI_WEB_SESSION_LIMIT=off", "BALAI_WEB_MESSAGE_LIMIT=off",
		}
		if o.lease != "" {
			env = append(env, "BALAI_LEASE="+o.lease)
		}
		reps = append(reps, &replica{name: name, http: h, admin: a, env: env, log: lf})
	}
	for _, r := range reps {
		if err := r.start(ctx, o.bin); err != nil {
			return false, err
		}
		defer r.stop()
	}
	proxyAddr, stopProxy, err := serve(roundRobin([]string{reps[0].http, reps[1].http}))
	if err != nil {
		return false, err
	}
	defer stopProxy()
	fmt.Printf("drill: replicas a=%s b=%s behind %s, Bot API %s, schema %s, logs in %s\n",
		reps[0].http, reps[1].http, proxyAddr, apiAddr, schema, dir)

	// The Telegram side: each chat's updates go out in order, one at a time, retried until
	// accepted (Telegram retries a webhook that does not answer 2xx).
	hook := "http://" + proxyAddr + "/webhooks/telegram"
	client := &http.Client{Timeout: 10 * time.Second}
	post := func(body []byte) bool {
		req, _ := http.NewRequest(http.MethodPost, hook, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode/100 == 2
	}
	var (
		qmu       sync.Mutex
		qs        []*question
		byMID     = map[[2]int64]*question{} // chat, message id
		retries   atomic.Int64
		wg        sync.WaitGroup
		perChat   = make([]chan []byte, o.chats)
		nextIndex = make([]int, o.chats)
	)
	for c := range perChat {
		perChat[c] = make(chan []byte, 1<<16)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for body := range perChat[c] {
				for wait := 100 * time.Millisecond; !post(body); wait = min(2*wait, 5*time.Second) {
					retries.Add(1)
					time.Sleep(wait)
				}
			}
		}()
	}

	start := time.Now()
	var faults []fault
	var fmu sync.Mutex
	addFault := func(f fault) {
		fmu.Lock()
		faults = append(faults, f)
		fmu.Unlock()
		fmt.Printf("  %-22s +%s → +%s (%s)\n", f.name, f.start.Sub(start).Round(100*time.Millisecond), f.end.Sub(start).Round(100*time.Millisecond), f.end.Sub(f.start).Round(100*time.Millisecond))
	}
	var fwg sync.WaitGroup
	var faultErr atomic.Pointer[error]
	schedule := func(at time.Duration, f func()) {
		if at < 0 {
			return
		}
		fwg.Add(1)
		go func() {
			defer fwg.Done()
			time.Sleep(time.Until(start.Add(at)))
			f()
		}()
	}
	schedule(o.killAt, func() {
		t0 := time.Now()
		reps[1].kill()
		time.Sleep(o.down)
		if err := reps[1].start(ctx, o.bin); err != nil {
			faultErr.Store(&err)
			return
		}
		addFault(fault{"kill -9 b + restart", t0, time.Now()})
	})
	schedule(o.outageAt, func() {
		t0 := time.Now()
		fake.Outage(http.StatusInternalServerError)
		time.Sleep(o.outage)
		fake.Outage(0)
		addFault(fault{"Bot API 500", t0, time.Now()})
	})
	if o.pgRestart != "" {
		schedule(o.pgRestartAt, func() {
			t0 := time.Now()
			out, err := exec.Command("sh", "-c", o.pgRestart).CombinedOutput()
			if err != nil {
				err = fmt.Errorf("-pg-restart: %w: %s", err, out)
				faultErr.Store(&err)
				return
			}
			addFault(fault{"PostgreSQL restart", t0, time.Now()})
		})
	}

	fmt.Printf("drill: %.0f questions/s over %d chats for %s; faults:\n", o.rate, o.chats, o.duration)
	interval := time.Duration(float64(time.Second) / o.rate)
	next := time.Now()
	for i := 0; time.Since(start) < o.duration; i++ {
		time.Sleep(time.Until(next))
		next = next.Add(interval)
		c := i % o.chats
		chat := int64(900000 + c)
		uid, mid := fake.Message(chat, questions[(i/o.chats+c)%len(questions)])
		q := &question{chat: chat, uid: uid, mid: mid, index: nextIndex[c], at: time.Now()}
		nextIndex[c]++
		qmu.Lock()
		qs = append(qs, q)
		byMID[[2]int64{chat, int64(mid)}] = q
		qmu.Unlock()
		perChat[c] <- fake.Update(uid)
	}
	loadEnd := time.Now()
	for _, ch := range perChat {
		close(ch)
	}
	fwg.Wait()
	if p := faultErr.Load(); p != nil {
		return false, *p
	}

	// Wait until every question has a reply, or the settle time is up.
	first := func() map[*question]tgfake.Sent {
		got := map[*question]tgfake.Sent{}
		for _, s := range fake.AllSent() {
			if q := byMID[[2]int64{s.ChatID, int64(s.ReplyTo)}]; q != nil {
				if _, ok := got[q]; !ok {
					got[q] = s
				}
			}
		}
		return got
	}
	byIndex := map[[2]int64]*question{} // chat, index
	for _, q := range qs {
		byIndex[[2]int64{q.chat, int64(q.index)}] = q
	}
	deadline := time.Now().Add(o.settle)
	for len(first()) < len(qs) && time.Now().Before(deadline) {
		time.Sleep(time.Second)
	}
	wg.Wait()
	time.Sleep(2 * time.Second) // late duplicates

	// Analysis.
	sent := fake.AllSent()
	firstReply := map[*question]tgfake.Sent{}
	seen := map[string]bool{}
	lastIndex := map[int64]int{}
	var dup, ooo, extra, unattributed int
	var pairs []orderPair
	oooChats := map[int64]bool{}
	var oooFirst, oooLast time.Time
	for _, s := range sent {
		q := byMID[[2]int64{s.ChatID, int64(s.ReplyTo)}]
		if q == nil {
			unattributed++
			continue
		}
		key := fmt.Sprintf("%d/%d/%s", s.ChatID, s.ReplyTo, s.Text)
		if seen[key] {
			dup++
			continue
		}
		seen[key] = true
		if _, ok := firstReply[q]; ok {
			extra++ // a second, different message for the same question
			continue
		}
		firstReply[q] = s
		if last, ok := lastIndex[q.chat]; ok && q.index < last {
			ooo++
			pairs = append(pairs, orderPair{byIndex[[2]int64{q.chat, int64(last)}], q})
			oooChats[q.chat] = true
			if oooFirst.IsZero() {
				oooFirst = s.At
			}
			oooLast = s.At
		} else {
			lastIndex[q.chat] = q.index
		}
	}
	var lat []time.Duration
	lost := 0
	for _, q := range qs {
		if s, ok := firstReply[q]; ok {
			lat = append(lat, s.At.Sub(q.at))
		} else {
			lost++
		}
	}
	slices.Sort(lat)
	pct := func(p int) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, len(lat)*p/100)].Round(time.Millisecond)
	}
	ok := true
	fmt.Printf("\nsent %d questions in %s (%.1f/s), webhook retries %d\n", len(qs), loadEnd.Sub(start).Round(time.Second),
		float64(len(qs))/loadEnd.Sub(start).Seconds(), retries.Load())
	fmt.Printf("replied %d, lost %d, duplicated %d, out of order %d (in %d of %d chats); other messages: %d more per question, %d without reply_to\n",
		len(firstReply), lost, dup, ooo, len(oooChats), o.chats, extra, unattributed)
	if ooo > 0 {
		fmt.Printf("out-of-order replies arrived between +%s and +%s after the start\n", oooFirst.Sub(start).Round(100*time.Millisecond), oooLast.Sub(start).Round(100*time.Millisecond))
	}
	if len(pairs) > 0 {
		explainOrder(ctx, dsn, start, pairs[:min(len(pairs), 40)], firstReply)
	}
	fmt.Printf("reply latency (question posted → reply at the Bot API): p50 %s  p95 %s  p99 %s  max %s\n",
		pct(50), pct(95), pct(99), pct(100))
	if lost+dup+ooo > 0 {
		ok = false
	}
	for _, f := range faults {
		// No reply can go out while another fault is still on (a database restart during a
		// Bot API outage): the time counts from the end of the last fault still on at f's end.
		end, also := f.end, ""
		for changed := true; changed; {
			changed = false
			for _, g := range faults {
				if !g.start.After(end) && g.end.After(end) {
					end, also, changed = g.end, fmt.Sprintf(" (counted from the end of %s, still on at its end)", g.name), true
				}
			}
		}
		var worst time.Duration
		missing := 0
		for _, q := range qs {
			if q.at.After(f.end) {
				continue
			}
			s, got := firstReply[q]
			if !got {
				missing++
				continue
			}
			worst = max(worst, s.At.Sub(end))
		}
		verdict := "ok"
		if missing > 0 || worst > time.Minute {
			verdict, ok = "MISSED (target ≤ 60 s)", false
		}
		fmt.Printf("after %-22s every earlier reply delivered %s after its end%s, %d never: %s\n", f.name+":", worst.Round(100*time.Millisecond), also, missing, verdict)
	}

	if o.web > 0 {
		single, err1 := webP95(ctx, "http://"+reps[0].http, o.web)
		balanced, err2 := webP95(ctx, "http://"+proxyAddr, o.web)
		if err := errors.Join(err1, err2); err != nil {
			fmt.Println("web chat:", err)
			ok = false
		} else {
			ratio := float64(balanced) / float64(single)
			verdict := "ok"
			if ratio > 1.5 {
				verdict, ok = "MISSED (target ≤ 1.5)", false
			}
			fmt.Printf("web chat p95 (%d round trips): one replica %s, round-robin %s, ratio %.2f: %s\n", o.web, single, balanced, ratio, verdict)
		}
	}
	if ok {
		fmt.Println("targets: met")
	} else {
		fmt.Println("targets: MISSED")
	}
	return ok, nil
}

// webP95 opens a web chat session at base (its event stream and each message may land on
// any replica behind it), sends n questions one after another and returns the p95 of the
// time from posting a question to its first reply event.
func webP95(ctx context.Context, base string, n int) (time.Duration, error) {
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.Post(base+"/api/chat/session", "application/json", nil)
	if err != nil {
		return 0, fmt.Errorf("web session: %w", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("web session: %s", resp.Status)
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, _ := http.NewRequestWithContext(sctx, http.MethodGet, base+"/api/chat/events", nil)
	stream, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("web events: %w", err)
	}
	defer stream.Body.Close()
	if stream.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("web events: %s", stream.Status)
	}
	events := make(chan struct{}, 1024)
	go func() {
		sc := bufio.NewScanner(stream.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "event: message") {
				events <- struct{}{}
			}
		}
	}()
	var lat []time.Duration
	for i := 0; i < n; i++ {
		// Drain what is left of the previous answer.
		for drained := false; !drained; {
			select {
			case <-events:
			case <-time.After(300 * time.Millisecond):
				drained = true
			}
		}
		body, _ := json.Marshal(map[string]string{"id": fmt.Sprintf("w%d-%d", time.Now().UnixNano(), i), "text": questions[i%len(questions)]})
		t0 := time.Now()
		resp, err := client.Post(base+"/api/chat/messages", "application/json", bytes.NewReader(body))
		if err != nil {
			return 0, fmt.Errorf("web message: %w", err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return 0, fmt.Errorf("web message: %s", resp.Status)
		}
		select {
		case <-events:
			lat = append(lat, time.Since(t0))
		case <-time.After(60 * time.Second):
			return 0, fmt.Errorf("web message %d: no reply within 60 s", i)
		}
	}
	slices.Sort(lat)
	return lat[min(len(lat)-1, len(lat)*95/100)].Round(time.Millisecond), nil
}

// explainOrder prints, for out-of-order replies, where each of the two questions went: its
// inbound row (id, the process that handled it, when it was received and handled) and its
// reply's outbox row (id, the process that sent it, when it was queued and sent), with
// times after the drill's start. A process's name in claims is BALAI_INSTANCE-pid-random,
// so the killed replica b and its restart show as two names.
func explainOrder(ctx context.Context, dsn string, start time.Time, pairs []orderPair, replies map[*question]tgfake.Sent) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		fmt.Println("out of order: cannot explain:", err)
		return
	}
	defer conn.Close(ctx)
	rel := func(ms *int64) string {
		if ms == nil || *ms == 0 {
			return "-"
		}
		return "+" + time.UnixMilli(*ms).Sub(start).Round(time.Millisecond).String()
	}
	line := func(tag string, q *question) {
		var (
			inID, outID                 *int64
			inOwner, outOwner, outErr   *string
			recv, handled, queued, sent *int64
			attempts                    *int64
		)
		err := conn.QueryRow(ctx, `SELECT i.id, i.owner, i.received_at, i.handled_at, o.id, o.owner, o.created_at, o.sent_at, o.attempts, o.last_error
			FROM inbound i LEFT JOIN outbox o ON o.inbound_id = i.id WHERE i.channel = 'telegram' AND i.ext_key = $1
			ORDER BY o.id LIMIT 1`, fmt.Sprint(q.uid)).Scan(&inID, &inOwner, &recv, &handled, &outID, &outOwner, &queued, &sent, &attempts, &outErr)
		if err != nil {
			fmt.Printf("    %s #%d update %d: %v\n", tag, q.index, q.uid, err)
			return
		}
		str := func(s *string) string {
			if s == nil {
				return "-"
			}
			return *s
		}
		num := func(n *int64) int64 {
			if n == nil {
				return 0
			}
			return *n
		}
		at := "-"
		if r, ok := replies[q]; ok {
			at = "+" + r.At.Sub(start).Round(time.Millisecond).String()
		}
		fmt.Printf("    %s #%d posted +%s: inbound %d by %s (received %s, handled %s); outbox %d by %s (queued %s, sent %s, attempts %d, last error %q); at the Bot API %s\n",
			tag, q.index, q.at.Sub(start).Round(time.Millisecond), num(inID), str(inOwner), rel(recv), rel(handled),
			num(outID), str(outOwner), rel(queued), rel(sent), num(attempts), str(outErr), at)
	}
	fmt.Println("out-of-order pairs (the first was replied before the second, asked earlier):")
	for _, p := range pairs {
		fmt.Printf("  chat %d:\n", p.first.chat)
		line("replied first ", p.first)
		line("replied second", p.late)
	}
}
