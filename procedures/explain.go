package procedures

import (
	"fmt"
	"strings"
)

// Explain describes how a query is analysed and scored: its terms with weights and
// content groups, the coverage weights, the best candidates with coverage and score, and
// why the search abstained. It is a development aid (oabot procedures search --explain).
func (ix *Index) Explain(query string, limit int) string {
	if limit <= 0 {
		limit = 5
	}
	var dg diag
	res := ix.search(query, limit, &dg)
	keys := make([]string, len(ix.postings))
	for k, id := range ix.terms {
		keys[id] = k
	}
	var b strings.Builder
	a := dg.a
	fmt.Fprintf(&b, "query %q\n  analysed %q aspect %s content %d core %d verb %v coverage total %.2f\n",
		query, a.stripped, a.aspect, a.nContent, a.nCore, a.verb, a.totalW)
	var terms []string
	for _, t := range a.terms {
		terms = append(terms, fmt.Sprintf("%s(%.2f,%b)", keys[t.id], t.weight, t.groups))
	}
	fmt.Fprintf(&b, "  terms %s\n", strings.Join(terms, " "))
	var gw []string
	for i := 0; i < a.nContent && i < 64; i++ {
		gw = append(gw, fmt.Sprintf("%.2f", a.groupW[i]))
	}
	fmt.Fprintf(&b, "  group weights %s (min score %.2f)\n", strings.Join(gw, " "), ix.minScore)
	for i, c := range dg.cands {
		if i == limit {
			break
		}
		fmt.Fprintf(&b, "  cand %.3f cov %.2f head %.2f bigram %v %s %s\n", c.score, c.cov, c.headF, c.bigram, ix.docs[c.doc].rec.Code, ix.docs[c.doc].rec.Name)
	}
	if res.Abstain {
		fmt.Fprintf(&b, "  abstain: %s\n", dg.reason)
	} else {
		fmt.Fprintf(&b, "  confidence %s\n", res.Confidence)
		for i, h := range res.Hits {
			fmt.Fprintf(&b, "  %d. %.3f %s %s (+%d)\n", i+1, h.Score, h.Record.Code, h.Record.Name, len(h.Variants))
		}
	}
	return b.String()
}

// Candidates returns up to limit procedures a query may be about, best first, even when
// the search would abstain: suggestions for an officer labelling a message (one record
// per procedure name; level variants are left out).
func (ix *Index) Candidates(query string, limit int) []*Record {
	if limit <= 0 {
		limit = 5
	}
	if res, ok := ix.lookupCode(query); ok {
		return []*Record{res.Hits[0].Record}
	}
	var dg diag
	ix.search(query, limit, &dg)
	var out []*Record
	seen := map[int32]bool{}
	for _, c := range dg.cands {
		if len(out) == limit {
			break
		}
		if g := ix.docs[c.doc].group; !seen[g] {
			seen[g] = true
			out = append(out, ix.docs[c.doc].rec)
		}
	}
	return out
}

// Choices is for a page where a person picks: the search's hits (with x's examples) when it
// answers, else the procedures the query may be about (Candidates).
func (ix *Index) Choices(query string, limit int, x AccountExamples) []*Record {
	res := ix.SearchWith(query, limit, x)
	if res.Abstain || len(res.Hits) == 0 {
		return ix.Candidates(query, limit)
	}
	out := make([]*Record, 0, len(res.Hits))
	for _, h := range res.Hits {
		out = append(out, h.Record)
	}
	return out
}
