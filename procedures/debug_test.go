package procedures

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestDebugQuery prints the analysis of the queries in $DEBUGQ (separated by "|") over
// the imported real catalogue. Development aid; skipped unless DEBUGQ is set.
func TestDebugQuery(t *testing.T) {
	qs := os.Getenv("DEBUGQ")
	if qs == "" {
		t.Skip("DEBUGQ not set")
	}
	t0 := time.Now()
	c := realCatalog(t)
	t2 := time.Now()
	ix := NewIndex(c, Options{})
	fmt.Printf("load %v index %v\n", t2.Sub(t0), time.Since(t2))
	for _, q := range strings.Split(qs, "|") {
		a := ix.analyse(q)
		var terms []string
		keys := make([]string, len(ix.postings))
		for k, id := range ix.terms {
			keys[id] = k
		}
		for _, tm := range a.terms {
			terms = append(terms, fmt.Sprintf("%s(%.1f,%b)", keys[tm.id], tm.weight, tm.groups))
		}
		fmt.Printf("\nQ %q aspect=%s content=%d stripped=%q\n  terms %s\n", q, a.aspect, a.nContent, a.stripped, strings.Join(terms, " "))
		res := ix.Search(q, 8)
		fmt.Printf("  abstain=%v conf=%s\n", res.Abstain, res.Confidence)
		for _, h := range res.Hits {
			fmt.Printf("  %.3f %s %s (+%d)\n", h.Score, h.Record.Code, h.Record.Name, len(h.Variants))
		}
	}
}

// TestDebugCalib prints, for every labelled query, the best candidate's coverage and
// score before abstention (calibration aid; skipped unless DEBUGCALIB is set).
func TestDebugCalib(t *testing.T) {
	if os.Getenv("DEBUGCALIB") == "" {
		t.Skip("DEBUGCALIB not set")
	}
	ix := NewIndex(realCatalog(t), Options{MinScore: 1e-9, MinCoverage: 1e-9})
	for _, path := range []string{"../../shared/eval/queries-dev.jsonl", "testdata/queries-extra.jsonl", "testdata/queries-holdout.jsonl"} {
		f, _ := os.Open(path)
		qs, _ := ReadEvalQueries(f)
		f.Close()
		for _, q := range qs {
			a := ix.analyse(q.Query)
			res := ix.Search(q.Query, 1)
			top := ""
			if len(res.Hits) > 0 {
				top = res.Hits[0].Record.Code
			}
			fmt.Printf("%-5v n=%d score=%6.2f abst=%v top=%s %q\n", len(q.Expect) > 0, a.nContent, func() float64 {
				if len(res.Hits) > 0 {
					return res.Hits[0].Score
				}
				return 0
			}(), res.Abstain, top, q.Query)
		}
	}
}
