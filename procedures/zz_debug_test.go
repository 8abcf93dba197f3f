package procedures

import (
	"fmt"
	"os"
	"testing"
)

func TestZZDebug(t *testing.T) {
	q := os.Getenv("ZZQ")
	if q == "" {
		t.Skip()
	}
	ix, x := nationalSeeded(t)
	cs := ix.RankCandidates(q, x)
	m := activeRanker()
	for _, c := range cs {
		fmt.Printf("%s %.2f %s\n", c.Hit.Record.Code, m.score(c.Features), c.Hit.Record.Name[:min(60, len(c.Hit.Record.Name))])
		for i, f := range c.Features {
			if f != 0 {
				fmt.Printf("   %s=%.2f(%.2f)", rankFeatureNames[i], f, f*m.Weights[i])
			}
		}
		fmt.Println()
	}
}

func TestZZNearest(t *testing.T) {
	q := os.Getenv("ZZQ")
	if q == "" {
		t.Skip()
	}
	_, x := nationalSeeded(t)
	for _, n := range x.Nearest(q, 6) {
		fmt.Printf("%.3f %s %q\n", n.Score, n.Example.Code, n.Example.Query)
	}
}
