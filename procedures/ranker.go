package procedures

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"slices"
	"sort"
)

// The learned ranker: a linear score over what the search and the examples know of each
// of the first rankK hits (rankFeatureNames), fitted by TrainRanker as a softmax over
// each labelled query's hits (oabot procedures rank-fit) and shipped as ranker.json. It
// reorders the hits of a list before the confidence decision, only when ranker.json says
// it is enabled: it is enabled only when a cross-validation across the labelled sets
// (RankerCV) shows it helps (docs/ranker.md). It never touches an answer by code, a
// clarifying question, an abstention or an officer's own close example.

// rankK is how many hits the ranker reorders.
const rankK = 10

// rankFeatureNames name the per-hit features, in order (ranker.json lists them too, so a
// model fitted on other features is refused).
var rankFeatureNames = []string{
	"log_ratio",       // log(hit score / first search score), ≥ log(minRelativeScore); the floor for a hit the search did not find
	"first",           // the hit is first (after the examples' vote)
	"recip_rank",      // 1 / its rank
	"coverage",        // share of the message's content weight its record matches
	"head",            // the head factor (its name's action and object in the message)
	"name_phrase",     // its name shares a two-word phrase with the message
	"name_full",       // its name holds every content word of the message
	"phrase_len",      // longest run of words shared by name and message / 4
	"phrase_start",    // that run starts the name
	"action_typed",    // its name holds an action the citizen typed
	"action_expanded", // … only an action a synonym expansion added
	"unasked_end",     // its name starts with an ending action the message does not name
	"qualifiers",      // qualifiers of its name the message does not mention / 2
	"level",           // level rank / 3 (xã = 1)
	"citizen",         // its name says it is for individuals
	"age",             // +0.5 its age range holds the message's age, -0.5 it does not
	"example_sim",     // similarity of the closest example labelling it
	"example_top",     // the examples' vote labels it
	"not_searched",    // the search did not find it (an example added it)
	"name_words",      // words of its name / 20, capped at 1
	"state_fit",       // the message names a state ("mất", "hết hạn"): +1 its action fits it (0 when another sibling's action is typed), -1 a sibling's does and its does not
	"proto_sim",       // similarity of the message to its procedure's prototype (prototypes.go)
	"proto_top",       // its prototype is the most similar one
	"proto_known",     // its procedure has a prototype (examples label it)
	"proto_rel",       // proto_sim / the most similar prototype's
	"proto_margin",    // its prototype is the most similar: by how much, as a share of its similarity, it leads the next
	"clf_prob",        // the classifier's probability of its procedure (classifier.go)
	"clf_top",         // its procedure is the classifier's most probable
	"qual_typed",      // qualifiers of its name the message mentions / 2
}

const numRankFeatures = 29

// RankerModel is the ranker's linear score over rankFeatureNames.
type RankerModel struct {
	Features []string  `json:"features"`
	Weights  []float64 `json:"weights"`
	K        int       `json:"k"`
	// Enabled: the search uses the model (set by rank-fit from the cross-validation).
	Enabled bool `json:"enabled"`
	// TrainedOn names the labelled sets and catalogues; Lists counts the queries' hit
	// lists fitted (those holding a right and a wrong hit).
	TrainedOn []string `json:"trained_on"`
	Lists     int      `json:"lists"`
	// CV is the leave-one-set-out cross-validation the decision to enable rests on.
	CV []RankerCVRow `json:"cv,omitempty"`
}

//go:embed ranker.json
var rankerJSON []byte

// defaultRanker is the shipped model; nil when ranker.json is missing or stale.
var defaultRanker = func() *RankerModel {
	var m RankerModel
	if json.Unmarshal(rankerJSON, &m) != nil || !slices.Equal(m.Features, rankFeatureNames) || len(m.Weights) != numRankFeatures {
		return nil
	}
	return &m
}()

// ShippedRanker is the ranker the search uses: the shipped one when it is enabled, else
// nil (the search's own order).
func ShippedRanker() *RankerModel { return activeRanker() }

// activeRanker is the shipped ranker when it is enabled, else nil.
func activeRanker() *RankerModel {
	if defaultRanker == nil || !defaultRanker.Enabled {
		return nil
	}
	return defaultRanker
}

// score is the model's score of one hit.
func (m *RankerModel) score(f []float64) float64 {
	z := 0.0
	for i, w := range m.Weights {
		z += w * f[i]
	}
	return z
}

// rerank orders res's hits by the model's score (ties keep the search's order). When
// another hit comes first, the answer becomes a list: the search's confidence was about
// its own first hit.
func (m *RankerModel) rerank(res *Result, fs [][]float64) {
	if len(fs) != len(res.Hits) || len(fs) < 2 {
		return
	}
	idx := make([]int, len(fs))
	sc := make([]float64, len(fs))
	for i := range fs {
		idx[i], sc[i] = i, m.score(fs[i])
	}
	prob := slices.Clone(sc)
	softmax(prob)
	for i, p := range prob {
		res.Hits[i].Prob = p
	}
	sort.SliceStable(idx, func(i, j int) bool { return sc[idx[i]] > sc[idx[j]] })
	if idx[0] == 0 && slices.IsSorted(idx) {
		return
	}
	hits := make([]Hit, len(idx))
	for i, j := range idx {
		hits[i] = res.Hits[j]
	}
	if idx[0] != 0 {
		res.Confidence = ConfidenceFew
		res.Example = ""
		res.topFull = false
	}
	res.Hits = hits
}

// RankCandidate is one hit of a search with the ranker's features (named by
// RankFeatureNames).
type RankCandidate struct {
	Hit      Hit
	Features []float64
}

// RankFeatureNames returns the names of RankCandidate.Features.
func RankFeatureNames() []string { return slices.Clone(rankFeatureNames) }

// RankCandidates runs query through the search and the examples' vote (without the ranker
// and the confidence model) and returns its first rankK hits with their features; nil for
// an answer by code or an abstention.
func (ix *Index) RankCandidates(query string, x AccountExamples) []RankCandidate {
	if len(query) > 2000 {
		query = query[:2000]
	}
	if _, ok := ix.lookupCode(query); ok {
		return nil
	}
	a := ix.analyse(query)
	st := ix.searchState(&a, 5, x, true) // as SearchWith(…, 5, …) searches: rankK hits from its pool
	if st.res.Abstain {
		return nil
	}
	fs := ix.rankFeatures(&st)
	out := make([]RankCandidate, len(fs))
	for i := range fs {
		out[i] = RankCandidate{Hit: st.res.Hits[i], Features: fs[i]}
	}
	return out
}

// rankFeatures describes each hit of st.res (see rankFeatureNames).
func (ix *Index) rankFeatures(st *rankState) [][]float64 {
	a := st.a
	rq := ix.newRankQuery(a)
	mentioned := a.mentioned
	reps := map[*Record]cand{}
	for i, h := range st.search.Hits {
		if i < len(st.dg.reps) {
			reps[h.Record] = st.dg.reps[i]
		}
	}
	top := 0.0
	if len(st.search.Hits) > 0 {
		top = st.search.Hits[0].Score
	}
	// An example near the message speaks for the procedure the vote reads it for
	// (speaksFor): "chồng em người Nhật … làm giấy khai sinh" is close to "làm giấy khai
	// sinh cho con", which speaks for the foreign-element registration here.
	exSim := map[string]float64{}
	for _, n := range st.nb {
		if code := ix.speaksFor(a, n.vote()); code != "" && n.Score > exSim[code] {
			exSim[code] = n.Score
		}
	}
	floor := math.Log(minRelativeScore)
	state := a.state
	out := make([][]float64, len(st.res.Hits))
	for i, h := range st.res.Hits {
		f := make([]float64, numRankFeatures)
		out[i] = f
		if i == 0 {
			f[1] = 1
		}
		f[2] = 1 / float64(i+1)
		for code, s := range exSim {
			if hitHas(h, code) {
				f[16] = max(f[16], s)
			}
		}
		if st.best.score > 0 && hitHas(h, st.best.code) {
			f[17] = 1
		}
		for r := range ix.protoRecords(h, state >= 0, mentioned) {
			f[21] = max(f[21], st.protos.sim(r.Code))
			if r.Code == st.protos.best {
				f[22] = 1
				f[25] = st.protos.lead
			}
			if st.protos.has(r.Code) {
				f[23] = 1
			}
			f[26] = max(f[26], st.clf.prob(r.Code))
			if r.Code == st.clf.best {
				f[27] = 1
			}
		}
		if st.protos.top > 0 {
			f[24] = f[21] / st.protos.top
		}
		c, found := reps[h.Record]
		d := int32(-1)
		if found {
			d = c.doc
			f[0] = floor
			if top > 0 && h.Score > 0 {
				f[0] = max(floor, min(0, math.Log(h.Score/top)))
			}
			f[3] = c.cov
			f[4] = c.headF
			if c.bigram {
				f[5] = 1
			}
			if c.nameFull {
				f[6] = 1
			}
		} else {
			f[0], f[18] = floor, 1
			d = ix.docFor(h.Record)
		}
		if d < 0 {
			continue
		}
		di := &ix.docs[d]
		if l, start := ix.phraseRun(di.keyID, &rq); l >= 2 {
			f[7] = float64(min(l, 4)) / 4
			if start {
				f[8] = 1
			}
		}
		switch ix.actionFactor(di, &rq) {
		case typedActionBonus:
			f[9] = 1
		case actionBonus:
			f[10] = 1
		}
		if len(di.ends) > 0 && !slices.ContainsFunc(di.ends, func(e int16) bool { return slices.Contains(rq.acts, int(e)) }) {
			f[11] = 1
		}
		n, typed := 0, 0
		for _, q := range di.quals {
			if mentioned.has(q) {
				typed++
			} else {
				n++
			}
		}
		f[12] = float64(min(n, maxPenalties)) / maxPenalties
		f[28] = float64(min(typed, maxPenalties)) / maxPenalties
		f[13] = float64(di.levelRank) / 3
		if di.citizen {
			f[14] = 1
		}
		switch ageFactor(a.age, di) {
		case ageMatchBonus:
			f[15] = 0.5
		case ageMismatchPenalty:
			f[15] = -0.5
		}
		f[19] = min(1, float64(len(di.key))/20)
		if state >= 0 && di.family >= 0 {
			rule := &ix.syn.states[state]
			switch r := ix.fitRank(d, rule); {
			case ix.typedLead(d, a.literalActs):
				// The citizen typed its action: a state named beside it does not override
				// it ("bán xe rồi thì thu hồi đăng ký xe"), as in preferFitting.
				f[20] = 1
			case ix.familyTyped(d, a.literalActs):
				// … nor does it speak for the siblings it fits: the transfer of ownership
				// that "bán xe" fits is not what "thu hồi" asks.
			case r < len(rule.fits):
				f[20] = 1
			case r > len(rule.fits):
				f[20] = -1
			}
		}
	}
	return out
}

// protoRecords are the records whose prototypes speak for hit h: its record and level
// variants, and, when the message names a state ("mất", "hết hạn"), its siblings too. A
// prototype knows the object people name, not which of its acts the state asks for
// (state_fit tells that); the sibling that fits the state often has no examples. So, for
// a hit whose name carries a qualifier the message mentions ("đổi bằng lái nước ngoài"
// for the licence "của người nước ngoài"), do its siblings with the same action: the
// examples are mostly about the plain act, and qual_typed tells the variant.
func (ix *Index) protoRecords(h Hit, state bool, mentioned qualSet) iter.Seq[*Record] {
	return func(yield func(*Record) bool) {
		if h.Record != nil && !yield(h.Record) {
			return
		}
		for _, r := range h.Variants {
			if !yield(r) {
				return
			}
		}
		if h.Record == nil {
			return
		}
		if state {
			for r := range ix.siblings(h.Record.Code) {
				if !yield(r) {
					return
				}
			}
			return
		}
		d := ix.docFor(h.Record)
		if d < 0 || !slices.ContainsFunc(ix.docs[d].quals, mentioned.has) {
			return
		}
		for o := range ix.sameAction(d) {
			if !yield(ix.docs[o].rec) {
				return
			}
		}
	}
}

// docFor is the document of record r, or -1.
func (ix *Index) docFor(r *Record) int32 {
	if r == nil {
		return -1
	}
	if d, ok := ix.docOf[r.Code]; ok && ix.docs[d].rec == r {
		return d
	}
	return -1
}

// RankSample is one labelled query's hit list, for training: the features of each hit
// and whether it is right.
type RankSample struct {
	f     [][]float64
	right []bool
}

// RankSamples runs the labelled in-scope queries through the search with the examples
// x (without the ranker) and returns the hit lists the ranker would reorder that hold a
// right hit and a wrong one (the others teach nothing).
func (ix *Index) RankSamples(qs []EvalQuery, x AccountExamples) []RankSample {
	var out []RankSample
	for _, q := range qs {
		if len(q.Expect) == 0 {
			continue
		}
		query := q.Query
		if len(query) > 2000 {
			query = query[:2000]
		}
		if _, ok := ix.lookupCode(query); ok {
			continue
		}
		a := ix.analyse(query)
		st := ix.searchState(&a, 5, x, true)
		if !st.rerankable() {
			continue
		}
		s := RankSample{f: ix.rankFeatures(&st)}
		nRight := 0
		for _, h := range st.res.Hits {
			ok := hitExpected(h, q.Expect)
			s.right = append(s.right, ok)
			if ok {
				nRight++
			}
		}
		if nRight > 0 && nRight < len(s.right) {
			out = append(out, s)
		}
	}
	return out
}

// FitSamples is what the ranker is fitted on for one labelled set: its hit lists as the
// examples x answer them (RankSamples), and again as an office that taught half its needs
// answers them (trialSamples).
func (ix *Index) FitSamples(qs []EvalQuery, x AccountExamples) []RankSample {
	if x.Len() == 0 {
		return ix.RankSamples(qs, x) // no examples: no office to teach
	}
	return slices.Concat(ix.RankSamples(qs, x), ix.trialSamples(qs, x.Snapshot()))
}

// trialSamples is RankSamples over the learning trial of qs (NewLearningTrial): the office
// has taught one wording of every other need, and the other wordings of the taught needs
// and every wording of the untaught ones are searched as that office. The fit so sees
// lists where an office's own example is near the message, or nearly, as the bot meets
// them once officers teach (docs/ranker.md, sixteenth session).
func (ix *Index) trialSamples(qs []EvalQuery, x *Examples) []RankSample {
	tr := NewLearningTrial(qs)
	return ix.RankSamples(slices.Concat(tr.Taught, tr.Untaught), x.With(tr.Teach...).For(trialAccount))
}

// Training of the ranker.
const (
	rankSteps = 3000
	rankRate  = 0.5
	rankL2    = 1e-3
)

// rankNonNegative are the features whose weight may not fall below zero: a message that
// types the record's action or names the state it fits is never evidence against it.
// Unconstrained, the fit made action_typed negative once the dev sets joined the training
// (it overlaps action_expanded and name_phrase), and "bán xe rồi thì thu hồi đăng ký xe"
// got the transfer of ownership instead of the withdrawal it names.
var rankNonNegative = []string{"action_typed", "state_fit"}

// TrainRanker fits the weights by gradient descent on the listwise softmax loss (minus the
// log of the probability the softmax over a list's scores gives its right hits) with a
// little L2, the weights of rankNonNegative kept at zero or above; deterministic: zero
// start, fixed steps, samples in the order given. The model is returned disabled.
func TrainRanker(samples []RankSample, trainedOn []string) (*RankerModel, error) {
	if len(samples) < 30 {
		return nil, fmt.Errorf("rank-fit: %d hit lists, want at least 30", len(samples))
	}
	n := numRankFeatures
	w := make([]float64, n)
	var floor []int
	for _, name := range rankNonNegative {
		i := slices.Index(rankFeatureNames, name)
		if i < 0 {
			return nil, fmt.Errorf("rank-fit: non-negative feature %q is no ranker feature", name)
		}
		floor = append(floor, i)
	}
	grad := make([]float64, n)
	var p []float64
	for range rankSteps {
		clear(grad)
		for _, s := range samples {
			p = p[:0]
			zmax := math.Inf(-1)
			for _, f := range s.f {
				z := 0.0
				for i := range n {
					z += w[i] * f[i]
				}
				p = append(p, z)
				zmax = max(zmax, z)
			}
			sum, sumRight := 0.0, 0.0
			for j := range p {
				p[j] = math.Exp(p[j] - zmax)
				sum += p[j]
				if s.right[j] {
					sumRight += p[j]
				}
			}
			for j, f := range s.f {
				// d loss / d z_j = p_j − q_j, q the softmax restricted to the right hits.
				g := p[j] / sum
				if s.right[j] {
					g -= p[j] / sumRight
				}
				for i := range n {
					grad[i] += g * f[i]
				}
			}
		}
		for i := range n {
			w[i] -= rankRate * (grad[i]/float64(len(samples)) + rankL2*w[i])
		}
		for _, i := range floor {
			w[i] = max(w[i], 0) // projected gradient: the constraint holds at every step
		}
	}
	for i := range w {
		w[i] = math.Round(w[i]*1e6) / 1e6 // a stable file
	}
	return &RankerModel{Features: slices.Clone(rankFeatureNames), Weights: w, K: rankK, TrainedOn: trainedOn, Lists: len(samples)}, nil
}

// RankerCVRow is one held-out labelled set on one catalogue: its in-scope queries' hit@1
// and hit@5 counts with the search's order (Base) and with a ranker fitted on the other
// sets (Ranked).
type RankerCVRow struct {
	Set     string `json:"set"`
	InScope int    `json:"in_scope"`
	Base1   int    `json:"base_hit1"`
	Base5   int    `json:"base_hit5"`
	Ranked1 int    `json:"ranked_hit1"`
	Ranked5 int    `json:"ranked_hit5"`
	// Trial is the learning trial on the held-out set with the same ranker.
	Trial *TrialResult `json:"trial,omitempty"`
}

// RankHits counts the in-scope queries of qs answered right first and within the first
// five by the search with examples x and ranker r (nil: the search's order), as the bot
// answers (SearchWith).
func (ix *Index) RankHits(qs []EvalQuery, x AccountExamples, r *RankerModel) (inScope, hit1, hit5 int) {
	rep := EvaluateFunc(qs, func(q string) Result {
		res, _, _ := ix.searchRanked(q, 5, x, defaultConfidence, r)
		return res
	})
	n := float64(rep.InScope)
	return rep.InScope, int(math.Round(rep.Hit1 * n)), int(math.Round(rep.Hit5 * n))
}

// RankerHelps is the rule for enabling a ranker from its cross-validation: more queries
// right first over all held-out sets, and no held-out set (on either catalogue) losing
// more than one query right first.
func RankerHelps(cv []RankerCVRow) bool {
	base, ranked := 0, 0
	for _, r := range cv {
		base += r.Base1
		ranked += r.Ranked1
		if r.Ranked1 < r.Base1-1 {
			return false
		}
	}
	return ranked > base
}
