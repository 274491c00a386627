package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// labelled writes a few labelled questions about the embedded corpus.
func labelled(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile("../../testdata/eval/dev.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "cases.jsonl")
	if err := os.WriteFile(p, src, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func runBalai(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

// balai calibrate writes a file that --check reproduces and that ask, eval and serve read
// from BALAI_CALIBRATION_FILE; a changed file fails the check.
func TestCalibrateWritesCheckableFile(t *testing.T) {
	cases := labelled(t)
	file := filepath.Join(t.TempDir(), "cal.json")
	out, errs, code := runBalai(t, "calibrate", "--cases", cases, "--at", "2026-12-01", "--out", file, "--quiet", "--folds", "3", "--samples", "1", "--l2", "0.003")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"before (calibration in use", "after, cross-validated", "cross-validated by corpus size", "answer threshold", "BALAI_CALIBRATION_FILE=" + file} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	out, errs, code = runBalai(t, "calibrate", "--check", file, "--quiet")
	if code != exitOK {
		t.Fatalf("--check of a fresh file: exit %d: %s%s", code, out, errs)
	}

	// Change one weight: the check names it.
	var f map[string]any
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(file); err != nil || info.Mode().Perm() != 0o644 {
		t.Fatalf("calibration file mode %v (%v), want 0644 so serve can read it", info.Mode(), err)
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	f["weights"].(map[string]any)["margin"] = f["weights"].(map[string]any)["margin"].(float64) + 0.5
	edited := writeJSON(t, f)
	out, _, code = runBalai(t, "calibrate", "--check", edited, "--quiet")
	if code != exitFailed || !strings.Contains(out, "weight margin") {
		t.Fatalf("--check of an edited file: exit %d, %q", code, out)
	}

	// The file is read: a calibration that answers nothing makes ask suggest or escalate.
	f["thresholds"].(map[string]any)["answer"] = 0.999
	strict := writeJSON(t, f)
	out, errs, code = runBalai(t, "ask", "--json", "--at", "2026-12-01", "syarat bikin ktp elektronik baru umur 17")
	if code != exitOK || !strings.Contains(out, `"decision": "answer"`) {
		t.Fatalf("built-in calibration: exit %d %s %s", code, out, errs)
	}
	t.Setenv("BALAI_CALIBRATION_FILE", strict)
	out, errs, code = runBalai(t, "ask", "--json", "--at", "2026-12-01", "syarat bikin ktp elektronik baru umur 17")
	if code != exitOK || strings.Contains(out, `"decision": "answer"`) {
		t.Fatalf("BALAI_CALIBRATION_FILE answering at 0.999: exit %d %s %s", code, out, errs)
	}
	// The weights are read too: a model that trusts nothing answers nothing.
	f["thresholds"].(map[string]any)["answer"] = 0.5
	f["weights"].(map[string]any)["bias"] = -50.0
	t.Setenv("BALAI_CALIBRATION_FILE", writeJSON(t, f))
	out, errs, code = runBalai(t, "ask", "--json", "--at", "2026-12-01", "syarat bikin ktp elektronik baru umur 17")
	if code != exitOK || strings.Contains(out, `"decision": "answer"`) {
		t.Fatalf("BALAI_CALIBRATION_FILE with bias -50: exit %d %s %s", code, out, errs)
	}
	t.Setenv("BALAI_CALIBRATION_FILE", filepath.Join(t.TempDir(), "missing.json"))
	_, errs, code = runBalai(t, "ask", "--at", "2026-12-01", "ktp")
	if code == exitOK || !strings.Contains(errs, "BALAI_CALIBRATION_FILE") {
		t.Fatalf("missing calibration file: exit %d %s", code, errs)
	}
}

func writeJSON(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "calibration.json")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCalibrateUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"calibrate"}, exitUsage, "--cases FILE.jsonl is required"},
		{[]string{"calibrate", "--check", "x.json", "--folds", "3"}, exitUsage, "--folds cannot be given with it"},
		{[]string{"calibrate", "--check", "missing.json"}, exitFailed, "missing.json"},
		{[]string{"calibrate", "--cases", "missing.jsonl", "--quiet"}, exitFailed, "missing.jsonl"},
	} {
		_, errs, code := runBalai(t, tt.args...)
		if code != tt.code || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, %q; want exit %d saying %q", tt.args, code, errs, tt.code, tt.want)
		}
	}
}
