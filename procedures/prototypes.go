package procedures

import (
	"maps"
	"math"
	"slices"
)

// A procedure's prototype is the centroid of its examples: every phrasing labelling it,
// each as a unit vector of the example matcher's features, summed. A message is compared
// with every prototype (cosine). Where the nearest example (examples.go) asks "is this
// message like one phrasing?", the prototype asks "are its words the words people use for
// this procedure?": a new wording that takes "báo tử" from one phrasing and "bà mất hôm
// qua" from another is close to the prototype of khai tử and to no phrasing. Measured on
// the long-message development set (blind9, national catalogue, messages whose procedure
// has examples): the best prototype is right for 79 %, the nearest example for 58 %, the
// search for 64 %. The prototype's similarity reaches the answer as features of the
// learned ranker (rankFeatureNames), and its best procedure joins the ranker's hits when
// the search did not find it.
//
// Prototypes are made of the shared examples only. An officer's own examples were tried as
// their account's prototypes: a prototype of one or two phrasings is close to any message
// sharing their words, and in the learning trial on the sealed blind8 teaching then made
// both the taught needs' other wordings (−1) and the untaught needs (−3) worse. Officers'
// examples act through the nearest-example vote, which they did before.

// protoPosting is one prototype holding a feature, with the feature's weight in the
// prototype's unit vector.
type protoPosting struct {
	proto int32
	w     float32
}

// prototypes is the prototypes of an examples index.
type prototypes struct {
	codes []string         // prototype → its procedure's code
	post  [][]protoPosting // example feature id → the prototypes holding it
	ids   map[string]int32 // code → its prototype
}

// Tuning of the prototypes (measured on the unsealed labelled sets).
const (
	// protoJoin: a prototype this similar to a message brings its procedure into the
	// ranker's hits when the search did not find it.
	protoJoin = 0.1
	// protoRevive, protoReviveLead: a prototype this similar, leading the best prototype
	// about another object by this share (objectLead), answers a message the search found
	// nothing for with a list (one procedure to confirm, never a card). On the long-message
	// development set (blind9, national) it turned 3 of 9 wrong refusals into right
	// answers and answered none of the messages out of scope; counting the leader's
	// siblings out turned 2 more (December 2026).
	protoRevive     = 0.2
	protoReviveLead = 0.2
)

// applyPrototype lets the best prototype m.best change res (after the examples' vote),
// answered by code (m.best, or its sibling that fits a state the message names): a
// search that found nothing gets code as a list to confirm when the prototype is close
// and clearly ahead (protoRevive); otherwise, when wide (hits for the ranker), code joins
// the hits last if the search did not find it, for the ranker to weigh.
func (ix *Index) applyPrototype(res Result, m *protoMatch, code string, wide bool) Result {
	switch {
	case code == "" || res.Intent != "" || res.Clarify != nil:
		return res
	case res.Abstain:
		if res.Example != "" || m.top < protoRevive || m.objectLead(ix) < protoReviveLead {
			return res // an example said "not ours", or the prototype is not clear enough
		}
		return res.answerAs([]Hit{ix.hitFor(code, nil)}, ConfidenceFew)
	case wide && m.top >= protoJoin:
		return ix.joinHits(res, code)
	}
	return res
}

// joinHits adds code's record to res's hits, last, for the ranker to weigh, unless res
// holds it already, is no list of hits, or code is empty.
func (ix *Index) joinHits(res Result, code string) Result {
	if code == "" || res.Abstain || res.Intent != "" || res.Clarify != nil || len(res.Hits) == 0 ||
		slices.ContainsFunc(res.Hits, func(h Hit) bool { return hitHas(h, code) }) {
		return res
	}
	res.Hits = append(slices.Clip(res.Hits), ix.hitFor(code, nil))
	return res
}

// buildPrototypes sums the unit vectors of x's shared examples that label a procedure
// (not out-of-scope or intent examples) per code. vecs are the examples' features.
func (x *Examples) buildPrototypes(vecs []map[string]float32) {
	idx := map[string]int32{}
	var sums []map[int32]float64
	for i, v := range vecs {
		e := x.exs[i]
		if _, intent := e.Intent(); intent || e.Code == "" || e.Account != "" || x.norm2[i] == 0 {
			continue
		}
		p, ok := idx[e.Code]
		if !ok {
			p = int32(len(x.protos.codes))
			idx[e.Code] = p
			x.protos.codes = append(x.protos.codes, e.Code)
			sums = append(sums, map[int32]float64{})
		}
		inv := 1 / math.Sqrt(float64(x.norm2[i]))
		for f, tf := range v {
			id := x.feats[f]
			sums[p][id] += float64(tf*x.idf[id]) * inv
		}
	}
	x.protos.post = make([][]protoPosting, len(x.feats))
	for p, s := range sums {
		ids := slices.Sorted(maps.Keys(s)) // a fixed order: n2 is a float sum
		var n2 float64
		for _, id := range ids {
			n2 += s[id] * s[id]
		}
		inv := 1 / math.Sqrt(n2)
		for _, id := range ids {
			x.protos.post[id] = append(x.protos.post[id], protoPosting{int32(p), float32(s[id] * inv)})
		}
	}
	x.protos.ids = idx
}

// protoMatch is a message's similarity to the prototypes.
type protoMatch struct {
	x    *Examples
	sims []float32 // by prototype (cosine); nil when no prototype shares a word
	best string    // the most similar procedure's code
	top  float64   // its similarity
	lead float64   // by how much it leads the next procedure, as a share of top
}

// sim is the similarity to code's prototype (0 when it has none).
func (m *protoMatch) sim(code string) float64 {
	if m.sims == nil {
		return 0
	}
	if p, ok := m.x.protos.ids[code]; ok {
		return float64(m.sims[p])
	}
	return 0
}

// objectLead is by how much, as a share of its similarity, the best prototype leads the
// best one about another object: its siblings (other acts on the same document) and
// level variants do not count. Whether the message is about this object is what a revived
// answer needs to know; which act on it, the siblings' own vocabulary rarely tells
// (a death: "khai tử" against "đăng ký lại khai tử").
func (m *protoMatch) objectLead(ix *Index) float64 {
	if m.top <= 0 {
		return 0
	}
	d, ok := ix.docOf[m.best]
	related := func(code string) bool {
		if code == m.best {
			return true
		}
		o, found := ix.docOf[code]
		return ok && found && (ix.docs[o].group == ix.docs[d].group ||
			ix.docs[d].family >= 0 && ix.docs[o].family == ix.docs[d].family)
	}
	var next float32
	for p, code := range m.x.protos.codes {
		if s := m.sims[p]; s > next && !related(code) {
			next = s
		}
	}
	return (m.top - float64(next)) / m.top
}

// has reports whether code has a prototype.
func (m *protoMatch) has(code string) bool {
	if m.x.Len() == 0 {
		return false
	}
	_, ok := m.x.protos.ids[code]
	return ok
}

// protoScores compares the message's example features qv with every prototype (cosine).
// Words no shared example has do not count: the score says which procedure the known words point
// to, not how much of the message they cover (the search's coverage says that).
func (x *Examples) protoScores(qv []qfeat) protoMatch {
	m := protoMatch{x: x}
	if x.Len() == 0 || len(x.protos.codes) == 0 {
		return m
	}
	sims := make([]float32, len(x.protos.codes))
	var qn2 float32
	for _, q := range qv { // in a fixed order (vector): float sums
		id := q.id
		if id < 0 || len(sharedPostings(x.post[id])) == 0 {
			continue // no shared example has it (prototypes are made of those alone)
		}
		wq := q.tf * x.idf[id]
		qn2 += wq * wq
		for _, p := range x.protos.post[id] {
			sims[p.proto] += wq * p.w
		}
	}
	if qn2 == 0 {
		return m
	}
	inv := 1 / float32(math.Sqrt(float64(qn2)))
	// The best two procedures (ties to the smaller code, whatever the prototypes' order).
	var best, next float32
	for p, code := range x.protos.codes {
		sims[p] *= inv
		switch s := sims[p]; {
		case s > best || s == best && s > 0 && code < m.best:
			next, best, m.best = best, s, code
		case s > next:
			next = s
		}
	}
	m.sims, m.top = sims, float64(best)
	if best > 0 {
		m.lead = float64((best - next) / best)
	}
	return m
}
