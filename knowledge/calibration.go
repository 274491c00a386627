package knowledge

import (
	"math"
	"sort"
)

// The ranking score mixes bleve's BM25 (field boosts and length normalisation tell what an
// entry is about) with Balai's coverage and phrasing features (which tell how much of the
// question the entry explains). BM25's share was chosen by `balai calibrate`'s cross-validation
// on the calibration sets (never the held-out ones): 0.5, 0.35, 0.30 and 0.25 gave on the
// 1,089-entry agency sheet 55.5/9.5, 56.2/9.1, 56.9/8.4 and 56.2/7.7 % correct/wrong, and on
// the default corpus 86.4/0.6, 86.6/0.8, 86.4/0.8 and 85.6/0.4: in a large corpus the share
// of the question an entry explains tells siblings apart better than BM25's field weights.
const (
	wCoverage = 0.40
	wStrong   = 0.25
	wPhrasing = 0.35
	wBM25     = 0.30
)

// InputNames name the inputs of the confidence model, in order.
var InputNames = []string{"bias", "coverage", "strong_coverage", "phrasing", "phrase_cover", "title_cover",
	"miss_max", "unknown", "log_terms", "bm25_rel", "margin", "margin_neg", "miss_idf", "coverage_sq", "phrase_cover_sq",
	"miss_strong", "coverage_x_margin", "cover_x_bm25", "log_entries", "margin_x_log_entries", "crowd"}

// Inputs returns the model inputs of a candidate's features.
func Inputs(f Features) []float64 {
	return []float64{1, f.Coverage, f.StrongCoverage, f.Phrasing, f.PhraseCover, f.TitleCover,
		f.MissMax, f.Unknown, math.Log1p(float64(f.Terms)), f.BM25Rel, f.Margin, math.Min(f.Margin, 0),
		f.MissIDF, f.Coverage * f.Coverage, f.PhraseCover * f.PhraseCover,
		f.MissStrong, f.Coverage * math.Max(f.Margin, 0), f.PhraseCover * f.BM25Rel,
		logEntries(f.Entries), f.Margin * logEntries(f.Entries), math.Log1p(float64(f.Crowd))}
}

// logEntries is the corpus size on a log scale: 0 for 10 entries, 1 for 100, 2 for 1,000.
// Confidence depends on it: the same margin means less among a thousand siblings.
func logEntries(n int) float64 { return math.Log10(math.Max(float64(n), 10)) - 1 }

// crowdBand: candidates scoring within this of each other are a crowd of siblings.
const crowdBand = 0.1

// Model turns a candidate's features into a calibrated confidence: the probability that the
// candidate answers the question, by logistic regression over Inputs.
type Model struct {
	Weights []float64
}

// Confidence returns the model's probability for features f.
func (m Model) Confidence(f Features) float64 {
	x := Inputs(f)
	var z float64
	for i, w := range m.Weights {
		z += float64(w * x[i]) // no fused multiply-add: the same confidence on every machine
	}
	return 1 / (1 + math.Exp(-z))
}

// DefaultModel is the model of the embedded calibration (calibration.json), produced by
// `balai calibrate` — see Calibration.
var DefaultModel = defaultCalibration.Model

// Rescore recomputes the confidences of res's candidates with model m and sorts them again,
// as Ask would have with m. The decision is not changed: call Decide.
func (m Model) Rescore(res *Result) {
	if len(res.Candidates) > 0 {
		calibrate(res.Candidates, m)
	}
}

// calibrate scores and ranks candidates: ranking score, margin to the best other candidate,
// and calibrated confidence. Candidates are sorted by confidence.
func calibrate(cands []Candidate, m Model) {
	var maxBM25 float64
	for _, c := range cands {
		maxBM25 = math.Max(maxBM25, c.Features.BM25)
	}
	for i := range cands {
		f := &cands[i].Features
		if maxBM25 > 0 {
			f.BM25Rel = f.BM25 / maxBM25
		}
		f.Relevance = clamp01(wCoverage*f.Coverage + wStrong*f.StrongCoverage + wPhrasing*f.Phrasing)
		f.Score = wBM25*f.BM25Rel + (1-wBM25)*f.Relevance
	}
	for i := range cands {
		f := &cands[i].Features
		best, crowd := 0.0, 0
		for j := range cands {
			if j == i {
				continue
			}
			other := cands[j].Features.Score
			best = math.Max(best, other)
			if math.Abs(other-f.Score) <= crowdBand {
				crowd++
			}
		}
		f.Margin, f.Crowd = f.Score-best, crowd
		cands[i].Confidence = round3(m.Confidence(*f))
	}
	sort.SliceStable(cands, func(a, b int) bool {
		if cands[a].Confidence != cands[b].Confidence {
			return cands[a].Confidence > cands[b].Confidence
		}
		return cands[a].Features.Score > cands[b].Features.Score
	})
}
