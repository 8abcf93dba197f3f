package procedures

import (
	_ "embed"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

// Example is a labelled phrasing: a citizen message and what it asks for. Code is a
// procedure code, "" for a message that is not a request for any procedure of ours
// (out of scope), or an intent of the bot ("@office_hours", "@talk_to_officer").
// Account "" marks an example shared by every account.
type Example struct {
	ID      string    `json:"id"`
	Account string    `json:"account,omitempty"`
	Query   string    `json:"query"`
	Code    string    `json:"code"`
	Source  string    `json:"source,omitempty"` // "seed", "officer", "feedback"
	By      string    `json:"by,omitempty"`     // the officer who labelled it
	At      time.Time `json:"at,omitzero"`

	// name is a seed's procedure name (seed-national.yaml).
	name string
}

// Intent returns the intent an example labels ("office_hours") and true, or "" and false
// when it labels a procedure or out of scope.
func (e Example) Intent() (string, bool) {
	if s, ok := strings.CutPrefix(e.Code, "@"); ok {
		return s, true
	}
	return "", false
}

// Key is what makes two examples the same: the account and the query normalised and
// folded (diacritics, case and spacing do not make a new example). The index keeps the
// last of a key; the stores (bot/examples) replace by it.
func (e Example) Key() string {
	return e.Account + "\x00" + strings.Join(strings.Fields(Fold(Normalize(e.Query))), " ")
}

// Example intents: the bot answers these itself.
const (
	IntentOfficeHours   = "office_hours"
	IntentTalkToOfficer = "talk_to_officer"
)

// Limits of an example, checked by ValidateExample.
const (
	MaxExampleQuery = 500
	minExampleQuery = 2
)

// ValidateExample checks an example a person submits: a query of 2–500 characters with at
// least one letter, and a code the catalogue has, "" (out of scope) or a known intent.
func ValidateExample(c *Catalog, e Example) error {
	q := strings.TrimSpace(e.Query)
	switch n := len([]rune(q)); {
	case n < minExampleQuery:
		return fmt.Errorf("query: at least %d characters", minExampleQuery)
	case n > MaxExampleQuery:
		return fmt.Errorf("query: at most %d characters", MaxExampleQuery)
	case len(tokenize(Normalize(q))) == 0:
		return fmt.Errorf("query: no words")
	}
	if in, ok := e.Intent(); ok {
		if in != IntentOfficeHours && in != IntentTalkToOfficer {
			return fmt.Errorf("code: unknown intent %q (@%s or @%s)", e.Code, IntentOfficeHours, IntentTalkToOfficer)
		}
		return nil
	}
	if e.Code == "" {
		return nil
	}
	if _, ok := c.ByCode(e.Code); !ok {
		return fmt.Errorf("code: %q is not in the catalogue", e.Code)
	}
	return nil
}

//go:embed examples/seed.yaml
var seedYAML []byte

//go:embed examples/seed-national.yaml
var seedNationalYAML []byte

// SeedExamples returns the examples shipped with the program, shared by every account,
// with IDs "seed-1", "seed-2", …: procedures/examples/seed.yaml (the built-in procedures,
// out-of-scope messages and the bot's intents) and seed-national.yaml (national procedures
// a ward office meets most, used where the catalogue holds them).
func SeedExamples() ([]Example, error) {
	var out []Example
	for _, file := range []struct {
		name string
		data []byte
	}{{"seed.yaml", seedYAML}, {"seed-national.yaml", seedNationalYAML}} {
		var groups []struct {
			Code      string   `yaml:"code"`
			Name      string   `yaml:"name"`
			Phrasings []string `yaml:"phrasings"`
		}
		if err := yaml.Unmarshal(file.data, &groups); err != nil {
			return nil, fmt.Errorf("seed examples %s: %w", file.name, err)
		}
		for _, g := range groups {
			for _, p := range g.Phrasings {
				out = append(out, Example{ID: fmt.Sprintf("seed-%d", len(out)+1), Query: p, Code: g.Code, Source: "seed", name: g.Name})
			}
		}
	}
	return out, nil
}

// Examples is an index of labelled examples for one account (its own and the shared
// ones) over one catalogue index: a message is compared with every example by the
// words and two-word phrases the search itself reads — after normalisation, typo
// repair and synonym rewriting, so "dk tam tru", "đăng kí tạm chú" and "làm tạm trú"
// look alike — weighted by how rare they are among the examples. Immutable; safe for
// concurrent use.
type Examples struct {
	ix        *Index
	exs       []Example
	feats     map[string]int32
	idf       []float32
	post      [][]exPosting      // feature → examples holding it
	norm2     []float32          // squared length of each example's vector
	accts     map[string]int32   // account → its number in postings ("" is 0)
	unknownW  float32            // weight of a query feature no example has
	said      []qualSet          // the qualifiers each example mentions, when its procedure's name has some (unsaidQualifier)
	protos    prototypes         // the centroid of each procedure's examples (prototypes.go)
	clf       *classifier        // which procedure the shared examples' words tell (classifier.go)
	classSays map[string][]int16 // procedure → qualifiers of its name most of its examples name (buildClassSays)
	pool      sync.Pool
	// lacked indexes the seed examples of procedures the catalogue lacks (nil: none).
	lacked *lacked
	// Stale lists the examples whose code is not in the catalogue (left out).
	Stale []Example
}

// exPosting is one example holding a feature. A feature's postings are ordered by
// account (the shared examples, account 0, first) and then example, so a search reads
// only the shared ones and its own account's, however many accounts a deployment has.
type exPosting struct {
	acct int32
	ex   int32
	w    float32
}

// Tuning of the example matcher (measured on the unsealed labelled sets).
const (
	exCtxWeight    = 0.3 // context words (people, places, politeness) barely vote
	exExpandWeight = 0.5 // words a synonym expansion adds
	// exContainShare: the score is the example's share covered by the message to this
	// power times the message's share covered by the example to the rest: a story around
	// a short request still matches it, a stray shared word does not.
	exContainShare = 0.5
	exNeighbours   = 5
	// exUnknownPhrase: the weight of a two-word phrase of a message no example has,
	// relative to an unknown word.
	exUnknownPhrase = 0.7
	// exMaxExamples bounds an index (memory, build time); NewExamples keeps the newest.
	exMaxExamples = 50000
)

// lacks reports whether e labels a procedure ix's catalogue does not hold (not an intent,
// not "not ours").
func (ix *Index) lacks(e Example) bool {
	if _, intent := e.Intent(); intent || e.Code == "" {
		return false
	}
	_, ok := ix.cat.ByCode(e.Code)
	return !ok
}

// NewExamples indexes exs over ix. Examples whose code ix's catalogue lacks are left
// out and, unless shipped seeds, listed in Stale; duplicates (same account, same normalised query) keep the
// last.
func (ix *Index) NewExamples(exs []Example) *Examples {
	if len(exs) > exMaxExamples {
		exs = exs[len(exs)-exMaxExamples:]
	}
	x := &Examples{ix: ix, feats: map[string]int32{}}
	vecs := make([]map[string]float32, 0, len(exs))
	var lack []Example
	seen := map[string]int{}
	for _, e := range exs {
		if ix.lacks(e) {
			// Shipped examples cover more procedures than a deployment may hold
			// (seed-national.yaml over the built-in catalogue): not stale; those that
			// name their procedure go to the index of what the catalogue lacks.
			switch {
			case e.Source != "seed":
				x.Stale = append(x.Stale, e)
			case e.name != "":
				lack = append(lack, e)
			}
			continue
		}
		a := ix.analyse(truncateQuery(e.Query))
		v := ix.features(&a)
		if len(v) == 0 {
			continue
		}
		said := ix.saidQualifiers(e, &a)
		key := e.Key()
		if i, ok := seen[key]; ok {
			x.exs[i], vecs[i], x.said[i] = e, v, said
			continue
		}
		seen[key] = len(x.exs)
		x.exs = append(x.exs, e)
		vecs = append(vecs, v)
		x.said = append(x.said, said)
	}
	// Feature weights come from the shared examples alone, so that an office's own
	// examples never move another office's answers: a word only officers taught weighs as
	// a word one shared example has (the rarest). With no shared example at all, every
	// example counts.
	shared := 0
	for _, e := range x.exs {
		if e.Account == "" {
			shared++
		}
	}
	df := map[string]int{} // every feature, 0 for one no counted example has
	for i, v := range vecs {
		counted := 0
		if shared == 0 || x.exs[i].Account == "" {
			counted = 1
		}
		for f := range v {
			df[f] += counted
		}
	}
	n := float64(len(vecs))
	if shared > 0 {
		n = float64(shared)
	}
	names := slices.Sorted(maps.Keys(df)) // deterministic ids
	var sumIdf float64
	known := 0
	for _, f := range names {
		x.feats[f] = int32(len(x.idf))
		w := float32(math.Log(1+n/float64(max(1, df[f])))) * ix.informative(f)
		x.idf = append(x.idf, w)
		if df[f] > 0 {
			sumIdf += float64(w)
			known++
		}
	}
	if known > 0 {
		x.unknownW = float32(sumIdf / float64(known))
	}
	x.post = make([][]exPosting, len(names))
	x.norm2 = make([]float32, len(vecs))
	x.accts = map[string]int32{"": 0}
	for i, v := range vecs {
		acct, ok := x.accts[x.exs[i].Account]
		if !ok {
			acct = int32(len(x.accts))
			x.accts[x.exs[i].Account] = acct
		}
		for _, f := range slices.Sorted(maps.Keys(v)) { // a fixed order: norm2 is a float32 sum
			id := x.feats[f]
			w := v[f] * x.idf[id]
			x.post[id] = append(x.post[id], exPosting{acct, int32(i), w})
			x.norm2[i] += w * w
		}
	}
	for _, ps := range x.post {
		sort.Slice(ps, func(i, j int) bool {
			if ps[i].acct != ps[j].acct {
				return ps[i].acct < ps[j].acct
			}
			return ps[i].ex < ps[j].ex
		})
	}
	if len(lack) > 0 {
		x.lacked = ix.lackedFor(lack)
	}
	x.buildPrototypes(vecs)
	x.buildClassifier(vecs)
	x.buildClassSays()
	x.pool.New = func() any { return &exScratch{dot: make([]float32, len(x.exs))} }
	return x
}

// With returns a new index of x's examples and exs (an office teaching more).
func (x *Examples) With(exs ...Example) *Examples {
	all := slices.Clone(x.exs)
	if x.lacked != nil {
		all = append(all, x.lacked.src...)
	}
	return x.ix.NewExamples(append(all, exs...))
}

// Len is the number of examples indexed.
func (x *Examples) Len() int {
	if x == nil {
		return 0
	}
	return len(x.exs)
}

// Neighbour is an example close to a message, with its similarity in [0, 1].
type Neighbour struct {
	Example Example
	Score   float64
	said    qualSet // the qualifiers the example mentions (Examples.said)
	covers  float64 // the share of the message the example covers (cq in nearestTo)
}

type exScratch struct {
	dot     []float32
	touched []int32
}

// AccountExamples is the examples one account sees: its own and the shared ones. The
// zero value has none.
type AccountExamples struct {
	x       *Examples
	account string
	acct    int32 // its number in postings; -1: no examples of its own
}

// Snapshot is the examples index a is read from (nil when none): a new one means new
// examples, so answers kept from the old one may be stale.
func (a AccountExamples) Snapshot() *Examples { return a.x }

// For returns the examples account sees ("" = the shared ones only).
func (x *Examples) For(account string) AccountExamples {
	acct := int32(-1)
	if x != nil && account != "" {
		if n, ok := x.accts[account]; ok {
			acct = n
		}
	}
	return AccountExamples{x, account, acct}
}

// postings returns the postings of a feature this account reads: the shared examples'
// and its own, each run ordered by example.
func (a AccountExamples) postings(ps []exPosting) (shared, own []exPosting) {
	shared = sharedPostings(ps)
	n := len(shared)
	if a.acct > 0 {
		lo := n + sort.Search(len(ps)-n, func(i int) bool { return ps[n+i].acct >= a.acct })
		hi := lo + sort.Search(len(ps)-lo, func(i int) bool { return ps[lo+i].acct > a.acct })
		own = ps[lo:hi]
	}
	return shared, own
}

// sharedPostings is the run of ps that belongs to the shared examples (account 0 first).
func sharedPostings(ps []exPosting) []exPosting {
	return ps[:sort.Search(len(ps), func(i int) bool { return ps[i].acct > 0 })]
}

// Len is the number of examples indexed (of every account).
func (a AccountExamples) Len() int { return a.x.Len() }

// Nearest returns up to k of the account's examples most similar to query, best first.
func (a AccountExamples) Nearest(query string, k int) []Neighbour {
	x := a.x
	if x.Len() == 0 || k <= 0 {
		return nil
	}
	if len(query) > 2000 {
		query = query[:2000]
	}
	an := x.ix.analyse(query)
	return a.nearest(&an, k)
}

// nearest is Nearest for a message already analysed.
func (a AccountExamples) nearest(an *analysed, k int) []Neighbour {
	if a.x.Len() == 0 || k <= 0 {
		return nil
	}
	return a.nearestTo(a.x.vector(a.x.ix.features(an)), k)
}

// nearestTo is nearest for the message's features qv.
func (a AccountExamples) nearestTo(qv []qfeat, k int) []Neighbour {
	x := a.x
	if len(qv) == 0 {
		return nil
	}
	s := x.pool.Get().(*exScratch)
	defer func() {
		for _, i := range s.touched {
			s.dot[i] = 0
		}
		s.touched = s.touched[:0]
		x.pool.Put(s)
	}()
	var qn2 float32
	for _, q := range qv { // in a fixed order (vector)
		f, tf, id := q.f, q.tf, q.id
		var shared, own []exPosting
		if id >= 0 {
			shared, own = a.postings(x.post[id])
		}
		if len(shared)+len(own) == 0 {
			// A word no example has still makes the message less like every example; a
			// two-word phrase no example has is mostly a chance pairing and counts half.
			// So does a word only other offices' examples have: what they taught
			// changes nothing here.
			w := tf * x.unknownW * x.ix.informative(f)
			if strings.Contains(f, " ") {
				w *= exUnknownPhrase
			}
			qn2 += w * w
			continue
		}
		wq := tf * x.idf[id]
		qn2 += wq * wq
		for _, run := range [2][]exPosting{shared, own} {
			for _, p := range run {
				if s.dot[p.ex] == 0 {
					s.touched = append(s.touched, p.ex)
				}
				s.dot[p.ex] += wq * p.w
			}
		}
	}
	// The best k by score, ties to the earlier example: the order examples were indexed
	// in decides ties, not the order they were touched (sorting the touched examples
	// instead took half of this function's time).
	out := make([]Neighbour, 0, k+1)
	idx := make([]int32, 0, k+1)
	// skipBelow: once k are kept, an example whose dot product is below it cannot enter,
	// as its score is at most √cq (ce ≤ 1); most touched examples share one common word
	// and fail this without a division. The margin keeps rounding on the safe side.
	skipBelow := 0.0
	for _, i := range s.touched {
		dot := float64(s.dot[i])
		if dot < skipBelow {
			continue
		}
		ce := min(1, dot/float64(x.norm2[i]))
		cq := min(1, dot/float64(qn2))
		if len(out) == k && max(ce, cq) < out[k-1].Score {
			continue // the score, a weighted geometric mean of ce and cq, cannot reach the k-th
		}
		sc := math.Pow(ce, exContainShare) * math.Pow(cq, 1-exContainShare)
		j := sort.Search(len(out), func(j int) bool { return out[j].Score < sc || out[j].Score == sc && idx[j] > i })
		if j == k {
			continue
		}
		out, idx = slices.Insert(out, j, Neighbour{Example: x.exs[i], Score: sc, said: x.said[i], covers: cq}), slices.Insert(idx, j, i)
		if len(out) > k {
			out, idx = out[:k], idx[:k]
		}
		if len(out) == k {
			skipBelow = out[k-1].Score * out[k-1].Score * float64(qn2) * (1 - 1e-9)
		}
	}
	return out
}

// informative scales an example feature by how much the catalogue's own word weights
// say it tells procedures apart: "xã", "online" or "ở" are everywhere in the catalogue
// and say little, however rare among the examples. A word the catalogue lacks keeps
// its full weight.
func (ix *Index) informative(f string) float32 {
	id, ok := ix.terms[f]
	if !ok || ix.maxIdf == 0 {
		return 1
	}
	return float32(0.2 + 0.8*min(1, float64(ix.idf[id])/ix.maxIdf))
}

// truncateQuery cuts a message to the 2,000 bytes the search reads.
func truncateQuery(q string) string {
	if len(q) > 2000 {
		return q[:2000]
	}
	return q
}

// features: the analysed message's content words (context words weigh exCtxWeight) and
// the two-word phrases they make, after the search's own normalisation, repair and
// rewriting; the words of synonym expansions weigh exExpandWeight. Stopwords, greetings
// and aspect words ("cần gì", "ở đâu") do not vote.
func (ix *Index) features(a *analysed) map[string]float32 {
	v := map[string]float32{}
	put := func(f string, w float32) {
		if w > v[f] {
			v[f] = w
		}
	}
	weight := func(t qtok) float32 {
		if t.group&a.core != 0 {
			return t.share
		}
		return exCtxWeight * t.share
	}
	for _, seg := range a.segs {
		for i, t := range seg {
			if t.group == 0 {
				continue
			}
			put(t.folded, weight(t))
			if i > 0 && seg[i-1].group != 0 {
				put(seg[i-1].folded+" "+t.folded, min(weight(seg[i-1]), weight(t)))
			}
		}
	}
	for _, e := range a.extras {
		for _, t := range e.toks {
			if !ix.syn.isStop(t) {
				put(t.folded, exExpandWeight)
			}
		}
	}
	return v
}

// qfeat is one feature of a message's vector: its weight tf and its id among the
// examples' features (-1 when no example has it).
type qfeat struct {
	f  string
	tf float32
	id int32
}

// vector turns the features v into a vector over x's features, ordered by feature: float32
// sums taken in map order would differ in their last digits from run to run, and so would
// ties. Made once per message, it serves the neighbours, the prototypes and the classifier.
func (x *Examples) vector(v map[string]float32) []qfeat {
	qv := make([]qfeat, 0, len(v))
	for f, tf := range v {
		id, ok := x.feats[f]
		if !ok {
			id = -1
		}
		qv = append(qv, qfeat{f: f, tf: tf, id: id})
	}
	slices.SortFunc(qv, func(a, b qfeat) int { return strings.Compare(a.f, b.f) })
	return qv
}

// Thresholds of SearchWith (measured on the unsealed labelled sets).
const (
	// exStrong: an example this close, leading the next code by exMargin, answers alone.
	// (0.6 until the seeds grew by a third in December 2026: the words they share weigh
	// less, and "ubnd phuong lam viec thu 7 ko" fell to .598 of its intent's example.)
	exStrong = 0.58
	// exIntentStrong is exStrong for the bot's intents (office hours, an officer): their
	// examples are a few short words ("giờ làm việc của UBND phường") and a message adds
	// the office and the day, so they score lower than a procedure's. After the fifth and
	// sixth seed batches (1,275 phrasings more) "ubnd phuong lam viec thu 7 ko" was .566 of
	// its closest. Measured: exStrong at .56 for every example cost the sealed sets a first
	// answer and six cards; this, a first answer (a question read as office hours).
	exIntentStrong = 0.56
	exMargin       = 1.25
	// exWeak: an example this close puts its procedure first in a list.
	exWeak = 0.35
	// exRevive: an example this close answers a message the search found nothing for.
	exRevive = 0.45
	// exOverride: an example this close overrules a search that is sure of another answer.
	exOverride = 0.8
	// exTaughtCovers: an officer's own example covering this share of a message decides it
	// from exStrong on (rankState.taught).
	exTaughtCovers = 0.95
	// exVerbatim: an example this close is the message itself (verbatim).
	exVerbatim = 0.95
	// exNotOursCovers: the share of the message a "not ours" example must cover to refuse
	// a list the search found.
	exNotOursCovers = 0.5
)

// exVote is the best neighbour of one code.
type exVote struct {
	code   string
	score  float64
	ex     Example
	said   qualSet // the qualifiers the example mentions
	covers float64 // the share of the message the example covers
}

// vote is the neighbour's example as a vote for its code.
func (n Neighbour) vote() exVote {
	return exVote{code: n.Example.Code, score: n.Score, ex: n.Example, said: n.said, covers: n.covers}
}

// vote ranks the codes of the neighbours by their closest example.
func vote(nb []Neighbour) (best, second exVote) {
	for _, n := range nb {
		switch {
		case n.Example.Code == best.code && best.score > 0:
		case n.Score > best.score:
			best, second = n.vote(), best
		case n.Example.Code != best.code && n.Score > second.score && n.Example.Code != second.code:
			second = n.vote()
		}
	}
	return best, second
}

// SearchWith is Search helped by an account's examples (x may be the zero value) and
// checked by the confidence model. A message that names a code or a poster short code is
// answered by that code, never by an example. Otherwise the closest examples vote
// (applyExamples), the learned ranker (ranker.json), when enabled, reorders the first
// hits, and a one-card answer the model (confidence.json) does not trust enough becomes
// a list (ConfidenceFew), in the same order.
func (ix *Index) SearchWith(query string, limit int, x AccountExamples) Result {
	res, _, _ := ix.searchWith(query, limit, x, defaultConfidence, nil)
	return res
}

// SearchIn is SearchWith for an office handling the procedures of scope s: of the
// records of one procedure at several levels or agencies, the office's answers
// (preferInScope), before the confidence decision. The zero Scope is SearchWith.
func (ix *Index) SearchIn(query string, limit int, x AccountExamples, s Scope) Result {
	res, _, _ := ix.searchWith(query, limit, x, defaultConfidence, &s)
	return res
}

// searchWith is SearchWith with the confidence model m (nil: none), the shipped ranker
// when it is enabled and the office scope s (nil: none); it also returns the features
// the model read, and false for an answer by code (nothing to decide).
func (ix *Index) searchWith(query string, limit int, x AccountExamples, m *ConfidenceModel, s *Scope) (Result, confFeatures, bool) {
	return ix.searchFull(query, limit, x, m, activeRanker(), s)
}

// searchRanked is searchWith with the ranker r (nil: the search's own order) and no scope.
func (ix *Index) searchRanked(query string, limit int, x AccountExamples, m *ConfidenceModel, r *RankerModel) (Result, confFeatures, bool) {
	return ix.searchFull(query, limit, x, m, r, nil)
}

// searchFull is the whole search: records, the examples' vote, the ranker r, the office
// scope s, the confidence model m.
func (ix *Index) searchFull(query string, limit int, x AccountExamples, m *ConfidenceModel, r *RankerModel, s *Scope) (Result, confFeatures, bool) {
	if limit <= 0 {
		limit = 5
	}
	query = truncateQuery(query)
	if res, ok := ix.lookupCode(query); ok {
		return res, confFeatures{}, false
	}
	st := ix.queryState(query, limit, x, r != nil)
	res, searchOne, best := st.res, st.searchOne, st.best
	// The confidence model reads the answer in the search's order: the ranker keeps a
	// card only when it leaves its hit first.
	pre := res
	if r != nil {
		pre.Hits = pre.Hits[:min(limit, len(pre.Hits))]
		if st.rerankable() && !st.verbatim() {
			r.rerank(&res, ix.rankFeatures(&st))
		}
		res.Hits = res.Hits[:min(limit, len(res.Hits))]
	}
	if s != nil && !s.Empty() {
		ix.preferInScope(&res, *s)
	}
	if st.a.part && res.Confidence == ConfidenceOne {
		// One sentence of a story answered (needFirst): a list, even when an example of
		// the sentence voted for a card.
		res.Confidence = ConfidenceFew
	}
	// The ranker's certainty decides cards only over a catalogue that lacks none of the
	// procedures the seeds were written for (see rankerSureProb).
	sure := m != nil && x.x != nil && x.x.lacked == nil && rankerSure(res)
	if res.Confidence != ConfidenceOne || res.Abstain || len(res.Hits) == 0 {
		if sure {
			res.Confidence = ConfidenceOne
			return res, confFeatures{}, true
		}
		return st.lacking(x, res), confFeatures{}, true
	}
	f := confFeaturesOf(st.a, &pre, searchOne, best)
	if m != nil && !st.taught() && m.prob(f) < m.Threshold && !sure {
		res.Confidence = ConfidenceFew // not sure enough for a card: a list to choose from
	}
	if m != nil {
		// Over a small catalogue a card can be for what it holds while the message asks
		// for what it lacks ("nuôi con nuôi" got the permanent residence's card): named,
		// a list (lacking).
		res = st.lacking(x, res)
	}
	return res, f, true
}

// rankerSureProb: a list whose first hit the learned ranker gives at least this
// probability is sent as that hit's card, and a card the confidence model would have
// turned into a list stands. The confidence model judges the search's own cards; the
// ranker reads far more (the classifier, the prototypes, the examples' vote, how the name
// matched) and its probability picks right first answers among the lists too. Over the 15
// unsealed sets, each answered by a ranker fitted without it (December 2026), the lists
// and demoted cards at ≥ .995 were 598, right 593 (.992) — national 351 (349 right),
// built-in 247 (244) — beside the 551 cards the search and the model kept (549 right);
// at ≥ .99, 781 at .984. Only with the confidence model (serving, evaluation): its
// training reads the search's own cards.
//
// Only over a catalogue that holds every procedure the seed examples were written for
// (the national one; Examples.lacked is nil): the probability is the ranker's choice
// among the hits, which says little when the procedure asked for is not among them.
// Over the built-in catalogue of 54, with the questions about procedures it lacks
// counted, the same rule made 264 right cards and 81 wrong ones, 79 of them for a
// procedure it lacks ("đăng ký kết hôn có yếu tố nước ngoài" → the domestic marriage,
// "giấy phép xd bị mất" → a driving licence's re-issue).
const rankerSureProb = 0.995

// rankerSure reports whether the learned ranker is sure of res's first hit (rankerSureProb).
// An abstention, a clarifying question and an answer the ranker did not order (no
// probability) are not its to decide.
func rankerSure(res Result) bool {
	return (res.Confidence == ConfidenceFew || res.Confidence == ConfidenceOne) && !res.Abstain && len(res.Hits) > 0 &&
		res.Hits[0].Prob >= rankerSureProb
}

// rankState is a search with the examples' vote, before the ranker and the confidence
// model: what the ranker's features read.
type rankState struct {
	a         *analysed
	search    Result // the search's own answer
	dg        diag   // its candidates (dg.reps)
	res       Result // after the examples' vote
	nb        []Neighbour
	best      exVote
	second    exVote // the next procedure's closest example
	searchOne bool
	protos    protoMatch         // the message against each procedure's prototype
	clf       clfMatch           // the classifier's reading of the message
	feats     map[string]float32 // the message's example features (Index.features), with examples
}

// queryState analyses query and runs searchState, on the whole message when the need
// found in a long one matches nothing (needFirst).
func (ix *Index) queryState(query string, limit int, x AccountExamples, wide bool) rankState {
	return needFirst(ix, query,
		func(a *analysed) rankState { return ix.searchState(a, limit, x, wide) },
		func(st rankState) float64 { return st.search.strength() })
}

// searchState runs the search and the examples' vote for the analysed message a; wide
// asks for rankK hits (for the ranker) rather than limit.
func (ix *Index) searchState(a *analysed, limit int, x AccountExamples, wide bool) rankState {
	k := limit
	if wide {
		k = max(limit, rankK)
	}
	st := rankState{a: a}
	var dg *diag
	if wide {
		dg = &st.dg
	}
	st.search = ix.searchPool(a, k, candidatePool(limit), dg)
	st.res = st.search
	st.searchOne = st.res.Confidence == ConfidenceOne
	if x.Len() > 0 {
		st.feats = ix.features(a)
		qv := x.x.vector(st.feats)
		st.nb = x.nearestTo(qv, exNeighbours)
		st.best, st.second = vote(st.nb)
		st.protos = x.x.protoScores(qv)
		st.clf = x.x.classify(qv)
		st.clf.unsaid(ix, a.mentioned)
		protoCode := st.protos.best
		// A shared example near the message may be about a sibling that does not fit the
		// state the message names ("mất" near an example about the first issue), or about
		// the plain act when the message names a variant ("chồng em là người Hàn Quốc …
		// làm khai sinh" near "làm khai sinh cho bé"); so may the best prototype, which
		// knows the object, not the act.
		st.best.code, st.second.code = ix.speaksFor(a, st.best), ix.speaksFor(a, st.second)
		protoCode = ix.speaksFor(a, exVote{code: protoCode})
		if a.state >= 0 && ix.stateFitsTop(st.res, a.state) && st.best.ex.Account == "" && !slices.ContainsFunc(st.res.Hits, func(h Hit) bool { return hitHas(h, st.best.code) }) {
			// The search found the sibling that fits the state; a shared example about a
			// procedure it did not find at all shares the state's words, not the object
			// ("thất lạc" of another document).
			st.best, st.second = exVote{}, exVote{}
		}
		st.res = ix.applyExamples(st.res, st.best, st.second, k)
		st.res = ix.applyPrototype(st.res, &st.protos, protoCode, wide)
		if wide {
			for _, code := range st.clf.joins {
				st.res = ix.joinHits(st.res, ix.speaksFor(a, exVote{code: code}))
			}
		}
	}
	return st
}

// speaksFor is the code a shared example's vote (or the best prototype) stands for in
// message a: the sibling that fits the state a names (fitSibling), then the variant with
// the qualifiers it mentions (fitQualified). An office's own example, an intent or "not
// ours" stands as labelled.
func (ix *Index) speaksFor(a *analysed, v exVote) string {
	if a.state >= 0 {
		v.code = ix.fitSibling(v, a.state, a.literalActs)
	}
	if a.mentioned.any() {
		v.code = ix.fitQualified(v, a.mentioned)
	}
	if v.said != nil {
		v.code = ix.unsaidQualifier(v, a.mentioned)
	}
	return v.code
}

// taught: an officer's own label, matched closely, decided the answer. It is the
// office's word: the card stands and the ranker leaves it first. An own example that
// holds the whole message (exTaughtCovers) counts as close from exStrong on: the message
// is the officer's words less some ("xin to giay con son" after the officer labelled
// "xin tờ giấy còn son cho em, em tên Lan …"), however much the rest of the example weighs.
// So does one from exStrong on that leads the next procedure's example by exMargin, the
// vote's clear winner: the office said what these words ask, and no shared example comes
// near (the ranker put a "sơn xe" seed's procedure before it when the message covered
// .89 of the example).
func (st *rankState) taught() bool {
	if st.res.Example == "" || st.best.ex.Account == "" {
		return false
	}
	return st.best.score >= exOverride || st.best.covers >= exTaughtCovers && st.best.score >= exStrong ||
		clearWinner(st.best, st.second, exStrong)
}

// clearWinner: best's example is at least floor close and leads the next procedure's by
// exMargin (a "strong" vote).
func clearWinner(best, second exVote, floor float64) bool {
	return best.score >= floor && best.score >= exMargin*second.score
}

// verbatim: the message is, but for a word or its marks, a shared example ("hộ chiếu hết
// hạn làm lại cần mang gì" for "hộ chiếu hết hạn làm lại"), and the example decided the
// answer: the ranker, fitted on messages that are never that close to an example, leaves
// it first. Only the answer served is spared; the ranker's training reads every list
// (rerankable).
func (st *rankState) verbatim() bool {
	return st.res.Example != "" && st.best.score >= exVerbatim
}

// rerankable: the ranker may reorder a list of several hits, not a clarifying question,
// an abstention or an officer's answer.
func (st *rankState) rerankable() bool {
	return !st.res.Abstain && len(st.res.Hits) >= 2 && st.res.Confidence != ConfidenceClarify && !st.taught()
}

// applyExamples lets the examples' vote change the search's answer: a close, clear winner
// answers alone — its procedure as one card, "not ours" as an abstention, an intent as
// Result.Intent — and a fair match puts its procedure first in a list (second when the
// search found it nowhere); below that the search's answer stands.
func (ix *Index) applyExamples(res Result, best, second exVote, limit int) Result {
	if best.score < exWeak || res.Abstain && best.score < exRevive {
		return res
	}
	in, ok := best.ex.Intent()
	floor := exStrong
	if ok {
		floor = exIntentStrong
	}
	strong := clearWinner(best, second, floor)
	// The search is sure of a procedure: an example overrules it only when very close.
	searchStands := res.Confidence == ConfidenceOne && len(res.Hits) > 0 && (!strong || best.score < exOverride)
	if ok || best.code == "" {
		// "Not ours" obeys searchStands as a procedure's example does: a message sharing a
		// place or a person with an out-of-scope example ("trường mầm non") may still ask
		// for a procedure the search found whole. Nor does it refuse a list the search
		// found when it covers less than half of the message: a short question
		// ("ai là chủ tịch phường") inside a story that asks for something else ("hòa giải
		// không thành … nộp đơn lên chủ tịch phường giải quyết"). An intent answers when
		// strong.
		notOurs := !searchStands && (res.Abstain || len(res.Hits) == 0 || best.covers >= exNotOursCovers)
		if strong && (ok || notOurs) {
			out := res.answerAs(nil, ConfidenceNone)
			out.Abstain, out.Intent, out.Example = true, in, best.ex.ID
			return out
		}
		return res
	}
	if searchStands {
		return res
	}
	hit := ix.hitFor(best.code, res.Hits)
	out := res.answerAs([]Hit{hit}, ConfidenceOne)
	out.Example = best.ex.ID
	if !strong && len(res.Hits) > 0 && !slices.ContainsFunc(res.Hits, func(h Hit) bool { return hitHas(h, best.code) }) {
		// A fair match the search did not find at all: second in the list, after the
		// search's best.
		out.Hits = []Hit{res.Hits[0], hit}
	}
	if !strong {
		out.Confidence = ConfidenceFew
		// The second example's procedure may be the search's best, already first above.
		if second.score >= exWeak && second.code != "" && !slices.ContainsFunc(out.Hits, func(o Hit) bool { return hitHas(o, second.code) }) {
			if _, intent := second.ex.Intent(); !intent {
				out.Hits = append(out.Hits, ix.hitFor(second.code, res.Hits))
			}
		}
	}
	for _, h := range res.Hits {
		if len(out.Hits) >= limit {
			break
		}
		if !slices.ContainsFunc(out.Hits, func(o Hit) bool { return o.Record == h.Record }) && !hitHas(hit, h.Record.Code) {
			out.Hits = append(out.Hits, h)
		}
	}
	out.topFull = res.topFull && len(res.Hits) > 0 && out.Hits[0].Record == res.Hits[0].Record
	return out
}

// hitHas reports whether h's record or one of its level variants has code.
func hitHas(h Hit, code string) bool {
	if h.Record != nil && h.Record.Code == code {
		return true
	}
	return slices.ContainsFunc(h.Variants, func(r *Record) bool { return r.Code == code })
}

// hitFor is the hit for code: the search's own hit holding it (with its level variants)
// or a new one with the records of the same name as variants.
func (ix *Index) hitFor(code string, hits []Hit) Hit {
	for _, h := range hits {
		if hitHas(h, code) {
			return h
		}
	}
	r, _ := ix.cat.ByCode(code)
	h := Hit{Record: r, Score: 1}
	for d := range ix.docs {
		if ix.docs[d].rec == r {
			for _, o := range ix.groups[ix.docs[d].group] {
				if o != int32(d) {
					h.Variants = append(h.Variants, ix.docs[o].rec)
				}
			}
			break
		}
	}
	return h
}
