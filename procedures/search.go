package procedures

import (
	"math"
	"math/bits"
	"regexp"
	"slices"
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
	// Prob is the learned ranker's probability that this hit is the one asked for, of the
	// list it ordered (a softmax over its scores); 0 when no ranker read the list.
	Prob float64
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
	// Intent is set (with Abstain) when a labelled example says the message is one of
	// the bot's intents (IntentOfficeHours, …) rather than a procedure.
	Intent string
	// Example is the ID of the labelled example that decided the answer, if any.
	Example string
	// Elsewhere is set when the message asks for a national procedure the catalogue
	// lacks (seed examples written for it decided), beside an unsure list of what the
	// search found or with no answer (Abstain); its Code is "" otherwise.
	Elsewhere Elsewhere
	// Said is what the message itself says, beside what was found: for the bot's
	// conversation (a follow-up on the card shown, or a new question).
	Said Said

	topFull bool // the first hit's name holds every content word of the query (calibration)
}

// answerAs is a new answer to the same message: hits with confidence c, keeping what
// belongs to the message rather than to an answer (its aspect and what it says of
// itself), as the examples' vote and the prototypes remake the search's answer.
func (r Result) answerAs(hits []Hit, c Confidence) Result {
	return Result{Hits: hits, Aspect: r.Aspect, Said: r.Said, Confidence: c}
}

// Said is what a message says of itself, whatever the search found.
type Said struct {
	// Named: the message names what it asks about besides its aspect phrase —
	// namedMinCore core words or more ("làm sổ hộ nghèo ở đâu"), or the words of the best
	// match's name ("hộ chiếu cần giấy tờ gì"); "cho em hỏi nộp ở đâu ạ" names nothing. A
	// list found for a message that names nothing is noise; for one that does, it is a
	// new question.
	Named bool
	// Bare: the message holds an aspect phrase and words of talk only ("cần giấy tờ
	// gì", "phí bao nhiêu vậy chị"): it asks about a procedure it does not name, so a
	// list found for it is noise and "not found" would be the wrong answer.
	Bare bool
	// Objects are the folded words it names things by: its content words that are not
	// words of talk ("ban", "chinh" in "có cần mang bản chính không";
	// Record.DocumentsMention).
	Objects []string
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
	// namedMinCore core words name what a message asks about (Said.Named): follow-ups
	// such as "vậy em phải mang theo những giấy tờ gì ạ" or "thứ 7 có nộp được không, nộp
	// ở đâu" keep two or fewer once the aspect phrase and the small words are gone.
	namedMinCore = 3
)

// bigramBit marks, in docAcc.name, documents whose name/aliases matched a query bigram.
const bigramBit = uint64(1) << 63

// Search finds the procedures a citizen message asks about. limit ≤ 0 means 5.
func (ix *Index) Search(query string, limit int) Result {
	return ix.search(query, limit, nil)
}

// diag records why a search answered or abstained (see Explain).
type diag struct {
	a      analysed
	cands  []cand
	reason string
	reps   []cand // the candidates the hits answer with, in the order of the hits (the ranker's features)
}

// search runs the pipeline: exact code lookups, query analysis, candidate gathering,
// ranking, the abstention gate, grouping of level variants, and the confidence decision.
// dg, when not nil, receives the analysis, the ranked candidates and the abstention
// reason for Explain.
func (ix *Index) search(query string, limit int, dg *diag) Result {
	if limit <= 0 {
		limit = 5
	}
	if len(query) > 2000 {
		query = query[:2000]
	}
	if res, ok := ix.lookupCode(query); ok {
		return res
	}
	if dg == nil {
		return needFirst(ix, query, func(a *analysed) Result { return ix.searchAnalysed(a, limit, nil) }, Result.strength)
	}
	// Each reading keeps its own diagnosis, so that Explain shows the one answered with,
	// not the last one tried.
	type explained struct {
		res Result
		dg  diag
	}
	out := needFirst(ix, query,
		func(a *analysed) explained {
			var e explained
			e.res = ix.searchAnalysed(a, limit, &e.dg)
			return e
		},
		func(e explained) float64 { return e.res.strength() })
	*dg = out.dg
	return out.res
}

// searchAnalysed is search after the code lookup and the analysis (SearchWith shares the
// analysis with the example matcher).
func (ix *Index) searchAnalysed(ap *analysed, limit int, dg *diag) Result {
	return ix.searchPool(ap, limit, candidatePool(limit), dg)
}

// candidatePool is how many candidates are ranked in full for limit hits.
func candidatePool(limit int) int { return limit*6 + 30 }

// searchPool is searchAnalysed ranking pool candidates in full: the ranker asks for more
// hits than it shows, from the pool of the hits shown (ranking 90 candidates instead of 60
// cost a tenth of a search for hits that are rarely the answer).
func (ix *Index) searchPool(ap *analysed, limit, pool int, dg *diag) Result {
	a := *ap
	res := Result{Aspect: a.aspect, Said: Said{Named: a.nCore >= namedMinCore, Bare: a.aspect != AspectNone && len(a.objects) == 0, Objects: a.objects}}
	if a.nContent == 0 || len(a.terms) == 0 {
		if dg != nil {
			dg.a, dg.reason = a, "no content words"
		}
		res.Abstain, res.Confidence = true, ConfidenceNone
		return res
	}
	mentioned := a.mentioned
	cands := ix.candidates(&a, mentioned, pool)
	acts := ix.rank(&a, cands)
	if dg != nil {
		dg.a, dg.cands = a, cands
	}
	// Abstain when the best match is weak, covers too little of the query, or (for a
	// query of several words) shares no two-word phrase with the procedure's names.
	if why := ix.abstainReason(&a, cands); why != "" {
		if dg != nil {
			dg.reason = why
		}
		res.Abstain, res.Confidence = true, ConfidenceNone
		return res
	}
	// A state of the document named ("hết hạn", "bị mất"): the sibling whose action fits it
	// first.
	if st := a.state; st >= 0 {
		ix.preferFitting(cands, st, a.literalActs)
	}
	var full []bool
	var reps []cand
	res.Hits, full, reps = ix.groupHits(cands, limit)
	if dg != nil {
		dg.reps = reps
	}
	res.topFull = len(full) > 0 && full[0]
	res.Said.Named = res.Said.Named || res.topFull
	// Only a bare topic may need a clarifying question: no action and no qualifier named.
	ix.decide(&res, &a, full, len(acts) == 0 && !mentioned.any())
	if a.part && res.Confidence == ConfidenceOne {
		res.Confidence = ConfidenceFew
	}
	return res
}

// strength is how strongly r holds its best hit: the search's score, 0 when it abstained
// (needFirst).
func (r Result) strength() float64 {
	if r.Abstain || len(r.Hits) == 0 {
		return 0
	}
	return r.Hits[0].Score
}

// lookupCode answers a message carrying a national procedure code ("1.004222") or a
// poster short code ("#12") the catalogue has: the citizen named the procedure, so there
// is nothing to rank. The message is still analysed for the aspect it asks about.
func (ix *Index) lookupCode(query string) (Result, bool) {
	var r *Record
	found := false
	if m := codeRe.FindStringSubmatch(query); m != nil {
		r, found = ix.cat.ByCode(m[1])
	}
	if !found {
		if m := shortRe.FindStringSubmatch(query); m != nil {
			r, found = ix.cat.ByShortCode(m[1])
		}
	}
	if !found {
		return Result{}, false
	}
	a := ix.analyse(query)
	return Result{Hits: []Hit{{Record: r, Score: 100}}, Aspect: a.aspect, Confidence: ConfidenceOne, Said: Said{Named: true, Objects: a.objects}}, true
}

// candidates scores the documents the query's terms reach and keeps the best k in a
// min-heap, so a query matching thousands of records does not sort them all. The
// candidates come back unsorted.
func (ix *Index) candidates(a *analysed, mentioned qualSet, k int) []cand {
	s := ix.pool.Get().(*scratch)
	defer ix.release(s)
	ix.gather(s, a)
	h := make(candHeap, 0, k)
	for _, d := range s.touched {
		sc, cov, ok := ix.scoreCand(s, a, mentioned, d)
		if !ok || len(h) == k && sc < h[0].score {
			continue // cannot enter: its record (code, for ties) is not even read
		}
		c := cand{doc: d, score: sc, headF: 1, cov: cov, order: ix.docs[d].order, bigram: s.acc[d].name&bigramBit != 0,
			nameFull: s.acc[d].name&a.content == a.content}
		h.keep(c, k)
	}
	return h
}

// gather adds the query terms' postings to s. Informative terms go first; common ones
// (low idf, e.g. "cấp") only add to documents already found, so they never flood the
// candidate list.
func (ix *Index) gather(s *scratch, a *analysed) {
	for pass := 0; pass < 2; pass++ {
		for _, t := range a.terms {
			if (float64(ix.idf[t.id]) < lowIdfShare*ix.maxIdf) != (pass == 1) {
				continue
			}
			ix.accumulate(s, t, pass == 1)
		}
	}
}

// scoreCand scores document d from its accumulated term scores, scaled by the share of
// the query it covers (cov) and by what its record says (level, age range, for
// individuals, qualifiers the query does not mention). ok is false when the name and
// aliases match no content word: matches only in the field or the results are
// incidental.
func (ix *Index) scoreCand(s *scratch, a *analysed, mentioned qualSet, d int32) (sc, cov float64, ok bool) {
	acc := &s.acc[d]
	if acc.name&a.content == 0 {
		return 0, 0, false
	}
	di := &ix.docs[d]
	cov = a.coverage(acc.mask)
	// The score falls with the share of the query covered (cov^1.5: cov² punished a
	// query with one unmatched word too hard).
	sc = float64(acc.score) * (0.2 + 0.8*cov*math.Sqrt(cov)) * levelPrior[di.levelRank]
	sc *= ageFactor(a.age, di)
	if di.citizen {
		sc *= citizenBonus
	}
	return penaliseQualifiers(sc, di, mentioned), cov, true
}

// coverage is the share of the query's content weight carried by the groups in mask.
func (a *analysed) coverage(mask uint64) float64 {
	cov := 0.0
	for m := mask & a.content; m != 0; m &= m - 1 {
		cov += a.groupW[bits.TrailingZeros64(m)]
	}
	return cov / a.totalW
}

// ageFactor prefers, for a query giving an age, names whose age range contains it: 1
// when the query or the name gives no age.
func ageFactor(age int, di *docInfo) float64 {
	switch {
	case age < 0 || di.ageLo < 0:
		return 1
	case age >= int(di.ageLo) && age < int(di.ageHi):
		return ageMatchBonus
	default:
		return ageMismatchPenalty
	}
}

// penaliseQualifiers lowers sc once for each qualifier of the name ("có yếu tố nước
// ngoài") the query does not mention, at most maxPenalties times. The factor is applied
// once per qualifier, not as a power, which would round differently and could reorder
// close scores.
func penaliseQualifiers(sc float64, di *docInfo, mentioned qualSet) float64 {
	var n int
	if di.qualsLow {
		// One word of bits, in the record itself: this runs for every candidate, and
		// reading the qualifier list cost a cache miss each.
		n = bits.OnesCount64(di.qualBits &^ mentioned[0])
	} else {
		for _, q := range di.quals {
			if !mentioned.has(q) {
				n++
			}
		}
	}
	for range min(n, maxPenalties) {
		sc *= qualifierPenalty
	}
	return sc
}

// rankQuery is what the ranking bonuses need from the query, computed once per search
// rather than once per candidate.
type rankQuery struct {
	acts     []int        // actions the query names, typed or added by an expansion
	typed    map[int]bool // actions the citizen wrote (not only added by an expansion)
	seq      []int32      // the query's words as ids in Index.keyWords (-1: in no name)
	typedLen int          // seq[:typedLen] the citizen wrote; the rest are expansions
	has      bitSet       // the ids of seq[:typed]
	ids      bitSet       // the term ids of the query's words, expansions included
}

func (ix *Index) newRankQuery(a *analysed) rankQuery {
	rq := rankQuery{
		acts:     ix.syn.findActions(a.seq),
		typed:    map[int]bool{},
		seq:      make([]int32, len(a.seq)),
		typedLen: a.typedLen,
		has:      newBitSet(len(ix.keyStop)),
		ids:      newBitSet(len(ix.idf)),
	}
	for _, act := range ix.syn.findActions(a.seq[:a.typedLen]) {
		rq.typed[act] = true
	}
	for i, w := range a.seq {
		rq.seq[i] = -1
		if id, ok := ix.keyWords[w]; ok {
			rq.seq[i] = id
			if i < a.typedLen { // phrase bonuses count runs of typed words, not of expansions
				rq.has.set(int(id))
			}
		}
		if id, ok := ix.terms[w]; ok {
			rq.ids.set(int(id))
		}
	}
	return rq
}

// rank applies the ranking bonuses to the candidates and sorts them best first. It
// returns the actions the query names.
func (ix *Index) rank(a *analysed, cands []cand) []int {
	rq := ix.newRankQuery(a)
	for i := range cands {
		ix.rankCand(&cands[i], a, &rq)
	}
	slices.SortFunc(cands, cand.compare)
	return rq.acts
}

// rankCand scales a candidate by how well its name fits the request: its head, an
// ending action the query does not ask for, the action the query asks for, and the
// longest phrase shared with the query. The factors are applied in this order; a factor
// of 1 leaves the score exactly as it was.
func (ix *Index) rankCand(c *cand, a *analysed, rq *rankQuery) {
	di := &ix.docs[c.doc]
	// The name's head (its action and object) should be what the query asks about.
	if di.headW > 0 {
		c.headF = ix.headFactor(di, rq.ids)
		c.score *= c.headF
	}
	if len(di.ends) > 0 && !slices.ContainsFunc(di.ends, func(e int16) bool { return slices.Contains(rq.acts, int(e)) }) {
		c.score *= unaskedEndPenalty
	}
	c.score *= ix.actionFactor(di, rq)
	if l, start := ix.phraseRun(di.keyID, rq); l >= 2 {
		c.score *= phraseFactor(l, start)
	}
}

// headFactor is headBase plus the rest in proportion to the idf of the name's head
// words the query has.
func (ix *Index) headFactor(di *docInfo, ids bitSet) float64 {
	var got float32
	for _, id := range di.head {
		if ids.has(int(id)) {
			got += ix.idf[id]
		}
	}
	return headBase + (1-headBase)*float64(got/di.headW)
}

// actionFactor rewards a name containing the first action the query names (most when
// the citizen typed it); 1 when it contains none.
func (ix *Index) actionFactor(di *docInfo, rq *rankQuery) float64 {
	for _, act := range rq.acts {
		if di.acts.has(act) {
			if rq.typed[act] {
				return typedActionBonus
			}
			return actionBonus
		}
	}
	return 1
}

// phraseFactor rewards a run of l words shared by the name and the query, more when the
// run starts the name.
func phraseFactor(l int, start bool) float64 {
	b := phraseBonus * float64(min(l, 4))
	if start {
		b *= 1.5
	}
	return 1 + b
}

// nameGroup is the candidates of one procedure name across levels, best first.
type nameGroup struct {
	id      int32 // docInfo.group
	best    float64
	members []cand
}

// groupHits turns the ranked candidates into at most limit hits, one per procedure
// name: records with the same name at other levels become the hit's variants. Groups far
// below the best candidate are noise, not alternatives. full[i] reports whether hit i's
// record names every content word of the query; reps[i] is the candidate hit i answers
// with.
func (ix *Index) groupHits(cands []cand, limit int) (hits []Hit, full []bool, reps []cand) {
	for _, gr := range ix.groupByName(cands, limit) {
		rep := ix.groupRep(&gr)
		hit := Hit{Record: ix.docs[rep.doc].rec, Score: round3(gr.best)}
		for _, m := range gr.members {
			if m.doc != rep.doc {
				hit.Variants = append(hit.Variants, ix.docs[m.doc].rec)
			}
		}
		hits = append(hits, hit)
		full = append(full, rep.nameFull)
		reps = append(reps, rep)
	}
	return hits, full, reps
}

// groupByName groups ranked candidates by name, in the order the groups first appear
// (their best member): the first limit groups whose best is not noise (below
// minRelativeScore of the best candidate). A candidate of a later group is not kept, so a
// search ranking 90 candidates builds a handful of groups, found by a scan of those few
// rather than a map.
func (ix *Index) groupByName(cands []cand, limit int) []nameGroup {
	var groups []nameGroup
	closed := false // a group was left out: every later one is too
	for _, c := range cands {
		g := ix.docs[c.doc].group
		i := slices.IndexFunc(groups, func(gr nameGroup) bool { return gr.id == g })
		if i < 0 {
			if closed || len(groups) == limit || c.score < minRelativeScore*cands[0].score {
				closed = true
				continue
			}
			groups = append(groups, nameGroup{id: g, best: c.score})
			i = len(groups) - 1
		}
		groups[i].members = append(groups[i].members, c)
	}
	return groups
}

// groupRep is the record a group answers with: the most local level among members
// scoring close to the group's best (like levelPrior, this prefers procedures done close
// to citizens); of one level, the most local by its name's marker (nameLevelRank).
func (ix *Index) groupRep(gr *nameGroup) cand {
	rep := gr.members[0]
	for _, m := range gr.members[1:] {
		md, rd := &ix.docs[m.doc], &ix.docs[rep.doc]
		if m.score >= 0.9*gr.best && (md.levelRank > rd.levelRank || md.levelRank == rd.levelRank && md.nameLevel > rd.nameLevel) {
			rep = m
		}
	}
	return rep
}

// decide sets how the bot should answer: ask which case when a bare topic ("căn cước",
// "hộ chiếu") fits several procedures about equally, answer with the first hit when it
// leads clearly, else show a short list.
func (ix *Index) decide(res *Result, a *analysed, full []bool, bare bool) {
	top := res.Hits[0].Score
	var opts []*Record
	if a.nContent <= 2 && bare {
		opts = clarifyOptions(res.Hits, full, top)
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
}

// clarifyOptions are the hits, at most maxClarifyOptions, whose names hold every content
// word of the query and that score close enough to the top to be what was meant.
func clarifyOptions(hits []Hit, full []bool, top float64) []*Record {
	var opts []*Record
	for i, h := range hits {
		if full[i] && h.Score >= clarifyRatio*top && len(opts) < maxClarifyOptions {
			opts = append(opts, h.Record)
		}
	}
	return opts
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
		acc := &s.acc[p.doc]
		if acc.score == 0 && acc.mask == 0 {
			if onlyKnown {
				continue
			}
			s.touched = append(s.touched, p.doc)
		}
		acc.score += t.weight * p.w
		acc.mask |= t.groups
		if p.inName {
			acc.name |= t.groups
			if t.bigram {
				acc.name |= bigramBit
			}
		}
	}
}

func round3(f float64) float64 {
	return float64(int64(f*1000+0.5)) / 1000
}

func (ix *Index) release(s *scratch) {
	for _, d := range s.touched {
		s.acc[d] = docAcc{}
	}
	s.touched = s.touched[:0]
	ix.pool.Put(s)
}

// mentionedQualifiers: a qualifier counts as mentioned when the query contains its core
// words ("nước ngoài" for "có yếu tố nước ngoài"). Words typed with diacritics must match
// as written ("lái" does not mention "lại").
func (ix *Index) mentionedQualifiers(seq []token, typed int) qualSet {
	m := qualSet(newBitSet(len(ix.syn.qualCore)))
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
			if len(core) >= 2 && p < typed && qualifierDenied(seq, p) {
				continue // "nhà tôi không ở vùng biên giới": not the border variant
			}
			bitSet(m).set(i)
			break
		}
	}
	return m
}

// bitSet is a set of small numbers (term ids, action and qualifier indexes) as bits:
// ranking reads such sets once per candidate, where a map cost 4 % of a search.
type bitSet []uint64

// newBitSet is a set that can hold 0 … n-1.
func newBitSet(n int) bitSet { return make(bitSet, n/64+1) }

func (b bitSet) set(i int)      { b[i/64] |= 1 << (i % 64) }
func (b bitSet) has(i int) bool { return b[i/64]&(1<<(i%64)) != 0 }

// qualSet is the set of qualifiers a query mentions, by their index in
// Synonyms.qualifiers.
type qualSet bitSet

func (m qualSet) has(q int16) bool { return bitSet(m).has(int(q)) }

func (m qualSet) any() bool { return slices.ContainsFunc(m, func(w uint64) bool { return w != 0 }) }

type cand struct {
	doc      int32
	score    float64
	cov      float64
	order    int32 // docInfo.order: ties go to the smaller code
	bigram   bool
	nameFull bool    // the name/aliases contain every content word of the query
	headF    float64 // the head factor applied (ranking only: abstention ignores it)
}

// levelPrior slightly prefers procedures done close to citizens (by levelRank).
var levelPrior = [4]float64{0.9, 0.88, 0.95, 1}

// phraseRun is the longest run of words shared by a name (key) and the query (rq.seq)
// starting at a word the citizen typed, and whether such a run starts the name
// ("Chứng thực bản sao …" for "chứng thực bản sao"). Stopwords ("cho", "của") continue a
// run but do not lengthen it. Words are compared as ids: rq.has skips, without a lookup,
// the name's words the query lacks.
func (ix *Index) phraseRun(key []int32, rq *rankQuery) (best int, start bool) {
	seq := rq.seq
	for k, w := range key {
		if !rq.has.has(int(w)) {
			continue
		}
		for i := 0; i < rq.typedLen; i++ {
			if seq[i] != w {
				continue
			}
			n, c := 0, 0
			for k+n < len(key) && i+n < len(seq) && seq[i+n] == key[k+n] {
				if !ix.keyStop[key[k+n]] {
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
	return c.order < o.order
}

// compare orders candidates best first (better), for slices.SortFunc.
func (c cand) compare(o cand) int {
	switch {
	case c.better(o):
		return -1
	case o.better(c):
		return 1
	}
	return 0
}

// candHeap is a min-heap of candidates (the worst on top) for top-k selection.
type candHeap []cand

// keep adds c when the heap holds fewer than k candidates, or in place of the worst
// when c is better.
func (h *candHeap) keep(c cand, k int) {
	if len(*h) < k {
		h.push(c)
	} else if c.better((*h)[0]) {
		(*h)[0] = c
		h.down(0)
	}
}

func (h *candHeap) push(c cand) {
	*h = append(*h, c)
	for i := len(*h) - 1; i > 0; {
		p := (i - 1) / 2
		if !(*h)[p].better((*h)[i]) {
			break
		}
		(*h)[p], (*h)[i] = (*h)[i], (*h)[p]
		i = p
	}
}

// down restores the heap after h[i] got better.
func (h candHeap) down(i int) {
	for {
		w := i
		for _, c := range [2]int{2*i + 1, 2*i + 2} {
			if c < len(h) && h[w].better(h[c]) {
				w = c
			}
		}
		if w == i {
			return
		}
		h[i], h[w] = h[w], h[i]
		i = w
	}
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
