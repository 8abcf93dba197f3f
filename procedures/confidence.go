package procedures

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
)

// The bot sends a card straight away only when it is very likely right; otherwise a short
// list lets the citizen choose. Whether a one-card answer stands is decided by a small
// logistic model over what the search and the examples saw (confFeatures), trained by
// TrainConfidence on labelled queries that are not sealed (oabot procedures calibrate)
// and shipped as confidence.json. The model only ever turns a card into a list: it never
// changes the order of the hits.

// confFeatureNames name the features, in order (confidence.json lists them too, so a
// model trained on other features is refused).
var confFeatureNames = []string{
	"bias",
	"search_one",     // the search alone would send one card
	"log_ratio",      // log(top score / second score), capped at 3 (3 with one hit)
	"top_full",       // the first hit's name holds every content word of the message
	"example_agrees", // the closest example labels the first hit
	"example_score",  // its similarity when it agrees
	"example_other",  // the closest example's similarity when it labels another procedure
	"by_example",     // an example decided the answer
	"content_words",  // content words / 10, capped at 1
	"verb",           // the message names an administrative act
	"hits",           // hits / 5
}

type confFeatures [11]float64

// confFeaturesOf describes a one-card answer res to the analysed message a, given the
// examples' best vote (zero without examples).
func confFeaturesOf(a *analysed, res *Result, searchOne bool, best exVote) confFeatures {
	var f confFeatures
	f[0] = 1
	if searchOne {
		f[1] = 1
	}
	f[2] = 3
	if len(res.Hits) > 1 && res.Hits[1].Score > 0 && res.Hits[0].Score > 0 {
		f[2] = min(3, math.Max(0, math.Log(res.Hits[0].Score/res.Hits[1].Score)))
	}
	if res.topFull {
		f[3] = 1
	}
	if len(res.Hits) > 0 && best.score > 0 {
		if hitHas(res.Hits[0], best.code) {
			f[4], f[5] = 1, best.score
		} else {
			f[6] = best.score
		}
	}
	if res.Example != "" {
		f[7] = 1
	}
	f[8] = min(1, float64(a.nContent)/10)
	if a.verb {
		f[9] = 1
	}
	f[10] = float64(len(res.Hits)) / 5
	return f
}

// ConfidenceModel is the logistic model that decides whether a one-card answer stands.
type ConfidenceModel struct {
	Features  []string  `json:"features"`
	Weights   []float64 `json:"weights"`
	Threshold float64   `json:"threshold"`
	// MinProb, when set, is the threshold: a card stands when the model gives it at least
	// this probability of being right (CutAt). The shipped model is cut so: chosen by
	// leaving one labelled set out (docs/ranker.md), it kept more held-out cards at the
	// same precision than a threshold searched for Target on the fitted sets, and it does
	// not swing with one or two wrong cards in training.
	MinProb float64 `json:"min_prob,omitempty"`
	// Target is the precision the threshold was chosen for on the fitted sets, when not
	// cut at MinProb.
	Target float64 `json:"target,omitempty"`
	// TrainedOn names the labelled sets and catalogues it was fitted on; Precision and
	// Kept are measured on them at Threshold: the share of kept cards that were right,
	// and the share of one-card answers kept.
	TrainedOn []string `json:"trained_on"`
	Samples   int      `json:"samples"`
	Precision float64  `json:"precision"`
	Kept      float64  `json:"kept"`
}

// prob is the model's probability that the card is right.
func (m *ConfidenceModel) prob(f confFeatures) float64 {
	z := 0.0
	for i, w := range m.Weights {
		z += w * f[i]
	}
	return 1 / (1 + math.Exp(-z))
}

//go:embed confidence.json
var confidenceJSON []byte

// defaultConfidence is the shipped model; nil when confidence.json is missing or stale
// (then every one-card answer stands, as before the model).
var defaultConfidence = func() *ConfidenceModel {
	var m ConfidenceModel
	if json.Unmarshal(confidenceJSON, &m) != nil || !slices.Equal(m.Features, confFeatureNames) || len(m.Weights) != len(confFeatureNames) {
		return nil
	}
	return &m
}()

// ConfSample is one one-card answer with whether it was right, for training.
type ConfSample struct {
	f     confFeatures
	Right bool
}

// ConfidenceSamples runs the labelled in-scope and out-of-scope queries through
// SearchWith without the confidence model and returns a sample for every one-card answer.
func (ix *Index) ConfidenceSamples(qs []EvalQuery, x AccountExamples) []ConfSample {
	var out []ConfSample
	for _, q := range qs {
		res, f, ok := ix.searchWith(q.Query, 5, x, nil, nil)
		if !ok || res.Confidence != ConfidenceOne || res.Abstain || len(res.Hits) == 0 {
			continue
		}
		out = append(out, ConfSample{f: f, Right: len(q.Expect) > 0 && hitExpected(res.Hits[0], q.Expect)})
	}
	return out
}

// TrainConfidence fits the model by gradient descent on the log loss with a little L2
// (deterministic: fixed steps, samples in the order given), then picks the lowest
// threshold at which the kept cards are right at least target of the time.
func TrainConfidence(samples []ConfSample, target float64, trainedOn []string) (*ConfidenceModel, error) {
	if len(samples) < 50 {
		return nil, fmt.Errorf("calibrate: %d samples, want at least 50", len(samples))
	}
	n := len(confFeatureNames)
	w := make([]float64, n)
	const steps, rate, l2 = 4000, 0.5, 1e-3
	for range steps {
		grad := make([]float64, n)
		for _, s := range samples {
			z := 0.0
			for i := range n {
				z += w[i] * s.f[i]
			}
			p := 1 / (1 + math.Exp(-z))
			y := 0.0
			if s.Right {
				y = 1
			}
			for i := range n {
				grad[i] += (p - y) * s.f[i]
			}
		}
		for i := range n {
			reg := l2 * w[i]
			if i == 0 {
				reg = 0
			}
			w[i] -= rate * (grad[i]/float64(len(samples)) + reg)
		}
	}
	m := &ConfidenceModel{Features: confFeatureNames, Weights: w, Target: target, TrainedOn: trainedOn, Samples: len(samples)}
	for i := range w {
		w[i] = math.Round(w[i]*1e6) / 1e6 // a stable file
	}
	// The threshold: sort by probability; the lowest cut whose kept cards reach target.
	type scored struct {
		p     float64
		right bool
	}
	ps := make([]scored, len(samples))
	for i, s := range samples {
		ps[i] = scored{m.prob(s.f), s.Right}
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].p > ps[j].p })
	right, best := 0, -1
	for i, s := range ps {
		if s.right {
			right++
		}
		// Cut after i (keep ps[:i+1]) only between distinct probabilities.
		if float64(right)/float64(i+1) >= target && (i+1 == len(ps) || ps[i+1].p < s.p) {
			best = i
		}
	}
	if best < 0 {
		m.Threshold, m.Kept, m.Precision = 1, 0, 0
		return m, nil
	}
	m.Threshold = math.Floor(ps[best].p*1e6) / 1e6 // floor: the cut keeps ps[best]
	kept, keptRight := 0, 0
	for _, s := range ps {
		if s.p >= m.Threshold {
			kept++
			if s.right {
				keptRight++
			}
		}
	}
	m.Kept = math.Round(float64(kept)/float64(len(ps))*1000) / 1000
	m.Precision = math.Round(float64(keptRight)/float64(max(1, kept))*1000) / 1000
	return m, nil
}

// CutAt sets m's threshold to the probability p (MinProb) instead of the one searched
// for Target, and measures Kept and Precision again on the fitted samples.
func (m *ConfidenceModel) CutAt(p float64, samples []ConfSample) {
	m.MinProb, m.Threshold, m.Target = p, p, 0
	kept, prec := SampleKept(samples, m)
	m.Kept = math.Round(kept*1000) / 1000
	m.Precision = math.Round(prec*1000) / 1000
}

// SampleKept is the share of samples m keeps as cards (nil: all) and their precision.
func SampleKept(ss []ConfSample, m *ConfidenceModel) (kept, precision float64) {
	n, right := 0, 0
	for _, s := range ss {
		if m != nil && m.prob(s.f) < m.Threshold {
			continue
		}
		n++
		if s.Right {
			right++
		}
	}
	if len(ss) == 0 || n == 0 {
		return 0, 0
	}
	return float64(n) / float64(len(ss)), float64(right) / float64(n)
}
