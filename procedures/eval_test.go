package procedures

import (
	"os"
	"testing"
)

const devQueriesPath = "../../shared/eval/queries-dev.jsonl"

func readQueries(t *testing.T, path string) []EvalQuery {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("queries not present (%s): %v", path, err)
	}
	defer f.Close()
	qs, err := ReadEvalQueries(f)
	if err != nil {
		t.Fatal(err)
	}
	return qs
}

// TestEvalRealCatalogue runs the labelled queries against the imported portal crawl and
// fails below the targets of issue 4. Skipped when ../shared/data is absent.
func TestEvalRealCatalogue(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 2,642 records; skipped with -short")
	}
	ix := NewIndex(realCatalog(t), Options{})
	type target struct {
		path            string
		hit1, hit5      float64
		abstainRecall   float64
		maxWrongAbstain float64
	}
	for _, tg := range []target{
		{devQueriesPath, 0.85, 0.97, 0.90, 0.03},                 // the targets
		{"testdata/queries-extra.jsonl", 0.85, 0.95, 0.80, 0.03}, // our own queries
		{"testdata/queries-holdout.jsonl", 0.75, 0.85, 0.80, 0.05},
		// Written blind, then used for tuning (0.824 / 0.936 when added): a regression
		// guard. queries-blind5.jsonl and queries-blind7.jsonl stay out of the tests: they
		// are the sealed sets.
		{"testdata/queries-blind4.jsonl", 0.80, 0.92, 0.85, 0.03},
		{"testdata/queries-blind6.jsonl", 0.64, 0.83, 0.85, 0.05}, // 0.665 / 0.853 when added
		// Long messages (need.go); the development set of blind10, which is sealed.
		{"testdata/queries-blind9.jsonl", 0.48, 0.76, 0.70, 0.08}, // 0.507 / 0.793 when added
	} {
		t.Run(tg.path, func(t *testing.T) {
			rep := Evaluate(ix, readQueries(t, tg.path))
			t.Logf("\n%s", rep.Text())
			if rep.Hit1 < tg.hit1 || rep.Hit5 < tg.hit5 || rep.AbstainRecall < tg.abstainRecall || rep.WrongAbstain > tg.maxWrongAbstain {
				t.Errorf("below target: Hit@1 %.3f (≥%.2f) Hit@5 %.3f (≥%.2f) abstention recall %.3f (≥%.2f) wrongly abstained %.3f (≤%.2f)",
					rep.Hit1, tg.hit1, rep.Hit5, tg.hit5, rep.AbstainRecall, tg.abstainRecall, rep.WrongAbstain, tg.maxWrongAbstain)
			}
		})
	}
}
