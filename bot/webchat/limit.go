package webchat

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Rate is a number of events per window, like 20 per minute; zero Events means no limit.
type Rate struct {
	Events int
	Window time.Duration
}

// ParseRate reads "EVENTS/WINDOW" (like "20/1m"), or "off" or "0" for no limit.
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	if s == "off" || s == "0" {
		return Rate{}, nil
	}
	n, w, _ := strings.Cut(s, "/")
	events, err1 := strconv.Atoi(n)
	window, err2 := time.ParseDuration(w)
	if err1 != nil || err2 != nil || events < 1 || window <= 0 {
		return Rate{}, fmt.Errorf("%q: want EVENTS/WINDOW like 20/1m, or off", s)
	}
	return Rate{Events: events, Window: window}, nil
}

func (r Rate) String() string {
	if r.Events == 0 {
		return "off"
	}
	return fmt.Sprintf("%d/%s", r.Events, r.Window)
}

// keyedLimiter is a token bucket per key (a client address, a session): Events at once,
// refilled evenly over Window. It judges time by its own clock, never the wall clock.
type keyedLimiter struct {
	rate    Rate
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	sweepAt int
}

func newKeyedLimiter(r Rate, now func() time.Time) *keyedLimiter {
	return &keyedLimiter{rate: r, now: now, buckets: map[string]*rate.Limiter{}, sweepAt: 1024}
}

// allow takes one token of key's bucket; when there is none it returns false and how long
// until there is.
func (k *keyedLimiter) allow(key string) (bool, time.Duration) {
	ok, d, _ := k.take(key)
	return ok, d
}

// take is allow with a way to give the token back (undo), for a request that came to
// nothing through no fault of the client (Balai was busy).
func (k *keyedLimiter) take(key string) (ok bool, wait time.Duration, undo func()) {
	if k == nil || k.rate.Events == 0 {
		return true, 0, func() {}
	}
	now := k.now()
	k.mu.Lock()
	defer k.mu.Unlock()
	b := k.buckets[key]
	if b == nil {
		if len(k.buckets) >= k.sweepAt {
			k.sweep(now)
		}
		b = rate.NewLimiter(rate.Every(k.rate.Window/time.Duration(k.rate.Events)), k.rate.Events)
		k.buckets[key] = b
	}
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d, func() {}
	}
	return true, 0, func() {
		k.mu.Lock()
		defer k.mu.Unlock()
		r.CancelAt(k.now())
	}
}

// sweep forgets buckets that are full again: they remember nothing a new bucket would not.
func (k *keyedLimiter) sweep(now time.Time) {
	for key, b := range k.buckets {
		if b.TokensAt(now) >= float64(k.rate.Events) {
			delete(k.buckets, key)
		}
	}
	k.sweepAt = max(1024, 2*len(k.buckets))
}

// clientKey names the client of a request for per-client limits: its address, or with
// trusted proxies in front the first address in X-Forwarded-For (from the right) that is
// not one of them. IPv6 clients are counted per /64, the block one subscriber gets.
func clientKey(r *http.Request, trusted []netip.Prefix) string {
	addr := remoteAddr(r)
	if isTrusted(addr, trusted) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break
			}
			addr = a.Unmap()
			if !isTrusted(addr, trusted) {
				break
			}
		}
	}
	if !addr.IsValid() {
		return "unknown"
	}
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}

func remoteAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if a.IsValid() && p.Contains(a) {
			return true
		}
	}
	return false
}

// ParsePrefixes reads a comma-separated list of addresses or CIDR prefixes.
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("%q: not an address or prefix", f)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%q: not an address or prefix", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
