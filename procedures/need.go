package procedures

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// A long message is a story with one need in it: "Thằng út nhà tôi mới cưới vợ, giấy đăng
// ký kết hôn làm ở xã bên vợ rồi. Giờ muốn nhập hộ khẩu cho con dâu thì cần giấy tờ gì?"
// asks about the residence, not the marriage. The clauses that ask (a question mark, or a
// request word: "muốn", "làm sao", "được không", an aspect such as "ở đâu") hold the need;
// the others are narration. Narration words still match, but weigh like context words
// in coverage and less as terms, so the story's side words do not pull the answer away.

// Tuning of need finding (measured on the unsealed labelled sets).
const (
	// needMinWords: shorter messages are one request; their words all count.
	needMinWords = 16
	// needMinContent: the asking clauses must hold this many content words, else the need
	// is in the story ("… thủ tục thế nào ạ?" after it) and every word counts.
	needMinContent = 2
	// needTellingIdf: a word tells procedures apart when its idf is at least this share
	// of the rarest word's.
	needTellingIdf = 0.3
	// narrTermWeight scales a narration word's weight as a search term.
	narrTermWeight = 0.6
	// maxQueryWords bounds the words read from a message; a longer one drops narration
	// from its start first, since the need comes last more often than first.
	maxQueryWords = 64
)

// needFirst runs search on query analysed for its need and, when a long message's need
// matched nothing, again on the whole message read alike: narration never turns an
// answer into a refusal. When the whole matches nothing either, each sentence is searched
// alone. strength is how strongly an outcome holds its best hit (0: it abstained). The one
// place the search paths take this decision.
func needFirst[T any](ix *Index, query string, search func(*analysed) T, strength func(T) float64) T {
	a := ix.analyse(query)
	out := search(&a)
	if !a.narrated || strength(out) > 0 {
		return out
	}
	w := ix.analyseWhole(query)
	if out = search(&w); strength(out) > 0 {
		return out
	}
	// Read whole, a story's many words cover too little of any name; its need may still
	// be one sentence ("Tôi muốn viết sẵn giấy để lại căn nhà cho thằng út …" among the
	// age, the health and the question whether an officer comes home). The sentence whose
	// best hit is strongest answers, with a list at most (analysed.part).
	sents := sentences(query)
	if len(sents) < 2 {
		return out
	}
	best := 0.0
	for _, sent := range sents {
		p := ix.analyseWhole(sent)
		p.part = true
		o := search(&p)
		if st := strength(o); st > best {
			out, best = o, st
		}
	}
	return out
}

// sentences splits a message at its sentence ends and question marks (line breaks end a
// sentence too, breakLines), keeping the punctuation; a run of punctuation alone is no
// sentence.
func sentences(query string) []string {
	query = breakLines(query)
	var out []string
	add := func(s string) {
		if strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
			out = append(out, strings.TrimSpace(s))
		}
	}
	start := 0
	for i, r := range query {
		if punctEnd(r) >= endSentence {
			end := i + utf8.RuneLen(r)
			add(query[start:end])
			start = end
		}
	}
	add(query[start:])
	return out
}

// clause is toks[start:end], ended by a comma or stronger punctuation.
type clause struct {
	start, end int
	asks       bool
	done       bool // it tells of something done ("… làm ở xã bên vợ rồi"): it never asks
}

// clauses splits toks at commas, sentence ends and question marks, marking the clauses
// that ask: every clause of a sentence ending with a question mark, and any clause with
// a request phrase.
func (s *Synonyms) clauses(toks []token) []clause {
	var out []clause
	start, sentence := 0, 0 // sentence: the first clause of the current sentence
	for i, t := range toks {
		last := i == len(toks)-1
		if t.end < endClause && !last {
			continue
		}
		c := clause{start: start, end: i + 1, done: tellsDone(toks[start : i+1])}
		for p := c.start; p < c.end && !c.asks && !c.done; p++ {
			for range s.requests.at(toks[:c.end], p) {
				c.asks = true
				break
			}
		}
		out = append(out, c)
		start = i + 1
		if t.end >= endSentence || last {
			if t.end == endQuestion {
				for k := sentence; k < len(out); k++ {
					out[k].asks = !out[k].done
				}
			}
			sentence = len(out)
		}
	}
	return out
}

// tellsDone reports whether a clause tells of something already done: it ends with "rồi"
// (before a closing particle), as in "giấy đăng ký kết hôn làm ở xã bên vợ rồi". Its
// request or place words ("làm ở") say where it was done, not what is asked.
func tellsDone(toks []token) bool {
	for i := len(toks) - 1; i >= 0; i-- {
		switch toks[i].exact {
		case "ạ", "a", "nha", "nhé", "mà":
			continue
		case "rồi":
			return true
		}
		return false
	}
	return false
}

// narration marks the words of a long message outside the clauses that ask; nil when
// the message is short, asks in every clause or none, or asks without an administrative
// verb or with fewer than needMinContent words that tell procedures apart ("công an
// phường" or "online" do not).
func (ix *Index) narration(toks []token) []bool {
	s := ix.syn
	if len(toks) < needMinWords {
		return nil
	}
	cs := s.clauses(toks)
	var ask []token
	asking, content := 0, 0
	for _, c := range cs {
		if !c.asks {
			continue
		}
		asking++
		ask = append(ask, toks[c.start:c.end]...)
		for _, t := range toks[c.start:c.end] {
			if !s.isStop(t) && !s.isContext(t) && !s.isRequestWord(t) && ix.telling(t.folded) {
				content++
			}
		}
	}
	// The need is the clause with the act: asking only about documents or a place ("cần
	// đem sổ đỏ không") after a story naming the act ("chủ nhà bắt đăng ký tạm trú") asks
	// about that act.
	if asking == 0 || asking == len(cs) || content < needMinContent || !ix.namesAct(ask) {
		return nil
	}
	narr := make([]bool, len(toks))
	for _, c := range cs {
		if !c.asks {
			for i := c.start; i < c.end; i++ {
				narr[i] = true
			}
		}
	}
	return narr
}

// namesAct reports whether toks name an administrative verb or action (outside the
// not_verbs phrases: "dong" of "hop dong" is not "đóng").
func (ix *Index) namesAct(toks []token) bool {
	s := ix.syn
	return s.hasVerb(toks) || s.hasAction(foldedOf(toks), s.notVerbMask(toks))
}

// telling: a catalogue word rare enough to tell procedures apart (unknown words, such as
// regional ones the lexicon lacks, do not count).
func (ix *Index) telling(folded string) bool {
	id, ok := ix.terms[folded]
	return ok && ix.maxIdf > 0 && float64(ix.idf[id]) >= needTellingIdf*ix.maxIdf
}

// isRequestWord: a word of a request phrase ("muốn", "sao") says that a clause asks, not
// what it asks for.
func (s *Synonyms) isRequestWord(t token) bool {
	if t.exact != t.folded {
		return s.requestWords[t.exact]
	}
	return s.requestPlain[t.folded]
}

// capWords keeps at most maxQueryWords of toks (narr marks narration, may be nil),
// dropping narration from the start first, then words from the end.
func capWords(toks []token, narr []bool) ([]token, []bool) {
	if len(toks) <= maxQueryWords {
		return toks, narr
	}
	if narr != nil {
		drop := len(toks) - maxQueryWords
		keptT, keptN := make([]token, 0, len(toks)), make([]bool, 0, len(toks))
		for i, t := range toks {
			if drop > 0 && narr[i] {
				drop--
				continue
			}
			keptT, keptN = append(keptT, t), append(keptN, narr[i])
		}
		toks, narr = keptT, keptN
		if len(toks) <= maxQueryWords {
			return toks, narr
		}
		narr = narr[:maxQueryWords]
	}
	return toks[:maxQueryWords], narr
}

// termWeight is a typed word's weight as a search term: narrTermWeight for narration
// (told), else 1.
func termWeight(told bool) float32 {
	if told {
		return narrTermWeight
	}
	return 1
}

// foldedOf is the folded forms of toks.
func foldedOf(toks []token) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.folded
	}
	return out
}
