package procedures

import (
	"errors"
	"iter"
	"slices"
	"strings"
)

// Siblings are the records about one object: the same document or register acted on in
// different ways (cấp / cấp lại / cấp đổi / gia hạn / trình báo mất … of the ID card) and
// the same act at other levels or in other variants (có yếu tố nước ngoài, lưu động).
// Their names share the object once the leading actions and the qualifiers are taken
// away (familyObject). A citizen rarely names the action but often says what happened to
// the document ("hết hạn", "bị mất", "ghi sai"): synonyms.yaml "states" says which
// action fits each state, and the search puts the sibling that fits first
// (preferFitting).

// stateEntry is one entry of synonyms.yaml "states".
type stateEntry struct {
	When  []string `yaml:"when"`  // how citizens name the state
	Fits  []string `yaml:"fits"`  // the actions that fit it, best first
	Plain bool     `yaml:"plain"` // a sibling naming no action (the first issue) fits after them
}

// stateRule is a compiled stateEntry.
type stateRule struct {
	when  [][]token  // normalised phrases, matched with typed diacritics agreeing
	fits  [][]string // folded action phrases, best first
	plain bool
}

func compileState(e stateEntry) (stateRule, error) {
	st := stateRule{plain: e.Plain}
	for _, w := range e.When {
		if toks := tokenize(Normalize(w)); len(toks) > 0 {
			st.when = append(st.when, toks)
		}
	}
	for _, f := range e.Fits {
		if seq := foldedWords(f); len(seq) > 0 {
			st.fits = append(st.fits, seq)
		}
	}
	switch {
	case len(st.when) == 0:
		return st, errors.New("no phrase under when")
	case len(st.fits) == 0 && !st.plain:
		return st, errors.New("no action under fits")
	}
	return st, nil
}

// namedState returns the state (index into s.states) the earliest phrase of seq names,
// or -1 for none. A word typed with diacritics must agree with the table's ("mặt" does
// not name "mất").
func (s *Synonyms) namedState(seq []token) int {
	best, bestPos := -1, len(seq)
	for i, st := range s.states {
		for _, w := range st.when {
			for p := 0; p < bestPos && p+len(w) <= len(seq); p++ {
				if statePhraseAt(seq, p, w) && !costsAt(seq, p, w) && !deniedAt(seq, p) {
					best, bestPos = i, p
					break
				}
			}
		}
	}
	return best
}

// costWords follow a "mất" that asks what a procedure costs or how long it takes, not
// about a lost document: "làm cccd mất bao lâu", "mất mấy ngày", "có mất phí không", "mất
// tiền không", "mất khoảng 1 tuần".
var costWords = map[string]bool{"bao": true, "mấy": true, "phí": true, "lệ": true, "tiền": true,
	"chi": true, "thời": true, "khoảng": true, "tầm": true, "chừng": true, "nhiều": true,
	"hết": true, "cả": true, "vài": true, "một": true, "hai": true, "ba": true, "ít": true, "công": true}

// costsAt reports whether the one word "mất" at p asks about a cost or a duration (it is
// followed by one of costWords or a number): no state of a document.
func costsAt(seq []token, p int, w []token) bool {
	if len(w) != 1 || seq[p].exact != "mất" || p+1 >= len(seq) {
		return false
	}
	next := seq[p+1].exact
	return costWords[next] || isDigits(next)
}

// denyWords deny the state that follows: "thẻ vẫn còn nguyên, không mất" is not lost,
// "chưa hết hạn" not expired.
var denyWords = map[string]bool{"không": true, "chưa": true, "chẳng": true, "chả": true}

// deniedAt reports whether the state phrase at p follows a word that denies it.
func deniedAt(seq []token, p int) bool {
	return p > 0 && denyWords[seq[p-1].exact]
}

// qualifierDenied reports whether a qualifier typed at p (not added by an expansion,
// which follows the typed words) is denied by one of the three words before it ("không
// ở vùng biên giới", "không dính gì nước ngoài"). Not after "không biết" and the like,
// which deny the knowing.
func qualifierDenied(seq []token, p int) bool {
	for k := max(0, p-3); k < p; k++ {
		if denyWords[seq[k].exact] && (k+1 >= len(seq) || !knowWords[seq[k+1].exact]) {
			return true
		}
	}
	return false
}

// knowWords follow a deny word that denies knowing, not the words after them.
var knowWords = map[string]bool{"biết": true, "rõ": true, "hiểu": true, "nắm": true}

// statePhraseAt reports whether seq names state phrase w at p. A one-word phrase must be
// typed with its diacritics: typed without, "mo", "ban", "mat" are as often "mở", "bản",
// "mặt" as "mờ", "bán", "mất".
func statePhraseAt(seq []token, p int, w []token) bool {
	for k, t := range w {
		q := seq[p+k]
		if q.folded != t.folded || !sameAccents(q, t.exact) {
			return false
		}
		if len(w) == 1 && q.exact == q.folded && t.exact != t.folded {
			return false
		}
	}
	return true
}

// typedLead reports whether the message names, as typed, an action document d's name
// starts with ("thu hồi" of "Thu hồi chứng nhận đăng ký xe"): the citizen said what to do,
// and a state named beside it ("bán xe rồi … thu hồi") does not override it.
func (ix *Index) typedLead(d int32, typed []int) bool {
	return slices.ContainsFunc(typed, func(a int) bool { return containsSeq(ix.docs[d].lead, ix.syn.actions[a]) })
}

// familyTyped reports whether the citizen typed the leading action of a record of d's
// family (d itself included); false when d has no family.
func (ix *Index) familyTyped(d int32, typed []int) bool {
	f := ix.docs[d].family
	return f >= 0 && slices.ContainsFunc(ix.families[f], func(o int32) bool { return ix.typedLead(o, typed) })
}

// familyLeads are the words a name may start with before its object besides the actions
// of synonyms.yaml: the plain issue and registration verbs.
var familyLeads = [][]string{{"dang", "ky"}, {"cap"}, {"doi"}, {"lam"}}

// plainLeads are the leading words of a first issue or registration.
var plainLeads = [][]string{{"dang", "ky"}, {"cap"}, {"lam"}}

// familyCovShare: a sibling put first for a state must cover at least this share of
// what the family's best candidate covers of the message. An object as generic as
// "giấy phép" makes siblings of licences for different activities, and the message's
// other words tell them apart.
const familyCovShare = 0.6

// An object held by more than max(genericMinNames, 1/genericShare of the catalogue)
// names is generic ("thông tin", "giấy phép", "hoạt động": 116, 402, 334 of the 2,642
// national names; "thường trú" 16, "thẻ căn cước" 5): it makes no family.
const (
	genericMinNames = 20
	genericShare    = 50
)

// minFamilyWords: an object of fewer words ("hộ" of "Tách hộ") says too little to make
// records siblings.
const minFamilyWords = 2

// familyObject splits a name into the actions it starts with (folded, "cap lai") and the
// object they act on: the words up to the first punctuation, head-ending word ("cho",
// "tại", …) or "thực hiện", without the qualifiers at either end ("mất hộ chiếu phổ
// thông", "khai sinh có yếu tố nước ngoài"). object is "" when fewer than minFamilyWords
// remain.
func (s *Synonyms) familyObject(toks []token) (lead []string, object string) {
	i := 0
	if len(toks) >= 2 && toks[0].folded == "thu" && toks[1].folded == "tuc" {
		i = 2
	}
	for i < len(toks) {
		n := s.leadAt(toks, i)
		if n == 0 {
			break
		}
		for _, t := range toks[i : i+n] {
			lead = append(lead, t.folded)
		}
		i += n
		if i < len(toks) && (toks[i].folded == "va" || toks[i].folded == "hoac") {
			i++
		}
	}
	j := i
	for ; j < len(toks) && j-i < maxHead; j++ {
		if j > i && (toks[j].brk || headEnd[toks[j].exact] ||
			toks[j].folded == "thuc" && j+1 < len(toks) && toks[j+1].folded == "hien") {
			break
		}
	}
	obj := make([]string, 0, j-i)
	for _, t := range toks[i:j] {
		obj = append(obj, t.folded)
	}
	obj = s.trimQualifiers(obj)
	if len(obj) < minFamilyWords {
		return lead, ""
	}
	return lead, strings.Join(obj, " ")
}

// leadAt is the length of the action or lead verb at toks[i] (0: none), longest first.
func (s *Synonyms) leadAt(toks []token, i int) int {
	at := func(ph []string) bool {
		if i+len(ph) > len(toks) {
			return false
		}
		for k, w := range ph {
			if toks[i+k].folded != w {
				return false
			}
		}
		return true
	}
	for _, act := range s.actions { // longest first
		if at(act) {
			return len(act)
		}
	}
	for _, l := range familyLeads {
		if at(l) {
			return len(l)
		}
	}
	return 0
}

// trimQualifiers takes the qualifiers off both ends of obj.
func (s *Synonyms) trimQualifiers(obj []string) []string {
	for changed := true; changed && len(obj) > 0; {
		changed = false
		for _, q := range s.qualifiers { // longest first
			if len(q) < len(obj) && slices.Equal(obj[:len(q)], q) {
				obj, changed = obj[len(q):], true
				break
			}
			if len(q) < len(obj) && slices.Equal(obj[len(obj)-len(q):], q) {
				obj, changed = obj[:len(obj)-len(q)], true
				break
			}
		}
	}
	return obj
}

// buildFamilies groups the documents by object; a family of one is none (-1).
func (ix *Index) buildFamilies(objects []string) {
	byObj := map[string][]int32{}
	var order []string
	for d, o := range objects {
		if o == "" {
			continue
		}
		if byObj[o] == nil {
			order = append(order, o)
		}
		byObj[o] = append(byObj[o], int32(d))
	}
	for d := range ix.docs {
		ix.docs[d].family = -1
	}
	maxNames := max(genericMinNames, len(ix.docs)/genericShare)
	for _, o := range order {
		ds := byObj[o]
		if len(ds) < 2 || ix.namesHolding(strings.Fields(o), maxNames) > maxNames {
			continue
		}
		f := int32(len(ix.families))
		ix.families = append(ix.families, ds)
		for _, d := range ds {
			ix.docs[d].family = f
		}
	}
	ix.joinUmbrellas(objects)
}

// joinUmbrellas adds to each family whose object holds an umbrella's member ("khai sinh")
// the records that change the umbrella ("Thay đổi, cải chính, bổ sung thông tin hộ
// tịch"): the sibling that fits a wrong birth certificate ("sai") is the correction of
// civil status, although its name does not say "khai sinh".
func (ix *Index) joinUmbrellas(objects []string) {
	for _, u := range ix.syn.umbrellas {
		term := foldedOf(u.term)
		var changes []int32
		for d, o := range objects {
			if o != "" && containsSeq(strings.Fields(o), term) &&
				slices.ContainsFunc(u.acts, func(a []string) bool { return containsSeq(ix.docs[d].lead, a) }) {
				changes = append(changes, int32(d))
			}
		}
		if len(changes) == 0 {
			continue
		}
		for f, ds := range ix.families {
			obj := strings.Fields(objects[ds[0]])
			if containsSeq(obj, term) || !slices.ContainsFunc(u.members, func(m []string) bool { return containsSeq(obj, m) }) {
				continue
			}
			ix.families[f] = append(ds, changes...)
		}
		if ix.umbrellaActs == nil {
			ix.umbrellaActs = map[int32][][]string{}
		}
		for _, d := range changes {
			ix.umbrellaActs[d] = u.acts
		}
	}
}

// fitsInFamily reports whether document d may be put first in family f for state st: a
// record of the family may; one that joined it as an umbrella's change (joinUmbrellas)
// only for a wrong-record state, whose best action is one of the umbrella's ("sai" →
// "cải chính"): a torn birth certificate is not corrected, although "đổi" fits both.
func (ix *Index) fitsInFamily(d, f int32, st *stateRule) bool {
	if ix.docs[d].family == f {
		return true
	}
	acts, joined := ix.umbrellaActs[d]
	return joined && len(st.fits) > 0 && slices.Contains(ix.families[f], d) &&
		slices.ContainsFunc(acts, func(a []string) bool { return slices.Equal(a, st.fits[0]) })
}

// namesHolding counts the names holding the words obj in a row, stopping past limit.
// Only the documents of obj's rarest word or word pair can (the postings are built).
func (ix *Index) namesHolding(obj []string, limit int) int {
	var docs []posting
	for i := range obj {
		keys := []string{obj[i]}
		if i > 0 {
			keys = append(keys, obj[i-1]+" "+obj[i])
		}
		for _, k := range keys {
			if id, ok := ix.terms[k]; ok && (docs == nil || len(ix.postings[id]) < len(docs)) {
				docs = ix.postings[id]
			}
		}
	}
	n := 0
	for _, p := range docs {
		if containsSeq(ix.docs[p.doc].key, obj) {
			if n++; n > limit {
				break
			}
		}
	}
	return n
}

// isPlain reports whether a name's actions are only the plain issue or registration
// ("Cấp thẻ căn cước …", "Đăng ký khai sinh"): a first issue, not a renewal, a
// replacement or a correction.
func (s *Synonyms) isPlain(lead, key []string) bool {
	for i := 0; i < len(lead); {
		n := 0
		for _, l := range plainLeads {
			if len(l) <= len(lead)-i && slices.Equal(lead[i:i+len(l)], l) {
				n = len(l)
				break
			}
		}
		if n == 0 {
			return false
		}
		i += n
	}
	return len(s.findActions(key)) == 0
}

// Siblings returns the other records about the same object as the record code (other
// actions, levels and variants of it), in catalogue order; nil when it has none or the
// catalogue has no such code.
func (ix *Index) Siblings(code string) []*Record { return slices.Collect(ix.siblings(code)) }

// siblings is Siblings as a sequence (no allocation on the search's path).
func (ix *Index) siblings(code string) iter.Seq[*Record] {
	return func(yield func(*Record) bool) {
		d, ok := ix.docOf[code]
		if !ok || ix.docs[d].family < 0 {
			return
		}
		for _, o := range ix.families[ix.docs[d].family] {
			if o != d && !yield(ix.docs[o].rec) {
				return
			}
		}
	}
}

// sameAction yields the other documents of d's family with the same leading actions
// (the variants of one act: its levels, agencies and qualifiers); nothing when d has no
// family.
func (ix *Index) sameAction(d int32) iter.Seq[int32] {
	return func(yield func(int32) bool) {
		di := &ix.docs[d]
		if di.family < 0 {
			return
		}
		for _, o := range ix.families[di.family] {
			if o != d && slices.Equal(ix.docs[o].lead, di.lead) && !yield(o) {
				return
			}
		}
	}
}

// fitRank is how well document d's action fits state st: the index of the first fitting
// action, len(st.fits) for a plain first issue when that fits, more when nothing does. An
// action of one word ("đổi") fits only as the name's leading action; a longer one ("sang
// tên", "trình báo mất") anywhere in the name.
func (ix *Index) fitRank(d int32, st *stateRule) int {
	di := &ix.docs[d]
	for r, ph := range st.fits {
		if containsSeq(di.lead, ph) || len(ph) >= 2 && containsSeq(di.key, ph) {
			return r
		}
	}
	if st.plain && di.plain {
		return len(st.fits)
	}
	return len(st.fits) + 1
}

// preferFitting puts, for a message naming state st, the sibling whose action fits the
// state first among its family's candidates: it takes the score of the family's best
// candidate, which takes its own. cands are ranked and stay so.
func (ix *Index) preferFitting(cands []cand, st int, typed []int) {
	rule := &ix.syn.states[st]
	done := map[int32]bool{}
	moved := map[int32]bool{}
	swapped := false
	for i := range cands {
		f := ix.docs[cands[i].doc].family
		if f < 0 || done[f] {
			continue
		}
		done[f] = true
		if ix.typedLead(cands[i].doc, typed) {
			continue
		}
		best, bestR := i, ix.fitRank(cands[i].doc, rule)
		for j := i + 1; j < len(cands) && bestR > 0; j++ {
			if moved[cands[j].doc] || !ix.fitsInFamily(cands[j].doc, f, rule) {
				continue
			}
			if cands[j].cov < familyCovShare*cands[i].cov {
				continue // a generic object ("giấy phép"): it misses words the first has
			}
			if r := ix.fitRank(cands[j].doc, rule); r < bestR {
				best, bestR = j, r
			}
		}
		if best != i {
			cands[i].score, cands[best].score = cands[best].score, cands[i].score
			swapped = true
			// A record joined to several families (joinUmbrellas) moves up once, for the
			// best of them.
			moved[cands[best].doc] = true
		}
	}
	if swapped {
		slices.SortFunc(cands, cand.compare)
	}
}

// fitSibling is the code a shared example's vote stands for when the message names state
// st: the sibling of the example's procedure that fits the state best (the most local
// level among equals), or the example's own code when none fits better. An office's own
// example is its word and stands.
func (ix *Index) fitSibling(v exVote, st int, typed []int) string {
	d, ok := ix.docOf[v.code]
	if !ok || v.ex.Account != "" || ix.docs[d].family < 0 || ix.typedLead(d, typed) {
		return v.code
	}
	rule := &ix.syn.states[st]
	best, bestR := d, ix.fitRank(d, rule)
	f := ix.docs[d].family
	for _, o := range ix.families[f] {
		if !ix.fitsInFamily(o, f, rule) {
			continue
		}
		r := ix.fitRank(o, rule)
		if r < bestR || r == bestR && best != d && ix.docs[o].levelRank > ix.docs[best].levelRank {
			best, bestR = o, r
		}
	}
	return ix.docs[best].rec.Code
}

// fitQualified is the code a shared example's vote stands for when the message mentions
// qualifiers ("có yếu tố nước ngoài", "lưu động"): the sibling with the same action whose
// name carries the most of them, the fewest others first; the example's own code when
// none carries more than it does. An office's own example is its word and stands.
func (ix *Index) fitQualified(v exVote, mentioned qualSet) string {
	d, ok := ix.docOf[v.code]
	if !ok || v.ex.Account != "" || ix.docs[d].family < 0 {
		return v.code
	}
	fit := func(o int32) (has, others int) {
		for _, q := range ix.docs[o].quals {
			if mentioned.has(q) {
				has++
			} else {
				others++
			}
		}
		return has, others
	}
	best := d
	bestHas, bestOthers := fit(d)
	for o := range ix.sameAction(d) {
		if h, n := fit(o); h > bestHas || h == bestHas && h > 0 && n < bestOthers {
			best, bestHas, bestOthers = o, h, n
		}
	}
	return ix.docs[best].rec.Code
}

// stateFitsTop reports whether the search's first hit is a sibling whose action fits
// state st (not only as a plain first issue).
func (ix *Index) stateFitsTop(res Result, st int) bool {
	if len(res.Hits) == 0 || res.Hits[0].Record == nil {
		return false
	}
	d, ok := ix.docOf[res.Hits[0].Record.Code]
	if !ok || ix.docs[d].family < 0 {
		return false
	}
	rule := &ix.syn.states[st]
	return ix.fitRank(d, rule) < len(rule.fits)
}

// saidQualifiers is what Examples keeps of a shared example's own qualifiers (a.mentioned,
// a its analysis) for unsaidQualifier: the set, when the example mentions a qualifier of
// its procedure's name ("nhận cha con với người nước ngoài" of the foreign-element
// registration); nil otherwise, and for an office's own example, which is its word.
func (ix *Index) saidQualifiers(e Example, a *analysed) qualSet {
	if e.Account != "" || e.Code == "" {
		return nil
	}
	d, ok := ix.docOf[e.Code]
	if !ok || ix.docs[d].family < 0 {
		return nil
	}
	if slices.ContainsFunc(ix.docs[d].quals, a.mentioned.has) {
		return a.mentioned
	}
	return nil
}

// unsaidQualifier is the code a shared example's vote stands for when the example names
// a qualifier of its procedure that the message does not: the example is close for the
// words they share, and the qualifier that made it the variant's is not in the message
// ("thủ tục nhận cha mẹ con" near "thủ tục nhận cha mẹ con với người nước ngoài mất bao
// lâu"). It is the sibling with the same action without those qualifiers, keeping the
// ones the message names, the fewest others first; the example's own code when there
// is none.
func (ix *Index) unsaidQualifier(v exVote, mentioned qualSet) string {
	return ix.withoutUnsaid(v.code, v.said.has, mentioned)
}

// withoutUnsaid is unsaidQualifier for the qualifiers of code's name that says holds.
func (ix *Index) withoutUnsaid(code string, says func(q int16) bool, mentioned qualSet) string {
	d, ok := ix.docOf[code]
	if !ok {
		return code
	}
	said := func(q int16) bool { return says(q) && !mentioned.has(q) }
	if !slices.ContainsFunc(ix.docs[d].quals, said) {
		return code
	}
	best, bestOthers := int32(-1), 0
	for o := range ix.sameAction(d) {
		od := &ix.docs[o]
		drops := func(q int16) bool { return mentioned.has(q) && !slices.Contains(od.quals, q) }
		if slices.ContainsFunc(od.quals, said) || slices.ContainsFunc(ix.docs[d].quals, drops) {
			continue // it has the unsaid qualifier too, or lacks one the message names
		}
		if others := len(od.quals); best < 0 || others < bestOthers {
			best, bestOthers = o, others
		}
	}
	if best < 0 {
		return code
	}
	return ix.docs[best].rec.Code
}
