package procedures

import (
	"os"
	"testing"
)

func TestZZTrial(t *testing.T) {
	cat, err := Load("/tmp/national.json")
	if err != nil { t.Skip(err) }
	ix := NewIndex(cat, Options{})
	seed, _ := SeedExamples()
	x := ix.NewExamples(seed)
	for _, f := range []string{"testdata/queries-blind14.jsonl", "testdata/queries-train18.jsonl", "testdata/queries-train17.jsonl", "testdata/queries-blind11.jsonl"} {
		fh, _ := os.Open(f)
		qs, err := ReadEvalQueries(fh)
		if err != nil { t.Fatal(err) }
		tr := NewLearningTrial(qs)
		teach := map[string]string{}
		for _, e := range tr.Teach { teach[e.Code] = e.Query }
		after := x.With(tr.Teach...)
		for _, q := range tr.Taught {
			res, _, _ := ix.searchRanked(q.Query, 5, after.For(trialAccount), defaultConfidence, ShippedRanker())
			hc := hitCodes(res)
			if len(hc) == 0 || hc[0] != q.Expect[0] {
				name := ""
				if len(hc) > 0 { if r, ok := cat.ByCode(hc[0]); ok { name = r.Name } }
				want, _ := cat.ByCode(q.Expect[0])
				t.Logf("\nQ: %s\n  taught: %s\n  want %s %.60s\n  got %v %.60s", q.Query, teach[q.Expect[0]], q.Expect[0], want.Name, hc, name)
			}
		}
	}
}
