package procedures

import "testing"

// A prototype pools a procedure's phrasings: a message that takes its words from two
// phrasings is closest to their procedure's prototype.
func TestPrototypePoolsPhrasings(t *testing.T) {
	ix := builtinIndex(t)
	x := ix.NewExamples(deathAndBirthExamples())
	q := "ông nội qua đời, xin giấy báo tử"
	an := ix.analyse(q)
	m := x.protoScores(x.vector(ix.features(&an)))
	if m.best != "1.000656" || m.lead <= 0 {
		t.Fatalf("best prototype %q (lead %.2f), want the death registration 1.000656", m.best, m.lead)
	}
	if !m.has("1.001193") || m.has("") || m.has("@office_hours") {
		t.Error("out-of-scope and intent examples make no prototype; procedure examples do")
	}
	if m := x.protoScores(x.vector(map[string]float32{"khongcotu": 1})); m.best != "" || m.sim("1.000656") != 0 {
		t.Errorf("a message sharing no word with the examples: best %q", m.best)
	}
}

// Prototypes are made of the shared examples: an officer's own examples act through the
// nearest-example vote only (a prototype of one phrasing is close to any message sharing
// its words, and made teaching hurt other needs).
func TestPrototypesAreShared(t *testing.T) {
	ix := builtinIndex(t)
	xs := ix.NewExamples([]Example{
		{ID: "s", Query: "làm giấy khai sinh cho con", Code: "1.001193"},
		{ID: "w", Account: "ward", Query: "xin giấy xác nhận độc thân để cưới", Code: "1.004873"},
	})
	q := ix.analyse("giấy độc thân để cưới vợ")
	m := xs.protoScores(xs.vector(ix.features(&q)))
	if m.has("1.004873") || m.sim("1.004873") != 0 || !m.has("1.001193") {
		t.Errorf("prototypes: own example's code %v, shared example's code %v; want false, true", m.has("1.004873"), m.has("1.001193"))
	}
	if res := ix.SearchWith("giấy độc thân để cưới vợ", 5, xs.For("ward")); len(res.Hits) == 0 || res.Hits[0].Record.Code != "1.004873" {
		t.Errorf("the ward's own example no longer answers its own wording: %+v", res.Hits)
	}
}

// applyPrototype: a refusal becomes a list of the prototype's procedure only when it is
// close and clearly ahead, never against an example saying "not ours"; otherwise, for
// the ranker, a procedure the search did not find joins its hits last.
func TestApplyPrototype(t *testing.T) {
	ix := builtinIndex(t)
	// Prototypes of the death registration, its sibling (registering a death again) and
	// the birth registration, another object.
	x := ix.NewExamples([]Example{{ID: "d", Query: "làm giấy báo tử", Code: "1.000656"},
		{ID: "d2", Query: "đăng ký lại khai tử", Code: "1.005461"}, {ID: "b", Query: "làm giấy khai sinh", Code: "1.001193"}})
	// m: the message is sim close to the death registration and lead ahead of the birth
	// registration; the sibling is as close as the death registration itself.
	m := func(sim float32, lead float64) *protoMatch {
		sims := make([]float32, len(x.protos.codes))
		for p, code := range x.protos.codes {
			switch code {
			case "1.000656", "1.005461":
				sims[p] = sim
			case "1.001193":
				sims[p] = sim * float32(1-lead)
			}
		}
		return &protoMatch{x: x, sims: sims, best: "1.000656", top: float64(sim), lead: 0}
	}
	refusal := Result{Abstain: true, Confidence: ConfidenceNone}
	got := ix.applyPrototype(refusal, m(protoRevive+0.05, protoReviveLead+0.1), "1.000656", false)
	if got.Abstain || len(got.Hits) != 1 || got.Hits[0].Record.Code != "1.000656" || got.Confidence != ConfidenceFew {
		// Its sibling is as close (m's lead 0): which object the message is about is
		// clear, and that is what a revived answer needs (objectLead).
		t.Errorf("close, clear prototype on a refusal: %+v, want a list of 1.000656", got)
	}
	// The code answered is the one given: the sibling that fits a state the message names.
	if got := ix.applyPrototype(refusal, m(0.9, 0.9), "1.001193", false); len(got.Hits) != 1 || got.Hits[0].Record.Code != "1.001193" {
		t.Errorf("revived with the sibling's code: %+v, want 1.001193", got.Hits)
	}
	for name, c := range map[string]struct {
		res Result
		m   *protoMatch
	}{
		"not close":       {refusal, m(protoRevive-0.05, 0.9)},
		"not ahead":       {refusal, m(0.9, protoReviveLead-0.05)},
		"example says no": {Result{Abstain: true, Example: "o1"}, m(0.9, 0.9)},
		"intent":          {Result{Abstain: true, Intent: IntentOfficeHours}, m(0.9, 0.9)},
	} {
		if got := ix.applyPrototype(c.res, c.m, "1.000656", true); !got.Abstain {
			t.Errorf("%s: the refusal was revived", name)
		}
	}
	r, _ := ix.cat.ByCode("1.001193")
	found := Result{Hits: []Hit{{Record: r, Score: 3}}, Confidence: ConfidenceOne}
	if got := ix.applyPrototype(found, m(protoJoin+0.01, 0), "1.000656", true); len(got.Hits) != 2 || got.Hits[1].Record.Code != "1.000656" || got.Hits[0].Record != r {
		t.Errorf("wide: hits %v, want the search's first, then 1.000656", got.Hits)
	}
	if got := ix.applyPrototype(found, m(protoJoin+0.01, 0), "1.000656", false); len(got.Hits) != 1 {
		t.Error("not wide: the prototype's procedure joined the hits")
	}
	if got := ix.applyPrototype(found, m(protoJoin-0.01, 0), "1.000656", true); len(got.Hits) != 1 {
		t.Error("a prototype below protoJoin joined the hits")
	}
}

// deathAndBirthExamples are two phrasings each of the death and the birth registration,
// one "not ours" and one intent: the examples of the prototype and classifier tests.
func deathAndBirthExamples() []Example {
	return []Example{
		{ID: "d1", Query: "làm giấy báo tử cho bà", Code: "1.000656"},
		{ID: "d2", Query: "ông nội qua đời ở nhà thì phải làm gì", Code: "1.000656"},
		{ID: "b1", Query: "làm giấy khai sinh cho con", Code: "1.001193"},
		{ID: "b2", Query: "bé mới sinh ở bệnh viện cần làm gì", Code: "1.001193"},
		{ID: "o", Query: "mất chó thì báo ai", Code: ""},
		{ID: "i", Query: "mấy giờ mở cửa", Code: "@office_hours"},
	}
}
