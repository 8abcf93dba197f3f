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

// procCalibrate fits the confidence model (procedures.TrainConfidence): which one-card
// answers stand and which become a list. It runs the labelled queries — never a sealed
// set — through the search with the seed examples on each catalogue (the built-in one
// judged on the queries it holds), fits, and writes the model; --test reports the
// precision and the share of cards kept on other labelled sets with the new model.
func procCalibrate(args []string, stdout, stderr io.Writer) error {
	fs := newProcFlags("calibrate", stderr)
	queries := fs.String("queries", "", "labelled query files to fit on, comma-separated")
	test := fs.String("test", "", "labelled query files to report on, comma-separated (not fitted)")
	catalogs := fs.String("catalogs", "builtin", `catalogues, comma-separated: "builtin" or a file/folder`)
	target := fs.Float64("target", 0.97, "precision the kept cards must reach on the fitted sets")
	minProb := fs.Float64("min-prob", 0, "cut at this probability of being right instead of searching for --target (the shipped model: docs/ranker.md)")
	out := fs.String("out", "", "model file to write (procedures/confidence.json); empty: print it")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if *queries == "" {
		fmt.Fprintln(stderr, "oabot procedures calibrate: --queries is required")
		return errUsage
	}
	setups, err := loadFitSetups(*catalogs)
	if err != nil {
		return err
	}
	samples := func(files string) ([]procedures.ConfSample, []string, error) {
		var all []procedures.ConfSample
		var names []string
		for _, f := range strings.Split(files, ",") {
			qs, err := readQueryFile(f)
			if err != nil {
				return nil, nil, err
			}
			for _, s := range setups {
				q := qs
				if s.in != nil {
					q = procedures.InCatalog(s.in, qs)
				}
				all = append(all, s.ix.ConfidenceSamples(q, s.ex)...)
				names = append(names, filepath.Base(f)+"@"+s.name)
			}
		}
		return all, names, nil
	}
	train, names, err := samples(*queries)
	if err != nil {
		return err
	}
	m, err := procedures.TrainConfidence(train, *target, names)
	if err != nil {
		return err
	}
	if *minProb > 0 {
		m.CutAt(*minProb, train)
	}
	_, before := procedures.SampleKept(train, nil)
	fmt.Fprintf(stderr, "fitted on %d one-card answers: precision %.3f at threshold %.3f, %.1f%% of cards kept (before: precision %.3f)\n",
		m.Samples, m.Precision, m.Threshold, 100*m.Kept, before)
	if *test != "" {
		ts, _, err := samples(*test)
		if err != nil {
			return err
		}
		kept, prec := procedures.SampleKept(ts, m)
		_, before := procedures.SampleKept(ts, nil)
		fmt.Fprintf(stderr, "test: %d one-card answers: precision %.3f → %.3f, %.1f%% of cards kept\n",
			len(ts), before, prec, 100*kept)
	}
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

func readQueryFile(path string) ([]procedures.EvalQuery, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return procedures.ReadEvalQueries(f)
}

// fitSetup is one catalogue the confidence model or the ranker is fitted over: its index
// with the seed examples, and for the built-in one the catalogue, to keep only the
// queries it holds.
type fitSetup struct {
	name string
	ix   *procedures.Index
	ex   procedures.AccountExamples
	in   *procedures.Catalog // non-nil: keep only the queries it holds
}

// loadFitSetups loads catalogues, comma-separated: "builtin" or a file/folder.
func loadFitSetups(catalogs string) ([]fitSetup, error) {
	var setups []fitSetup
	for _, c := range strings.Split(catalogs, ",") {
		path := c
		if c == "builtin" {
			path = ""
		}
		cat, err := loadCatalog(path)
		if err != nil {
			return nil, err
		}
		ix := procedures.NewIndex(cat, procedures.Options{})
		ex, err := seedExamples(ix, true)
		if err != nil {
			return nil, err
		}
		s := fitSetup{name: filepath.Base(c), ix: ix, ex: ex}
		if c == "builtin" {
			s.in = cat
		}
		setups = append(setups, s)
	}
	return setups, nil
}
