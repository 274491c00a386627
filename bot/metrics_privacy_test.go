package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/balai-id/balai"
)

// A decision's reason can hold what a citizen typed; its metric label never holds their
// phone number or NIK, and ordinary reasons keep their names.
func TestMetricLabelsCarryNoPersonalData(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	for _, reason := range []string{"081234567890", "nik3201234567890001", "+60 12-345 6789", "help", "BLI-000123"} {
		m.observeTurn(balai.WhatsApp, LogEntry{Decision: "command", Reason: reason}, time.Millisecond, false)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
		}
	}
	all := strings.Join(labels, " ")
	for _, leak := range []string{"081234567890", "3201234567890001", "345 6789"} {
		if strings.Contains(all, leak) {
			t.Errorf("metric labels leak %s: %s", leak, all)
		}
	}
	// Labels are bounded: a known word stays, anything else (numbers, ticket numbers) is "other".
	if strings.Contains(all, "BLI-000123") {
		t.Errorf("metric labels carry a ticket number: %s", all)
	}
	for _, want := range []string{"reason=help", "reason=other"} {
		if !strings.Contains(all, want) {
			t.Errorf("metric labels lack %s: %s", want, all)
		}
	}
}
