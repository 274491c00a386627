package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/balai-id/balai"
)

// TestMetricLabelsAreBounded: ticket numbers, counts and text from outside never become
// label values; the decision log keeps them, the metrics count their kind.
func TestMetricLabelsAreBounded(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	for _, l := range []LogEntry{
		{Decision: "officer_reply", Reason: "BLI-000123"},
		{Decision: "officer_reply", Reason: "BLI-000124"},
		{Decision: "claim", Reason: "BLI-000125"},
		{Decision: "close", Reason: "BLI-000126"},
		{Decision: "note", Reason: "BLI-000127"},
		{Decision: "queue", Reason: "17"},
		{Decision: "rating", Reason: "x"},
		{Decision: "command", Reason: "Robot'); DROP"},
		{Decision: "command", Reason: strings.Repeat("a", 100)},
		{Decision: "escalate", Reason: "12345"},
	} {
		m.observeTurn(balai.Telegram, l, time.Millisecond, false)
	}
	// Known, bounded reasons pass as they are.
	m.observeTurn(balai.Telegram, LogEntry{Decision: "officer_reply", Reason: "closed"}, time.Millisecond, false)
	m.observeTurn(balai.Web, LogEntry{Decision: "answer", Reason: "confident"}, time.Millisecond, false)
	m.observeTurn(balai.Web, LogEntry{Decision: "rating", Reason: "5"}, time.Millisecond, false)

	want := map[string]float64{
		"telegram/officer_reply/ticket": 2, "telegram/claim/ticket": 1, "telegram/close/ticket": 1,
		"telegram/note/ticket": 1, "telegram/queue/listed": 1, "telegram/rating/other": 1,
		"telegram/command/other": 2, "telegram/escalate/other": 1, "telegram/officer_reply/closed": 1,
		"web/answer/confident": 1, "web/rating/5": 1,
	}
	got := map[string]float64{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "balai_decisions_total" {
			continue
		}
		for _, s := range mf.GetMetric() {
			var k []string
			for _, lp := range s.GetLabel() {
				k = append(k, lp.GetValue())
			}
			got[strings.Join(k, "/")] = s.GetCounter().GetValue()
		}
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("series: %v", got)
	}
}
