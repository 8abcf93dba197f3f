package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/oabot/oabot/procedures"
)

// errBlocking makes "oabot procedures check" exit with status 1 when a record contradicts
// the portal, so a script or CI step can stop on it.
var errBlocking = errors.New("blocking contradictions with the portal")

// checkReport is the JSON output of "oabot procedures check".
type checkReport struct {
	Checked        int                        `json:"checked"`
	NotOnPortal    []string                   `json:"not_on_portal"`
	Blocking       int                        `json:"blocking"`
	Counts         map[string]int             `json:"counts"`
	Contradictions []procedures.Contradiction `json:"contradictions"`
}

// procCheck is "oabot procedures check [--catalog PATH] --dvc FILE [--json] [-v]".
func procCheck(args []string, stdout, stderr io.Writer) error {
	fs := newProcFlags("check", stderr)
	path := fs.String("catalog", "", "catalogue file or folder (default: the built-in catalogue)")
	dvc := fs.String("dvc", "", "portal crawl, JSON lines (gzip or plain)")
	asJSON := fs.Bool("json", false, "print JSON")
	verbose := fs.Bool("v", false, "also print the facts records mark as not the portal's")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if *dvc == "" {
		fmt.Fprintln(stderr, "oabot procedures check: --dvc is required")
		return errUsage
	}
	c, err := loadCatalog(*path)
	if err != nil {
		return err
	}
	portal, err := readPortal(*dvc)
	if err != nil {
		return err
	}
	rep := newCheckReport(c.All(), portal)
	if *asJSON {
		if err := writeJSON(stdout, rep); err != nil {
			return err
		}
	} else {
		printCheck(stdout, c, rep, *verbose)
	}
	if rep.Blocking > 0 {
		return fmt.Errorf("%d %w", rep.Blocking, errBlocking)
	}
	return nil
}

func newCheckReport(records, portal []*procedures.Record) checkReport {
	cs := procedures.CheckAgainstPortal(records, portal)
	rep := checkReport{Checked: len(records), NotOnPortal: []string{}, Counts: procedures.ContradictionCounts(cs), Contradictions: cs}
	if rep.Contradictions == nil {
		rep.Contradictions = []procedures.Contradiction{}
	}
	onPortal := map[string]bool{}
	for _, p := range portal {
		onPortal[p.Code] = true
	}
	for _, r := range records {
		if !onPortal[r.Code] {
			rep.NotOnPortal = append(rep.NotOnPortal, r.Code)
		}
	}
	for _, x := range cs {
		if procedures.BlocksVerification(x) {
			rep.Blocking++
		}
	}
	return rep
}

// printCheck prints the contradictions grouped by record, then one summary line.
func printCheck(w io.Writer, c *procedures.Catalog, rep checkReport, verbose bool) {
	blockingRecords := 0
	for code, cs := range groupByCode(rep.Contradictions) {
		if !procedures.Verifiable(cs) {
			blockingRecords++
		}
		if !verbose {
			cs = slices.DeleteFunc(cs, func(x procedures.Contradiction) bool { return !procedures.BlocksVerification(x) })
		}
		if len(cs) == 0 {
			continue
		}
		name := ""
		if r, ok := c.ByCode(code); ok {
			name = r.Name
		}
		fmt.Fprintf(w, "%s %s\n", code, name)
		for _, x := range cs {
			printContradiction(w, x)
		}
	}
	if len(rep.NotOnPortal) > 0 {
		fmt.Fprintf(w, "not on the portal: %s\n", strings.Join(rep.NotOnPortal, ", "))
	}
	fmt.Fprintf(w, "checked %d records: %d blocking contradictions in %d records; by kind: %s\n",
		rep.Checked, rep.Blocking, blockingRecords, kindCounts(rep.Counts))
}

func printContradiction(w io.Writer, x procedures.Contradiction) {
	kind := x.Kind
	if x.Fact != "" {
		kind += "/" + x.Fact
	}
	fmt.Fprintf(w, "  %-16s %s: %s\n", kind, x.Field, x.Message)
	if x.Record != "" {
		fmt.Fprintf(w, "  %-16s   bản ghi: %s\n", "", shortText(x.Record))
	}
	if x.Portal != "" {
		fmt.Fprintf(w, "  %-16s   Cổng:    %s\n", "", shortText(x.Portal))
	}
}

// groupByCode groups contradictions by record code, in the order codes first appear.
func groupByCode(cs []procedures.Contradiction) func(yield func(string, []procedures.Contradiction) bool) {
	return func(yield func(string, []procedures.Contradiction) bool) {
		for i := 0; i < len(cs); {
			j := i
			for j < len(cs) && cs[j].Code == cs[i].Code {
				j++
			}
			if !yield(cs[i].Code, slices.Clone(cs[i:j])) {
				return
			}
			i = j
		}
	}
}

func kindCounts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func shortText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 160 {
		return string(r[:159]) + "…"
	}
	return s
}

// procRefresh is "oabot procedures refresh --catalog PATH --dvc NEWFILE [--accept all|CODE,…]
// [--out PATH]".
func procRefresh(args []string, stdout, stderr io.Writer) error {
	fs := newProcFlags("refresh", stderr)
	path := fs.String("catalog", "", "catalogue imported from the portal (file or folder)")
	dvc := fs.String("dvc", "", "newer portal crawl, JSON lines (gzip or plain)")
	acceptFlag := fs.String("accept", "", `"all" or a comma-separated list of codes to take from the portal`)
	out := fs.String("out", "", "catalogue file to write with the accepted changes (.yaml or .json)")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if *path == "" || *dvc == "" || (*acceptFlag == "") != (*out == "") {
		fmt.Fprintln(stderr, "oabot procedures refresh: --catalog and --dvc are required; --accept and --out go together")
		return errUsage
	}
	current, err := procedures.Load(*path)
	if err != nil {
		return err
	}
	portal, err := readPortal(*dvc)
	if err != nil {
		return err
	}
	rf := procedures.PortalRefresh(current, portal)
	printRefresh(stdout, rf)
	if *acceptFlag == "" {
		return nil
	}
	accept, err := acceptFunc(*acceptFlag, rf.Codes())
	if err != nil {
		fmt.Fprintf(stderr, "oabot procedures refresh: %v\n", err)
		return errUsage
	}
	recs := rf.Apply(current.All(), accept)
	if _, err := procedures.NewCatalog(recs); err != nil {
		return fmt.Errorf("refreshed catalogue does not validate: %w", err)
	}
	if err := writeCatalogFile(*out, recs); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d procedures to %s\n", len(recs), *out)
	return nil
}

func printRefresh(w io.Writer, rf procedures.Refresh) {
	fmt.Fprintf(w, "new %d:\n", len(rf.New))
	for _, r := range rf.New {
		fmt.Fprintf(w, "  + %s %s\n", r.Code, r.Name)
	}
	fmt.Fprintf(w, "changed %d (%d in writing only):\n", len(rf.Changed), rf.Reworded)
	for _, c := range rf.Changed {
		mark := ""
		if c.WordingOnly() {
			mark = " (writing only: punctuation, case, number format)"
		}
		fmt.Fprintf(w, "  ~ %s %s%s\n", c.Code, c.Refreshed.Name, mark)
		for _, fc := range c.Changes {
			fmt.Fprintf(w, "      %s\n", shortText(fc.String()))
		}
	}
	fmt.Fprintf(w, "gone %d:\n", len(rf.Gone))
	for _, r := range rf.Gone {
		fmt.Fprintf(w, "  - %s %s\n", r.Code, r.Name)
	}
	fmt.Fprintf(w, "%d new, %d changed, %d gone, %d unchanged\n", len(rf.New), len(rf.Changed), len(rf.Gone), rf.Unchanged)
}

// acceptFunc turns --accept into a predicate. Listed codes must be ones the refresh
// proposes, so a typo does not silently accept nothing.
func acceptFunc(flag string, proposed map[string]bool) (func(string) bool, error) {
	if flag == "all" {
		return func(string) bool { return true }, nil
	}
	codes := map[string]bool{}
	for _, c := range strings.Split(flag, ",") {
		c = strings.TrimSpace(c)
		if !proposed[c] {
			return nil, fmt.Errorf("--accept: %q is not new, changed or gone", c)
		}
		codes[c] = true
	}
	return func(code string) bool { return codes[code] }, nil
}

func readPortal(path string) ([]*procedures.Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, _, err := procedures.ImportDVC(f)
	return recs, err
}

// writeCatalogFile writes through a temporary file in the same folder and renames it, so
// a failed write never leaves a half catalogue where the bot may load it.
func writeCatalogFile(path string, recs []*procedures.Record) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".refresh-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriter(tmp)
	err = procedures.WriteCatalog(bw, recs, procedures.FormatForPath(path))
	if err == nil {
		err = bw.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
