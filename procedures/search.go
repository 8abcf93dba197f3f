package procedures

import (
	"container/heap"
	"math"
	"math/bits"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Aspect is the part of a procedure a question asks about.
type Aspect string

// Aspects.
const (
	AspectNone      Aspect = "none"
	AspectDocuments Aspect = "documents" // thành phần hồ sơ
	AspectSteps     Aspect = "steps"     // trình tự
	AspectFee       Aspect = "fee"       // phí, lệ phí
	AspectTime      Aspect = "time"      // thời hạn giải quyết
	AspectPlace     Aspect = "place"     // nơi nộp, cơ quan
	AspectForms     Aspect = "forms"     // mẫu đơn, tờ khai
	AspectOnline    Aspect = "online"    // nộp trực tuyến
)

func parseAspect(s string) (Aspect, bool) {
	switch a := Aspect(s); a {
	case AspectNone, AspectDocuments, AspectSteps, AspectFee, AspectTime, AspectPlace, AspectForms, AspectOnline:
		return a, true
	}
	return AspectNone, false
}

// Confidence tells the bot how to answer.
type Confidence string

// Confidence levels.
const (
	ConfidenceOne     Confidence = "one"     // answer with the first hit
	ConfidenceFew     Confidence = "few"     // show a short list
	ConfidenceClarify Confidence = "clarify" // ask which case (see Result.Clarify)
	ConfidenceNone    Confidence = "none"    // nothing found: Abstain is true
)

// Hit is one procedure found. Variants are records with the same name at other levels
// (e.g. the province-level version); Record is the one that fits a citizen best.
type Hit struct {
	Record   *Record
	Score    float64
	Variants []*Record
}

// Clarify is a clarifying question the bot can ask: which of Options does the citizen
// mean? Topic is the words the options share, e.g. "thẻ căn cước".
type Clarify struct {
	Topic   string
	Options []*Record
}

// Result of a search.
type Result struct {
	Hits       []Hit
	Abstain    bool // the message is not (recognisably) about a procedure
	Aspect     Aspect
	Confidence Confidence
	Clarify    *Clarify
}

var (
	codeRe  = regexp.MustCompile(`(?:^|[^0-9.])([0-9]\.[0-9]{6}(?:\.[A-Za-z0-9]+)?)(?:$|[^0-9])`)
	shortRe = regexp.MustCompile(`#\s*([0-9A-Za-z]{1,12})\b`)
)

// Tuning of the business rules.
const (
	qualifierPenalty  = 0.75 // per qualifier in the name that the query does not mention
	maxPenalties      = 2
	expandWeight      = 0.8  // weight of synonym expansions relative to typed words
	exactWeight       = 0.8  // weight of the accented form of a word typed with diacritics
	foldedWeightAcc   = 0.45 // weight of the folded form of a word typed with diacritics
	phraseBonus       = 0.1  // per word of a run shared by name and query (2..4); ×1.5 at the name's start
	citizenBonus      = 1.1  // names that say the procedure is for individuals
	actionBonus       = 1.3  // names that contain the action the query asks for
	typedActionBonus  = 1.8  // … when the citizen wrote the action (not only an expansion)
	unaskedEndPenalty = 0.75 // names starting with an ending action the query does not name
	oneRatio          = 1.25 // top/second score ratio for ConfidenceOne
	clarifyRatio      = 0.5  // clarify options score at least this share of the top score
	maxClarifyOptions = 4
	lowIdfShare       = 0.15 // "common" terms: idf below this share of the largest idf
	minRelativeScore  = 0.2  // hits below this share of the best score are dropped
	// unknownWordWeight is the coverage weight of a query word the catalogue does not
	// have (about the idf of a word in 1 % of the records).
	unknownWordWeight = 2.0
	// contextWeight scales the coverage weight of context words (people, ages, places,
	// politeness; synonyms.yaml "context"): they may match but must not dilute coverage.
	contextWeight = 0.15
	// A query with no administrative verb must match this well.
	noVerbMinCoverage = 0.6
	noVerbScoreFactor = 1.5
	noVerbMinHead     = 0.7 // head factor: the query names the procedure's object
	// headBase: the score share a candidate keeps when the query has none of its name's
	// head words; covering the head restores the full score.
	headBase = 0.6
	// A query giving an age ("bé 5 tuổi") prefers names whose age range contains it
	// ("dưới 14 tuổi"; the bonus also outweighs that name's qualifier penalty).
	ageMatchBonus      = 1.5
	ageMismatchPenalty = 0.5
	// replaceCoverShare: coverage weight of a replacement's words, per typed word.
	replaceCoverShare = 2.5
	// gateCands: how many of the first ranked candidates may show the query has an answer.
	gateCands = 3
	// phraseShare: the share of a two-word catalogue phrase's idf each of its words
	// weighs at least, in coverage.
	phraseShare = 0.5
	// A long message (at least longMinCore core words) tells a story around its request;
	// a candidate sharing a phrase with it and covering at least longCoverIdf times the
	// largest idf of its words (an action and an object) passes the coverage gate down
	// to longMinCoverage: "năm nay em đủ 14 tuổi, đi làm căn cước lần đầu cần đem …".
	longMinCore     = 6
	longCoverIdf    = 0.9
	longMinCoverage = 0.2
)

type qterm struct {
	id     int32
	weight float32
	groups uint64 // content groups this term stands for
	bigram bool
}

// bigramBit marks, in scratch.name, documents whose name/aliases matched a query bigram.
const bigramBit = uint64(1) << 63

type analysed struct {
	terms    []qterm
	content  uint64 // all content groups
	aspect   Aspect
	seq      []string // folded tokens after rewriting, "|" between segments
	seqTok   []token  // the same tokens (for qualifier mentions)
	nContent int
	groupW   [64]float64 // weight of each content group (idf of its word)
	totalW   float64
	stripped string // normalised query without aspect words (for logging/debug)
	nCore    int    // content words that are not context words
	core     uint64 // their groups
	age      int    // the age the query gives in years ("bé 5 tuổi"), or -1
	typedLen int    // seq[:typedLen] is what was typed (after rewriting); expansions follow
	verb     bool   // the query names an administrative verb or action
}

// Search finds the procedures a citizen message asks about. limit ≤ 0 means 5.
func (ix *Index) Search(query string, limit int) Result {
	return ix.search(query, limit, nil)
}

// diag records why a search answered or abstained (see Explain).
type diag struct {
	a      analysed
	cands  []cand
	reason string
}

func (ix *Index) search(query string, limit int, dg *diag) Result {
	if limit <= 0 {
		limit = 5
	}
	if len(query) > 2000 {
		query = query[:2000]
	}
	// Exact lookups: a national code or a poster short code.
	if m := codeRe.FindStringSubmatch(query); m != nil {
		if r, ok := ix.cat.ByCode(m[1]); ok {
			a := ix.analyse(query)
			return Result{Hits: []Hit{{Record: r, Score: 100}}, Aspect: a.aspect, Confidence: ConfidenceOne}
		}
	}
	if m := shortRe.FindStringSubmatch(query); m != nil {
		if r, ok := ix.cat.ByShortCode(m[1]); ok {
			a := ix.analyse(query)
			return Result{Hits: []Hit{{Record: r, Score: 100}}, Aspect: a.aspect, Confidence: ConfidenceOne}
		}
	}
	a := ix.analyse(query)
	res := Result{Aspect: a.aspect}
	if a.nContent == 0 || len(a.terms) == 0 {
		if dg != nil {
			dg.a, dg.reason = a, "no content words"
		}
		res.Abstain, res.Confidence = true, ConfidenceNone
		return res
	}
	s := ix.pool.Get().(*scratch)
	defer ix.release(s)
	// Informative terms first; common ones (low idf, e.g. "cấp") only add to documents
	// already found, so they never flood the candidate list.
	for pass := 0; pass < 2; pass++ {
		for _, t := range a.terms {
			if (float64(ix.idf[t.id]) < lowIdfShare*ix.maxIdf) != (pass == 1) {
				continue
			}
			ix.accumulate(s, t, pass == 1)
		}
	}
	mentioned := ix.mentionedQualifiers(a.seqTok)
	k := limit*6 + 30
	h := &hitHeap{}
	for _, d := range s.touched {
		cov := 0.0
		for m := s.mask[d] & a.content; m != 0; m &= m - 1 {
			cov += a.groupW[bits.TrailingZeros64(m)]
		}
		cov /= a.totalW
		if s.name[d]&a.content == 0 {
			continue // only incidental matches (field, results)
		}
		// The score falls with the share of the query covered (cov^1.5: cov² punished a
		// query with one unmatched word too hard).
		sc := float64(s.score[d]) * (0.2 + 0.8*cov*math.Sqrt(cov)) * levelPrior[ix.docs[d].levelRank]
		if di := &ix.docs[d]; a.age >= 0 && di.ageLo >= 0 {
			if a.age >= int(di.ageLo) && a.age < int(di.ageHi) {
				sc *= ageMatchBonus
			} else {
				sc *= ageMismatchPenalty
			}
		}
		if ix.docs[d].citizen {
			sc *= citizenBonus
		}
		n := 0
		for _, q := range ix.docs[d].quals {
			if !mentioned[q] && n < maxPenalties {
				sc *= qualifierPenalty
				n++
			}
		}
		c := cand{doc: d, score: sc, headF: 1, cov: cov, code: ix.docs[d].rec.Code, bigram: s.name[d]&bigramBit != 0,
			nameFull: s.name[d]&a.content == a.content}
		if h.Len() < k {
			heap.Push(h, c)
		} else if c.better((*h)[0]) {
			(*h)[0] = c
			heap.Fix(h, 0)
		}
	}
	cands := make([]cand, h.Len())
	copy(cands, *h)
	acts := ix.syn.findActions(a.seq)
	typed := map[int]bool{} // actions the citizen wrote (not only added by an expansion)
	for _, act := range ix.syn.findActions(a.seq[:a.typedLen]) {
		typed[act] = true
	}
	qpos := make(map[string][]int, len(a.seq))
	qids := make(map[int32]bool, len(a.seq))
	for i, w := range a.seq {
		if i < a.typedLen { // phrase bonuses count runs of typed words, not of expansions
			qpos[w] = append(qpos[w], i)
		}
		if id, ok := ix.terms[w]; ok {
			qids[id] = true
		}
	}
	for i := range cands {
		// The name's head (its action and object) should be what the query asks about.
		if di := &ix.docs[cands[i].doc]; di.headW > 0 {
			var got float32
			for _, id := range di.head {
				if qids[id] {
					got += ix.idf[id]
				}
			}
			cands[i].headF = headBase + (1-headBase)*float64(got/di.headW)
			cands[i].score *= cands[i].headF
		}
		if ends := ix.docs[cands[i].doc].ends; len(ends) > 0 && !slices.ContainsFunc(ends, func(e int16) bool { return slices.Contains(acts, int(e)) }) {
			cands[i].score *= unaskedEndPenalty
		}
		for _, act := range acts {
			if containsSeq(ix.docs[cands[i].doc].key, ix.syn.actions[act]) {
				if typed[act] {
					cands[i].score *= typedActionBonus
				} else {
					cands[i].score *= actionBonus
				}
				break
			}
		}
		if l, start := phraseRun(ix.docs[cands[i].doc].key, a.seq, qpos, ix.syn.stopPlain); l >= 2 {
			b := phraseBonus * float64(min(l, 4))
			if start {
				b *= 1.5
			}
			cands[i].score *= 1 + b
		}
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].better(cands[j]) })
	// Abstain when the best match is weak, covers too little of the query, or (for a
	// query of several words) shares no two-word phrase with the procedure's names.
	if dg != nil {
		dg.a, dg.cands = a, cands
	}
	if why := ix.abstainReason(&a, cands); why != "" {
		if dg != nil {
			dg.reason = why
		}
		res.Abstain, res.Confidence = true, ConfidenceNone
		return res
	}
	// Group same-name records across levels; the group's record is the most local level
	// among members scoring close to the group's best.
	type grp struct {
		best    float64
		members []cand
	}
	var order []int32
	groups := map[int32]*grp{}
	for _, c := range cands {
		g := ix.docs[c.doc].group
		if groups[g] == nil {
			groups[g] = &grp{best: c.score}
			order = append(order, g)
		}
		groups[g].members = append(groups[g].members, c)
	}
	var full []bool
	for _, g := range order {
		if len(res.Hits) == limit {
			break
		}
		gr := groups[g]
		if gr.best < minRelativeScore*cands[0].score {
			break // far below the best: noise, not an alternative
		}
		rep := gr.members[0]
		for _, m := range gr.members[1:] {
			if m.score >= 0.9*gr.best && ix.docs[m.doc].levelRank > ix.docs[rep.doc].levelRank {
				rep = m
			}
		}
		hit := Hit{Record: ix.docs[rep.doc].rec, Score: round3(gr.best)}
		for _, m := range gr.members {
			if m.doc != rep.doc {
				hit.Variants = append(hit.Variants, ix.docs[m.doc].rec)
			}
		}
		res.Hits = append(res.Hits, hit)
		full = append(full, rep.nameFull)
	}
	top := res.Hits[0].Score
	// A bare topic ("căn cước", "hộ chiếu") that several procedures share, with no action
	// or variant named: ask which case.
	var opts []*Record
	if a.nContent <= 2 && len(ix.syn.findActions(a.seq)) == 0 && len(mentioned) == 0 {
		for i, h := range res.Hits {
			if full[i] && h.Score >= clarifyRatio*top && len(opts) < maxClarifyOptions {
				opts = append(opts, h.Record)
			}
		}
	}
	switch {
	case len(opts) >= 3:
		res.Confidence = ConfidenceClarify
		topic := commonRun(opts)
		if topic == "" {
			topic = a.stripped
		}
		res.Clarify = &Clarify{Topic: topic, Options: opts}
	case len(res.Hits) == 1 || res.Hits[1].Score*oneRatio <= top:
		res.Confidence = ConfidenceOne
	default:
		res.Confidence = ConfidenceFew
	}
	return res
}

// abstainReason says why the query has no answer, or "" when it has one: one of the
// first gateCands ranked candidates must be a strong enough match on its own (the
// ranking bonuses may put a weaker-matching but better-fitting name first).
func (ix *Index) abstainReason(a *analysed, cands []cand) string {
	if len(cands) == 0 {
		return "no candidate"
	}
	if a.nContent == 1 && a.totalW < singleWordIdfShare*ix.maxIdf {
		return "single common word"
	}
	why := ""
	for i := 0; i < len(cands) && i < gateCands; i++ {
		w := ix.candReason(a, cands[i])
		if w == "" {
			return ""
		}
		if i == 0 {
			why = w
		}
	}
	return why
}

func (ix *Index) candReason(a *analysed, c cand) string {
	score := c.score / c.headF
	switch {
	case c.cov < ix.opts.MinCoverage && !ix.coreCovered(a, c):
		return "low coverage"
	case score < ix.minScore:
		return "low score"
	case a.nCore >= 2 && !c.bigram && c.headF < 1:
		// A query holding every head word of the name ("tách … hộ" for "Tách hộ") names it
		// even when the words are not side by side.
		return "no shared phrase"
	case !a.verb && (c.cov < noVerbMinCoverage || score < noVerbScoreFactor*ix.minScore || c.headF < noVerbMinHead):
		// No administrative verb: a consumer or chat question ("mua bảo hiểm xe ở đâu
		// rẻ") unless the procedure matches it strongly. An aspect alone is no verb.
		return "no verb, weak match"
	}
	return ""
}

// coreCovered reports whether a long message's candidate covers its core request
// although it covers little of the whole message.
func (ix *Index) coreCovered(a *analysed, c cand) bool {
	return a.nCore >= longMinCore && c.bigram && c.cov >= longMinCoverage &&
		c.cov*a.totalW >= longCoverIdf*ix.maxIdf
}

// accumulate adds a query term's postings to the scratch scores; with onlyKnown, only to
// documents some earlier term already matched.
func (ix *Index) accumulate(s *scratch, t qterm, onlyKnown bool) {
	for _, p := range ix.postings[t.id] {
		if s.score[p.doc] == 0 && s.mask[p.doc] == 0 {
			if onlyKnown {
				continue
			}
			s.touched = append(s.touched, p.doc)
		}
		s.score[p.doc] += t.weight * p.w
		s.mask[p.doc] |= t.groups
		if p.inName {
			s.name[p.doc] |= t.groups
			if t.bigram {
				s.name[p.doc] |= bigramBit
			}
		}
	}
}

func round3(f float64) float64 {
	return float64(int64(f*1000+0.5)) / 1000
}

func (ix *Index) release(s *scratch) {
	for _, d := range s.touched {
		s.score[d], s.mask[d], s.name[d] = 0, 0, 0
	}
	s.touched = s.touched[:0]
	ix.pool.Put(s)
}

// mentionedQualifiers: a qualifier counts as mentioned when the query contains its core
// words ("nước ngoài" for "có yếu tố nước ngoài"). Words typed with diacritics must match
// as written ("lái" does not mention "lại").
func (ix *Index) mentionedQualifiers(seq []token) map[int16]bool {
	m := map[int16]bool{}
	for i, core := range ix.syn.qualCore {
		exact := ix.syn.qualExact[i]
		// The core is the tail of the phrase; its exact words are the phrase's last ones.
		coreExact := exact[len(exact)-len(core):]
		if len(core) > len(exact) {
			coreExact = nil
		}
	scan:
		for p := 0; p+len(core) <= len(seq); p++ {
			for k := range core {
				t := seq[p+k]
				if t.folded != core[k] {
					continue scan
				}
				if t.exact != t.folded && coreExact != nil && t.exact != coreExact[k] {
					continue scan
				}
			}
			m[int16(i)] = true
			break
		}
	}
	return m
}

type cand struct {
	doc      int32
	score    float64
	cov      float64
	code     string
	bigram   bool
	nameFull bool    // the name/aliases contain every content word of the query
	headF    float64 // the head factor applied (ranking only: abstention ignores it)
}

// levelPrior slightly prefers procedures done close to citizens (by levelRank).
var levelPrior = [4]float64{0.9, 0.88, 0.95, 1}

// phraseRun is the longest run of words shared by a name (key) and the query (seq), and
// whether such a run starts the name ("Chứng thực bản sao …" for "chứng thực bản sao").
// pos maps each query word to its positions in seq. Stopwords ("cho", "của") continue a
// run but do not lengthen it.
func phraseRun(key, seq []string, pos map[string][]int, stop map[string]bool) (best int, start bool) {
	for k := range key {
		for _, i := range pos[key[k]] {
			n, c := 0, 0
			for k+n < len(key) && i+n < len(seq) && seq[i+n] == key[k+n] {
				if !stop[key[k+n]] {
					c++
				}
				n++
			}
			if c > best || c == best && c > 0 && k == 0 {
				best, start = c, k == 0
			}
		}
	}
	return best, start
}

func (c cand) better(o cand) bool {
	if c.score != o.score {
		return c.score > o.score
	}
	return c.code < o.code
}

// hitHeap is a min-heap (worst candidate on top) for top-k selection.
type hitHeap []cand

func (h hitHeap) Len() int           { return len(h) }
func (h hitHeap) Less(i, j int) bool { return h[j].better(h[i]) }
func (h hitHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *hitHeap) Push(x any)        { *h = append(*h, x.(cand)) }
func (h *hitHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// qtok is a query word with its content group (0 for stopwords).
type qtok struct {
	token
	group  uint64
	weight float32 // < 1 for words of a replacement longer than what was typed
}

// dialectSwaps are spelling confusions of regional pronunciation (tr/ch, s/x, d/gi/r,
// l/n at the start; n/ng, c/t at the end): "tạm chú" for "tạm trú".
var dialectSwaps = [][2]string{{"ch", "tr"}, {"tr", "ch"}, {"x", "s"}, {"s", "x"}, {"gi", "d"}, {"d", "gi"}, {"r", "d"}, {"d", "r"}, {"r", "gi"}, {"gi", "r"}, {"l", "n"}, {"n", "l"}}

// dialectRepair fixes a word of a two-word phrase the catalogue does not have when a
// regional spelling variant of it makes a phrase the catalogue has ("tam chu" → "tam tru").
func (ix *Index) dialectRepair(segs [][]qtok) {
	has := func(a, b string) bool { _, ok := ix.terms[a+" "+b]; return ok }
	for _, seg := range segs {
		for i := 1; i < len(seg); i++ {
			a, b := seg[i-1].folded, seg[i].folded
			if has(a, b) || seg[i-1].group == 0 || seg[i].group == 0 {
				continue
			}
			// A word that already makes a known phrase with its other neighbour is spelt
			// right ("khieu nai quyet": "nai" belongs to "khieu nai", not "lai quyet").
			bFixed := i+1 < len(seg) && seg[i+1].group != 0 && has(b, seg[i+1].folded)
			aFixed := i >= 2 && seg[i-2].group != 0 && has(seg[i-2].folded, a)
			if v := dialectVariant(b, func(x string) bool { return has(a, x) }); v != "" && !bFixed {
				seg[i].token = token{exact: v, folded: v}
			} else if v := dialectVariant(a, func(x string) bool { return has(x, b) }); v != "" && !aFixed {
				seg[i-1].token = token{exact: v, folded: v}
			}
		}
	}
}

func dialectVariant(w string, ok func(string) bool) string {
	try := func(v string) bool { return v != w && ok(v) }
	for _, sw := range dialectSwaps {
		if strings.HasPrefix(w, sw[0]) {
			if v := sw[1] + w[len(sw[0]):]; try(v) {
				return v
			}
		}
	}
	switch {
	case strings.HasSuffix(w, "ng") && try(w[:len(w)-1]):
		return w[:len(w)-1]
	case strings.HasSuffix(w, "n") && try(w+"g"):
		return w + "g"
	case strings.HasSuffix(w, "c") && try(w[:len(w)-1]+"t"):
		return w[:len(w)-1] + "t"
	case strings.HasSuffix(w, "t") && try(w[:len(w)-1]+"c"):
		return w[:len(w)-1] + "c"
	}
	return ""
}

// analyse turns a query into weighted index terms.
func (ix *Index) analyse(query string) analysed {
	var a analysed
	a.aspect = AspectNone
	norm := Normalize(query)
	toks := tokenize(norm)
	if len(toks) > 64 {
		toks = toks[:64]
	}
	toks = ix.syn.diedSense(toks)
	// Context words are known for what they are: never "repaired" into catalogue words
	// ("bình dương" is no typo of "sinh …").
	ctx := ix.syn.contextMask(toks)
	for i := range toks {
		if !ctx[i] {
			toks[i] = ix.repair(toks[i])
		}
	}
	var segs [][]qtok // main segments
	type extra struct {
		toks   []token
		groups uint64
	}
	var extras []extra
	var cur []qtok
	nextGroup := 0
	var scales [64]float64
	newGroupW := func(t token, scale float64, isCtx bool) uint64 {
		if ix.syn.isStop(t) || nextGroup >= 63 {
			return 0
		}
		w := unknownWordWeight
		if id, ok := ix.terms[t.folded]; ok {
			w = float64(ix.idf[id])
		}
		if isCtx {
			w *= contextWeight
		} else {
			a.nCore++
			a.core |= uint64(1) << nextGroup
		}
		w *= scale
		scales[nextGroup] = scale
		a.groupW[nextGroup] = w
		a.totalW += w
		g := uint64(1) << nextGroup
		nextGroup++
		return g
	}
	endSeg := func() {
		if len(cur) > 0 {
			segs = append(segs, cur)
			cur = nil
		}
	}
	var kept []string
	for i := 0; i < len(toks); {
		if toks[i].brk {
			endSeg()
		}
		r := ix.syn.match(toks, i)
		if r == nil {
			cur = append(cur, qtok{toks[i], newGroupW(toks[i], 1, ctx[i]), 1})
			kept = append(kept, toks[i].exact)
			i++
			continue
		}
		switch r.kind {
		case ruleReplace:
			if len(r.to) == 0 {
				endSeg()
			}
			// Replacement words weigh like typed words: scaling them down for long
			// expansions of short abbreviations measured worse on the labelled queries.
			w := float32(1)
			// In coverage, a long replacement of a short phrase ("sổ đỏ" → "giấy chứng
			// nhận quyền sử dụng đất") must not outweigh the rest of the query.
			cs := min(1, replaceCoverShare*float64(len(r.from))/float64(max(1, len(r.to))))
			for _, t := range r.to {
				cur = append(cur, qtok{t, newGroupW(t, cs, ix.syn.isContext(t)), w})
				kept = append(kept, t.exact)
			}
		case ruleAspect:
			if a.aspect == AspectNone {
				a.aspect = r.aspect
			}
			endSeg()
		case ruleExpand:
			var gs uint64
			for k, t := range toks[i : i+len(r.from)] {
				g := newGroupW(t, 1, ctx[i+k])
				gs |= g
				cur = append(cur, qtok{t, g, 1})
				kept = append(kept, t.exact)
			}
			extras = append(extras, extra{toks: r.to, groups: gs})
		}
		i += len(r.from)
	}
	endSeg()
	a.stripped = strings.Join(kept, " ")

	ix.dialectRepair(segs)
	// Two core words that form a catalogue phrase weigh at least their share of the
	// phrase's idf: "khai tử" is rare although "khai" and "tử" are common.
	for _, seg := range segs {
		for i := 1; i < len(seg); i++ {
			g1, g2 := seg[i-1].group&a.core, seg[i].group&a.core
			if g1 == 0 || g2 == 0 {
				continue
			}
			id, ok := ix.terms[seg[i-1].folded+" "+seg[i].folded]
			if !ok {
				continue
			}
			for _, g := range [2]uint64{g1, g2} {
				k := bits.TrailingZeros64(g)
				if w := phraseShare * float64(ix.idf[id]) * scales[k]; w > a.groupW[k] {
					a.totalW += w - a.groupW[k]
					a.groupW[k] = w
				}
			}
		}
	}
	weights := map[int32]int{} // term id → index in a.terms
	add := func(key string, w float32, groups uint64, bigram bool) {
		id, ok := ix.terms[key]
		if !ok {
			return
		}
		if j, ok := weights[id]; ok {
			if w > a.terms[j].weight {
				a.terms[j].weight = w
			}
			a.terms[j].groups |= groups
			return
		}
		weights[id] = len(a.terms)
		a.terms = append(a.terms, qterm{id: id, weight: w, groups: groups, bigram: bigram})
	}
	for _, seg := range segs {
		for i, t := range seg {
			a.seq = append(a.seq, t.folded)
			a.seqTok = append(a.seqTok, t.token)
			if t.group != 0 {
				a.content |= t.group
				if _, ok := ix.terms["="+t.exact]; ok && t.exact != t.folded {
					// Typed with diacritics: trust them ("đổi" is not "đối"), keep
					// the folded form as a weaker fallback (catalogue typos).
					add("="+t.exact, exactWeight*t.weight, t.group, false)
					add(t.folded, foldedWeightAcc*t.weight, 0, false)
				} else {
					add(t.folded, t.weight, t.group, false)
				}
			}
			if i > 0 {
				add(seg[i-1].folded+" "+t.folded, (seg[i-1].weight+t.weight)/2, seg[i-1].group|t.group, true)
			}
		}
		a.seq = append(a.seq, "|")
		a.seqTok = append(a.seqTok, token{exact: "|", folded: "|"})
	}
	a.typedLen = len(a.seq)
	for _, e := range extras {
		for i, t := range e.toks {
			a.seq = append(a.seq, t.folded)
			a.seqTok = append(a.seqTok, t)
			if !ix.syn.isStop(t) {
				// A single word of a longer expansion does not stand for the typed words
				// ("thẻ" alone is not "căn cước"); its phrases below do.
				g := e.groups
				if len(e.toks) > 1 {
					g = 0
				}
				add(t.folded, expandWeight, g, false)
			}
			if i > 0 {
				add(e.toks[i-1].folded+" "+t.folded, expandWeight, e.groups, true)
			}
		}
		a.seq = append(a.seq, "|")
		a.seqTok = append(a.seqTok, token{exact: "|", folded: "|"})
	}
	a.nContent = bits.OnesCount64(a.content)
	// Verbs count as typed (an expansion of "làm" adds "cấp"); actions also from
	// expansions ("mất" adds "cấp lại").
	a.verb = ix.syn.hasVerb(a.seqTok[:a.typedLen]) || ix.syn.hasAction(a.seq, ix.syn.notVerbMask(a.seqTok))
	if ix.syn.isConsumer(toks) {
		a.verb = false // judged like a question without a verb: a strong match or nothing
	}
	a.age = queryAge(a.seq)
	return a
}

// repair fixes a word the catalogue does not know: raw Telex/VNI keystrokes that decode
// to a known syllable ("ddawng" → "đăng"), or a typo at edit distance 1 from a catalogue
// word of four letters or more. Known words, numbers and synonym-table words are kept.
func (ix *Index) repair(t token) token {
	f := t.folded
	// A stopword typed with some of its diacritics left out ("đuoc" for "được") is that
	// stopword; else its folded form would match catalogue words ("đã được giao đất") as
	// content. Another tone ("đỏ", not "đó") is another word.
	if t.exact != f && !ix.syn.stop[t.exact] {
		if w := ix.syn.stopByFold[f]; w != "" && marksWithin(t.exact, w) {
			if _, known := ix.terms["="+t.exact]; !known && !ix.knownExact[t.exact] {
				return token{exact: w, folded: f, brk: t.brk}
			}
		}
	}
	if ix.vocab[f] > 0 || ix.known[f] || isDigits(f) {
		return t
	}
	if dec, ok := decodeTyping(f); ok {
		df := canonSyllable(foldNormalized(dec))
		if ix.vocab[df] > 0 || ix.known[df] {
			return token{exact: dec, folded: df}
		}
	}
	if len(f) < 4 || !isASCII(f) {
		return t
	}
	best, bestDF := "", int32(0)
	consider := func(w string) {
		if w == f || !withinOneEdit(f, w) {
			return
		}
		if d := ix.vocab[w]; d > bestDF || d == bestDF && d > 0 && w < best {
			best, bestDF = w, d
		}
	}
	for _, w := range ix.deletes[f] { // f is w with one letter deleted
		consider(w)
	}
	for i := 0; i < len(f); i++ {
		del := f[:i] + f[i+1:]
		if ix.vocab[del] > 0 && len(del) >= 3 { // f has one extra letter
			consider(del)
		}
		for _, w := range ix.deletes[del] { // substitution or transposition
			consider(w)
		}
	}
	if best == "" {
		return t
	}
	return token{exact: best, folded: best}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// withinOneEdit reports whether a and b differ by one insertion, deletion, substitution
// or transposition of adjacent letters (ASCII).
func withinOneEdit(a, b string) bool {
	la, lb := len(a), len(b)
	if la < lb {
		a, b, la, lb = b, a, lb, la
	}
	if la-lb > 1 {
		return false
	}
	i := 0
	for i < lb && a[i] == b[i] {
		i++
	}
	if i == lb {
		return true
	}
	if la == lb {
		if a[i+1:] == b[i+1:] {
			return true
		}
		return i+1 < la && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	}
	return a[i+1:] == b[i:]
}

// commonRun returns the longest run of words shared by all record names (in the first
// name's spelling), or "" when they share fewer than two letters' worth.
func commonRun(recs []*Record) string {
	if len(recs) == 0 {
		return ""
	}
	first := tokenize(Normalize(recs[0].Name))
	others := make([][]string, 0, len(recs)-1)
	for _, r := range recs[1:] {
		var seq []string
		for _, t := range tokenize(Normalize(r.Name)) {
			seq = append(seq, t.folded)
		}
		others = append(others, seq)
	}
	bestI, bestN := 0, 0
	for i := range first {
		for j := i + 1; j <= len(first); j++ {
			if j-i <= bestN {
				continue
			}
			sub := make([]string, 0, j-i)
			for _, t := range first[i:j] {
				sub = append(sub, t.folded)
			}
			all := true
			for _, o := range others {
				if !containsSeq(o, sub) {
					all = false
					break
				}
			}
			if !all {
				break
			}
			bestI, bestN = i, j-i
		}
	}
	if bestN == 0 {
		return ""
	}
	words := make([]string, 0, bestN)
	for _, t := range first[bestI : bestI+bestN] {
		words = append(words, t.exact)
	}
	// Drop leading/trailing generic verbs ("cấp") so the topic reads as a thing.
	out := strings.Join(words, " ")
	if len([]rune(out)) < 3 {
		return ""
	}
	return out
}
