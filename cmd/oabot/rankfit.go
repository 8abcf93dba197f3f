package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/oabot/oabot/procedures"
)

// procRankFit fits the learned ranker (procedures.TrainRanker) on the labelled queries —
// never a sealed set — run through the search with the seed examples on each catalogue
// (the built-in one judged on the queries it holds), and again as an office that taught
// half of each set's needs (procedures.Index.FitSamples), and writes it. With --cv it first
// cross-validates leave one set out (fit on the other sets, count hit@1 and hit@5 on the
// held-out one with and without the ranker), prints the table and enables the model only
// when procedures.RankerHelps; without --cv the model is written disabled.
func procRankFit(args []string, stdout, stderr io.Writer) error {
	fs := newProcFlags("rank-fit", stderr)
	queries := fs.String("queries", "", "labelled query files to fit on, comma-separated")
	catalogs := fs.String("catalogs", "builtin", `catalogues, comma-separated: "builtin" or a file/folder`)
	cv := fs.Bool("cv", false, "cross-validate leave one set out and enable the model only if it helps")
	out := fs.String("out", "", "model file to write (procedures/ranker.json); empty: print it")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if *queries == "" {
		fmt.Fprintln(stderr, "oabot procedures rank-fit: --queries is required")
		return errUsage
	}
	setups, err := loadFitSetups(*catalogs)
	if err != nil {
		return err
	}
	files := strings.Split(*queries, ",")
	qs := make([][][]procedures.EvalQuery, len(files)) // file → setup → queries
	samples := make([][][]procedures.RankSample, len(files))
	var names []string
	for i, f := range files {
		all, err := readQueryFile(f)
		if err != nil {
			return err
		}
		for _, s := range setups {
			q := all
			if s.in != nil {
				q = procedures.InCatalog(s.in, all)
			}
			qs[i] = append(qs[i], q)
			samples[i] = append(samples[i], s.ix.FitSamples(q, s.ex))
			names = append(names, filepath.Base(f)+"@"+s.name)
		}
	}
	fit := func(skip int) (*procedures.RankerModel, error) {
		var train []procedures.RankSample
		var on []string
		for i := range files {
			if i == skip {
				continue
			}
			for j := range setups {
				train = append(train, samples[i][j]...)
				on = append(on, names[i*len(setups)+j])
			}
		}
		return procedures.TrainRanker(train, on)
	}
	var rows []procedures.RankerCVRow
	if *cv {
		fmt.Fprintf(stderr, "%-32s %9s %15s %15s   %s\n", "held-out set", "in scope", "hit@1 base→rank", "hit@5 base→rank", "trial: taught before→after, untaught before→after")
		for i := range files {
			m, err := fit(i)
			if err != nil {
				return err
			}
			for j, s := range setups {
				n, b1, b5 := s.ix.RankHits(qs[i][j], s.ex, nil)
				_, r1, r5 := s.ix.RankHits(qs[i][j], s.ex, m)
				tr := s.ix.RunTrial(procedures.NewLearningTrial(qs[i][j]), s.ex.Snapshot(), m)
				row := procedures.RankerCVRow{Set: names[i*len(setups)+j], InScope: n, Base1: b1, Base5: b5, Ranked1: r1, Ranked5: r5, Trial: &tr}
				rows = append(rows, row)
				fmt.Fprintf(stderr, "%-32s %9d %7d → %-5d %7d → %-5d   %d/%d → %d, %d/%d → %d\n", row.Set, n, b1, r1, b5, r5,
					tr.TaughtBefore, tr.Taught, tr.TaughtAfter, tr.UntaughtBefore, tr.Untaught, tr.UntaughtAfter)
			}
		}
		var t procedures.RankerCVRow
		var tt procedures.TrialResult
		for _, r := range rows {
			tt.Add(*r.Trial)
			t.InScope += r.InScope
			t.Base1 += r.Base1
			t.Base5 += r.Base5
			t.Ranked1 += r.Ranked1
			t.Ranked5 += r.Ranked5
		}
		fmt.Fprintf(stderr, "%-32s %9d %7d → %-5d %7d → %-5d   %d/%d → %d, %d/%d → %d\n", "total", t.InScope, t.Base1, t.Ranked1, t.Base5, t.Ranked5,
			tt.TaughtBefore, tt.Taught, tt.TaughtAfter, tt.UntaughtBefore, tt.Untaught, tt.UntaughtAfter)
	}
	m, err := fit(-1)
	if err != nil {
		return err
	}
	m.CV = rows
	m.Enabled = *cv && procedures.RankerHelps(rows)
	fmt.Fprintf(stderr, "fitted on %d hit lists; enabled: %v\n", m.Lists, m.Enabled)
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if *out == "" {
		_, err = stdout.Write(b)
		return err
	}
	return os.WriteFile(*out, b, 0o644)
}
