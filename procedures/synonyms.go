package procedures

import (
	_ "embed"
	"fmt"
	"iter"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

//go:embed synonyms.yaml
var defaultSynonymsYAML []byte

//go:embed lexicon.yaml
var defaultLexiconYAML []byte

// Synonyms is the compiled query-rewriting table (see synonyms.yaml for the format).
type Synonyms struct {
	rules     map[string][]*rule // by first folded token; longest first
	spell     map[string][]*rule // lexicon respellings, by first folded token; longest first
	stop      map[string]bool    // stopwords as written (normalised, with diacritics)
	stopPlain map[string]bool    // stopwords written without diacritics: match unaccented typing
	// stopByFold: folded form → the one stopword with diacritics that folds to it ("duoc"
	// → "được"); "" when several do.
	stopByFold map[string]string
	qualifiers [][]string      // folded token sequences, longest first
	qualExact  [][]string      // the same, as written (normalised), for catalogue names
	qualCore   [][]string      // folded words whose presence in a query mentions the qualifier
	citizen    [][]string      // normalised phrases marking procedures for individuals
	actions    [][]string      // folded action phrases ("cải chính", "cấp lại"), longest first
	context    map[string]bool // one-word context entries as written (people, ages, politeness)
	ctxPlain   map[string]bool // one-word context entries written without diacritics
	ctxPhrases phraseSet       // context entries of several words ("hà nội", "gia đình")
	// requests: phrases that make a clause of a long message ask (need.go), with the
	// aspect phrases; requestWords and requestPlain hold their words (with and without
	// diacritics).
	requests     phraseSet
	requestWords map[string]bool
	requestPlain map[string]bool
	verbs        [][]token   // administrative verbs ("đăng ký", "cấp", "nộp"…)
	notVerbs     [][]token   // phrases whose verb is no administrative act ("làm việc")
	consumer     [][]token   // phrases of a shopping or opinion question ("rẻ nhất", "uy tín")
	states       []stateRule // states of a document a citizen names ("hết hạn", "mất") and the actions that fit
	umbrellas    []umbrella  // records a change to which the catalogue files under a broader name
}

type ruleKind int

const (
	ruleReplace ruleKind = iota
	ruleAspect
	ruleExpand
)

type rule struct {
	from   []string // folded tokens
	exact  []string // the same as written (normalised): typed diacritics must agree
	kind   ruleKind
	to     []token // replacement / expansion
	aspect Aspect
	// asks is set for an aspect phrase that asks (asksAspect): it says which part of a
	// procedure is wanted even when a phrase that only names a part came first.
	asks bool
}

// interrogatives are the folded words that make an aspect phrase a question ("giấy tờ
// gì", "ở đâu", "bao nhiêu tiền", "mấy ngày", "làm sao", "lâu không").
var interrogatives = map[string]bool{"gi": true, "dau": true, "nao": true, "bao": true, "may": true, "sao": true, "khong": true}

// asksAspect reports whether an aspect phrase asks for its part rather than only naming
// something the message speaks of: "nộp hồ sơ ở đâu" names the documents but asks the
// place, "chứng thực giấy tờ mất bao nhiêu tiền" asks the fee. A form named is what is
// wanted ("mẫu đơn lấy ở đâu" wants the form), so it asks too. (A phrase followed by a
// question word asks as well: asksAfter.)
func asksAspect(a Aspect, from []string) bool {
	if a == AspectForms {
		return true
	}
	for _, w := range from {
		if interrogatives[w] {
			return true
		}
	}
	return false
}

// asksAfter reports whether the words after a phrase of aspect a make it a question: a
// question word next, or after one small word ("lệ phí bao nhiêu", "mang theo những
// gì", "thời gian là bao lâu", "trên mạng được không"; for the online channel also
// "làm online ở đâu", which asks where online, not the office's address).
func asksAfter(a Aspect, toks []token) bool {
	for i, t := range toks {
		switch {
		case interrogatives[t.folded]:
			return true
		case i == 0 && (asksFiller[t.folded] || a == AspectOnline && t.folded == "o"):
			continue
		}
		return false
	}
	return false
}

// asksFiller are the words asksAfter skips between an aspect phrase and its question word.
var asksFiller = map[string]bool{"nhung": true, "cac": true, "la": true, "khoang": true, "tam": true, "duoc": true, "dc": true}

type synonymsFile struct {
	Replace    map[string][]string `yaml:"replace"`
	Expand     map[string][]string `yaml:"expand"`
	Stopwords  []string            `yaml:"stopwords"`
	Aspects    map[string][]string `yaml:"aspects"`
	Qualifiers []string            `yaml:"qualifiers"`
	Citizen    []string            `yaml:"citizen"`
	Actions    []string            `yaml:"actions"`
	Context    []string            `yaml:"context"`
	Verbs      []string            `yaml:"verbs"`
	NotVerbs   []string            `yaml:"not_verbs"`
	Consumer   []string            `yaml:"consumer"`
	Requests   []string            `yaml:"requests"`
	States     []stateEntry        `yaml:"states"`
	Umbrellas  []umbrellaEntry     `yaml:"umbrellas"`
}

// umbrellaEntry is an umbrella of synonyms.yaml as written.
type umbrellaEntry struct {
	Term    string   `yaml:"term"`
	Members []string `yaml:"members"`
	Acts    []string `yaml:"acts"`
}

// umbrella: a change to one of members is filed under term (compiled umbrellaEntry).
type umbrella struct {
	term    []token
	members [][]string // folded phrases
	acts    [][]string // folded phrases
}

// lexiconFamily is one family of the citizen lexicon (lexicon.yaml): the catalogue's
// terms with the citizens' words for them, by how they rewrite a query.
type lexiconFamily struct {
	Family string `yaml:"family"`
	About  string `yaml:"about"`
	// Targets says where the left sides come from: "catalogue" (the default: words of
	// the catalogue's names) or "grammar" (words of synonyms.yaml's grammar sections).
	Targets string              `yaml:"targets"`
	Spell   map[string][]string `yaml:"spell"`
	Replace map[string][]string `yaml:"replace"`
	Expand  map[string][]string `yaml:"expand"`
}

// parseLexicon reads a lexicon in the lexicon.yaml format: a list of families.
func parseLexicon(data []byte) ([]lexiconFamily, error) {
	var fams []lexiconFamily
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&fams); err != nil {
		return nil, fmt.Errorf("lexicon: %w", err)
	}
	seen := map[string]bool{}
	for _, f := range fams {
		switch {
		case f.Family == "":
			return nil, fmt.Errorf("lexicon: a family without a name")
		case seen[f.Family]:
			return nil, fmt.Errorf("lexicon: family %q twice", f.Family)
		case f.Targets != "" && f.Targets != "catalogue" && f.Targets != "grammar":
			return nil, fmt.Errorf("lexicon: family %q: unknown targets %q", f.Family, f.Targets)
		}
		seen[f.Family] = true
	}
	return fams, nil
}

// chatShorthands are the one-word shorthands of one grammar word the lexicon's grammar
// families replace ("không": k, ko, kh, hok…; "được": dc, đc; "vợ": vk), by the word
// (Normalize'd, so "vậy" is not "vay" of a loan).
func chatShorthands(fams []lexiconFamily) map[string][]string {
	out := map[string][]string{}
	for _, f := range fams {
		if f.Targets != "grammar" {
			continue
		}
		for to, froms := range f.Replace {
			if len(strings.Fields(to)) != 1 {
				continue
			}
			for _, from := range froms {
				if len(strings.Fields(from)) == 1 {
					out[Normalize(to)] = append(out[Normalize(to)], from)
				}
			}
		}
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out
}

// maxChatVariants bounds the variants of one phrase: every word in chat spelling at once
// while they are few, else one word at a time.
const maxChatVariants = 32

// chatVariants are phrase's other spellings with its grammar words in chat shorthand
// (short), phrase itself excluded; a phrase of one word has none (the shorthand's own
// rule reads it).
func chatVariants(phrase string, short map[string][]string) []string {
	words := strings.Fields(phrase)
	if len(words) < 2 {
		return nil
	}
	opts := make([][]string, len(words))
	total := 1
	for i, w := range words {
		opts[i] = append([]string{w}, short[Normalize(w)]...)
		total *= len(opts[i])
	}
	if total == 1 {
		return nil
	}
	var out []string
	if total <= maxChatVariants+1 {
		// Every combination, the phrase as written first (each word's first option).
		combos := []string{""}
		for _, o := range opts {
			var next []string
			for _, c := range combos {
				for _, w := range o {
					next = append(next, strings.TrimPrefix(c+" "+w, " "))
				}
			}
			combos = next
		}
		return combos[1:]
	}
	for i := range words {
		for _, alt := range opts[i][1:] {
			v := slices.Clone(words)
			v[i] = alt
			out = append(out, strings.Join(v, " "))
		}
	}
	return out
}

// DefaultSynonyms returns the built-in table (procedures/synonyms.yaml) with the citizen
// lexicon (procedures/lexicon.yaml).
func DefaultSynonyms() *Synonyms {
	s, err := ParseSynonymsLexicon(defaultSynonymsYAML, defaultLexiconYAML)
	if err != nil {
		// The embedded files are covered by tests; a broken one is a build error.
		panic("procedures: built-in synonyms.yaml/lexicon.yaml: " + err.Error())
	}
	return s
}

// ParseSynonyms compiles a synonyms table in the synonyms.yaml format, without lexicon.
func ParseSynonyms(data []byte) (*Synonyms, error) {
	return ParseSynonymsLexicon(data, nil)
}

// foldedWords is a phrase's words, normalised and folded.
func foldedWords(phrase string) []string {
	var out []string
	for _, t := range tokenize(Normalize(phrase)) {
		out = append(out, t.folded)
	}
	return out
}

// phraseKey is a rule phrase as written (normalised words), for finding a phrase declared
// twice.
func phraseKey(phrase string) string {
	var ws []string
	for _, t := range tokenize(Normalize(phrase)) {
		ws = append(ws, t.exact)
	}
	return strings.Join(ws, " ")
}

// ParseSynonymsLexicon compiles a synonyms table (synonyms.yaml format) together with a
// citizen lexicon (lexicon.yaml format; nil for none). A lexicon family's replace and
// expand entries join the table's sections of the same name; its spell entries are
// applied to the typed words before every other rule. A phrase the lexicon declares may
// be declared nowhere else, in the lexicon or the table: one place per concept.
func ParseSynonymsLexicon(table, lexicon []byte) (*Synonyms, error) {
	var f synonymsFile
	dec := yaml.NewDecoder(strings.NewReader(string(table)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("synonyms: %w", err)
	}
	var fams []lexiconFamily
	if lexicon != nil {
		var err error
		if fams, err = parseLexicon(lexicon); err != nil {
			return nil, err
		}
	}
	s := &Synonyms{rules: map[string][]*rule{}, spell: map[string][]*rule{}, stop: map[string]bool{},
		stopPlain: map[string]bool{}, context: map[string]bool{}, ctxPlain: map[string]bool{},
		requestWords: map[string]bool{}, requestPlain: map[string]bool{}}
	var problems []string
	claims := map[string]string{} // phrase as written → where a rule declares it
	claim := func(where string, froms []string, lex bool) {
		for _, from := range froms {
			k := phraseKey(from)
			if k == "" {
				continue
			}
			if prev, ok := claims[k]; ok && (lex || strings.HasPrefix(prev, "lexicon")) {
				problems = append(problems, fmt.Sprintf("%q declared twice (%s; %s)", from, prev, where))
				continue
			}
			claims[k] = where
		}
	}
	addTo := func(into map[string][]*rule, kind ruleKind, to string, froms []string, asp Aspect) {
		toToks := tokenize(Normalize(to))
		if kind == ruleExpand && len(toToks) == 0 {
			problems = append(problems, fmt.Sprintf("expand: empty expansion for %v", froms))
			return
		}
		for _, from := range froms {
			ft := tokenize(Normalize(from))
			if len(ft) == 0 {
				problems = append(problems, fmt.Sprintf("empty phrase under %q", to))
				continue
			}
			r := &rule{kind: kind, to: toToks, aspect: asp}
			for _, t := range ft {
				r.from = append(r.from, t.folded)
				r.exact = append(r.exact, t.exact)
			}
			r.asks = kind == ruleAspect && asksAspect(asp, r.from)
			into[r.from[0]] = append(into[r.from[0]], r)
		}
	}
	addRule := func(kind ruleKind, to string, froms []string, asp Aspect) {
		addTo(s.rules, kind, to, froms, asp)
	}
	keys := func(m map[string][]string) []string {
		ks := make([]string, 0, len(m))
		for k := range m {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return ks
	}
	for _, to := range keys(f.Replace) {
		claim("replace "+to, f.Replace[to], false)
		addRule(ruleReplace, to, f.Replace[to], AspectNone)
	}
	for _, fam := range fams {
		for _, to := range keys(fam.Replace) {
			claim("lexicon "+fam.Family+" replace "+to, fam.Replace[to], true)
			addRule(ruleReplace, to, fam.Replace[to], AspectNone)
		}
		for _, to := range keys(fam.Spell) {
			if len(tokenize(Normalize(to))) == 0 {
				problems = append(problems, fmt.Sprintf("lexicon %s: empty respelling for %v", fam.Family, fam.Spell[to]))
				continue
			}
			claim("lexicon "+fam.Family+" spell "+to, fam.Spell[to], true)
			addTo(s.spell, ruleReplace, to, fam.Spell[to], AspectNone)
		}
	}
	for _, name := range keys(f.Aspects) {
		a, ok := parseAspect(name)
		if !ok || a == AspectNone {
			problems = append(problems, fmt.Sprintf("aspects: unknown aspect %q", name))
			continue
		}
		claim("aspects "+name, f.Aspects[name], false)
		addRule(ruleAspect, "", f.Aspects[name], a)
	}
	for _, to := range keys(f.Expand) {
		claim("expand "+to, f.Expand[to], false)
		addRule(ruleExpand, to, f.Expand[to], AspectNone)
	}
	for _, fam := range fams {
		for _, to := range keys(fam.Expand) {
			claim("lexicon "+fam.Family+" expand "+to, fam.Expand[to], true)
			addRule(ruleExpand, to, fam.Expand[to], AspectNone)
		}
	}
	// A lexicon phrase, or one this table expands, also matches as chat types its grammar
	// words: "không để lại di chúc" is "ko de lai di chuc" too, "người nhật" "ng nhật"
	// (chatVariants). Variants a rule declares already keep that rule.
	short := chatShorthands(fams)
	type section struct {
		owner string
		kind  ruleKind
		m     map[string][]string
	}
	secs := []section{{"expand", ruleExpand, f.Expand}}
	for _, fam := range fams {
		if fam.Targets != "grammar" {
			secs = append(secs, section{"lexicon " + fam.Family, ruleReplace, fam.Replace},
				section{"lexicon " + fam.Family, ruleExpand, fam.Expand})
		}
	}
	for _, sec := range secs {
		for _, to := range keys(sec.m) {
			var vs []string
			for _, from := range sec.m[to] {
				for _, v := range chatVariants(from, short) {
					if k := phraseKey(v); claims[k] == "" {
						claims[k] = sec.owner + " chat variant of " + from
						vs = append(vs, v)
					}
				}
			}
			addRule(sec.kind, to, vs, AspectNone)
		}
	}
	s.stopByFold = map[string]string{}
	for _, w := range f.Stopwords {
		for _, t := range tokenize(Normalize(w)) {
			s.stop[t.exact] = true
			if t.exact == t.folded {
				s.stopPlain[t.folded] = true
			} else if prev, ok := s.stopByFold[t.folded]; !ok {
				s.stopByFold[t.folded] = t.exact
			} else if prev != t.exact {
				s.stopByFold[t.folded] = ""
			}
		}
	}
	for _, w := range f.Context {
		toks := tokenize(Normalize(w))
		switch {
		case len(toks) == 1:
			s.context[toks[0].exact] = true
			if toks[0].exact == toks[0].folded {
				s.ctxPlain[toks[0].folded] = true
			}
		case len(toks) > 1:
			// A phrase: its words are context only together ("hộ" of "hộ em" is not).
			s.ctxPhrases.add(toks)
		}
	}
	for _, v := range f.Verbs {
		if seq := tokenize(Normalize(v)); len(seq) > 0 {
			s.verbs = append(s.verbs, seq)
		}
	}
	requests := append([]string(nil), f.Requests...)
	for _, name := range keys(f.Aspects) {
		requests = append(requests, f.Aspects[name]...)
	}
	for _, v := range requests {
		if seq := tokenize(Normalize(v)); len(seq) > 0 {
			s.requests.add(seq)
			for _, t := range seq {
				s.requestWords[t.exact] = true
				if t.exact == t.folded {
					s.requestPlain[t.folded] = true
				}
			}
		}
	}
	for _, v := range f.Consumer {
		if seq := tokenize(Normalize(v)); len(seq) > 0 {
			s.consumer = append(s.consumer, seq)
		}
	}
	for _, v := range f.NotVerbs {
		if seq := tokenize(Normalize(v)); len(seq) > 0 {
			s.notVerbs = append(s.notVerbs, seq)
		}
	}
	quals := append([]string(nil), f.Qualifiers...)
	qlen := func(q string) int { p, _, _ := strings.Cut(q, "|"); return len(tokenize(Normalize(p))) }
	sort.SliceStable(quals, func(i, j int) bool { return qlen(quals[i]) > qlen(quals[j]) })
	for _, q := range quals {
		phrase, core, _ := strings.Cut(q, "|")
		var seq, ex, cs []string
		for _, t := range tokenize(Normalize(phrase)) {
			seq = append(seq, t.folded)
			ex = append(ex, t.exact)
		}
		cs = foldedWords(core)
		if len(cs) == 0 {
			cs = seq
		}
		if len(seq) > 0 {
			s.qualifiers = append(s.qualifiers, seq)
			s.qualExact = append(s.qualExact, ex)
			s.qualCore = append(s.qualCore, cs)
		}
	}
	for _, act := range f.Actions {
		if seq := foldedWords(act); len(seq) > 0 {
			s.actions = append(s.actions, seq)
		}
	}
	sort.SliceStable(s.actions, func(i, j int) bool { return len(s.actions[i]) > len(s.actions[j]) })
	for _, c := range f.Citizen {
		var ex []string
		for _, t := range tokenize(Normalize(c)) {
			ex = append(ex, t.exact)
		}
		if len(ex) > 0 {
			s.citizen = append(s.citizen, ex)
		}
	}
	for i, e := range f.States {
		st, err := compileState(e)
		if err != nil {
			problems = append(problems, fmt.Sprintf("states[%d]: %v", i, err))
			continue
		}
		s.states = append(s.states, st)
	}
	for i, e := range f.Umbrellas {
		u := umbrella{term: tokenize(Normalize(e.Term))}
		for _, m := range e.Members {
			if seq := foldedWords(m); len(seq) > 0 {
				u.members = append(u.members, seq)
			}
		}
		for _, a := range e.Acts {
			if seq := foldedWords(a); len(seq) > 0 {
				u.acts = append(u.acts, seq)
			}
		}
		if len(u.term) == 0 || len(u.members) == 0 || len(u.acts) == 0 {
			problems = append(problems, fmt.Sprintf("umbrellas[%d]: term, members and acts are required", i))
			continue
		}
		s.umbrellas = append(s.umbrellas, u)
	}
	for k, rs := range s.rules {
		// Longest phrase first; on equal length replace < aspect < expand (the order kinds
		// were added), so a replacement wins over an aspect phrase of the same length.
		sort.SliceStable(rs, func(i, j int) bool { return len(rs[i].from) > len(rs[j].from) })
		s.rules[k] = rs
	}
	for _, rs := range s.spell {
		sort.SliceStable(rs, func(i, j int) bool { return len(rs[i].from) > len(rs[j].from) })
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("synonyms: %s", strings.Join(problems, "; "))
	}
	return s, nil
}

// match returns the longest rule that matches toks at position i, or nil.
func (s *Synonyms) match(toks []token, i int) *rule {
	for _, r := range s.rules[toks[i].folded] {
		if i+len(r.from) > len(toks) {
			continue
		}
		ok := true
		for k, f := range r.from {
			if t := toks[i+k]; t.folded != f || !sameAccents(t, r.exact[k]) {
				ok = false
				break
			}
		}
		if ok {
			return r
		}
	}
	return nil
}

// respell rewrites the typed words the lexicon's spell entries name into the standard
// spelling ("khai sanh" → "khai sinh", "mần" → "làm"), before any other rule reads them.
// Unlike the other rules, a respelling matches only words typed as it is written: "hổng"
// (Southern "không") is not "hong" of "so hong" (sổ hồng).
func (s *Synonyms) respell(toks []token) []token {
	if len(s.spell) == 0 {
		return toks
	}
	var out []token
	for i := 0; i < len(toks); {
		var hit *rule
	rules:
		for _, r := range s.spell[toks[i].folded] {
			if i+len(r.from) > len(toks) {
				continue
			}
			for k := range r.from {
				if t := toks[i+k]; t.exact != r.exact[k] && iyEnd(t.exact) != iyEnd(r.exact[k]) {
					continue rules
				}
			}
			hit = r
			break
		}
		if hit == nil {
			if out != nil {
				out = append(out, toks[i])
			}
			i++
			continue
		}
		if out == nil {
			out = append(make([]token, 0, len(toks)+2), toks[:i]...)
		}
		for k, t := range hit.to {
			if k == 0 {
				t.brk = toks[i].brk
			}
			out = append(out, t)
		}
		i += len(hit.from)
	}
	if out == nil {
		return toks
	}
	return out
}

// isStop reports whether a query word is a stopword. A word typed with diacritics must
// match a stopword as written ("căn" is not "cần"); a word typed without diacritics
// matches only stopwords listed without diacritics (so "can" is not taken for "cần",
// but "ko" or "toi" are stopwords).
func (s *Synonyms) isStop(t token) bool {
	if t.exact != t.folded {
		return s.stop[t.exact]
	}
	return s.stopPlain[t.folded]
}

// sameAccents reports whether a query word can stand for a table word written as exact:
// a word typed without diacritics stands for any, a word typed with diacritics only for
// the same word ("mặt" is not "mất", "màu" not "mẫu"), i and y at the end being equal
// ("kí" is "ký"). A table word written without diacritics ("ko", "dc") matches any typing.
func sameAccents(t token, exact string) bool {
	if t.exact == t.folded || exact == t.folded || t.exact == exact {
		return true
	}
	return iyEnd(t.exact) == iyEnd(exact)
}

// iyEnd spells a final i as y, keeping its tone.
func iyEnd(w string) string {
	r := []rune(w)
	if n := len(r); n > 0 {
		if y, ok := iToY[r[n-1]]; ok {
			r[n-1] = y
			return string(r)
		}
	}
	return w
}

var iToY = map[rune]rune{'i': 'y', 'í': 'ý', 'ì': 'ỳ', 'ỉ': 'ỷ', 'ĩ': 'ỹ', 'ị': 'ỵ'}

// isContext reports whether a word is a one-word context entry (who, how old, where,
// when, politeness): it may still match, but weighs little in coverage. Diacritics are
// handled as in isStop. Numbers are context too. See contextMask for phrases.
func (s *Synonyms) isContext(t token) bool {
	if isDigits(t.folded) {
		return true
	}
	if t.exact != t.folded {
		return s.context[t.exact]
	}
	return s.ctxPlain[t.folded]
}

// contextMask marks the query words that are context: one-word entries, and the words
// of a context phrase found in full.
func (s *Synonyms) contextMask(toks []token) []bool {
	m := make([]bool, len(toks))
	for i, t := range toks {
		m[i] = s.isContext(t)
	}
	for p := range toks {
		for n := range s.ctxPhrases.at(toks, p) {
			for k := range n {
				m[p+k] = true
			}
		}
	}
	return m
}

// phraseSet is a list of phrases indexed by their first folded word, so finding the ones
// at a word is a lookup, not a scan of every phrase at every position.
type phraseSet struct {
	first map[string][][]token
}

func (ps *phraseSet) add(phrase []token) {
	if ps.first == nil {
		ps.first = map[string][][]token{}
	}
	k := phrase[0].folded
	ps.first[k] = append(ps.first[k], phrase)
}

// at yields the length of each phrase of ps found in full at toks[p:] (typed diacritics
// agreeing, as phraseAt).
func (ps *phraseSet) at(toks []token, p int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for _, ph := range ps.first[toks[p].folded] {
			if p+len(ph) <= len(toks) && phraseAt(toks, p, ph) && !yield(len(ph)) {
				return
			}
		}
	}
}

// hasVerb reports whether the query words name an administrative verb outside the
// not_verbs phrases ("làm việc"). Words typed with diacritics must match as written
// ("bảo" is not "báo", "nhân" not "nhận").
func (s *Synonyms) hasVerb(seq []token) bool {
	return anyPhrase(seq, s.verbs, s.notVerbMask(seq))
}

// isConsumer reports whether the query words hold a phrase of a shopping or opinion
// question ("trung tâm nào rẻ nhất", "công ty nào uy tín"): such a question names no
// administrative act even when it has a verb ("học lái xe").
func (s *Synonyms) isConsumer(seq []token) bool {
	return anyPhrase(seq, s.consumer, nil)
}

// anyPhrase reports whether seq holds one of phrases (typed diacritics agreeing) on words
// that masked, when given, leaves free.
func anyPhrase(seq []token, phrases [][]token, masked []bool) bool {
	for _, v := range phrases {
	scan:
		for p := 0; p+len(v) <= len(seq); p++ {
			if !phraseAt(seq, p, v) {
				continue
			}
			for k := range v {
				if masked != nil && masked[p+k] {
					continue scan
				}
			}
			return true
		}
	}
	return false
}

// notVerbMask marks the words of seq inside not_verbs phrases.
func (s *Synonyms) notVerbMask(seq []token) []bool {
	masked := make([]bool, len(seq))
	for _, v := range s.notVerbs {
		for p := 0; p+len(v) <= len(seq); p++ {
			if phraseAt(seq, p, v) {
				for k := range v {
					masked[p+k] = true
				}
			}
		}
	}
	return masked
}

// hasAction reports whether seq (folded words; expansions included) names an action
// outside the not_verbs phrases: "đăng nhập" holds the action "nhập" but asks for none.
func (s *Synonyms) hasAction(seq []string, masked []bool) bool {
	for _, act := range s.actions {
	scan:
		for p := 0; p+len(act) <= len(seq); p++ {
			for k := range act {
				if seq[p+k] != act[k] || masked[p+k] {
					continue scan
				}
			}
			return true
		}
	}
	return false
}

// phraseAt reports whether seq holds phrase at position p (typed diacritics agreeing).
func phraseAt(seq []token, p int, phrase []token) bool {
	for k := range phrase {
		if t := seq[p+k]; t.folded != phrase[k].folded || !sameAccents(t, phrase[k].exact) {
			return false
		}
	}
	return true
}

// findQualifiers returns the indexes of the qualifiers found in a catalogue name (seq:
// normalised words with diacritics, so "đối với" is not taken for "đổi"), longest first
// and not overlapping.
func (s *Synonyms) findQualifiers(seq []string) []int {
	used := make([]bool, len(seq))
	var out []int
	for qi, q := range s.qualExact {
	scan:
		for i := 0; i+len(q) <= len(seq); i++ {
			for k := range q {
				if used[i+k] || seq[i+k] != q[k] {
					continue scan
				}
			}
			for k := range q {
				used[i+k] = true
			}
			out = append(out, qi)
			break
		}
	}
	return out
}

// containsSeq reports whether sub occurs in seq as a contiguous run.
func containsSeq(seq, sub []string) bool {
outer:
	for i := 0; i+len(sub) <= len(seq); i++ {
		for k := range sub {
			if seq[i+k] != sub[k] {
				continue outer
			}
		}
		return true
	}
	return false
}

// expandAcronyms returns, for each upper-case abbreviation in a catalogue text that the
// table expands ("sổ BHXH" → "bảo hiểm xã hội"), the expansion's words, so that the
// catalogue's own abbreviations match written-out queries.
func (s *Synonyms) expandAcronyms(text string) [][]token {
	var out [][]token
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if utf8.RuneCountInString(w) < 2 || strings.ToUpper(w) != w || strings.ToLower(w) == w {
			continue
		}
		toks := tokenize(Normalize(w))
		if len(toks) != 1 {
			continue
		}
		for _, r := range s.rules[toks[0].folded] {
			if r.kind == ruleReplace && len(r.from) == 1 && len(r.to) > 1 {
				out = append(out, r.to)
				break
			}
		}
	}
	return out
}

// findActions returns the indexes of the action phrases in the query words seq.
func (s *Synonyms) findActions(seq []string) []int {
	var out []int
	for i, act := range s.actions {
		if containsSeq(seq, act) {
			out = append(out, i)
		}
	}
	return out
}

// endingActions end or withdraw a right or a record. Citizens ask for them by name
// ("thu hồi biển số", "xóa đăng ký thường trú"), so a name starting with one that the
// query does not name is rarely the procedure meant: "mất sổ đỏ xin cấp lại" is not
// "Thu hồi Giấy chứng nhận đã cấp …".
var endingActions = map[string]bool{"thu hoi": true, "huy": true, "cham dut": true, "xoa": true,
	"thoi": true, "tam ngung": true, "giai the": true, "rut": true}

// leadEndings returns the ending actions (indexes into s.actions) a procedure name
// (folded key words) starts with, in a run of actions joined by "và"/"hoặc":
// "thu hồi, hủy …" gives two, "cấp lại …" none.
func (s *Synonyms) leadEndings(key []string) []int16 {
	var out []int16
	for i := 0; i < len(key); {
		found := false
		for a, act := range s.actions { // longest first
			if len(act) <= len(key)-i && slices.Equal(key[i:i+len(act)], act) {
				if endingActions[strings.Join(act, " ")] {
					out = append(out, int16(a))
				}
				i += len(act)
				found = true
				break
			}
		}
		if !found {
			if key[i] != "va" && key[i] != "hoac" {
				break
			}
			i++
		}
	}
	return out
}

// kinExact and kinPlain are family members as typed with and without diacritics (plain
// only where the spelling is not a common other word: "co" is "có", "di" "đi").
var (
	kinExact = map[string]bool{"bố": true, "mẹ": true, "cha": true, "ba": true, "má": true, "ông": true, "bà": true,
		"vợ": true, "chồng": true, "con": true, "cháu": true, "cậu": true, "dì": true, "chú": true, "bác": true, "cô": true}
	kinPlain = map[string]bool{"bo": true, "me": true, "cha": true, "ba": true, "ong": true, "vo": true, "chong": true, "chau": true}
)

// justWords may stand between a family member and "mất": adverbs of time (mới, vừa,
// đã) and the kin qualifiers nội, ngoại, đẻ.
var justWords = map[string]bool{"moi": true, "vua": true, "da": true, "noi": true, "ngoai": true, "de": true}

// whenExact and whenPlain may follow "mất" (died) where a lost thing would stand: when, where, how
// ("mất tuần trước", "mất tại nhà", "mất hơn năm rồi", "mất cả rồi", "mất vì bệnh", "mất
// hồi tháng trước", "mất năm 2019", "mất ở bệnh viện", "mất được hai năm").
// As with kin, whenPlain holds a word typed without diacritics only where that spelling is
// no common noun ("vi" is as often "ví", a wallet, as "vì"; "hoi", "nam", "o" are "hỏi",
// "nam", "ô" as often). "do" (because) has no marks
// to leave out, so it counts as typed, also where it was "đồ" (things) without its marks.
var (
	whenExact = map[string]bool{"trước": true, "tại": true, "lúc": true, "vào": true, "khi": true, "cách": true,
		"hơn": true, "cả": true, "luôn": true, "vì": true, "do": true, "bệnh": true, "đột": true, "ngột": true,
		"hồi": true, "năm": true, "tháng": true, "tuần": true, "hôm": true, "ngày": true, "từ": true, "ở": true,
		"sau": true, "trong": true, "được": true, "đầu": true, "cuối": true, "gần": true}
	whenPlain = map[string]bool{"truoc": true, "tai": true, "luc": true, "vao": true, "khi": true, "cach": true,
		"hon": true, "luon": true, "benh": true, "thang": true, "tuan": true, "hom": true, "sau": true,
		"trong": true, "duoc": true, "cuoi": true}
)

// inMarkedSet reports whether t is a word of a set given as typed with its diacritics
// (exact) and as typed without them (plain: only the spellings that are no other common
// word).
func inMarkedSet(t token, exact, plain map[string]bool) bool {
	return exact[t.exact] || t.exact == t.folded && plain[t.folded]
}

// diedSense reads "mất" as "qua đời" when its subject is a family member and it takes no
// object: "bố em mới mất hôm qua" (died), not "bố mất giấy tờ" (lost). Up to three
// stop or context words may stand between the person and "mất"; a "mất" that opens a
// clause takes the subject of the clause before ("Chồng tôi quốc tịch Pháp, mất tại
// nhà"). It must take no object: up to "rồi", a word of when, where or how (whenExact)
// or the next punctuation, only stop or context words or "hết" follow it.
func (s *Synonyms) diedSense(toks []token) []token {
	isKin := func(k token) bool { return inMarkedSet(k, kinExact, kinPlain) }
	for i, t := range toks {
		if t.folded != "mat" || (t.exact != t.folded && t.exact != "mất") {
			continue
		}
		kin := false
		for j := i - 1; j >= 0 && j >= i-4; j-- {
			if isKin(toks[j]) {
				kin = true
				break
			}
			if toks[j+1].brk || !(s.isStop(toks[j]) || s.isContext(toks[j]) || justWords[toks[j].folded]) {
				break
			}
		}
		if !kin && i > 0 && t.brk && toks[i-1].end == endClause {
			// The clause before, of the same sentence, starts with its subject.
			j := i - 1
			for j > 0 && toks[j-1].end < endClause {
				j--
			}
			kin = isKin(toks[j]) || j+1 < i && s.isStop(toks[j]) && isKin(toks[j+1])
		}
		if !kin {
			continue
		}
		// The object of "mất" (lost) follows it: a word after it that is not a stop or
		// context word or "hết", before any "rồi" or word of when, where or how.
		object := false
		for j := i + 1; j < len(toks) && !toks[j].brk; j++ {
			f := toks[j].folded
			if f == "roi" || inMarkedSet(toks[j], whenExact, whenPlain) {
				break
			}
			if !(s.isStop(toks[j]) || s.isContext(toks[j]) || f == "het") {
				object = true
				break
			}
		}
		if object {
			continue
		}
		out := make([]token, 0, len(toks)+1)
		out = append(out, toks[:i]...)
		out = append(out, token{exact: "qua", folded: "qua", brk: t.brk}, token{exact: "đời", folded: "doi"})
		return append(out, toks[i+1:]...)
	}
	return toks
}
