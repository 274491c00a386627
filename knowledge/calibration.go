package knowledge

import (
	"math"
	"sort"
)

// The ranking score mixes BM25 (field boosts and length normalisation tell what an entry is
// about) with Balai's coverage and phrasing features (which tell how much of the question the
// entry explains, and how much of the entry the question asks about). The weights were
// chosen on the calibration sets only (dev, cases and agency-calib; never the held-out ones)
// by the share of questions whose entry ranks first, then checked through `balai calibrate`.
// On the 1,089-entry agency sheet BM25 most often lifted the wrong sibling: one with shorter
// fields, or with the question's words in its body. With BM25 at 0.20 (was 0.30), strong
// coverage dropped (coverage already counts the body at half), the share of the closest
// phrasing the question covers added, and DistinctMiss (an entry's own qualifiers the
// question does not mention) subtracted, top-1 by confidence went from 75.2 to 77.0 % on
// agency-calib (own calibration), 94.4 to 94.9 % on cases and stayed at 98 % on dev; the
// agency's own calibration answers 33.9 % (cross-validated 36.1 %) instead of 31.4 % (31.0 %)
// at 1.5 % wrong (was 1.8 %). Earlier, BM25 shares of 0.5, 0.35, 0.30 and 0.25 with the old
// relevance gave 55.5/9.5, 56.2/9.1, 56.9/8.4 and 56.2/7.7 % correct/wrong on the agency
// sheet with the shipped calibration.
const (
	wCoverage    = 0.60
	wPhrasing    = 0.20
	wPhraseCover = 0.10
	wDistinct    = 0.10
	wBM25        = 0.20
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
		f.Relevance = clamp01(wCoverage*f.Coverage + wPhrasing*f.Phrasing + wPhraseCover*f.PhraseCover - wDistinct*f.DistinctMiss)
		f.Score = wBM25*f.BM25Rel + (1-wBM25)*f.Relevance
	}
	for i := range cands {
		f := &cands[i].Features
		best, crowd := 0.0, 0
		for j := range cands {
			if j == i || sameBody(cands[i].Entry, cands[j].Entry) {
				continue // itself, or a duplicate: the same answer is no rival
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
