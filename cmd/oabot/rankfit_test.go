package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rank-fit on the built-in catalogue: a leave-one-set-out table for each set, and a model
// enabled only as procedures.RankerHelps says.
func TestProceduresRankFit(t *testing.T) {
	ctx := context.Background()
	sets := []string{"extra", "holdout", "holdout2", "blind2"}
	for i, s := range sets {
		sets[i] = "../../procedures/testdata/queries-" + s + ".jsonl"
	}
	out := filepath.Join(t.TempDir(), "ranker.json")
	var stdout, stderr bytes.Buffer
	err := runProcedures(ctx, []string{"rank-fit", "--cv", "--queries", strings.Join(sets, ","), "--out", out}, os.Getenv, &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	b, _ := os.ReadFile(out)
	var m struct {
		Features  []string  `json:"features"`
		Weights   []float64 `json:"weights"`
		TrainedOn []string  `json:"trained_on"`
		Enabled   bool      `json:"enabled"`
		CV        []struct {
			Set     string `json:"set"`
			InScope int    `json:"in_scope"`
			Base1   int    `json:"base_hit1"`
			Ranked1 int    `json:"ranked_hit1"`
		} `json:"cv"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Weights) != len(m.Features) || len(m.Features) < 10 || len(m.TrainedOn) != 4 || len(m.CV) != 4 {
		t.Errorf("model %s", b)
	}
	base, ranked, lost := 0, 0, false
	for _, r := range m.CV {
		base += r.Base1
		ranked += r.Ranked1
		lost = lost || r.Ranked1 < r.Base1-1
		if r.InScope == 0 || !strings.Contains(stderr.String(), r.Set) {
			t.Errorf("cv row %+v missing from the table:\n%s", r, stderr.String())
		}
	}
	if m.Enabled != (ranked > base && !lost) {
		t.Errorf("enabled %v with hit@1 %d → %d over the held-out sets", m.Enabled, base, ranked)
	}
	if err := runProcedures(ctx, []string{"rank-fit"}, os.Getenv, &stdout, &stderr); !errors.Is(err, errUsage) {
		t.Errorf("rank-fit without --queries: %v", err)
	}
}
