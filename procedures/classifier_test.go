package procedures

import (
	"math"
	"reflect"
	"slices"
	"testing"
)

// The classifier learns which words tell procedures apart, reads only words the shared
// examples have, trains the same weights every time, and is trained once per index for
// the same shared examples: an officer's example reuses it.
func TestClassifier(t *testing.T) {
	shared := append(deathAndBirthExamples(),
		Example{ID: "d3", Query: "bố mất tuần trước cần giấy tờ gì", Code: "1.000656"},
		Example{ID: "b3", Query: "vợ sinh con trai tháng trước đi làm giấy", Code: "1.001193"})
	ix := builtinIndex(t)
	x := ix.NewExamples(shared)
	read := func(x *Examples, q string) clfMatch {
		an := ix.analyse(q)
		return x.classify(x.vector(ix.features(&an)))
	}
	m := read(x, "ông nội qua đời, cần làm giấy gì")
	if m.best != "1.000656" || m.top <= 0.5 {
		t.Fatalf("best %q (p %.2f), want the death registration 1.000656", m.best, m.top)
	}
	if sum := m.prob("1.000656") + m.prob("1.001193"); math.Abs(sum-1) > 1e-6 {
		t.Errorf("probabilities sum to %v", sum)
	}
	if m.prob("") != 0 || m.prob("@office_hours") != 0 {
		t.Error("out-of-scope and intent examples make no class")
	}
	if m := x.classify(x.vector(map[string]float32{"khongcotu": 1})); m.best != "" || m.probs != nil {
		t.Errorf("a message sharing no word with the examples: best %q", m.best)
	}

	// The same shared examples on a fresh index train the same weights.
	fresh := builtinIndex(t)
	fresh.NewExamples(shared)
	if a, b := ix.clfCache.Load(), fresh.clfCache.Load(); a == b || !reflect.DeepEqual(a, b) {
		t.Error("two trainings on the same examples differ (or were not two)")
	}

	// An officer's example reuses the trained model, and its own words do not move what
	// the classifier says.
	trained := ix.clfCache.Load()
	own := append(slices.Clone(shared), Example{ID: "w", Account: "ward", Query: "xin trích lục báo tử ông cố", Code: "1.000656"})
	xo := ix.NewExamples(own)
	if ix.clfCache.Load() != trained {
		t.Error("an officer's example trained the classifier again")
	}
	q := "trích lục ông cố qua đời"
	if a, b := read(x, q), read(xo, q); !slices.Equal(a.probs, b.probs) {
		t.Errorf("an officer's words moved the classifier: %v → %v", a.probs, b.probs)
	}
	// A new shared example trains again.
	ix.NewExamples(append(slices.Clone(shared), Example{ID: "d4", Query: "trích lục khai tử", Code: "1.000656"}))
	if ix.clfCache.Load() == trained {
		t.Error("a new shared example did not train the classifier again")
	}
}

// Over the fitted sets' messages whose procedure has seed examples (national catalogue),
// the classifier's best procedure is right more often than the best prototype's: that is
// what it is for.
func TestClassifierBeatsPrototypes(t *testing.T) {
	ix, ax := nationalSeeded(t)
	x := ax.x
	n, clf, proto := 0, 0, 0
	for _, set := range []string{"blind4", "blind6", "blind9", "blind11", "blind14", "train16", "train17", "train18"} {
		for _, q := range readQueries(t, "testdata/queries-"+set+".jsonl") {
			if len(q.Expect) == 0 {
				continue
			}
			if _, ok := x.protos.ids[q.Expect[0]]; !ok {
				continue
			}
			n++
			an := ix.analyse(q.Query)
			qv := x.vector(ix.features(&an))
			if m := x.classify(qv); slices.Contains(q.Expect, m.best) {
				clf++
			}
			if m := x.protoScores(qv); slices.Contains(q.Expect, m.best) {
				proto++
			}
		}
	}
	t.Logf("%d messages: classifier right %d (%.3f), prototype right %d (%.3f)", n, clf, float64(clf)/float64(n), proto, float64(proto)/float64(n))
	if clf <= proto {
		t.Errorf("the classifier (%d) is no better than the prototypes (%d)", clf, proto)
	}
}
