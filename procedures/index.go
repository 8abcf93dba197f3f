package procedures

import (
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Options tune an Index. The zero value is the recommended setting.
type Options struct {
	// Synonyms is the query-rewriting table; nil means DefaultSynonyms().
	Synonyms *Synonyms
	// MinScore: a best hit scoring below it makes Search abstain. 0 means the default.
	MinScore float64
	// MinCoverage: the share of the query's content words the best hit must contain
	// (0..1). 0 means the default.
	MinCoverage float64
}

// Defaults for Options, calibrated on the imported real catalogue (2,642 records) with
// the labelled queries in testdata and ../shared/eval. MinScore is scaled by the
// catalogue size (idf grows with it), so the same default works for a 40-record office
// catalogue.
const (
	DefaultMinScore    = 11.0
	DefaultMinCoverage = 0.35
	calibrationSize    = 2642
	// A query with a single content word must name a rare word (idf at least this share of
	// the catalogue's largest idf): "tên" alone is no procedure question.
	singleWordIdfShare = 0.6
)

// Field weights (BM25F): the name counts most, then everyday names, then keywords, the
// lĩnh vực and the result documents.
const (
	weightName    = 3.0
	weightAlias   = 3.0
	weightKeyword = 2.0
	weightField   = 1.0
	weightResult  = 0.5

	bm25K1 = 1.2
)

// bm25B is the length normalisation per field; official names are long, so the name is
// normalised less than the BM25 default.
var bm25B = [numFields]float64{0.5, 0.75, 0.75, 0.75, 0.75}

// maxLengthNorm caps the length penalty: official names are long because of legal
// wording ("… do cơ quan, tổ chức có thẩm quyền của Việt Nam; …"), not because they are
// about several things.
const maxLengthNorm = 1.6

const (
	fieldName = iota
	fieldAlias
	fieldKeyword
	fieldField
	fieldResult
	numFields
)

var fieldWeights = [numFields]float64{weightName, weightAlias, weightKeyword, weightField, weightResult}

// posting is one document of a term with its precomputed BM25F contribution.
type posting struct {
	doc    int32
	w      float32
	inName bool // the term occurs in the name, aliases or keywords
}

type docInfo struct {
	rec       *Record
	group     int32   // index into Index.groups: records sharing a name across levels
	levelRank int8    // 3 Cấp xã, 2 Cấp tỉnh, 1 Cấp bộ, 0 other
	nameLevel int8    // the level its name's marker says (nameLevelRank), for a tie of levelRank
	quals     []int16 // qualifiers found in the name (indexes into Synonyms.qualifiers)
	qualBits  uint64  // quals as bits, when every one is below 64 (qualsLow)
	qualsLow  bool
	key       []string
	keyID     []int32 // key's words as ids in Index.keyWords (phrase runs compare ids, not strings)
	citizen   bool    // the name says the procedure is for individuals
	head      []int32 // term ids of the name's head: its first words, up to the first qualifying clause
	headW     float32 // sum of the head words' idf
	ageLo     int16   // the name's age range in years, [ageLo, ageHi); -1 when it has none
	ageHi     int16
	// ends: the name starts with an action that ends or withdraws something ("thu hồi",
	// "hủy", "chấm dứt" …; see endingActions).
	ends []int16
	// family: index into Index.families, the records about the same object (other
	// actions, levels, variants; siblings.go); -1 when the record has none.
	family int32
	lead   []string // the actions the name starts with, folded ("cap lai")
	plain  bool     // the name is a plain first issue or registration (no other action)
	// acts: bit i is set when the name (key) contains Synonyms.actions[i], so ranking
	// tests a bit rather than searching the name for the phrase.
	acts bitSet
	// order is the record's place among the catalogue's codes sorted: ties between
	// candidates go to the smaller code, compared as numbers rather than strings.
	order int32
}

// Index is an immutable search index over a catalogue. It is safe for concurrent Search.
type Index struct {
	// clfCache is the classifier last trained over this index (classifier.go).
	clfCache atomic.Pointer[clfModel]
	// lackedCache is the index of lacked procedures' seeds last built over it (lacked.go).
	lackedCache atomic.Pointer[lacked]

	cat      *Catalog
	syn      *Synonyms
	opts     Options
	docs     []docInfo
	terms    map[string]int32
	postings [][]posting
	idf      []float32           // by term id
	maxIdf   float64             // idf of a word in one record
	minScore float64             // opts.MinScore scaled to this catalogue's size
	vocab    map[string]int32    // folded unigrams → document frequency
	deletes  map[string][]string // one-deletion neighbourhood of vocabulary words (len ≥ 4)
	known    map[string]bool     // words of the synonym table (never "repaired")
	// knownExact: the synonym table's words as written ("nhiêu" of "bao nhiêu").
	knownExact map[string]bool
	groups     [][]int32 // group → docs
	families   [][]int32 // family → docs (siblings.go)
	// umbrellaActs: a record that joined other families as an umbrella's change
	// (joinUmbrellas) → the umbrella's acts; it fits only a state whose best action is one.
	umbrellaActs map[int32][][]string
	docOf        map[string]int32 // record code → doc
	// keyWords numbers the words of every name's key (docInfo.keyID); keyStop marks the
	// ones that are stopwords (a phrase run does not count them).
	keyWords map[string]int32
	keyStop  []bool
	pool     sync.Pool
}

// scratch is per-query working memory, reused through a sync.Pool.
type scratch struct {
	acc     []docAcc // by document
	touched []int32
}

// docAcc is what a query's terms add up for one document: its score, the query's word
// groups it matched (mask) and those it matched in its name or aliases (name, with
// bigramBit). Side by side, a posting reads and writes one cache line, not three.
type docAcc struct {
	score float32
	mask  uint64
	name  uint64
}

// NewIndex builds the search index of c in three passes over the records: terms and the
// facts ranking needs about each name; document frequencies and idf; then the BM25F
// postings. Last come the tables for repairing query words.
func NewIndex(c *Catalog, opts Options) *Index {
	opts = opts.withDefaults()
	ix := &Index{cat: c, syn: opts.Synonyms, opts: opts, terms: map[string]int32{}, vocab: map[string]int32{}, known: map[string]bool{},
		keyWords: map[string]int32{}}
	recs := c.All()
	n := len(recs)
	ix.docs = make([]docInfo, n)
	b := &indexBuilder{ix: ix, docStart: make([]int, n+1), fieldLen: make([][numFields]int32, n), groupIDs: map[string]int32{},
		objects: make([]string, n)}
	ix.docOf = make(map[string]int32, n)
	for d, r := range recs {
		b.addRecord(d, r)
		ix.docOf[r.Code] = int32(d)
	}
	ix.orderByCode(recs)
	b.docStart[n] = len(b.occs)
	b.weighTerms(b.docFreqs())
	b.weighPostings()
	ix.buildFamilies(b.objects)
	for d := range ix.docs {
		for _, id := range ix.docs[d].head {
			ix.docs[d].headW += ix.idf[id]
		}
	}
	ix.collectKnown()
	ix.buildDeletes()
	ix.pool.New = func() any {
		return &scratch{acc: make([]docAcc, n)}
	}
	return ix
}

// orderByCode sets each document's order: its record's place among the codes sorted.
func (ix *Index) orderByCode(recs []*Record) {
	byCode := make([]int32, len(recs))
	for d := range byCode {
		byCode[d] = int32(d)
	}
	slices.SortFunc(byCode, func(a, b int32) int { return strings.Compare(recs[a].Code, recs[b].Code) })
	for i, d := range byCode {
		ix.docs[d].order = int32(i)
	}
}

// withDefaults fills in the zero settings.
func (o Options) withDefaults() Options {
	if o.Synonyms == nil {
		o.Synonyms = DefaultSynonyms()
	}
	if o.MinScore == 0 {
		o.MinScore = DefaultMinScore
	}
	if o.MinCoverage == 0 {
		o.MinCoverage = DefaultMinCoverage
	}
	return o
}

// indexBuilder is what NewIndex gathers in its first pass and reads in the later ones.
type indexBuilder struct {
	ix       *Index
	keys     []string // term id → term; ids in order of first appearance, so deterministic
	occs     []occ    // every document's (term, field) occurrences, document after document
	docStart []int    // document d's occurrences are occs[docStart[d]:docStart[d+1]]
	fieldLen [][numFields]int32
	totLen   [numFields]float64
	groupIDs map[string]int32 // group key → index into Index.groups
	kb       []byte           // scratch for building term keys
	objects  []string         // document → the object its name acts on (familyObject)
}

// occ is one occurrence of a term in a field of a document.
type occ struct {
	id    int32
	field uint8
}

// addRecord indexes record d: the words of its name (and the name's acronyms spelt out),
// aliases, keywords, field and results, and what ranking needs to know about its name.
func (b *indexBuilder) addRecord(d int, r *Record) {
	b.docStart[d] = len(b.occs)
	name := Normalize(r.Name)
	nameToks := tokenize(name)
	b.addSeq(d, fieldName, nameToks, true)
	for _, exp := range b.ix.syn.expandAcronyms(r.Name) {
		b.addSeq(d, fieldName, exp, false)
	}
	for _, a := range r.Aliases {
		b.addSeq(d, fieldAlias, tokenize(Normalize(a)), true)
	}
	for _, k := range r.Keywords {
		b.addSeq(d, fieldKeyword, tokenize(Normalize(k)), false)
	}
	b.addSeq(d, fieldField, tokenize(Normalize(r.Field)), false)
	for _, res := range r.Results {
		b.addSeq(d, fieldResult, tokenize(Normalize(res)), false)
	}
	for f := range b.fieldLen[d] {
		b.totLen[f] += float64(b.fieldLen[d][f])
	}
	b.ix.docs[d] = b.docInfo(d, r, name, nameToks)
}

// termID returns the id of term k, giving it the next one when it is new.
func (b *indexBuilder) termID(k string) int32 {
	id, ok := b.ix.terms[k]
	if !ok {
		id = int32(len(b.keys))
		b.ix.terms[k] = id
		b.keys = append(b.keys, k)
	}
	return id
}

// addSeq records the words of one text of document d in field f: each folded word, each
// bigram not broken by punctuation, and with exact the accented form ("=đổi") of words
// that have diacritics.
func (b *indexBuilder) addSeq(d int, f uint8, toks []token, exact bool) {
	for i, t := range toks {
		b.occs = append(b.occs, occ{b.termID(t.folded), f})
		if i > 0 && !t.brk {
			b.kb = append(append(append(b.kb[:0], toks[i-1].folded...), ' '), t.folded...)
			b.occs = append(b.occs, occ{b.termID(string(b.kb)), f})
		}
		if exact && t.exact != t.folded {
			b.kb = append(append(b.kb[:0], '='), t.exact...)
			b.occs = append(b.occs, occ{b.termID(string(b.kb)), f})
		}
	}
	b.fieldLen[d][f] += int32(len(toks))
}

// docInfo is what ranking needs to know about record d's name: its group of same-name
// records, level, qualifiers, whether it is for individuals, age range, leading ending
// actions and head words.
func (b *indexBuilder) docInfo(d int, r *Record, name string, nameToks []token) docInfo {
	syn := b.ix.syn
	key := groupKey(name)
	keyToks := strings.Fields(key)
	nameExact := make([]string, len(nameToks))
	for i, t := range nameToks {
		nameExact[i] = t.exact
	}
	di := docInfo{rec: r, group: b.group(key, d), levelRank: levelRank(r.Levels), nameLevel: nameLevelRank(name), key: keyToks, keyID: make([]int32, len(keyToks))}
	for i, w := range keyToks {
		id, ok := b.ix.keyWords[w]
		if !ok {
			id = int32(len(b.ix.keyStop))
			b.ix.keyWords[w] = id
			b.ix.keyStop = append(b.ix.keyStop, syn.stopPlain[w])
		}
		di.keyID[i] = id
	}
	di.qualsLow = true
	for _, q := range syn.findQualifiers(nameExact) {
		di.quals = append(di.quals, int16(q))
		if q < 64 && di.qualBits&(1<<q) == 0 {
			di.qualBits |= 1 << q
		} else {
			di.qualsLow = false // beyond one word of bits, or named twice: counted from quals
		}
	}
	di.citizen = slices.ContainsFunc(syn.citizen, func(c []string) bool { return containsSeq(nameExact, c) })
	di.ageLo, di.ageHi = nameAges(nameToks)
	di.ends = syn.leadEndings(keyToks)
	di.lead, b.objects[d] = syn.familyObject(nameToks)
	di.plain = syn.isPlain(di.lead, keyToks)
	di.acts = newBitSet(len(syn.actions))
	for i, act := range syn.actions {
		if containsSeq(keyToks, act) {
			di.acts.set(i)
		}
	}
	for _, t := range nameHead(nameToks) {
		if !syn.isStop(t) {
			di.head = append(di.head, b.termID(t.folded))
		}
	}
	return di
}

// group adds document d to the group of records named key and returns the group.
func (b *indexBuilder) group(key string, d int) int32 {
	g, ok := b.groupIDs[key]
	if !ok {
		g = int32(len(b.ix.groups))
		b.groupIDs[key] = g
		b.ix.groups = append(b.ix.groups, nil)
	}
	b.ix.groups[g] = append(b.ix.groups[g], int32(d))
	return g
}

// docOccs are document d's occurrences.
func (b *indexBuilder) docOccs(d int) []occ {
	return b.occs[b.docStart[d]:b.docStart[d+1]]
}

// docFreqs counts the documents each term occurs in.
func (b *indexBuilder) docFreqs() []int32 {
	df := make([]int32, len(b.keys))
	lastDoc := make([]int32, len(b.keys))
	for i := range lastDoc {
		lastDoc[i] = -1
	}
	for d := range b.fieldLen {
		for _, o := range b.docOccs(d) {
			if lastDoc[o.id] != int32(d) {
				lastDoc[o.id] = int32(d)
				df[o.id]++
			}
		}
	}
	return df
}

// weighTerms sets each term's idf from its document frequency, sizes its postings and
// fills the vocabulary of single words; and the largest idf, by which MinScore is scaled
// to the catalogue's size.
func (b *indexBuilder) weighTerms(df []int32) {
	ix := b.ix
	n := len(b.fieldLen)
	ix.postings = make([][]posting, len(b.keys))
	ix.idf = make([]float32, len(b.keys))
	ix.maxIdf = math.Log(1 + (float64(n)-0.5)/1.5)
	ix.minScore = ix.opts.MinScore * ix.maxIdf / math.Log(1+(calibrationSize-0.5)/1.5)
	for i, t := range b.keys {
		ix.idf[i] = float32(math.Log(1 + (float64(n)-float64(df[i])+0.5)/(float64(df[i])+0.5)))
		ix.postings[i] = make([]posting, 0, df[i])
		if !strings.ContainsAny(t, " =") {
			ix.vocab[t] = df[i]
		}
	}
}

// termFreqs is one document's BM25F pseudo term frequencies, reused across documents.
type termFreqs struct {
	pseudo map[int32]float64 // term → field-weighted, length-normalised frequency
	inName map[int32]bool    // the term occurs in the name, aliases or keywords
	order  []int32           // terms in order of first occurrence
}

// weighPostings computes the BM25F weight of each term in each document. Documents go in
// order, so each term's postings come out sorted by document.
func (b *indexBuilder) weighPostings() {
	avgLen := b.avgFieldLen()
	tf := termFreqs{pseudo: map[int32]float64{}, inName: map[int32]bool{}}
	for d := range b.fieldLen {
		b.countTerms(d, &avgLen, &tf)
		for _, id := range tf.order {
			f := tf.pseudo[id]
			w := float64(b.ix.idf[id]) * f * (bm25K1 + 1) / (f + bm25K1)
			b.ix.postings[id] = append(b.ix.postings[id], posting{doc: int32(d), w: float32(w), inName: tf.inName[id]})
		}
	}
}

// avgFieldLen is the average length of each field (1 for a field no record has).
func (b *indexBuilder) avgFieldLen() [numFields]float64 {
	var avgLen [numFields]float64
	for f := range avgLen {
		avgLen[f] = b.totLen[f] / math.Max(1, float64(len(b.fieldLen)))
		if avgLen[f] == 0 {
			avgLen[f] = 1
		}
	}
	return avgLen
}

// countTerms fills tf with document d's term frequencies, each occurrence weighted by its
// field and normalised by the field's length.
func (b *indexBuilder) countTerms(d int, avgLen *[numFields]float64, tf *termFreqs) {
	clear(tf.pseudo)
	clear(tf.inName)
	tf.order = tf.order[:0]
	var norm [numFields]float64
	for f := range norm {
		norm[f] = min(maxLengthNorm, 1-bm25B[f]+bm25B[f]*float64(b.fieldLen[d][f])/avgLen[f])
	}
	for _, o := range b.docOccs(d) {
		if _, ok := tf.pseudo[o.id]; !ok {
			tf.order = append(tf.order, o.id)
		}
		tf.pseudo[o.id] += fieldWeights[o.field] / norm[o.field]
		if o.field <= fieldKeyword {
			tf.inName[o.id] = true
		}
	}
}

// collectKnown gathers the synonym table's words: they are never "repaired" into
// catalogue words.
func (ix *Index) collectKnown() {
	ix.knownExact = map[string]bool{}
	for first, rs := range ix.syn.rules {
		ix.known[first] = true
		for _, r := range rs {
			for _, f := range r.from {
				ix.known[f] = true
			}
			for _, e := range r.exact {
				ix.knownExact[e] = true
			}
		}
	}
	for w := range ix.syn.stopPlain {
		ix.known[w] = true
	}
}

// buildDeletes indexes the vocabulary's ASCII words of four letters or more by their
// one-letter deletions, so repair finds the words one edit away from a typo without
// scanning the vocabulary. Words go in sorted order, so the lists are deterministic.
func (ix *Index) buildDeletes() {
	ix.deletes = map[string][]string{}
	vocabWords := make([]string, 0, len(ix.vocab))
	for w := range ix.vocab {
		vocabWords = append(vocabWords, w)
	}
	sort.Strings(vocabWords)
	for _, w := range vocabWords {
		if len(w) < 4 || !isASCII(w) {
			continue
		}
		for i := 0; i < len(w); i++ {
			del := w[:i] + w[i+1:]
			ix.deletes[del] = append(ix.deletes[del], w)
		}
	}
}

// headEnd are the words that end a name's head: what follows them says for whom, where
// or in which case ("Cấp lại tem AB | trong trường hợp hộ chiếu bị mất").
var headEnd = map[string]bool{"cho": true, "của": true, "tại": true, "do": true, "khi": true, "thuộc": true,
	"theo": true, "trong": true, "đối": true, "mà": true, "để": true, "từ": true, "ở": true, "đã": true,
	"được": true, "và": true, "hoặc": true, "với": true, "vào": true, "trên": true}

// maxHead is the most words a name's head has.
const maxHead = 8

// nameHead is the head of a name: its words up to the first punctuation or head-ending
// word, without a leading "thủ tục", at most maxHead words.
func nameHead(toks []token) []token {
	i := 0
	if len(toks) >= 2 && toks[0].folded == "thu" && toks[1].folded == "tuc" {
		i = 2
	}
	start := i
	for ; i < len(toks) && i-start < maxHead; i++ {
		if i > start && (toks[i].brk || headEnd[toks[i].exact]) {
			break
		}
	}
	return toks[start:i]
}

// nameAges reads an age range from a name: "dưới 14 tuổi" is [0, 14), "từ đủ 14 tuổi trở
// lên" and "trên 14 tuổi" are [14, ∞). It returns -1, -1 when the name names no age.
func nameAges(toks []token) (lo, hi int16) {
	for i := 1; i+1 < len(toks); i++ {
		if toks[i+1].folded != "tuoi" || !isDigits(toks[i].folded) || len(toks[i].folded) > 3 {
			continue
		}
		n := int16(atoiDigits(toks[i].folded))
		switch prev := toks[i-1].folded; prev {
		case "duoi", "chua":
			return 0, n
		case "du", "tren", "tu":
			return n, 1000
		}
	}
	return -1, -1
}

func atoiDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// queryAge reads the age a query gives ("bé 5 tuổi", "con 3 tháng tuổi" → 0, "dưới 14
// tuổi" → 13), or -1.
func queryAge(seq []string) int {
	for i := 0; i+1 < len(seq); i++ {
		if !isDigits(seq[i]) || len(seq[i]) > 3 {
			continue
		}
		switch {
		case seq[i+1] == "tuoi":
			n := atoiDigits(seq[i])
			if i > 0 && (seq[i-1] == "duoi" || seq[i-1] == "chua") {
				n-- // "dưới 14 tuổi": some age below 14
			}
			return max(n, 0)
		case (seq[i+1] == "thang" || seq[i+1] == "tuan" || seq[i+1] == "ngay") && i+2 < len(seq) && seq[i+2] == "tuoi":
			return 0
		}
	}
	return -1
}

// Catalog returns the indexed catalogue.
func (ix *Index) Catalog() *Catalog { return ix.cat }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func levelRank(levels []string) int8 {
	var best int8
	for _, l := range levels {
		var r int8
		switch l {
		case "Cấp xã":
			r = 3
		case "Cấp tỉnh":
			r = 2
		case "Cấp bộ":
			r = 1
		}
		if r > best {
			best = r
		}
	}
	return best
}

// nameLevelRank is how local the level marker ending name (normalised) says the record is: 4 "(thực
// hiện tại cấp xã)", 3 "cấp huyện", 2 "cấp tỉnh", 1 "cấp trung ương" or "cấp bộ", 0 no
// marker; for several levels, the most local. The portal still lists records "(thực hiện
// tại cấp huyện)" beside their commune twins, and the importer maps their level to "Cấp
// xã" (districts are gone since July 2025; level_district warnings), so the two tie on
// levelRank; the commune's is the one a citizen goes to.
func nameLevelRank(name string) int8 {
	m := levelSuffix.FindString(name)
	switch {
	case m == "":
		return 0
	case strings.Contains(m, "xã"):
		return 4
	case strings.Contains(m, "huyện"):
		return 3
	case strings.Contains(m, "tỉnh"):
		return 2
	}
	return 1
}

// levelSuffix matches the level markers that distinguish otherwise identical procedure
// names on the portal: "(thực hiện tại cấp tỉnh)", "(cấp xã)", "thực hiện tại cấp trung
// ương, cấp tỉnh, cấp xã".
var levelSuffix = regexp.MustCompile(`\(?\s*(?:(?:được\s+)?thực hiện\s+(?:tại|ở)\s+)?cấp\s+(?:xã|huyện|tỉnh|trung ương|bộ)(?:\s*,\s*cấp\s+(?:xã|huyện|tỉnh|trung ương|bộ))*\s*\)?\s*$`)

// groupKey is the name without its level marker and without a leading "Thủ tục", in
// normalised form. Records with the same key are one procedure at several levels.
func groupKey(normName string) string {
	k := strings.TrimSpace(normName)
	for i := 0; i < 2; i++ {
		k2 := strings.TrimSpace(levelSuffix.ReplaceAllString(k, ""))
		if k2 == "" || k2 == k {
			break
		}
		k = k2
	}
	k = strings.TrimPrefix(k, "thủ tục ")
	var b strings.Builder
	for i, t := range tokenize(k) {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.folded)
	}
	return b.String()
}
