package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/oabot/oabot/procedures"
)

// runProcedures is "oabot procedures <validate|search|eval|import|calibrate|rank-fit|check|refresh> [flags]".
func runProcedures(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	usage := func() {
		fmt.Fprint(stderr, `usage: oabot procedures <command> [flags]

  validate --catalog PATH                      check a catalogue file or folder
  search   [--catalog PATH] [--json] [--limit N] [--explain] [QUERY]
                                               no QUERY: one query per stdin line, JSON lines out
  eval     [--catalog PATH] --queries FILE.jsonl [--json]
  import   --dvc FILE.jsonl[.gz] --out FILE.yaml|FILE.json
  check    [--catalog PATH] --dvc FILE [--json] [-v]
                                               facts that contradict the portal; exit status 1 if any blocks verification
  refresh  --catalog PATH --dvc NEWFILE [--accept all|CODE,CODE --out PATH]
                                               new, changed (field by field) and gone records of an imported catalogue
  calibrate --queries A.jsonl,B.jsonl [--test C.jsonl] [--catalogs builtin,FILE] [--out procedures/confidence.json]
                                               fit which one-card answers stand (never on a sealed set)
  rank-fit --queries A.jsonl,B.jsonl [--catalogs builtin,FILE] [--cv] [--out procedures/ranker.json]
                                               fit the learned ranker; --cv: leave one set out, enable only if it helps

PATH is a catalogue file or folder; without --catalog the built-in catalogue is used.
`)
	}
	if len(args) == 0 {
		usage()
		return errUsage
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "validate":
		return procValidate(args, stdout, stderr)
	case "search":
		return procSearch(ctx, args, os.Stdin, stdout, stderr)
	case "eval":
		return procEval(args, stdout, stderr)
	case "import":
		return procImport(args, stdout, stderr)
	case "calibrate":
		return procCalibrate(args, stdout, stderr)
	case "rank-fit":
		return procRankFit(args, stdout, stderr)
	case "check":
		return procCheck(args, stdout, stderr)
	case "refresh":
		return procRefresh(args, stdout, stderr)
	case "help", "-h", "--help":
		usage()
		return nil
	}
	fmt.Fprintf(stderr, "oabot procedures: unknown command %q\n", sub)
	usage()
	return errUsage
}

func newProcFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("oabot procedures "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseInterspersed parses flags that may come after positional arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, errUsage
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func loadCatalog(path string) (*procedures.Catalog, error) {
	if path == "" {
		return procedures.Builtin()
	}
	return procedures.Load(path)
}

func procValidate(args []string, stdout, stderr io.Writer) error {
	fs := newProcFlags("validate", stderr)
	path := fs.String("catalog", "", "catalogue file or folder (default: the built-in catalogue)")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	c, err := loadCatalog(*path)
	if err != nil {
		var ve *procedures.ValidationError
		if errors.As(err, &ve) {
			for _, p := range ve.Problems {
				fmt.Fprintln(stderr, p.String())
			}
			return fmt.Errorf("catalogue refused: %d problem(s)", len(ve.Problems))
		}
		return err
	}
	fmt.Fprintf(stdout, "ok: %d procedures, version %s\n", c.Len(), c.Version())
	return nil
}

type searchLine struct {
	Query      string         `json:"query"`
	Results    []searchResult `json:"results"`
	Abstain    bool           `json:"abstain"`
	Aspect     string         `json:"aspect"`
	Confidence string         `json:"confidence"`
	Clarify    *clarifyOut    `json:"clarify,omitempty"`
	// Lacks is the code of the procedure the catalogue lacks that the query asks for.
	Lacks string `json:"lacks,omitempty"`
}

type searchResult struct {
	Code     string   `json:"code"`
	Name     string   `json:"name"`
	Score    float64  `json:"score"`
	Variants []string `json:"variants,omitempty"`
}

type clarifyOut struct {
	Topic   string   `json:"topic"`
	Options []string `json:"options"`
}

func toSearchLine(q string, res procedures.Result) searchLine {
	out := searchLine{Query: q, Results: []searchResult{}, Abstain: res.Abstain, Aspect: string(res.Aspect), Confidence: string(res.Confidence)}
	for _, h := range res.Hits {
		sr := searchResult{Code: h.Record.Code, Name: h.Record.Name, Score: h.Score}
		for _, v := range h.Variants {
			sr.Variants = append(sr.Variants, v.Code)
		}
		out.Results = append(out.Results, sr)
	}
	out.Lacks = res.Elsewhere.Code
	if res.Clarify != nil {
		c := &clarifyOut{Topic: res.Clarify.Topic}
		for _, o := range res.Clarify.Options {
			c.Options = append(c.Options, o.Code)
		}
		out.Clarify = c
	}
	return out
}

func procSearch(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newProcFlags("search", stderr)
	path := fs.String("catalog", "", "catalogue file or folder (default: the built-in catalogue)")
	asJSON := fs.Bool("json", false, "print JSON")
	limit := fs.Int("limit", 5, "number of results")
	explain := fs.Bool("explain", false, "print the query analysis, candidates and abstention reason")
	useExamples := fs.Bool("examples", true, "search with the seed examples, as the bot does (--examples=false: the records alone)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	c, err := loadCatalog(*path)
	if err != nil {
		return err
	}
	ix := procedures.NewIndex(c, procedures.Options{})
	ex, err := seedExamples(ix, *useExamples)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		q := strings.Join(pos, " ")
		if *explain {
			_, err := io.WriteString(stdout, ix.Explain(q, *limit))
			return err
		}
		res := ix.SearchWith(q, *limit, ex)
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			return enc.Encode(toSearchLine(q, res))
		}
		printResult(stdout, res)
		return nil
	}
	// One query per line in, one JSON object per line out.
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for sc.Scan() {
		if err := ctx.Err(); err != nil {
			return err
		}
		q := sc.Text()
		if err := enc.Encode(toSearchLine(q, ix.SearchWith(q, *limit, ex))); err != nil {
			return err
		}
	}
	return sc.Err()
}

func printResult(w io.Writer, res procedures.Result) {
	if e := res.Elsewhere; e.Code != "" {
		fmt.Fprintf(w, "asks for %s  %s, which the catalogue lacks\n", e.Code, e.Name)
	}
	if res.Abstain {
		fmt.Fprintf(w, "(no procedure; aspect %s)\n", res.Aspect)
		return
	}
	fmt.Fprintf(w, "aspect %s, confidence %s\n", res.Aspect, res.Confidence)
	for i, h := range res.Hits {
		fmt.Fprintf(w, "%d. %s  %s  (%.2f)\n", i+1, h.Record.Code, h.Record.Name, h.Score)
		for _, v := range h.Variants {
			fmt.Fprintf(w, "     also %s  %s\n", v.Code, strings.Join(v.Levels, ", "))
		}
	}
	if res.Clarify != nil {
		fmt.Fprintf(w, "clarify %q among %d options\n", res.Clarify.Topic, len(res.Clarify.Options))
	}
}

func procEval(args []string, stdout, stderr io.Writer) error {
	fs := newProcFlags("eval", stderr)
	path := fs.String("catalog", "", "catalogue file or folder (default: the built-in catalogue)")
	queries := fs.String("queries", "", "labelled queries, JSON lines {\"query\":…,\"expect\":[codes]}")
	asJSON := fs.Bool("json", false, "print JSON")
	useExamples := fs.Bool("examples", true, "search with the seed examples, as the bot does (--examples=false: the records alone)")
	inCatalog := fs.Bool("in-catalog", false, "only the queries whose expected procedure is in the catalogue (and the out-of-scope ones)")
	office := fs.String("office", "", "answer as this account's bot (its scope): own procedures found, other offices' referred")
	cfgPath := fs.String("config", "", "with --office: the configuration holding the account (default: the demo's accounts)")
	trial := fs.Bool("trial", false, "run issue 16's learning trial: teach one wording of every other need as an office's example, count the other wordings answered first before and after")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if *queries == "" {
		fmt.Fprintln(stderr, "oabot procedures eval: --queries is required")
		return errUsage
	}
	c, err := loadCatalog(*path)
	if err != nil {
		return err
	}
	f, err := os.Open(*queries)
	if err != nil {
		return err
	}
	defer f.Close()
	qs, err := procedures.ReadEvalQueries(f)
	if err != nil {
		return err
	}
	if *inCatalog {
		qs = procedures.InCatalog(c, qs)
	}
	ix := procedures.NewIndex(c, procedures.Options{})
	ex, err := seedExamples(ix, *useExamples)
	if err != nil {
		return err
	}
	if *office != "" {
		return evalOffice(*cfgPath, *office, c, ix, ex, qs, stdout)
	}
	if *trial {
		if ex.Snapshot() == nil {
			return fmt.Errorf("oabot procedures eval: --trial teaches examples; it needs --examples")
		}
		tr := procedures.NewLearningTrial(qs)
		r := ix.RunTrial(tr, ex.Snapshot(), procedures.ShippedRanker())
		_, err := fmt.Fprintf(stdout, "learning trial: %d needs taught\n  taught needs, other wordings: %d, right first %d → %d\n  untaught needs: %d, right first %d → %d\n",
			len(tr.Teach), r.Taught, r.TaughtBefore, r.TaughtAfter, r.Untaught, r.UntaughtBefore, r.UntaughtAfter)
		return err
	}
	rep := procedures.EvaluateFunc(qs, func(q string) procedures.Result { return ix.SearchWith(q, 5, ex) })
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	_, err = io.WriteString(stdout, rep.Text())
	return err
}

func procImport(args []string, stdout, stderr io.Writer) error {
	fs := newProcFlags("import", stderr)
	in := fs.String("dvc", "", "portal crawl, JSON lines (gzip or plain)")
	out := fs.String("out", "", "catalogue file to write (.yaml or .json)")
	verbose := fs.Bool("v", false, "print every warning")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if *in == "" || *out == "" {
		fmt.Fprintln(stderr, "oabot procedures import: --dvc and --out are required")
		return errUsage
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	recs, warns, err := procedures.ImportDVC(f)
	if err != nil {
		return err
	}
	if _, err := procedures.NewCatalog(recs); err != nil {
		return fmt.Errorf("imported records do not validate: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".import-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriter(tmp)
	if err := procedures.WriteCatalog(bw, recs, procedures.FormatForPath(*out)); err != nil {
		tmp.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d procedures into %s\n", len(recs), *out)
	counts := procedures.WarningCounts(warns)
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	perRecord := map[string]map[string]bool{}
	for _, w := range warns {
		if perRecord[w.Kind] == nil {
			perRecord[w.Kind] = map[string]bool{}
		}
		perRecord[w.Kind][w.Code] = true
	}
	fmt.Fprintf(stdout, "warnings: %d\n", len(warns))
	for _, k := range kinds {
		fmt.Fprintf(stdout, "  %-20s %5d warnings, %5d records\n", k, counts[k], len(perRecord[k]))
	}
	if *verbose {
		for _, w := range warns {
			fmt.Fprintln(stderr, w.String())
		}
	}
	return nil
}

// seedExamples indexes the shipped examples over ix (the zero value when use is false), so
// the CLI searches as the bot does before any officer taught it.
func seedExamples(ix *procedures.Index, use bool) (procedures.AccountExamples, error) {
	if !use {
		return procedures.AccountExamples{}, nil
	}
	seed, err := procedures.SeedExamples()
	if err != nil {
		return procedures.AccountExamples{}, err
	}
	return ix.NewExamples(seed).For(""), nil
}
