package procedures

import (
	"crypto/sha256"
	"slices"
)

// A deployment's catalogue may hold a few dozen procedures (the built-in one, or an
// office's own copy of it) while citizens ask for hundreds. A question about one it
// lacks still shares words with those it holds ("đăng ký giám hộ" with "Đăng ký tạm
// trú"), and the search then offers them as a list, or even a card. The seed examples
// written for the national procedures a ward office meets most (seed-national.yaml) know
// those questions: when a message is close to the examples of a procedure the catalogue
// lacks, and closer to them than to any of the catalogue's, the search names the
// procedure it is most likely about (Result.Elsewhere) beside what it found, which it
// keeps (a card as a list). Over the sealed sets and the built-in catalogue (December
// 2026, before cards were read too: see lacking) it named 151 of the 610 questions whose
// procedure the catalogue lacks, 131 of them right; 17 of the 1,070 questions it holds
// were named wrongly, each with its right procedure still first in the list kept beside
// the naming.

// Elsewhere is a national procedure the catalogue lacks, named by the seed examples
// written for it.
type Elsewhere struct {
	Code string
	Name string
}

// lacked indexes the seed examples of the procedures a catalogue lacks, each as "not
// ours" (so prototypes and the classifier, which read procedures, leave them out), in
// an index of their own: the catalogue's examples, their weights and so every other
// answer stay as they are without them.
type lacked struct {
	key   string    // the examples it holds (lackedFor)
	src   []Example // as given, for Examples.With
	x     *Examples
	about map[string]Elsewhere // example ID → the procedure it was written for
}

// lackedFor is the index of exs, the seeds of procedures ix's catalogue lacks: the one
// ix built last when it holds the same examples. Only shipped seeds go there, so every
// rebuild for an officer's example would otherwise analyse the same ~4,000 again (a
// rebuild over the built-in catalogue took about 3 times as long).
func (ix *Index) lackedFor(exs []Example) *lacked {
	h := sha256.New()
	for _, e := range exs {
		for _, s := range []string{e.ID, e.Code, e.name, e.Query} {
			h.Write([]byte(s))
			h.Write([]byte{0})
		}
	}
	key := string(h.Sum(nil))
	if l := ix.lackedCache.Load(); l != nil && l.key == key {
		return l
	}
	l := newLacked(ix, exs)
	l.key = key
	ix.lackedCache.Store(l)
	return l
}

func newLacked(ix *Index, exs []Example) *lacked {
	l := &lacked{src: exs, about: make(map[string]Elsewhere, len(exs))}
	plain := make([]Example, len(exs))
	for i, e := range exs {
		l.about[e.ID] = Elsewhere{Code: e.Code, Name: e.name}
		e.Code = ""
		plain[i] = e
	}
	l.x = ix.NewExamples(plain)
	return l
}

// asks returns the procedure the catalogue lacks that message features v ask for, when
// one of its examples is a strong match (exStrong), clearly closer than the best of the
// catalogue's examples (exMargin over best) and covers at least half of the message
// (exNotOursCovers, as for "not ours": a story that asks for something else besides).
func (l *lacked) asks(v map[string]float32, best exVote) (Elsewhere, bool) {
	nb := l.x.For("").nearestTo(l.x.vector(v), 1)
	if len(nb) == 0 {
		return Elsewhere{}, false
	}
	n := nb[0]
	if n.Score < exStrong || n.Score < exMargin*best.score || n.covers < exNotOursCovers {
		return Elsewhere{}, false
	}
	return l.about[n.Example.ID], true
}

// lackedMaxStrength: a message whose best record matches at least this many times the
// least score of an answer (Index.minScore) names what the catalogue holds, however close
// it is to the examples of a procedure it lacks. On the unsealed sets over the built-in
// catalogue (December 2026), the in-catalogue questions such an example would have
// named had their right procedure first at 2.7–16 times, the other questions named
// mostly under 5 times (171 of 177 under 12).
const lackedMaxStrength = 12

// lacking names in res the procedure the catalogue lacks that the message asks for
// (lacked.asks), when the records match it weakly (lackedMaxStrength); a card becomes a
// list, kept below the naming. An intent, a clarifying question or an answer an
// officer's example decided stands, and so does a first hit that fits the state the
// message names: an example of another document lost ("sổ đỏ bị thất lạc") shares the
// state's words, not the object ("cà vẹt bị thất lạc"), as in searchState.
//
// Cards were left alone at first. On the unsealed sets over the built-in catalogue, 29 of
// its 401 cards answered a question about a procedure it lacks ("nuôi con nuôi" → the
// permanent residence, "đăng ký chấm dứt giám hộ" → closing a household business); 8 of
// them are named so, and none of its 372 right cards.
func (st *rankState) lacking(x AccountExamples, res Result) Result {
	if x.x == nil || x.x.lacked == nil || st.feats == nil || res.Confidence == ConfidenceClarify ||
		res.Intent != "" || st.taught() {
		return res
	}
	ix := x.x.ix
	if st.search.strength() >= lackedMaxStrength*ix.minScore || st.a.state >= 0 && ix.stateFitsTop(res, st.a.state) {
		return res
	}
	e, ok := x.x.lacked.asks(st.feats, st.best)
	if !ok || st.namesPlainSibling(res, e) {
		return res
	}
	res.Elsewhere = e
	if res.Confidence == ConfidenceOne {
		res.Confidence = ConfidenceFew
	}
	return res
}

// namesPlainSibling reports whether the message names res's first hit, a plainer sibling
// of e (the lacked procedure's name holds every word of the hit's), by its whole name and
// names nothing else besides what it asks: "lệ phí đăng ký kết hôn bao nhiêu" asks about
// the marriage the catalogue holds, not about "… có yếu tố nước ngoài", whose seeds ask
// about fees in the same words (it was named, even right after the marriage's own card).
func (st *rankState) namesPlainSibling(res Result, e Elsewhere) bool {
	if len(res.Hits) == 0 {
		return false
	}
	typed := map[string]bool{}
	for _, w := range st.a.seq[:st.a.typedLen] {
		typed[w] = true
	}
	hit, lacked := nameWords(res.Hits[0].Record.Name), nameWords(e.Name)
	if len(hit) == 0 {
		return false
	}
	for _, w := range hit {
		if !typed[w] || !slices.Contains(lacked, w) {
			return false
		}
	}
	// Nothing else named: "lấy chồng Hàn Quốc thì đăng ký kết hôn ở đâu" names the
	// foreign element in its own words, which the seeds know.
	for _, w := range st.a.objects {
		if !slices.Contains(hit, w) {
			return false
		}
	}
	return true
}

// nameWords are the folded words of a procedure's name, as the message's are read
// (foldedWords), without its leading "thủ tục".
func nameWords(name string) []string {
	ws := foldedWords(name)
	if len(ws) >= 2 && ws[0] == "thu" && ws[1] == "tuc" {
		ws = ws[2:]
	}
	return ws
}
