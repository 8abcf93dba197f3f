package procedures

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// EvalQuery is one labelled query: the codes that count as a right answer, or none when
// the bot should abstain.
type EvalQuery struct {
	Query  string   `json:"query"`
	Expect []string `json:"expect"`
}

// ReadEvalQueries reads JSON lines of EvalQuery; blank lines and lines starting with "//"
// are skipped.
func ReadEvalQueries(r io.Reader) ([]EvalQuery, error) {
	var out []EvalQuery
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		t := strings.TrimSpace(sc.Text())
		if t == "" || strings.HasPrefix(t, "//") {
			continue
		}
		var q EvalQuery
		if err := json.Unmarshal([]byte(t), &q); err != nil {
			return nil, fmt.Errorf("queries line %d: %w", line, err)
		}
		out = append(out, q)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("queries: %w", err)
	}
	return out, nil
}

// EvalReport sums up a run of labelled queries. Rank metrics are over in-scope queries
// (an abstention counts as a miss); a hit counts when its record or one of its level
// variants is expected.
type EvalReport struct {
	Queries    int `json:"queries"`
	InScope    int `json:"in_scope"`
	OutOfScope int `json:"out_of_scope"`

	Hit1 float64 `json:"hit_at_1"`
	Hit3 float64 `json:"hit_at_3"`
	Hit5 float64 `json:"hit_at_5"`
	MRR  float64 `json:"mrr"`

	// AbstainPrecision: share of abstentions that were out-of-scope queries.
	// AbstainRecall: share of out-of-scope queries abstained.
	// WrongAbstain: share of in-scope queries abstained.
	AbstainPrecision float64 `json:"abstain_precision"`
	AbstainRecall    float64 `json:"abstain_recall"`
	WrongAbstain     float64 `json:"wrong_abstain"`

	// Confident counts the answers given as one card (ConfidenceOne); ConfidentPrecision
	// is the share of them that were right (an out-of-scope query answered with a card is
	// wrong). The bot sends such a card straight away, so this is the precision a citizen
	// meets.
	Confident          int     `json:"confident"`
	ConfidentPrecision float64 `json:"confident_precision"`
	// Listed counts the answers given as a numbered list or a question with options (the
	// confidence levels below a card); ListedPrecision is the share of them holding a right
	// procedure the citizen can pick (an out-of-scope query answered with a list is wrong),
	// ListedFirst the share with it first.
	Listed          int     `json:"listed"`
	ListedPrecision float64 `json:"listed_precision"`
	ListedFirst     float64 `json:"listed_first"`

	Misses []EvalMiss `json:"misses,omitempty"`
}

// EvalMiss is a query not answered at rank 1 (or wrongly abstained / not abstained).
type EvalMiss struct {
	Query  string   `json:"query"`
	Expect []string `json:"expect"`
	Got    []string `json:"got"` // top codes; empty when abstained
	Rank   int      `json:"rank"`
	// Card: the answer was one card sent straight away (confident and wrong is worse than
	// a list).
	Card bool `json:"card,omitempty"`
}

// InCatalog keeps the queries whose expected procedures are all in c, and the
// out-of-scope ones: a catalogue is judged on what it holds.
func InCatalog(c *Catalog, qs []EvalQuery) []EvalQuery {
	var out []EvalQuery
	for _, q := range qs {
		if !slices.ContainsFunc(q.Expect, func(code string) bool { _, ok := c.ByCode(code); return !ok }) {
			out = append(out, q)
		}
	}
	return out
}

// Evaluate runs every query through ix.
func Evaluate(ix *Index, qs []EvalQuery) EvalReport {
	return EvaluateFunc(qs, func(q string) Result { return ix.Search(q, 5) })
}

// EvaluateFunc runs every query through search (e.g. a search with examples).
func EvaluateFunc(qs []EvalQuery, search func(query string) Result) EvalReport {
	var r EvalReport
	r.Queries = len(qs)
	abstained, abstainedOOS := 0, 0
	wrongAbstain := 0
	confidentRight, listedRight, listedFirst := 0, 0, 0
	for _, q := range qs {
		res := search(q.Query)
		switch shown := shownOptions(res); {
		case res.Abstain || len(shown) == 0:
		case res.Confidence == ConfidenceOne:
			r.Confident++
			if len(q.Expect) > 0 && hitExpected(shown[0], q.Expect) {
				confidentRight++
			}
		default:
			r.Listed++
			if i := slices.IndexFunc(shown, func(h Hit) bool { return len(q.Expect) > 0 && hitExpected(h, q.Expect) }); i >= 0 {
				listedRight++
				if i == 0 {
					listedFirst++
				}
			}
		}
		var got []string
		for _, h := range res.Hits {
			got = append(got, h.Record.Code)
		}
		if res.Abstain {
			abstained++
		}
		if len(q.Expect) == 0 {
			r.OutOfScope++
			if res.Abstain {
				abstainedOOS++
			} else {
				r.Misses = append(r.Misses, EvalMiss{Query: q.Query, Got: got, Card: res.Confidence == ConfidenceOne})
			}
			continue
		}
		r.InScope++
		if res.Abstain {
			wrongAbstain++
		}
		want := map[string]bool{}
		for _, c := range q.Expect {
			want[c] = true
		}
		rank := 0
		for i, h := range res.Hits {
			ok := want[h.Record.Code]
			for _, v := range h.Variants {
				ok = ok || want[v.Code]
			}
			if ok {
				rank = i + 1
				break
			}
		}
		if rank == 1 {
			r.Hit1++
		}
		if rank >= 1 && rank <= 3 {
			r.Hit3++
		}
		if rank >= 1 && rank <= 5 {
			r.Hit5++
		}
		if rank > 0 {
			r.MRR += 1 / float64(rank)
		}
		if rank != 1 {
			r.Misses = append(r.Misses, EvalMiss{Query: q.Query, Expect: q.Expect, Got: got, Rank: rank, Card: res.Confidence == ConfidenceOne})
		}
	}
	if r.Confident > 0 {
		r.ConfidentPrecision = float64(confidentRight) / float64(r.Confident)
	}
	if r.Listed > 0 {
		r.ListedPrecision = float64(listedRight) / float64(r.Listed)
		r.ListedFirst = float64(listedFirst) / float64(r.Listed)
	}
	if r.InScope > 0 {
		n := float64(r.InScope)
		r.Hit1 /= n
		r.Hit3 /= n
		r.Hit5 /= n
		r.MRR /= n
		r.WrongAbstain = float64(wrongAbstain) / n
	}
	if abstained > 0 {
		r.AbstainPrecision = float64(abstainedOOS) / float64(abstained)
	}
	if r.OutOfScope > 0 {
		r.AbstainRecall = float64(abstainedOOS) / float64(r.OutOfScope)
	}
	return r
}

// Text renders the report for people.
func (r EvalReport) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "queries %d (in scope %d, out of scope %d)\n", r.Queries, r.InScope, r.OutOfScope)
	fmt.Fprintf(&b, "Hit@1 %.3f  Hit@3 %.3f  Hit@5 %.3f  MRR %.3f\n", r.Hit1, r.Hit3, r.Hit5, r.MRR)
	fmt.Fprintf(&b, "abstention precision %.3f  recall %.3f  wrongly abstained in-scope %.3f\n",
		r.AbstainPrecision, r.AbstainRecall, r.WrongAbstain)
	fmt.Fprintf(&b, "cards %d, right %.3f; lists or questions %d, holding a right one %.3f (first %.3f)\n",
		r.Confident, r.ConfidentPrecision, r.Listed, r.ListedPrecision, r.ListedFirst)
	for _, m := range r.Misses {
		card := ""
		if m.Card {
			card = ", a card"
		}
		fmt.Fprintf(&b, "  miss: %q expect %v got %v (rank %d%s)\n", m.Query, m.Expect, m.Got, m.Rank, card)
	}
	return b.String()
}

// shownOptions is what the citizen is shown: the hits (at most five, as the bot lists
// them), or the options of a clarifying question.
func shownOptions(res Result) []Hit {
	if res.Confidence == ConfidenceClarify && res.Clarify != nil && len(res.Clarify.Options) > 0 {
		hs := make([]Hit, len(res.Clarify.Options))
		for i, o := range res.Clarify.Options {
			hs[i] = Hit{Record: o}
		}
		return hs
	}
	return res.Hits[:min(len(res.Hits), 5)]
}

// hitExpected reports whether h's record or one of its level variants is expected.
func hitExpected(h Hit, expect []string) bool {
	for _, c := range expect {
		if h.Record != nil && h.Record.Code == c {
			return true
		}
		for _, v := range h.Variants {
			if v.Code == c {
				return true
			}
		}
	}
	return false
}
