package procedures

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestShippedConfidenceModelLoads(t *testing.T) {
	if defaultConfidence == nil {
		t.Fatal("confidence.json is missing or its features differ from confFeatureNames: retrain it (oabot procedures calibrate)")
	}
	for _, set := range defaultConfidence.TrainedOn {
		for _, sealed := range []string{"blind5", "blind7", "blind8", "blind10"} {
			if strings.Contains(set, sealed) {
				t.Errorf("the model was fitted on the sealed set %s", set)
			}
		}
	}
}

// The shipped model is what the trainer makes from the sets it names: refitting on the
// same labelled queries, catalogues and seed examples gives the same weights and
// threshold (nobody edited the file by hand; a change of the search that shifts the
// features shows here, and the model must be refitted).
func TestShippedConfidenceModelIsReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 2,642 records; skipped with -short")
	}
	var samples []ConfSample
	var names []string
	forEachFittedSet(t, defaultConfidence.TrainedOn, func(ix *Index, x AccountExamples, qs []EvalQuery, name string) {
		samples = append(samples, ix.ConfidenceSamples(qs, x)...)
		names = append(names, name)
	})
	m, err := TrainConfidence(samples, defaultConfidence.Target, names)
	if err != nil {
		t.Fatal(err)
	}
	if defaultConfidence.MinProb > 0 {
		m.CutAt(defaultConfidence.MinProb, samples)
	}
	// The file was fitted through the CLI on an imported catalogue file: sums may differ in
	// the last digits.
	same := len(m.Weights) == len(defaultConfidence.Weights) && math.Abs(m.Threshold-defaultConfidence.Threshold) < 1e-3 &&
		m.Samples == defaultConfidence.Samples && slices.Equal(m.TrainedOn, defaultConfidence.TrainedOn)
	for i := range m.Weights {
		same = same && math.Abs(m.Weights[i]-defaultConfidence.Weights[i]) < 1e-3
	}
	if !same {
		got, _ := json.Marshal(m)
		want, _ := json.Marshal(defaultConfidence)
		t.Errorf("refitted model differs from confidence.json:\n got %s\nwant %s", got, want)
	}
}

func TestTrainConfidence(t *testing.T) {
	// Two kinds of answers: clear leads (log ratio high, name covers the message) that are
	// right, and close calls that are right one time in three.
	var ss []ConfSample
	for i := range 300 {
		var f confFeatures
		f[0] = 1
		if i%2 == 0 {
			f[2], f[3] = 2.5, 1
			ss = append(ss, ConfSample{f: f, Right: true})
		} else {
			f[2] = 0.1
			ss = append(ss, ConfSample{f: f, Right: i%3 == 0})
		}
	}
	m, err := TrainConfidence(ss, 0.97, []string{"synthetic"})
	if err != nil {
		t.Fatal(err)
	}
	kept, prec := SampleKept(ss, m)
	if prec < 0.97 || kept < 0.45 || kept > 0.55 {
		t.Errorf("kept %.2f at precision %.3f; want the clear half kept, all right", kept, prec)
	}
	m2, _ := TrainConfidence(ss, 0.97, []string{"synthetic"})
	if fmt.Sprint(m) != fmt.Sprint(m2) {
		t.Error("training is not deterministic")
	}
	if _, err := TrainConfidence(ss[:10], 0.97, nil); err == nil {
		t.Error("10 samples: want an error")
	}
	// Cut at a probability: the threshold is that probability, and what it keeps is
	// measured again. The clear half has a high probability, the close calls about 1/3.
	m.CutAt(0.9, ss)
	if m.Threshold != 0.9 || m.MinProb != 0.9 || m.Target != 0 {
		t.Errorf("CutAt(0.9): threshold %v, min_prob %v, target %v", m.Threshold, m.MinProb, m.Target)
	}
	if kept, prec := SampleKept(ss, m); m.Kept != math.Round(kept*1000)/1000 || m.Precision != math.Round(prec*1000)/1000 || prec < 0.97 {
		t.Errorf("CutAt(0.9): recorded kept %v precision %v, measured %v %v", m.Kept, m.Precision, kept, prec)
	}
	m.CutAt(0.2, ss)
	if kept, _ := SampleKept(ss, m); kept < 0.99 {
		t.Errorf("CutAt(0.2) keeps %.2f, want the close calls too", kept)
	}
}

// The model only turns a card into a list: the hits and their order never change.
func TestConfidenceNeverReorders(t *testing.T) {
	ix, x := seedIndex(t)
	for _, q := range readQueries(t, "testdata/queries-blind4.jsonl") {
		with, _, _ := ix.searchWith(q.Query, 5, x.For(""), defaultConfidence, nil)
		without, _, _ := ix.searchWith(q.Query, 5, x.For(""), nil, nil)
		if len(with.Hits) != len(without.Hits) {
			t.Fatalf("%q: %d hits with the model, %d without", q.Query, len(with.Hits), len(without.Hits))
		}
		for i := range with.Hits {
			if with.Hits[i].Record != without.Hits[i].Record {
				t.Errorf("%q: hit %d differs", q.Query, i)
			}
		}
		if with.Confidence != without.Confidence && (with.Confidence != ConfidenceFew || without.Confidence != ConfidenceOne) {
			t.Errorf("%q: confidence %s → %s; the model may only turn one into few", q.Query, without.Confidence, with.Confidence)
		}
	}
}

// forEachFittedSet walks the labelled sets a shipped model names (trainedOn, as
// "file@catalogue") over the catalogues it was fitted on — the built-in one (its queries
// only) and the national one — as the CLI fitted it: with the seed examples. visit gets
// each set's queries with the index and examples to search them with, and its name.
func forEachFittedSet(t *testing.T, trainedOn []string, visit func(ix *Index, x AccountExamples, qs []EvalQuery, name string)) {
	t.Helper()
	builtin, _ := Builtin()
	real := realCatalog(t)
	seed, _ := SeedExamples()
	type setup struct {
		ix *Index
		x  AccountExamples
		in *Catalog
	}
	var setups []setup
	for _, c := range []*Catalog{builtin, real} {
		ix := NewIndex(c, Options{})
		s := setup{ix: ix, x: ix.NewExamples(seed).For("")}
		if c == builtin {
			s.in = c
		}
		setups = append(setups, s)
	}
	seen := map[string]bool{}
	for _, name := range trainedOn {
		file, _, _ := strings.Cut(name, "@")
		if seen[file] {
			continue
		}
		seen[file] = true
		path := filepath.Join("testdata", file)
		if file == "queries-dev.jsonl" {
			path = devQueriesPath
		}
		qs := readQueries(t, path)
		for i, s := range setups {
			q := qs
			if s.in != nil {
				q = InCatalog(s.in, qs)
			}
			visit(s.ix, s.x, q, file+"@"+[]string{"builtin", "national.json"}[i])
		}
	}
}

// Over the national catalogue, a list whose first hit the learned ranker is sure of
// (rankerSureProb) is that hit's card: the search alone listed these; and no list the
// bot shows leads with a hit the ranker is that sure of. Over the built-in catalogue,
// which lacks most of what citizens ask, the ranker's certainty decides nothing.
func TestRankerSureMakesCard(t *testing.T) {
	ix, x := nationalSeeded(t)
	for q, code := range map[string]string{
		"e muon tach hk rieng voi bo me dc ko a": "1.010038",
		"Tui ở xã giáp Trung Quốc, muốn làm giấy thông hành qua chợ biên giới bên kia thì xin ở đâu?": "1.003133",
	} {
		if own, _, _ := ix.searchWith(q, 5, x, nil, nil); own.Confidence != ConfidenceFew {
			t.Fatalf("the search alone answers %q with %s, want a list (the case this test is about)", q, own.Confidence)
		}
		res := ix.SearchWith(q, 5, x)
		if res.Confidence != ConfidenceOne || len(res.Hits) == 0 || res.Hits[0].Record.Code != code || res.Hits[0].Prob < rankerSureProb {
			t.Errorf("SearchWith(%q) = %s %v, want the card of %s", q, res.Confidence, hitCodes(res), code)
		}
	}
	f, err := os.Open("testdata/golden-queries.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	lists := 0
	for sc.Scan() {
		q := strings.TrimSpace(sc.Text())
		if q == "" || strings.HasPrefix(q, "#") {
			continue
		}
		res := ix.SearchWith(q, 5, x)
		if res.Confidence == ConfidenceFew && len(res.Hits) > 0 {
			lists++
			if res.Hits[0].Prob >= rankerSureProb {
				t.Errorf("SearchWith(%q): a list led by a hit the ranker gives %.4f", q, res.Hits[0].Prob)
			}
		}
	}
	if lists == 0 {
		t.Error("no golden query was answered with a list: the check above checked nothing")
	}

	bix, bx := seedIndex(t)
	q := "giấy phép xd bị mất r, xin cấp lạii đc k" // a building permit: the built-in catalogue has none
	res := bix.SearchWith(q, 5, bx.For(""))
	if len(res.Hits) == 0 || res.Hits[0].Prob < rankerSureProb {
		t.Fatalf("built-in SearchWith(%q) = %v, the ranker no longer sure of its first hit: pick another message", q, hitCodes(res))
	}
	if res.Confidence == ConfidenceOne {
		t.Errorf("built-in SearchWith(%q) = the card of %s, want a list: the catalogue lacks what is asked", q, res.Hits[0].Record.Code)
	}
}
