package knowledge_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/balai-id/balai/knowledge"
)

func TestCalibrationFileRoundTrip(t *testing.T) {
	def := knowledge.DefaultCalibration()
	data, err := def.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	got, err := knowledge.ParseCalibration(data)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Model.Weights, def.Model.Weights) || got.Thresholds != def.Thresholds {
		t.Fatalf("round trip changed the calibration:\n%+v\n%+v", def, got)
	}
	if def.Fit.At == "" || len(def.Fit.Sets) == 0 {
		t.Fatalf("the embedded calibration records no fit settings: %+v", def.Fit)
	}
	if knowledge.DefaultThresholds() != def.Thresholds || !slices.Equal(knowledge.DefaultModel.Weights, def.Model.Weights) {
		t.Fatal("defaults are not the embedded calibration")
	}
}

func TestCalibrationFileErrors(t *testing.T) {
	good, err := knowledge.DefaultCalibration().MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(m map[string]any)) string {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	tests := []struct{ name, data, want string }{
		{"not json", "weights: 1", "invalid character"},
		{"version", edit(func(m map[string]any) { m["balai_calibration"] = 2 }), "version 2"},
		{"missing weight", edit(func(m map[string]any) { delete(m["weights"].(map[string]any), "margin") }), `no weight for input "margin"`},
		{"unknown input", edit(func(m map[string]any) { m["weights"].(map[string]any)["shoe_size"] = 1.0 }), `unknown input "shoe_size"`},
		{"unknown field", edit(func(m map[string]any) { m["tresholds"] = 1 }), "unknown field"},
		{"thresholds out of order", edit(func(m map[string]any) {
			m["thresholds"].(map[string]any)["suggest"] = 0.9
		}), "thresholds must satisfy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := knowledge.ParseCalibration([]byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to say %q", err, tt.want)
			}
		})
	}
}
