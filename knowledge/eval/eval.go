// Package eval measures how well the knowledge index answers a labelled set of questions:
// correct and wrong answers, suggestions, escalations, out-of-scope questions answered,
// ranking quality (top-1, MRR@5), per kind, and across thresholds.
package eval

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/balai-id/balai/knowledge"
)

// Case is one labelled question. Expect lists the entries that answer it; empty means the
// question is out of scope and must not be answered.
type Case struct {
	Q      string   `json:"q"`
	Expect []string `json:"expect"`
	Kind   string   `json:"kind"`
	Line   int      `json:"line"`
}

// InScope reports whether some entry answers the case.
func (c Case) InScope() bool { return len(c.Expect) > 0 }

type rawCase struct {
	Q      string          `json:"q"`
	Expect json.RawMessage `json:"expect"`
	Kind   string          `json:"kind"`
}

// ReadCases reads JSON Lines: {"q": "...", "expect": "id" | null | ["id", …], "kind": "..."}.
// Blank lines and lines starting with # or // are skipped.
func ReadCases(name string, r io.Reader) ([]Case, error) {
	var out []Case
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1024*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 || b[0] == '#' || bytes.HasPrefix(b, []byte("//")) {
			continue
		}
		var rc rawCase
		dec := json.NewDecoder(bytes.NewReader(b))
		if err := dec.Decode(&rc); err != nil {
			return nil, fmt.Errorf("eval: %s:%d: %w", name, line, err)
		}
		if strings.TrimSpace(rc.Q) == "" {
			return nil, fmt.Errorf("eval: %s:%d: empty question", name, line)
		}
		c := Case{Q: rc.Q, Kind: rc.Kind, Line: line}
		switch e := bytes.TrimSpace(rc.Expect); {
		case len(e) == 0 || string(e) == "null":
		case e[0] == '"':
			var id string
			if err := json.Unmarshal(e, &id); err != nil {
				return nil, fmt.Errorf("eval: %s:%d: expect: %w", name, line, err)
			}
			c.Expect = []string{id}
		case e[0] == '[':
			if err := json.Unmarshal(e, &c.Expect); err != nil {
				return nil, fmt.Errorf("eval: %s:%d: expect: %w", name, line, err)
			}
		default:
			return nil, fmt.Errorf("eval: %s:%d: expect must be an id, a list of ids or null", name, line)
		}
		if c.Kind == "" {
			c.Kind = "in-scope"
			if !c.InScope() {
				c.Kind = "out-of-scope"
			}
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("eval: read %s: %w", name, err)
	}
	return out, nil
}

// Asker answers questions; *knowledge.Index is one.
type Asker interface {
	Ask(ctx context.Context, text string, opts ...knowledge.AskOption) (*knowledge.Result, error)
}

// Outcome is a case with what the index made of it.
type Outcome struct {
	Case   Case
	Result *knowledge.Result
}

// Run asks every case and returns the outcomes. It fails if a case expects an entry the
// corpus does not have.
func Run(ctx context.Context, ix Asker, has func(id string) bool, cases []Case) ([]Outcome, error) {
	for _, c := range cases {
		for _, id := range c.Expect {
			if !has(id) {
				return nil, fmt.Errorf("eval: line %d expects %q, which is not in the corpus", c.Line, id)
			}
		}
	}
	out := make([]Outcome, len(cases))
	for i, c := range cases {
		r, err := ix.Ask(ctx, c.Q)
		if err != nil {
			return nil, fmt.Errorf("eval: line %d: %w", c.Line, err)
		}
		out[i] = Outcome{Case: c, Result: r}
	}
	return out, nil
}

// Verdicts of an outcome.
const (
	Correct          = "correct"
	Wrong            = "wrong"
	SuggestedWith    = "suggested_with_expected"
	SuggestedWithout = "suggested_without_expected"
	Escalated        = "escalated"
	OOSAnswered      = "oos_answered"
	OOSSuggested     = "oos_suggested"
	OOSEscalated     = "oos_escalated"
)

// Verdict classifies an outcome.
func Verdict(o Outcome) string {
	r := o.Result
	if !o.Case.InScope() {
		switch r.Decision {
		case knowledge.Answer:
			return OOSAnswered
		case knowledge.Suggest, knowledge.Confirm:
			return OOSSuggested
		default:
			return OOSEscalated
		}
	}
	switch r.Decision {
	case knowledge.Answer:
		if top, _ := r.Top(); expects(o.Case, top.Entry.ID) {
			return Correct
		}
		return Wrong
	case knowledge.Suggest, knowledge.Confirm: // a confirmation offers one suggestion
		for _, s := range r.Suggestions {
			if expects(o.Case, s.Entry.ID) {
				return SuggestedWith
			}
		}
		return SuggestedWithout
	default:
		return Escalated
	}
}

func expects(c Case, id string) bool {
	for _, e := range c.Expect {
		if e == id {
			return true
		}
	}
	return false
}

// Metrics summarise outcomes. Rates are percentages: in-scope rates of in-scope cases,
// out-of-scope rates of out-of-scope cases.
type Metrics struct {
	Cases   int `json:"cases"`
	InScope int `json:"in_scope"`
	OOS     int `json:"out_of_scope"`

	Correct          float64 `json:"correct_pct"`
	Wrong            float64 `json:"wrong_pct"`
	Suggested        float64 `json:"suggest_pct"`
	SuggestedWith    float64 `json:"suggest_with_expected_pct"`
	Escalated        float64 `json:"escalate_pct"`
	OOSAnswered      float64 `json:"oos_answered_pct"`
	OOSSuggested     float64 `json:"oos_suggest_pct"`
	OOSEscalated     float64 `json:"oos_escalate_pct"`
	Top1             float64 `json:"top1_pct"`
	MRR5             float64 `json:"mrr_at_5"`
	SuggestHitOfSugg float64 `json:"expected_among_suggestions_pct"` // of suggested in-scope cases
	// Resolved: answered right, or the right entry offered (suggested or asked to confirm).
	Resolved float64 `json:"resolved_pct"`

	Counts map[string]int `json:"counts"`
}

// Measure computes metrics over outcomes.
func Measure(outs []Outcome) Metrics {
	m := Metrics{Cases: len(outs), Counts: map[string]int{}}
	var rr float64
	top1 := 0
	for _, o := range outs {
		v := Verdict(o)
		m.Counts[v]++
		if !o.Case.InScope() {
			m.OOS++
			continue
		}
		m.InScope++
		for rank, c := range o.Result.Candidates {
			if rank >= 5 {
				break
			}
			if expects(o.Case, c.Entry.ID) {
				rr += 1 / float64(rank+1)
				if rank == 0 {
					top1++
				}
				break
			}
		}
	}
	pct := func(n, of int) float64 {
		if of == 0 {
			return 0
		}
		return 100 * float64(n) / float64(of)
	}
	c := m.Counts
	m.Correct = pct(c[Correct], m.InScope)
	m.Wrong = pct(c[Wrong], m.InScope)
	m.Suggested = pct(c[SuggestedWith]+c[SuggestedWithout], m.InScope)
	m.SuggestedWith = pct(c[SuggestedWith], m.InScope)
	m.SuggestHitOfSugg = pct(c[SuggestedWith], c[SuggestedWith]+c[SuggestedWithout])
	m.Escalated = pct(c[Escalated], m.InScope)
	m.Resolved = pct(c[Correct]+c[SuggestedWith], m.InScope)
	m.OOSAnswered = pct(c[OOSAnswered], m.OOS)
	m.OOSSuggested = pct(c[OOSSuggested], m.OOS)
	m.OOSEscalated = pct(c[OOSEscalated], m.OOS)
	m.Top1 = pct(top1, m.InScope)
	if m.InScope > 0 {
		m.MRR5 = rr / float64(m.InScope)
	}
	return m
}

// KindRow is the breakdown of one kind of question.
type KindRow struct {
	Kind        string `json:"kind"`
	Total       int    `json:"total"`
	Correct     int    `json:"correct"`
	Wrong       int    `json:"wrong"`
	Suggested   int    `json:"suggested"`
	SuggestWith int    `json:"suggested_with_expected"`
	Escalated   int    `json:"escalated"`
	OOSAnswered int    `json:"oos_answered"`
}

// ByKind breaks outcomes down by their kind, sorted by kind.
func ByKind(outs []Outcome) []KindRow {
	rows := map[string]*KindRow{}
	for _, o := range outs {
		r, ok := rows[o.Case.Kind]
		if !ok {
			r = &KindRow{Kind: o.Case.Kind}
			rows[o.Case.Kind] = r
		}
		r.Total++
		switch Verdict(o) {
		case Correct:
			r.Correct++
		case Wrong:
			r.Wrong++
		case SuggestedWith:
			r.Suggested++
			r.SuggestWith++
		case SuggestedWithout, OOSSuggested:
			r.Suggested++
		case Escalated, OOSEscalated:
			r.Escalated++
		case OOSAnswered:
			r.OOSAnswered++
		}
	}
	out := make([]KindRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out
}

// SweepRow is the metrics at one pair of thresholds.
type SweepRow struct {
	Thresholds knowledge.Thresholds `json:"thresholds"`
	Metrics    Metrics              `json:"metrics"`
}

// Sweep re-decides the outcomes for answer thresholds from lo to hi in steps, keeping the
// other thresholds of base. The outcomes are restored to base afterwards.
func Sweep(outs []Outcome, base knowledge.Thresholds, lo, hi, step float64, now time.Time) []SweepRow {
	var rows []SweepRow
	for a := lo; a <= hi+1e-9; a += step {
		th := base
		th.Answer = a
		if th.Suggest > a {
			th.Suggest = a
		}
		for _, o := range outs {
			knowledge.Decide(o.Result, th, now)
		}
		rows = append(rows, SweepRow{Thresholds: th, Metrics: Measure(outs)})
	}
	for _, o := range outs {
		knowledge.Decide(o.Result, base, now)
	}
	return rows
}

// Targets are the minimum quality the evaluation must show; zero fields are not checked.
type Targets struct {
	MinCorrect     float64
	MaxWrong       float64
	MaxOOSAnswered float64
	set            [3]bool
}

// Check returns a line per target missed.
func (t Targets) Check(m Metrics) []string {
	var miss []string
	if t.set[0] && m.Correct < t.MinCorrect {
		miss = append(miss, fmt.Sprintf("correct %.1f%% < %.1f%%", m.Correct, t.MinCorrect))
	}
	if t.set[1] && m.Wrong > t.MaxWrong {
		miss = append(miss, fmt.Sprintf("wrong %.1f%% > %.1f%%", m.Wrong, t.MaxWrong))
	}
	if t.set[2] && m.OOSAnswered > t.MaxOOSAnswered {
		miss = append(miss, fmt.Sprintf("out-of-scope answered %.1f%% > %.1f%%", m.OOSAnswered, t.MaxOOSAnswered))
	}
	return miss
}

// NewTargets builds targets; a negative value leaves that target unchecked.
func NewTargets(minCorrect, maxWrong, maxOOS float64) Targets {
	return Targets{MinCorrect: minCorrect, MaxWrong: maxWrong, MaxOOSAnswered: maxOOS,
		set: [3]bool{minCorrect >= 0, maxWrong >= 0, maxOOS >= 0}}
}
