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
	f, err := os.Open(realDataPath)
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	t0 := time.Now()
	recs, _, err := ImportDVC(f)
	if err != nil {
		t.Fatal(err)
	}
	t1 := time.Now()
	c, err := NewCatalog(recs)
	if err != nil {
		t.Fatal(err)
	}
	t2 := time.Now()
	ix := NewIndex(c, Options{})
	fmt.Printf("import %v catalog %v index %v\n", t1.Sub(t0), t2.Sub(t1), time.Since(t2))
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
