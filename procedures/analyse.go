package procedures

import (
	"math/bits"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// qterm is an index term of the query: its weight and the content groups it stands for.
type qterm struct {
	id     int32
	weight float32
	groups uint64 // content groups this term stands for
	bigram bool
}

// analysed is a query after analysis: its terms, its content groups with their coverage
// weights, and the word sequence the ranking bonuses read.
type analysed struct {
	terms    []qterm
	content  uint64 // all content groups
	aspect   Aspect
	seq      []string // folded tokens after rewriting, "|" between segments
	seqTok   []token  // the same tokens (for qualifier mentions)
	nContent int
	groupW   [64]float64 // weight of each content group (idf of its word)
	totalW   float64
	stripped string   // normalised query without aspect words (for logging/debug)
	nCore    int      // content words that are not context words
	core     uint64   // their groups
	objects  []string // folded content words that are not words of talk (talkWords)
	age      int      // the age the query gives in years ("bé 5 tuổi"), or -1
	typedLen int      // seq[:typedLen] is what was typed (after rewriting); expansions follow
	verb     bool     // the query names an administrative verb or action
	state    int      // the state the typed words name (Synonyms.states), or -1
	// literalActs are the actions the citizen wrote in the catalogue's words, before the
	// synonym table rewrote anything: "làm lại" becomes "cấp lại" in seq, but a citizen says
	// it of a damaged card (cấp đổi) as much as of a lost one, so it does not override the
	// state named beside it the way a typed "cấp lại" does. Read only beside a state
	// (state ≥ 0), and found only then.
	literalActs []int
	mentioned   qualSet // the qualifiers the message mentions (mentionedQualifiers)
	narrated    bool    // a long message's narration weighs like context (need.go)
	part        bool    // one sentence of a story that matched nothing whole: a list at most (needFirst)
	// segs and extras are the rewritten words (segments and synonym expansions), which
	// the example matcher reads (Index.features).
	segs   [][]qtok
	extras []expansion
}

// qtok is a query word with its content group (0 for stopwords).
type qtok struct {
	token
	group  uint64
	weight float32 // < 1 for words of a replacement longer than what was typed
	// share is the part of a typed word this word stands for: 1 for a typed word,
	// typed/replacement length for a replacement's word ("ubnd" → four words of ¼).
	share float32
}

// dialectSwaps are spelling confusions of regional pronunciation (tr/ch, s/x, d/gi/r,
// l/n at the start; n/ng, c/t at the end): "tạm chú" for "tạm trú". Teencode's "z", which
// starts no Vietnamese word, stands for v, gi or d: "nghĩa zụ", "zấy tờ".
var dialectSwaps = [][2]string{
	{"ch", "tr"}, {"tr", "ch"}, {"x", "s"}, {"s", "x"}, {"gi", "d"}, {"d", "gi"},
	{"r", "d"}, {"d", "r"}, {"r", "gi"}, {"gi", "r"}, {"l", "n"}, {"n", "l"},
	{"z", "v"}, {"z", "gi"}, {"z", "d"},
}

// dialectRepair fixes a word of a two-word phrase the catalogue does not have when a
// regional spelling variant of it makes a phrase the catalogue has ("tam chu" → "tam tru").
// In a message typed with marks, the variant must keep the word's marks and be a word the
// catalogue has so ("tạm chú" → "tạm trú"): an unmarked "con" there is "con", not "công"
// ("đổi họ cho con từ họ bố" is no "công tư"). The end-consonant swaps (n/ng, c/t) never
// change a word the catalogue knows as typed ("con", "học"; but "thai sảng" → "thai sản").
func (ix *Index) dialectRepair(segs [][]qtok, marked bool) {
	has := func(a, b string) bool { _, ok := ix.terms[a+" "+b]; return ok }
	variant := func(t qtok, ok func(string) bool) (token, bool) {
		v, end := dialectVariant(t.folded, ok)
		if v == "" || end && ix.knownAsTyped(t.token, marked) {
			return token{}, false
		}
		if !marked {
			return token{exact: v, folded: v}, true
		}
		ev, _ := dialectVariant(t.exact, func(x string) bool { return foldNormalized(x) == v })
		if ev == "" || !ix.hasMarked(ev) {
			return token{}, false
		}
		return token{exact: ev, folded: v}, true
	}
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
			if v, ok := variant(seg[i], func(x string) bool { return has(a, x) }); ok && !bFixed {
				seg[i].token = v
			} else if v, ok := variant(seg[i-1], func(x string) bool { return has(x, b) }); ok && !aFixed {
				seg[i-1].token = v
			}
		}
	}
}

// knownAsTyped reports whether the catalogue has t as typed: its marked form when the
// message carries marks and t has some ("sảng" is no catalogue word although "sang" is),
// else its letters ("con").
func (ix *Index) knownAsTyped(t token, marked bool) bool {
	if marked && t.exact != t.folded {
		return ix.hasMarked(t.exact)
	}
	return ix.vocab[t.folded] > 0
}

// hasMarked reports whether the catalogue writes w (normalised, with its diacritics) so:
// the index keeps each marked word as the term "=" + w beside its folded form.
func (ix *Index) hasMarked(w string) bool {
	_, ok := ix.terms["="+w]
	return ok
}

// typedWithMarks reports whether query has a letter with a diacritic (đ included).
func typedWithMarks(query string) bool {
	for _, r := range query {
		if _, folded := foldRune(r); folded {
			return true
		}
	}
	return false
}

// dialectVariant is the first regional spelling variant of w that ok accepts ("" when
// none), and whether it swapped the end consonant.
func dialectVariant(w string, ok func(string) bool) (string, bool) {
	try := func(v string) bool { return v != w && ok(v) }
	for _, sw := range dialectSwaps {
		if strings.HasPrefix(w, sw[0]) {
			if v := sw[1] + w[len(sw[0]):]; try(v) {
				return v, false
			}
		}
	}
	switch {
	case strings.HasSuffix(w, "ng") && try(w[:len(w)-1]):
		return w[:len(w)-1], true
	case strings.HasSuffix(w, "n") && try(w+"g"):
		return w + "g", true
	case strings.HasSuffix(w, "c") && try(w[:len(w)-1]+"t"):
		return w[:len(w)-1] + "t", true
	case strings.HasSuffix(w, "t") && try(w[:len(w)-1]+"c"):
		return w[:len(w)-1] + "c", true
	}
	return "", false
}

// analyse turns a query into weighted index terms, in phases: tokens (normalised, word
// senses resolved, typos repaired), rewriting by the synonym table into segments and
// expansions with one content group per word, regional spelling repair, phrase weights,
// the terms (typed words and their bigrams, then expansions), and what the abstention
// gate needs (content count, verb, age).
func (ix *Index) analyse(query string) analysed { return ix.analyseAs(query, true) }

// analyseWhole is analyse reading every word of a long message alike (no narration).
func (ix *Index) analyseWhole(query string) analysed { return ix.analyseAs(query, false) }

// analyseAs is analyse; need says whether to find the need in a long message (need.go).
func (ix *Index) analyseAs(query string, need bool) analysed {
	toks, ctx, narr := ix.queryTokens(query, need)
	b := queryBuilder{ix: ix, weights: map[int32]int{}}
	b.a.aspect = AspectNone
	b.rewrite(toks, ctx, narr)
	ix.dialectRepair(b.segs, typedWithMarks(query))
	b.addUmbrellas()
	b.weighPhrases()
	b.addTyped()
	b.addExpansions()
	b.finish(toks)
	b.a.segs, b.a.extras = b.segs, b.extras
	b.a.state = ix.syn.namedState(b.a.seqTok[:b.a.typedLen])
	if b.a.state >= 0 {
		b.a.literalActs = ix.syn.findActions(foldedOf(toks))
	}
	b.a.mentioned = ix.mentionedQualifiers(b.a.seqTok, b.a.typedLen)
	b.a.narrated = narr != nil
	return b.a
}

// queryTokens normalises and splits the query (at most maxQueryWords words), resolves
// word senses and repairs typos. ctx marks the context words: they are known for what
// they are and never "repaired" into catalogue words ("bình dương" is no typo of
// "sinh …"). narr marks the narration of a long message (need.go), or is nil.
func (ix *Index) queryTokens(query string, need bool) (toks []token, ctx, narr []bool) {
	toks = ix.respellUnknown(tokenize(Normalize(breakLines(query))), dropDoubledEnd, teenRespell)
	toks = ix.syn.diedSense(ix.syn.respell(dropClassifiers(ix.dropNames(toks, typedWithMarks(query)))))
	if need {
		narr = ix.narration(toks)
	}
	toks, narr = capWords(toks, narr)
	ctx = ix.syn.contextMask(toks)
	for i := range toks {
		if !ctx[i] {
			toks[i] = ix.repair(toks[i])
		}
	}
	return toks, ctx, narr
}

// queryBuilder is the state of analyse: the segments (typed words and replacements,
// split at punctuation, aspect words and deleted phrases, so no bigram spans a split),
// the expansions added beside them, and the content groups handed out so far.
type queryBuilder struct {
	ix        *Index
	a         analysed
	segs      [][]qtok
	cur       []qtok // the segment being built
	extras    []expansion
	kept      []string // the words kept, for a.stripped
	nextGroup int
	scales    [64]float64   // coverage scale of each content group
	weights   map[int32]int // term id → index in a.terms
	// aspectAsks says a.aspect came from a phrase that asks (rule.asks).
	aspectAsks bool
}

// expansion is a synonym expansion: words added beside the typed words they stand for.
type expansion struct {
	toks   []token
	groups uint64 // the typed words' content groups
}

// rewrite applies the synonym table's rules (replacements, aspect words, expansions) to
// the tokens and builds the segments.
func (b *queryBuilder) rewrite(toks []token, ctx, narr []bool) {
	// A narration word weighs like a context word in coverage and less as a term.
	told := func(i int) bool { return narr != nil && narr[i] }
	for i := 0; i < len(toks); {
		if toks[i].brk {
			b.endSeg()
		}
		r := b.ix.syn.match(toks, i)
		if r == nil {
			b.keep(toks[i], b.newGroup(toks[i], 1, ctx[i] || told(i)), termWeight(told(i)), 1)
			i++
			continue
		}
		switch r.kind {
		case ruleReplace:
			b.replace(r, told(i))
		case ruleAspect:
			// The first phrase that asks (one followed by a question word too: "lệ phí
			// bao nhiêu") decides; a phrase that only names a part ("hồ sơ", "lệ phí")
			// decides when none asks.
			asks := r.asks || asksAfter(r.aspect, toks[i+len(r.from):])
			if b.a.aspect == AspectNone || asks && !b.aspectAsks {
				b.a.aspect, b.aspectAsks = r.aspect, asks
			}
			b.endSeg()
		case ruleExpand:
			b.expand(r, toks[i:i+len(r.from)], ctx[i:], told(i))
		}
		i += len(r.from)
	}
	b.endSeg()
	b.a.stripped = strings.Join(b.kept, " ")
}

func (b *queryBuilder) endSeg() {
	if len(b.cur) > 0 {
		b.segs = append(b.segs, b.cur)
		b.cur = nil
	}
}

// keep appends a word to the current segment.
func (b *queryBuilder) keep(t token, group uint64, weight, share float32) {
	b.cur = append(b.cur, qtok{t, group, weight, share})
	b.kept = append(b.kept, t.exact)
}

// newGroup gives a word of the query its content group and coverage weight: its idf
// (unknownWordWeight when the catalogue lacks it), scaled down for a context word and by
// scale. Stopwords, and words once 63 groups are taken, get none (0).
func (b *queryBuilder) newGroup(t token, scale float64, isCtx bool) uint64 {
	if b.ix.syn.isStop(t) || b.nextGroup >= 63 {
		return 0
	}
	a := &b.a
	w := unknownWordWeight
	if id, ok := b.ix.terms[t.folded]; ok {
		w = float64(b.ix.idf[id])
	}
	if isCtx {
		w *= contextWeight
	} else {
		a.nCore++
		a.core |= uint64(1) << b.nextGroup
	}
	if !talkWords[t.folded] || thingsTyped[t.exact] {
		a.objects = append(a.objects, t.folded)
	}
	w *= scale
	b.scales[b.nextGroup] = scale
	a.groupW[b.nextGroup] = w
	a.totalW += w
	g := uint64(1) << b.nextGroup
	b.nextGroup++
	return g
}

// replace puts a replacement's words in the place of the typed ones (told: narration);
// an empty replacement (a deleted phrase) ends the segment.
func (b *queryBuilder) replace(r *rule, told bool) {
	if len(r.to) == 0 {
		b.endSeg()
	}
	// Replacement words weigh like typed words: scaling them down for long expansions of
	// short abbreviations measured worse on the labelled queries.
	w := termWeight(told)
	// In coverage, a long replacement of a short phrase ("sổ đỏ" → "giấy chứng nhận quyền
	// sử dụng đất") must not outweigh the rest of the query.
	cs := min(1, replaceCoverShare*float64(len(r.from))/float64(max(1, len(r.to))))
	share := min(1, float32(len(r.from))/float32(max(1, len(r.to))))
	for _, t := range r.to {
		b.keep(t, b.newGroup(t, cs, told || b.ix.syn.isContext(t)), w, share)
	}
}

// expand keeps the typed words (ctx marks their context words, told that they are
// narration) and notes the expansion
// to add after the segments, standing for the typed words' groups.
func (b *queryBuilder) expand(r *rule, typed []token, ctx []bool, told bool) {
	var gs uint64
	for k, t := range typed {
		g := b.newGroup(t, 1, ctx[k] || told)
		gs |= g
		b.keep(t, g, termWeight(told), 1)
	}
	b.extras = append(b.extras, expansion{toks: r.to, groups: gs})
}

// weighPhrases: two core words that form a catalogue phrase weigh at least their share
// of the phrase's idf: "khai tử" is rare although "khai" and "tử" are common.
func (b *queryBuilder) weighPhrases() {
	for _, seg := range b.segs {
		for i := 1; i < len(seg); i++ {
			g1, g2 := seg[i-1].group&b.a.core, seg[i].group&b.a.core
			if g1 == 0 || g2 == 0 {
				continue
			}
			id, ok := b.ix.terms[seg[i-1].folded+" "+seg[i].folded]
			if !ok {
				continue
			}
			share := phraseShare * float64(b.ix.idf[id])
			b.raiseGroupW(g1, share)
			b.raiseGroupW(g2, share)
		}
	}
}

// raiseGroupW raises the coverage weight of group g (one bit) to share, scaled like the
// group's word.
func (b *queryBuilder) raiseGroupW(g uint64, share float64) {
	a := &b.a
	k := bits.TrailingZeros64(g)
	if w := share * b.scales[k]; w > a.groupW[k] {
		a.totalW += w - a.groupW[k]
		a.groupW[k] = w
	}
}

// addTerm adds an index term to the query; a term added twice keeps its larger weight
// and the union of its groups. Terms the catalogue lacks are dropped.
func (b *queryBuilder) addTerm(key string, w float32, groups uint64, bigram bool) {
	id, ok := b.ix.terms[key]
	if !ok {
		return
	}
	a := &b.a
	if j, ok := b.weights[id]; ok {
		if w > a.terms[j].weight {
			a.terms[j].weight = w
		}
		a.terms[j].groups |= groups
		return
	}
	b.weights[id] = len(a.terms)
	a.terms = append(a.terms, qterm{id: id, weight: w, groups: groups, bigram: bigram})
}

// addTyped adds the segments' words and bigrams as terms, and their words to the
// query's sequence, each segment ending with "|".
func (b *queryBuilder) addTyped() {
	for _, seg := range b.segs {
		for i, t := range seg {
			b.push(t.token)
			if t.group != 0 {
				b.a.content |= t.group
				b.addWord(t)
			}
			if i > 0 {
				b.addTerm(seg[i-1].folded+" "+t.folded, (seg[i-1].weight+t.weight)/2, seg[i-1].group|t.group, true)
			}
		}
		b.pushEnd()
	}
	b.a.typedLen = len(b.a.seq)
}

// push appends a word to the query's sequence.
func (b *queryBuilder) push(t token) {
	b.a.seq = append(b.a.seq, t.folded)
	b.a.seqTok = append(b.a.seqTok, t)
}

// pushEnd ends a segment in the query's sequence with "|", so no phrase runs across it.
func (b *queryBuilder) pushEnd() {
	b.push(token{exact: "|", folded: "|"})
}

// addUmbrellas adds an umbrella's term (synonyms.yaml "umbrellas") as an expansion of
// the member a message names when it also names a change to it, typed or implied by a
// state: "sửa ngày sinh trong giấy khai sinh" adds "hộ tịch" for "khai sinh", so the
// search finds "Thay đổi, cải chính, bổ sung thông tin hộ tịch", whose name holds the
// change but not the document.
func (b *queryBuilder) addUmbrellas() {
	if len(b.ix.syn.umbrellas) == 0 {
		return
	}
	var words []string
	var groups []uint64
	for _, seg := range b.segs {
		for _, t := range seg {
			words, groups = append(words, t.folded), append(groups, t.group)
		}
		words, groups = append(words, "|"), append(groups, 0)
	}
	implied := make([]string, 0, 8)
	for _, e := range b.extras {
		for _, t := range e.toks {
			implied = append(implied, t.folded)
		}
		implied = append(implied, "|")
	}
	for _, u := range b.ix.syn.umbrellas {
		if !slices.ContainsFunc(u.acts, func(a []string) bool { return containsSeq(words, a) || containsSeq(implied, a) }) {
			continue
		}
		var gs uint64
		for _, m := range u.members {
			for i := 0; i+len(m) <= len(words); i++ {
				if slices.Equal(words[i:i+len(m)], m) {
					for _, g := range groups[i : i+len(m)] {
						gs |= g
					}
				}
			}
		}
		if gs != 0 {
			b.extras = append(b.extras, expansion{toks: u.term, groups: gs})
		}
	}
}

// addWord adds a content word as a term.
func (b *queryBuilder) addWord(t qtok) {
	if t.exact != t.folded && b.ix.hasMarked(t.exact) {
		// Typed with diacritics: trust them ("đổi" is not "đối"), keep the folded form as
		// a weaker fallback (catalogue typos).
		b.addTerm("="+t.exact, exactWeight*t.weight, t.group, false)
		b.addTerm(t.folded, foldedWeightAcc*t.weight, 0, false)
		return
	}
	b.addTerm(t.folded, t.weight, t.group, false)
}

// addExpansions adds the expansions' words and bigrams as terms, after the typed ones in
// the query's sequence.
func (b *queryBuilder) addExpansions() {
	for _, e := range b.extras {
		for i, t := range e.toks {
			b.push(t)
			if !b.ix.syn.isStop(t) {
				// A single word of a longer expansion does not stand for the typed words
				// ("thẻ" alone is not "căn cước"); its phrases below do.
				g := e.groups
				if len(e.toks) > 1 {
					g = 0
				}
				b.addTerm(t.folded, expandWeight, g, false)
			}
			if i > 0 {
				b.addTerm(e.toks[i-1].folded+" "+t.folded, expandWeight, e.groups, true)
			}
		}
		b.pushEnd()
	}
}

// finish sets what the abstention gate and ranking read besides the terms: the number of
// content words, whether an administrative verb is named, and the age given.
func (b *queryBuilder) finish(toks []token) {
	a := &b.a
	a.nContent = bits.OnesCount64(a.content)
	// Verbs count as typed (an expansion of "làm" adds "cấp"); actions also from
	// expansions ("mất" adds "cấp lại").
	a.verb = b.ix.syn.hasVerb(a.seqTok[:a.typedLen]) || b.ix.syn.hasAction(a.seq, b.ix.syn.notVerbMask(a.seqTok))
	if b.ix.syn.isConsumer(toks) {
		a.verb = false // judged like a question without a verb: a strong match or nothing
	}
	a.age = queryAge(a.seq)
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
			if !ix.hasMarked(t.exact) && !ix.knownExact[t.exact] {
				return token{exact: w, folded: f, brk: t.brk}
			}
		}
	}
	if ix.knownWord(f) || isDigits(f) {
		return t
	}
	if dec, ok := decodeTyping(f); ok {
		df := canonSyllable(foldNormalized(dec))
		if ix.knownWord(df) {
			if !ix.hasMarked(dec) && !ix.knownExact[dec] {
				// The marks decoded are no word we know ("ddoir" → "đỏi", the "oo" of
				// "đổi" left out): keep the letters only, as if typed without marks.
				dec = df
			}
			return token{exact: dec, folded: df}
		}
	}
	if len(f) < 4 || !isASCII(f) {
		return t
	}
	if t.exact != f && wellFormedSyllable(f) {
		// Typed with its marks and spelt like a Vietnamese syllable, it is a word the
		// catalogue lacks, not a typo: "giặt", "ngập", "ruộng", "trưa" are no "giấy",
		// "nhập", "trường", "tra". A marked typo rarely makes a syllable ("chứg", "khôg").
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

// respellUnknown respells each word the catalogue and the synonym tables do not know by
// the first of rules that makes one they know, keeping the marks typed (repair's edit would
// lose them: "mấtt" → "mat", where "mất" names a state):
//   - dropDoubledEnd: a last letter typed twice ("mấtt", "đâuu"; no syllable ends so);
//   - teenRespell: chat spelling that makes no syllable ("mớy", "rồy", "qa", "qá").
func (ix *Index) respellUnknown(toks []token, rules ...func(string) (string, bool)) []token {
	for i, t := range toks {
		if ix.knownWord(t.folded) {
			continue
		}
		for _, rule := range rules {
			w, ok := rule(t.exact)
			if !ok {
				continue
			}
			if wf := canonSyllable(foldNormalized(w)); ix.knownWord(wf) || ix.syn.stopByFold[wf] != "" {
				toks[i].exact, toks[i].folded = w, wf
				break
			}
		}
	}
	return toks
}

// classifiers are the words that count or point at a thing before its noun ("căn nhà",
// "chiếc xe", "miếng đất", "cuốn sổ"), typed with their marks: unmarked, most are other
// words ("can" is cần, "tam" tạm, "quyen" quyền).
var classifiers = map[string]bool{"cái": true, "chiếc": true, "căn": true, "ngôi": true, "miếng": true,
	"mảnh": true, "lô": true, "tấm": true, "cuốn": true, "quyển": true}

// classified are the nouns of papers and property a classifier stands before in
// citizens' messages. "căn hộ" and "căn cước" are no classified nouns: "hộ" and "cước"
// are not here.
var classified = map[string]bool{"nha": true, "xe": true, "dat": true, "the": true, "giay": true,
	"so": true, "bang": true, "bien": true, "hop": true}

// dropClassifiers removes a classifier before a paper or property it counts, so the words
// around it make the phrase they make without it: "cất căn nhà" is "cất nhà" (xây nhà),
// "làm lại cái giấy khai sinh" is "làm lại giấy khai sinh", "bán chiếc xe" is "bán xe".
// Punctuation between the two keeps the classifier.
func dropClassifiers(toks []token) []token {
	return dropSpans(toks, func(rest []token) int {
		if len(rest) < 2 || !classifiers[rest[0].exact] || rest[1].brk || !classified[rest[1].folded] {
			return 0
		}
		if rest[0].brk { // the noun starts the clause the classifier started
			rest[1].brk = true
		}
		return 1
	})
}

// dropSpans is toks without the runs of words span reports (the number of words toks[i:]
// starts with to drop, or 0); toks itself when it drops none.
func dropSpans(toks []token, span func(rest []token) int) []token {
	var out []token
	for i := 0; i < len(toks); {
		if n := span(toks[i:]); n > 0 {
			if out == nil {
				out = append(make([]token, 0, len(toks)), toks[:i]...)
			}
			i += n
			continue
		}
		if out != nil {
			out = append(out, toks[i])
		}
		i++
	}
	if out == nil {
		return toks
	}
	return out
}

// surnames are the family names most Vietnamese bear, as typed with marks. Typed
// without, most are other words ("lam" is làm, "phan" phần, "do" do, "vo" vợ), so a
// message without marks has only unmarkedSurnames.
var surnames = map[string]bool{"nguyễn": true, "trần": true, "lê": true, "phạm": true, "hoàng": true,
	"huỳnh": true, "phan": true, "vũ": true, "võ": true, "đặng": true, "bùi": true, "đỗ": true,
	"hồ": true, "ngô": true, "dương": true, "lý": true, "đinh": true, "trịnh": true, "trương": true,
	"đoàn": true, "lâm": true, "lương": true, "tạ": true}

// unmarkedSurnames are the surnames no other word is spelled like without marks.
var unmarkedSurnames = map[string]bool{"nguyen": true, "tran": true, "huynh": true, "hoang": true, "bui": true}

// middleNames are the middle names that make a surname before them a person's name,
// with and without marks: "Nguyễn Văn", "tran thi".
var middleNames = map[string]bool{"văn": true, "thị": true, "van": true, "thi": true}

// dropNames removes the people's full names a message gives ("đổi tên cho con thành
// Nguyễn Thị Linh", "bố tôi là Trần Văn Hùng"): a surname, then "văn" or "thị", then one
// or two given names. A name tells the search nothing about the procedure, and its words
// ("thị", "thanh", "linh") match catalogue names by chance. Names without a middle name
// ("Lê Hoa") are left: lower-cased, "lê", "hồ" and "lý" start other words too. marked
// says whether the message was typed with marks.
func (ix *Index) dropNames(toks []token, marked bool) []token {
	return dropSpans(toks, func(rest []token) int {
		n := ix.nameLen(rest, marked)
		if n > 0 && n < len(rest) {
			rest[n].brk = true // no phrase across the name
		}
		return n
	})
}

// nameLen is the number of words of the full name toks starts with, or 0. A second given
// name is taken only when the catalogue and the grammar lack the word: "Nguyễn Văn Thanh
// mất" keeps its "mất".
func (ix *Index) nameLen(toks []token, marked bool) int {
	if len(toks) < 3 || !middleNames[toks[1].exact] || toks[1].brk || toks[2].brk {
		return 0
	}
	if !unmarkedSurnames[toks[0].exact] && !(marked && surnames[toks[0].exact]) {
		return 0
	}
	if ix.syn.isStop(toks[2]) {
		return 0
	}
	n := 3
	if len(toks) > 3 && !toks[3].brk && toks[2].end == endNone &&
		!ix.knownWord(toks[3].folded) && !ix.syn.isStop(toks[3]) {
		n = 4
	}
	return n
}

// teenRespell respells two habits of chat spelling that make no Vietnamese syllable: a
// final "i" after "o", "ô" or "ơ" typed "y" ("mớy" for "mới", "rồy", "thôy", "nóy"; no
// rhyme ends "oy"), and "q" typed without its "u" ("qa" for "qua", "qá", "qê", "qen").
// Word lists cannot hold every word so typed. It reports whether a rule applied.
func teenRespell(w string) (string, bool) {
	if last, n := utf8.DecodeLastRuneInString(w); last == 'y' && len(w) > n {
		prev, _ := utf8.DecodeLastRuneInString(w[:len(w)-n])
		if base := foldNormalized(string(prev)); base == "o" {
			return w[:len(w)-n] + "i", true
		}
	}
	if strings.HasPrefix(w, "q") && len(w) > 1 && !strings.HasPrefix(w, "qu") {
		if next, _ := utf8.DecodeRuneInString(w[1:]); foldNormalized(string(next)) != "u" && isVowelLetter(next) {
			return "qu" + w[1:], true
		}
	}
	return "", false
}

// isVowelLetter reports whether r is a Vietnamese vowel, with or without its marks.
func isVowelLetter(r rune) bool { return strings.ContainsAny(foldNormalized(string(r)), "aeiouy") }

// knownWord reports whether the folded word f is one the catalogue or the synonym tables
// hold.
func (ix *Index) knownWord(f string) bool { return ix.vocab[f] > 0 || ix.known[f] }

// dropDoubledEnd returns w without its last letter when that letter is typed twice.
func dropDoubledEnd(w string) (string, bool) {
	last, n := utf8.DecodeLastRuneInString(w)
	prev, _ := utf8.DecodeLastRuneInString(w[:len(w)-n])
	if n == 0 || prev != last || !unicode.IsLetter(last) || len(w) <= 2*n {
		return "", false
	}
	return w[:len(w)-n], true
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

// thingsTyped are papers whose folded spelling is a word of talk ("ảnh" → "anh", a form of
// address; "bản" → "ban", "bạn"; "thẻ" → "the", "thế"): typed with their marks, they are
// objects ("có cần ảnh không").
var thingsTyped = map[string]bool{"ảnh": true, "bản": true, "thẻ": true}

// talkWords are words (folded) that name nothing a citizen asks about: question words,
// pronouns and forms of address, demonstratives, particles, the bare verbs of asking
// ("nộp", "làm", "xin") and where, in general ("ở phường khác", "tỉnh khác cũng được
// không", "làm ở đây hay phải lên tỉnh", "ở quê"). A message whose content words are all
// of them besides its aspect phrase ("dạ cho em hỏi thêm là cái này nộp ở đâu ạ", "phí bao
// nhiêu vậy chị", "có được làm ở phường khác không") names no procedure (Said.Bare). They
// are not stopwords: the search still reads them.
var talkWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`dau bao nhieu may gi sao nao the vay cai nay do kia ay ha a ah nhe nha thi la co
		mat them lam nop xin di len ra den mang can phai hoi cho anh chi em chu bac ong ba toi minh ban da vang oi
		duoc khong ko k roi chua nua giup voi o tai nhu luc khi neu con hay hoac va ma thoi ne zay z j dc hok hem
		phuong xa quan huyen tinh khac cung noi day que trong`) {
		m[w] = true
	}
	return m
}()
