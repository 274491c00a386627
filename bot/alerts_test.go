package bot_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/balai-id/balai/bot"
)

// TestAlertRulesFile: docs/alerts.yml has Prometheus's rule-file shape (groups of rules,
// each with a name, an expression, a severity, a summary and an explanation), and every
// balai_* metric its expressions use is one Balai exposes.
func TestAlertRulesFile(t *testing.T) {
	raw, err := os.ReadFile("../docs/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Expr        string            `yaml:"expr"`
				For         string            `yaml:"for"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.UnmarshalWithOptions(raw, &f, yaml.Strict()); err != nil {
		t.Fatalf("docs/alerts.yml: %v", err)
	}
	known := exposedMetrics(t)
	names := map[string]bool{}
	metricRef := regexp.MustCompile(`\bbalai_[a-z_]+\b`)
	n := 0
	for _, g := range f.Groups {
		if g.Name == "" || len(g.Rules) == 0 {
			t.Errorf("group %q: a name and rules are required", g.Name)
		}
		for _, r := range g.Rules {
			n++
			switch {
			case r.Alert == "" || names[r.Alert]:
				t.Errorf("rule %q: missing or repeated alert name", r.Alert)
			case strings.TrimSpace(r.Expr) == "":
				t.Errorf("%s: no expr", r.Alert)
			case r.Labels["severity"] != "warning" && r.Labels["severity"] != "critical":
				t.Errorf("%s: severity %q, want warning or critical", r.Alert, r.Labels["severity"])
			case len(r.Annotations["summary"]) == 0 || len(r.Annotations["explanation"]) < 40:
				t.Errorf("%s: a summary and an explanation are required", r.Alert)
			}
			names[r.Alert] = true
			if strings.Count(r.Expr, "(") != strings.Count(r.Expr, ")") {
				t.Errorf("%s: unbalanced parentheses in %q", r.Alert, r.Expr)
			}
			for _, m := range metricRef.FindAllString(r.Expr, -1) {
				if !known[m] {
					t.Errorf("%s: uses %s, which Balai does not expose", r.Alert, m)
				}
			}
		}
	}
	for _, want := range []string{"balai_outbox_items", "balai_outbox_oldest_pending_seconds", "balai_deliveries_given_up_total", "balai_dead_letters"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("no alert on %s", want)
		}
	}
	if n < 4 {
		t.Errorf("%d rules, want at least 4", n)
	}
}

// exposedMetrics are the names of the engine's metrics and of the backlog collector's.
func exposedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	reg := &capture{}
	bot.NewMetrics(reg)
	reg.MustRegister(bot.NewBacklogCollector(nil, nil, nil))
	ch := make(chan *prometheus.Desc, 64)
	go func() {
		for _, c := range reg.cs {
			c.Describe(ch)
		}
		close(ch)
	}()
	out := map[string]bool{}
	name := regexp.MustCompile(`fqName: "([a-z_]+)"`)
	for d := range ch {
		if m := name.FindStringSubmatch(d.String()); m != nil {
			out[m[1]] = true
		}
	}
	return out
}

// capture is a prometheus.Registerer that keeps what is registered.
type capture struct{ cs []prometheus.Collector }

func (c *capture) Register(col prometheus.Collector) error { c.cs = append(c.cs, col); return nil }
func (c *capture) MustRegister(cols ...prometheus.Collector) {
	c.cs = append(c.cs, cols...)
}
func (c *capture) Unregister(prometheus.Collector) bool { return false }
