package bot

import (
	"errors"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/balai-id/balai"
)

// Metrics are the engine's Prometheus measurements (terukur): messages in, decisions,
// handling and delivery times, delivery failures.
type Metrics struct {
	inbound    *prometheus.CounterVec
	decisions  *prometheus.CounterVec
	handle     *prometheus.HistogramVec
	send       *prometheus.HistogramVec
	sendErrors *prometheus.CounterVec
	givenUp    *prometheus.CounterVec
	confidence prometheus.Histogram
}

// NewMetrics registers the engine's metrics with reg (nil: not registered anywhere).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		inbound: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "balai_inbound_messages_total", Help: "Messages accepted from citizens.",
		}, []string{"channel", "kind"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "balai_decisions_total", Help: "What the engine did with each message.",
		}, []string{"channel", "decision", "reason"}),
		handle: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "balai_handle_seconds", Help: "Time from accepting a message to queueing its reply.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}, []string{"channel"}),
		send: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "balai_send_seconds", Help: "Time a channel takes to take one outgoing item.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}, []string{"channel"}),
		sendErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "balai_send_errors_total", Help: "Failed deliveries by kind.",
		}, []string{"channel", "kind"}),
		givenUp: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "balai_deliveries_given_up_total", Help: "Outgoing items given up for good, by reason class (blocked, chat_not_found, bad_request, horizon, no_sender, permanent).",
		}, []string{"channel", "reason"}),
		confidence: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "balai_answer_confidence", Help: "Confidence of the best candidate of each question.",
			Buckets: prometheus.LinearBuckets(0.1, 0.1, 9),
		}),
	}
	if reg != nil {
		reg.MustRegister(m.inbound, m.decisions, m.handle, m.send, m.sendErrors, m.givenUp, m.confidence)
	}
	return m
}

func (m *Metrics) observeInbound(ch balai.Channel, k Kind) {
	if m != nil {
		m.inbound.WithLabelValues(string(ch), string(k)).Inc()
	}
}

func (m *Metrics) observeTurn(ch balai.Channel, l LogEntry, d time.Duration, scored bool) {
	if m == nil {
		return
	}
	m.decisions.WithLabelValues(string(ch), metricLabel(l.Decision), metricReason(l.Decision, l.Reason)).Inc()
	m.handle.WithLabelValues(string(ch)).Observe(d.Seconds())
	if scored {
		m.confidence.Observe(l.Confidence)
	}
}

func (m *Metrics) observeSend(ch balai.Channel, d time.Duration, err error) {
	if m == nil {
		return
	}
	m.send.WithLabelValues(string(ch)).Observe(d.Seconds())
	if err != nil {
		kind := "transient"
		var ra *RetryAfterError
		var pe *PermanentError
		switch {
		case errors.As(err, &ra):
			kind = "rate_limited"
		case errors.As(err, &pe):
			kind = "permanent"
		}
		m.sendErrors.WithLabelValues(string(ch), kind).Inc()
	}
}

func (m *Metrics) observeGivenUp(ch balai.Channel, reason string) {
	if m != nil {
		m.givenUp.WithLabelValues(string(ch), metricLabel(reason)).Inc()
	}
}

// metricReason keeps the reason label bounded: the decision log keeps details such as a
// ticket's number, the metrics only their kind (every distinct label value is a series
// kept for good).
func metricReason(decision, reason string) string {
	switch decision {
	case "officer_reply":
		if reason == "closed" {
			return reason
		}
		return "ticket"
	case "claim":
		if reason == "conflict" {
			return reason
		}
		return "ticket"
	case "close", "note":
		return "ticket"
	case "queue":
		return "listed"
	case "rating":
		if len(reason) == 1 && reason[0] >= '1' && reason[0] <= '5' {
			return reason
		}
		return "other"
	}
	return metricLabel(reason)
}

// metricLabel passes short identifiers (lower-case letters, digits, _ - .) and replaces
// anything else, such as numbers or text from outside, with "other".
func metricLabel(s string) string {
	if len(s) > 48 {
		return "other"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return "other"
		}
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r >= '0' && r <= '9' }) && strings.Trim(s, "0123456789") == "" {
		return "other" // a bare number: an id, a count
	}
	run := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			if run++; run >= 4 {
				return "other" // a number in a word: a NIK, a phone, a ticket ("nik3201…")
			}
		} else {
			run = 0
		}
	}
	return s
}
