package bot

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/balai-id/balai"
)

// Backlog reads what waits in the store for the backlog metrics; the store package
// implements it with one grouped query over the undelivered items (an index) and a count.
type Backlog interface {
	OutboxBacklog(ctx context.Context) ([]OutboxState, error)
	CountDeadLetters(ctx context.Context) (int, error)
}

// BacklogCollector exposes the outbox backlog and the dead letters as gauges, read from
// the store when Prometheus scrapes, within a timeout, at most once per MinInterval (a
// scrape in between gets the last reading). A failed reading exposes
// balai_backlog_read_ok 0 and no backlog series, so an alert can tell "unknown" from "empty".
type BacklogCollector struct {
	src         Backlog
	now         func() time.Time
	log         *slog.Logger
	Timeout     time.Duration
	MinInterval time.Duration

	mu      sync.Mutex
	readAt  time.Time
	metrics []prometheus.Metric
}

var (
	descPending = prometheus.NewDesc("balai_outbox_items", "Outgoing items not yet delivered, by channel and state (pending: to deliver, retries included; held: waiting for the citizen to write, WhatsApp's window).", []string{"channel", "state"}, nil)
	descOldest  = prometheus.NewDesc("balai_outbox_oldest_pending_seconds", "Age of the oldest pending outgoing item, by channel (0 when none).", []string{"channel"}, nil)
	descDead    = prometheus.NewDesc("balai_dead_letters", "Citizens' messages parked as dead letters (balai admin dead-letters list).", nil, nil)
	descReadOK  = prometheus.NewDesc("balai_backlog_read_ok", "1 when the last reading of the outbox backlog and dead letters succeeded.", nil, nil)
)

// NewBacklogCollector reads src with the clock now (default timeout 2s, interval 5s).
func NewBacklogCollector(src Backlog, now func() time.Time, log *slog.Logger) *BacklogCollector {
	if log == nil {
		log = slog.Default()
	}
	return &BacklogCollector{src: src, now: now, log: log, Timeout: 2 * time.Second, MinInterval: 5 * time.Second}
}

// Describe implements prometheus.Collector.
func (c *BacklogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descPending
	ch <- descOldest
	ch <- descDead
	ch <- descReadOK
}

// Collect implements prometheus.Collector.
func (c *BacklogCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.metrics == nil || now.Sub(c.readAt) >= c.MinInterval || now.Before(c.readAt) {
		c.metrics = c.read(now)
		c.readAt = now
	}
	for _, m := range c.metrics {
		ch <- m
	}
}

func (c *BacklogCollector) read(now time.Time) []prometheus.Metric {
	ctx, cancel := context.WithTimeout(context.Background(), c.Timeout)
	defer cancel()
	states, err := c.src.OutboxBacklog(ctx)
	var dead int
	if err == nil {
		dead, err = c.src.CountDeadLetters(ctx)
	}
	if err != nil {
		c.log.Warn("Failed to read the outbox backlog for the metrics", "err", err)
		return []prometheus.Metric{prometheus.MustNewConstMetric(descReadOK, prometheus.GaugeValue, 0)}
	}
	out := []prometheus.Metric{
		prometheus.MustNewConstMetric(descReadOK, prometheus.GaugeValue, 1),
		prometheus.MustNewConstMetric(descDead, prometheus.GaugeValue, float64(dead)),
	}
	oldest := map[balai.Channel]float64{}
	for _, s := range states {
		ch, state := metricLabel(string(s.Channel)), metricLabel(s.State)
		out = append(out, prometheus.MustNewConstMetric(descPending, prometheus.GaugeValue, float64(s.Items), ch, state))
		if _, ok := oldest[s.Channel]; !ok {
			oldest[s.Channel] = 0
		}
		if s.State == "pending" && s.Items > 0 {
			oldest[s.Channel] = max(oldest[s.Channel], now.Sub(s.Oldest).Seconds(), 0)
		}
	}
	for ch, age := range oldest {
		out = append(out, prometheus.MustNewConstMetric(descOldest, prometheus.GaugeValue, age, metricLabel(string(ch))))
	}
	return out
}
