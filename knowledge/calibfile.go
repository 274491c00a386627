package knowledge

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
)

// Calibration is what `balai calibrate` writes and Balai reads: the confidence model, the
// decision thresholds, and how they were fitted (so the fit can be repeated and checked).
// The default is embedded (calibration.json, fitted on the default corpus and its evaluation
// questions); an agency's own is read from BALAI_CALIBRATION_FILE.
type Calibration struct {
	Model      Model
	Thresholds Thresholds
	Fit        FitInfo
}

// FitInfo records how a calibration was fitted and what it measured.
type FitInfo struct {
	// Sets are the corpora and labelled questions it was fitted on; the first is the corpus
	// the thresholds were chosen for, of Entries entries.
	Sets    []FitSet `json:"sets"`
	Entries int      `json:"entries,omitempty"`
	// SubSizes are the sub-corpus sizes as shares of each corpus; Samples sub-corpora of each.
	SubSizes []float64 `json:"sub_sizes"`
	Samples  int       `json:"samples"`
	Seed     uint64    `json:"seed"`
	L2       float64   `json:"l2"`
	// L2Grid are the values cross-validation chose L2 from.
	L2Grid []float64 `json:"l2_grid,omitempty"`
	Folds  int       `json:"folds"`
	// MaxWrong and MaxOOS bound the answer threshold's choice (percent).
	MaxWrong float64 `json:"max_wrong_pct"`
	MaxOOS   float64 `json:"max_oos_answered_pct"`
	// At is the day review dates were judged as of (YYYY-MM-DD).
	At string `json:"at"`
	// CrossValidated are the figures on questions the fit did not see (folds by question).
	CrossValidated map[string]float64 `json:"cross_validated,omitempty"`
}

// FitSet is one corpus and its labelled questions. Corpus is a corpus folder, "" for the
// embedded default corpus, or a spreadsheet (.csv) imported as `balai faq import` would,
// with Source for its rows without one.
type FitSet struct {
	Corpus string   `json:"corpus"`
	Source string   `json:"source,omitempty"`
	Cases  []string `json:"cases"`
}

// calibrationFile is the JSON form: weights by input name, so a file is readable and a
// missing or unknown input is an error rather than a silent shift.
type calibrationFile struct {
	Version    int                `json:"balai_calibration"`
	Weights    map[string]float64 `json:"weights"`
	Thresholds Thresholds         `json:"thresholds"`
	Fit        FitInfo            `json:"fit"`
}

//go:embed calibration.json
var defaultCalibrationJSON []byte

var defaultCalibration = mustCalibration(defaultCalibrationJSON)

func mustCalibration(data []byte) Calibration {
	c, err := ParseCalibration(data)
	if err != nil {
		panic("knowledge: embedded calibration.json: " + err.Error())
	}
	return c
}

// DefaultCalibration returns the embedded calibration (a copy: changing it changes nothing
// else).
func DefaultCalibration() Calibration {
	c := defaultCalibration
	c.Model.Weights = slices.Clone(c.Model.Weights)
	c.Fit.Sets = slices.Clone(c.Fit.Sets)
	return c
}

// ParseCalibration reads a calibration file.
func ParseCalibration(data []byte) (Calibration, error) {
	var f calibrationFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Calibration{}, fmt.Errorf("calibration: %w", err)
	}
	if f.Version != 1 {
		return Calibration{}, fmt.Errorf("calibration: version %d, want 1", f.Version)
	}
	m := Model{Weights: make([]float64, len(InputNames))}
	for i, name := range InputNames {
		w, ok := f.Weights[name]
		if !ok {
			return Calibration{}, fmt.Errorf("calibration: no weight for input %q", name)
		}
		m.Weights[i] = w
	}
	if len(f.Weights) != len(InputNames) {
		for name := range f.Weights {
			if !slices.Contains(InputNames, name) {
				return Calibration{}, fmt.Errorf("calibration: unknown input %q (this Balai has %d inputs)", name, len(InputNames))
			}
		}
	}
	if err := f.Thresholds.Validate(); err != nil {
		return Calibration{}, fmt.Errorf("calibration: %w", err)
	}
	return Calibration{Model: m, Thresholds: f.Thresholds, Fit: f.Fit}, nil
}

// FitsSize tells whether the calibration's thresholds were chosen for a corpus of about n
// entries (a third to three times the size it was fitted for). Confidence means less among
// a thousand siblings than among a hundred: a corpus far from that size should be
// calibrated on its own labelled questions (balai calibrate).
func (c Calibration) FitsSize(n int) bool {
	e := c.Fit.Entries
	return e == 0 || (n*3 >= e && n <= e*3)
}

// LoadCalibration reads a calibration file from disk.
func LoadCalibration(path string) (Calibration, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Calibration{}, fmt.Errorf("calibration: %w", err)
	}
	c, err := ParseCalibration(data)
	if err != nil {
		return Calibration{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// MarshalJSON writes the file form, weights rounded to four decimals.
func (c Calibration) MarshalJSON() ([]byte, error) {
	if len(c.Model.Weights) != len(InputNames) {
		return nil, fmt.Errorf("calibration: model has %d weights, want %d", len(c.Model.Weights), len(InputNames))
	}
	f := calibrationFile{Version: 1, Weights: map[string]float64{}, Thresholds: c.Thresholds, Fit: c.Fit}
	for i, name := range InputNames {
		f.Weights[name] = roundTo(c.Model.Weights[i], 4)
	}
	return json.MarshalIndent(f, "", "  ")
}

func roundTo(x float64, decimals int) float64 {
	p := math.Pow10(decimals)
	return math.Round(x*p) / p
}
