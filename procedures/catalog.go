package procedures

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/oabot/oabot/internal/safefile"
)

// Limits on text a card can hold. A record over a limit is refused by validation, so the
// bot never has to cut an official text in the middle.
const (
	MaxNameRunes     = 300
	MaxStepRunes     = 1000
	MaxDocumentRunes = 1000
	MaxShortText     = 2000 // agency, where, applicants, channel time/fee/note, conditions…
	MaxAliasRunes    = 200
)

// Catalog is a validated, read-only set of procedures.
type Catalog struct {
	records []*Record
	byCode  map[string]*Record
	byShort map[string]*Record
	version string
}

// All returns the records in catalogue order (sorted by code). The slice is shared: do not
// modify it or the records.
func (c *Catalog) All() []*Record { return c.records }

// Len is the number of records.
func (c *Catalog) Len() int { return len(c.records) }

// ByCode looks a record up by its national code ("1.004222"); a local suffix such as
// ".H19" is ignored when the full code is not found.
func (c *Catalog) ByCode(code string) (*Record, bool) {
	code = strings.TrimSpace(code)
	if r, ok := c.byCode[code]; ok {
		return r, true
	}
	if i := strings.LastIndexByte(code, '.'); i > 0 && strings.Count(code, ".") >= 2 {
		r, ok := c.byCode[code[:i]]
		return r, ok
	}
	return nil, false
}

// ByShortCode looks a record up by its poster short code ("12" or "#12").
func (c *Catalog) ByShortCode(sc string) (*Record, bool) {
	sc = strings.TrimPrefix(strings.TrimSpace(sc), "#")
	r, ok := c.byShort[strings.ToLower(strings.TrimSpace(sc))]
	return r, ok
}

// Version identifies the catalogue content: a short hash of the records plus the newest
// last_verified date, e.g. "3f9c2a1b7d0e-2026-07-20".
func (c *Catalog) Version() string { return c.version }

// NewCatalog validates records and builds a catalogue. source names the origin in problem
// reports. Records are copied by pointer; the caller must not modify them afterwards.
func NewCatalog(records []*Record) (*Catalog, error) {
	srcs := make([]recordSource, len(records))
	for i, r := range records {
		srcs[i] = recordSource{rec: r, file: "<records>", line: i + 1}
	}
	return buildCatalog(srcs)
}

// Problem is one validation finding: where it is and what is wrong.
type Problem struct {
	File  string // file name ("" when unknown)
	Line  int    // 1-based line of the offending node (0 when unknown)
	Code  string // record code, when known
	Field string // field path, e.g. "steps[2]" or "channels[0].kind"
	Msg   string
}

func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
		}
		b.WriteString(": ")
	}
	if p.Code != "" {
		fmt.Fprintf(&b, "%s: ", p.Code)
	}
	if p.Field != "" {
		fmt.Fprintf(&b, "%s: ", p.Field)
	}
	b.WriteString(p.Msg)
	return b.String()
}

// ValidationError is returned when a catalogue is refused. It lists every problem found.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	if len(e.Problems) == 0 {
		return "invalid catalogue"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "invalid catalogue: %d problem(s):", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// recordSource is a decoded record with where it came from and the line of each field.
type recordSource struct {
	rec   *Record
	file  string
	line  int
	lines map[string]int // field path → line
}

func (s recordSource) lineOf(field string) int {
	if l, ok := s.lines[field]; ok {
		return l
	}
	// "steps[2]" → "steps"
	if i := strings.IndexByte(field, '['); i > 0 {
		if l, ok := s.lines[field[:i]]; ok {
			return l
		}
	}
	if i := strings.IndexByte(field, '.'); i > 0 {
		return s.lineOf(field[:i])
	}
	return s.line
}

// MaxCatalogSize caps a catalogue read from disk: one file, or a folder's files together.
// The whole national portal (2,642 procedures, dvc-2026.jsonl) is about 20 MB of JSON, so
// this leaves room to grow while a mistake (a log file, /dev/zero) cannot exhaust memory.
const MaxCatalogSize = 64 << 20

// Load is LoadContext without a way to interrupt it; prefer LoadContext.
func Load(p string) (*Catalog, error) { return LoadContext(context.Background(), p) }

// LoadContext reads a catalogue from a YAML (.yaml, .yml) or JSON (.json) file, or from a
// folder of such files (not recursive; files starting with "." or "_" and README files are
// skipped). The catalogue is validated; a broken one is refused with a *ValidationError.
//
// Each file must be a regular file (a FIFO or a device is refused, never waited on), all
// of them together at most MaxCatalogSize. Loading stops with ctx's error when ctx is
// done (SIGTERM during start-up), between chunks, files and records.
func LoadContext(ctx context.Context, p string) (*Catalog, error) {
	files, err := readCatalogFiles(ctx, p)
	if err != nil {
		return nil, err
	}
	// Parsing cannot be interrupted inside a file (a 60 MiB one takes seconds), so it runs
	// apart and a cancelled ctx returns at once. The goroutine needs no wait: it stops at
	// the next file or record once ctx is done (at worst when the file it is parsing is
	// parsed), and its result goes to a buffered channel nobody has to read.
	type result struct {
		cat *Catalog
		err error
	}
	done := make(chan result, 1)
	go func() {
		cat, err := decodeCatalog(ctx, files)
		done <- result{cat, err}
	}()
	select {
	case r := <-done:
		return r.cat, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("load catalogue: %w", ctx.Err())
	}
}

// readCatalogFiles reads the catalogue file p, or the catalogue files of folder p, with
// safefile: regular files only, MaxCatalogSize in all.
func readCatalogFiles(ctx context.Context, p string) ([]catalogFile, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("load catalogue: %w", err)
	}
	names := []string{filepath.Clean(p)}
	if st.IsDir() {
		ents, err := os.ReadDir(p)
		if err != nil {
			return nil, fmt.Errorf("load catalogue: %w", err)
		}
		if names = catalogFiles(ents, p, filepath.Join); len(names) == 0 {
			return nil, fmt.Errorf("load catalogue: no .yaml, .yml or .json files in %s", p)
		}
	}
	files := make([]catalogFile, 0, len(names))
	var total int64
	for _, n := range names {
		data, _, err := safefile.ReadFile(ctx, n, MaxCatalogSize-total)
		if errors.Is(err, safefile.ErrTooLarge) {
			return nil, tooLarge(n)
		}
		if err != nil {
			return nil, fmt.Errorf("load catalogue: %w", err)
		}
		total += int64(len(data))
		files = append(files, catalogFile{name: n, data: data})
	}
	return files, nil
}

// LoadFS is Load over a file system: name is a file or a directory in fsys. label prefixes
// file names in problem reports. Only regular files are read, MaxCatalogSize in all; for
// files on disk prefer LoadContext, which never even opens a FIFO (fs.FS has no way to
// ask for that).
func LoadFS(fsys fs.FS, name, label string) (*Catalog, error) {
	st, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("load catalogue: %w", err)
	}
	names := []string{name}
	if st.IsDir() {
		ents, err := fs.ReadDir(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("load catalogue: %w", err)
		}
		if names = catalogFiles(ents, name, path.Join); len(names) == 0 {
			return nil, fmt.Errorf("load catalogue: no .yaml, .yml or .json files in %s", label)
		}
	}
	files := make([]catalogFile, 0, len(names))
	var total int64
	for _, f := range names {
		disp := f
		if label != "" {
			disp = filepath.Join(label, f)
		}
		st, err := fs.Stat(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("load catalogue: %w", err)
		}
		if !st.Mode().IsRegular() {
			return nil, fmt.Errorf("load catalogue: %s is %s, %w", disp, safefile.Kind(st.Mode()), safefile.ErrNotRegular)
		}
		if total+st.Size() > MaxCatalogSize {
			return nil, tooLarge(disp)
		}
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("load catalogue: %w", err)
		}
		if total += int64(len(data)); total > MaxCatalogSize {
			return nil, tooLarge(disp)
		}
		files = append(files, catalogFile{name: disp, data: data})
	}
	return decodeCatalog(context.Background(), files)
}

func tooLarge(file string) error {
	return fmt.Errorf("load catalogue: %s takes the catalogue over its %s limit (all its files together): %w",
		file, safefile.Size(MaxCatalogSize), safefile.ErrTooLarge)
}

// catalogFile is one catalogue file read into memory; name is as shown in problems.
type catalogFile struct {
	name string
	data []byte
}

// catalogFiles lists, sorted, the catalogue files among a folder's entries: .yaml, .yml
// and .json files, not starting with "." or "_"; join builds their paths under dir.
func catalogFiles(ents []fs.DirEntry, dir string, join func(...string) string) []string {
	var files []string
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_") || !isCatalogFile(n) {
			continue
		}
		files = append(files, join(dir, n))
	}
	sort.Strings(files)
	return files
}

// decodeCatalog decodes and validates the files of one catalogue, every problem reported.
func decodeCatalog(ctx context.Context, files []catalogFile) (*Catalog, error) {
	var srcs []recordSource
	var problems []Problem
	for _, f := range files {
		rs, ps := decodeFile(ctx, f.name, f.data)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("load catalogue: %w", err)
		}
		srcs = append(srcs, rs...)
		problems = append(problems, ps...)
	}
	cat, err := buildCatalog(srcs)
	var ve *ValidationError
	if errors.As(err, &ve) {
		problems = append(problems, ve.Problems...)
	}
	if len(problems) > 0 {
		sort.SliceStable(problems, func(i, j int) bool {
			if problems[i].File != problems[j].File {
				return problems[i].File < problems[j].File
			}
			return problems[i].Line < problems[j].Line
		})
		return nil, &ValidationError{Problems: problems}
	}
	return cat, err
}

func isCatalogFile(n string) bool {
	switch strings.ToLower(path.Ext(n)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// decodeFile decodes one catalogue file: a list of records, or a mapping with a
// "procedures" list. JSON is valid YAML, so both go through yaml.v3 nodes, which give lines.
// It stops early, with what it has, when ctx is done; the caller checks ctx.
func decodeFile(ctx context.Context, file string, data []byte) ([]recordSource, []Problem) {
	if !utf8.Valid(data) {
		return nil, []Problem{{File: file, Msg: "file is not valid UTF-8"}}
	}
	if strings.EqualFold(path.Ext(file), ".json") {
		// Reject JSON syntax errors with JSON's own message (yaml accepts more). Valid
		// first: it allocates nothing, and Unmarshal is only there for the message.
		if !json.Valid(data) {
			var v any
			err := json.Unmarshal(data, &v)
			return nil, []Problem{{File: file, Msg: fmt.Sprintf("invalid JSON: %v", err)}}
		}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, []Problem{{File: file, Msg: "cannot parse: " + err.Error()}}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.MappingNode {
		var list *yaml.Node
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value == "procedures" {
				list = root.Content[i+1]
			}
		}
		if list == nil {
			return nil, []Problem{{File: file, Line: root.Line, Msg: `expected a list of procedures or a mapping with a "procedures" list`}}
		}
		root = list
	}
	if root.Kind != yaml.SequenceNode {
		return nil, []Problem{{File: file, Line: root.Line, Msg: "expected a list of procedures"}}
	}
	var out []recordSource
	var problems []Problem
	for i, n := range root.Content {
		if ctx.Err() != nil {
			break
		}
		var r Record
		if err := n.Decode(&r); err != nil {
			problems = append(problems, Problem{File: file, Line: n.Line, Field: fmt.Sprintf("[%d]", i), Msg: "cannot decode record: " + err.Error()})
			continue
		}
		src := recordSource{rec: &r, file: file, line: n.Line, lines: map[string]int{}}
		if n.Kind == yaml.MappingNode {
			known := recordFields()
			for j := 0; j+1 < len(n.Content); j += 2 {
				k, v := n.Content[j], n.Content[j+1]
				src.lines[k.Value] = v.Line
				if !known[k.Value] {
					problems = append(problems, Problem{File: file, Line: k.Line, Code: r.Code, Field: k.Value, Msg: "unknown field"})
				}
				if v.Kind == yaml.SequenceNode {
					for e, item := range v.Content {
						src.lines[fmt.Sprintf("%s[%d]", k.Value, e)] = item.Line
						if item.Kind == yaml.MappingNode {
							for m := 0; m+1 < len(item.Content); m += 2 {
								src.lines[fmt.Sprintf("%s[%d].%s", k.Value, e, item.Content[m].Value)] = item.Content[m+1].Line
							}
						}
					}
				}
			}
		}
		out = append(out, src)
	}
	return out, problems
}

var (
	recordFieldsOnce sync.Once
	recordFieldSet   map[string]bool
)

// recordFields is the set of YAML keys of Record.
func recordFields() map[string]bool {
	recordFieldsOnce.Do(func() {
		recordFieldSet = map[string]bool{}
		b, _ := yaml.Marshal(&Record{Code: "x", ShortCode: "x", Name: "x", Aliases: []string{"x"}, Keywords: []string{"x"},
			Field: "x", Levels: []string{"x"}, Agency: "x", Where: "x", Applicants: "x", Steps: []string{"x"},
			Channels: []Channel{{Kind: "x"}}, Documents: []Document{{Name: "x"}}, Conditions: []string{"x"},
			Results: []string{"x"}, LegalBasis: []string{"x"}, Related: []string{"x"}, PortalURL: "x", OnlineURL: "x",
			LastVerified: "x", Tags: []string{"x"}, Decision: "x"})
		var m map[string]any
		_ = yaml.Unmarshal(b, &m)
		for k := range m {
			recordFieldSet[k] = true
		}
	})
	return recordFieldSet
}

// buildCatalog validates and indexes records; every problem is reported.
func buildCatalog(srcs []recordSource) (*Catalog, error) {
	var problems []Problem
	add := func(s recordSource, field, msg string, args ...any) {
		problems = append(problems, Problem{File: s.file, Line: s.lineOf(field), Code: s.rec.Code, Field: field, Msg: fmt.Sprintf(msg, args...)})
	}
	c := &Catalog{byCode: map[string]*Record{}, byShort: map[string]*Record{}}
	firstCode := map[string]recordSource{}
	firstShort := map[string]recordSource{}
	for _, s := range srcs {
		r := s.rec
		validateRecord(r, func(field, msg string, args ...any) { add(s, field, msg, args...) })
		if r.Code != "" {
			if prev, dup := firstCode[r.Code]; dup {
				add(s, "code", "duplicate code %q (first at %s:%d)", r.Code, prev.file, prev.line)
			} else {
				firstCode[r.Code] = s
			}
		}
		if r.ShortCode != "" {
			k := strings.ToLower(r.ShortCode)
			if prev, dup := firstShort[k]; dup {
				add(s, "short_code", "duplicate short code %q (first used by %s at %s:%d)", r.ShortCode, prev.rec.Code, prev.file, prev.line)
			} else {
				firstShort[k] = s
			}
		}
	}
	if len(problems) > 0 {
		return nil, &ValidationError{Problems: problems}
	}
	if len(srcs) == 0 {
		return nil, &ValidationError{Problems: []Problem{{Msg: "catalogue has no procedures"}}}
	}
	for _, s := range srcs {
		c.records = append(c.records, s.rec)
		c.byCode[s.rec.Code] = s.rec
		if s.rec.ShortCode != "" {
			c.byShort[strings.ToLower(s.rec.ShortCode)] = s.rec
		}
	}
	sort.Slice(c.records, func(i, j int) bool { return c.records[i].Code < c.records[j].Code })
	c.version = catalogVersion(c.records)
	return c, nil
}

func catalogVersion(recs []*Record) string {
	h := sha256.New()
	newest := ""
	enc := json.NewEncoder(h)
	for _, r := range recs {
		_ = enc.Encode(r)
		if r.LastVerified > newest {
			newest = r.LastVerified
		}
	}
	v := hex.EncodeToString(h.Sum(nil))[:12]
	if newest != "" {
		v += "-" + newest
	}
	return v
}

// Codes and short codes travel in URLs (/q/{account}/{code}, /qr/{account}/{code}.png) and
// in chat ("#12"), so they keep to characters that need no escaping and cannot be read as
// a path: letters, digits, '.', '-' and '_', starting with a letter or digit (no "..").
// Real codes look like "1.004222" (national) or "1.004222.H19" (a local suffix).
const (
	MaxCodeLen      = 40
	MaxShortCodeLen = 12
	codeChars       = "letters, digits, '.', '-' and '_' only, starting with a letter or digit"
)

var codeRE = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z._-]*$`)

var validLevels = map[string]bool{"Cấp bộ": true, "Cấp tỉnh": true, "Cấp xã": true, "Cơ quan khác": true}

// validateRecord reports every problem of one record through bad(field, msg, args).
func validateRecord(r *Record, bad func(field, msg string, args ...any)) {
	checkText := func(field, s string, max int, required bool) {
		if strings.TrimSpace(s) == "" {
			if required {
				bad(field, "missing")
			}
			return
		}
		if !utf8.ValidString(s) {
			bad(field, "not valid UTF-8")
			return
		}
		if n := utf8.RuneCountInString(s); n > max {
			bad(field, "too long for a card: %d characters (max %d)", n, max)
		}
	}
	checkURL := func(field, s string) {
		if s == "" {
			return
		}
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(s, " \t\n") {
			bad(field, "bad URL %q (want an absolute http(s) URL)", s)
		}
	}
	if strings.TrimSpace(r.Code) == "" {
		bad("code", "missing")
	} else if !codeRE.MatchString(r.Code) || len(r.Code) > MaxCodeLen {
		bad("code", "bad code %q (%s, at most %d characters)", r.Code, codeChars, MaxCodeLen)
	}
	if r.ShortCode != "" && (!codeRE.MatchString(r.ShortCode) || len(r.ShortCode) > MaxShortCodeLen) {
		bad("short_code", "bad short code %q (%s, at most %d characters)", r.ShortCode, codeChars, MaxShortCodeLen)
	}
	checkText("name", r.Name, MaxNameRunes, true)
	if strings.ContainsAny(r.Name, "\n\r") {
		bad("name", "contains a line break")
	}
	for i, a := range r.Aliases {
		checkText(fmt.Sprintf("aliases[%d]", i), a, MaxAliasRunes, true)
	}
	for i, a := range r.Keywords {
		checkText(fmt.Sprintf("keywords[%d]", i), a, MaxAliasRunes, true)
	}
	checkText("field", r.Field, MaxAliasRunes, false)
	for i, l := range r.Levels {
		if !validLevels[l] {
			bad(fmt.Sprintf("levels[%d]", i), "unknown level %q (want Cấp bộ, Cấp tỉnh, Cấp xã or Cơ quan khác)", l)
		}
	}
	checkText("agency", r.Agency, MaxShortText, false)
	checkText("where", r.Where, MaxShortText, false)
	checkText("applicants", r.Applicants, MaxShortText, false)
	if len(r.Steps) == 0 {
		bad("steps", "missing (at least one step)")
	}
	for i, s := range r.Steps {
		checkText(fmt.Sprintf("steps[%d]", i), s, MaxStepRunes, true)
	}
	for i, ch := range r.Channels {
		f := fmt.Sprintf("channels[%d]", i)
		switch ch.Kind {
		case ChannelDirect, ChannelOnline, ChannelPost:
		default:
			bad(f+".kind", "bad channel kind %q (want direct, online or post)", ch.Kind)
		}
		checkText(f+".time", ch.Time, MaxAliasRunes, false)
		checkText(f+".fee", ch.Fee, MaxShortText, false)
		checkText(f+".note", ch.Note, MaxShortText, false)
	}
	for i, d := range r.Documents {
		f := fmt.Sprintf("documents[%d]", i)
		checkText(f+".name", d.Name, MaxDocumentRunes, true)
		checkText(f+".form", d.Form, MaxAliasRunes, false)
		checkURL(f+".form_url", d.FormURL)
		if d.Originals < 0 || d.Copies < 0 || d.Originals > 100 || d.Copies > 100 {
			bad(f, "bad number of originals/copies (%d/%d)", d.Originals, d.Copies)
		}
		checkText(f+".case", d.Case, MaxShortText, false)
	}
	for i, s := range r.Conditions {
		checkText(fmt.Sprintf("conditions[%d]", i), s, MaxShortText, true)
	}
	for i, s := range r.Results {
		checkText(fmt.Sprintf("results[%d]", i), s, MaxShortText, true)
	}
	for i, s := range r.LegalBasis {
		checkText(fmt.Sprintf("legal_basis[%d]", i), s, MaxShortText, true)
	}
	for i, s := range r.Related {
		if strings.TrimSpace(s) == "" || strings.ContainsAny(s, " \t\n") {
			bad(fmt.Sprintf("related[%d]", i), "bad code %q", s)
		}
	}
	checkURL("portal_url", r.PortalURL)
	checkURL("online_url", r.OnlineURL)
	if r.LastVerified != "" {
		if _, err := time.Parse("2006-01-02", r.LastVerified); err != nil {
			bad("last_verified", "bad date %q (want YYYY-MM-DD)", r.LastVerified)
		}
	}
	for i, t := range r.Tags {
		if strings.TrimSpace(t) == "" || strings.ContainsAny(t, " \t\n") {
			bad(fmt.Sprintf("tags[%d]", i), "bad tag %q (one word)", t)
		}
	}
	checkText("decision", r.Decision, MaxAliasRunes, false)
}

// Holder keeps the current catalogue and its search index and swaps both on Reload. A
// failed reload keeps the previous catalogue. Safe for concurrent use.
type Holder struct {
	mu   sync.RWMutex
	cat  *Catalog
	idx  *Index
	opts Options
	load func() (*Catalog, error)
}

// NewHolder loads the first catalogue with load (e.g. func() { return Load(path) }) and
// indexes it. The same function is used by Reload.
func NewHolder(load func() (*Catalog, error), opts Options) (*Holder, error) {
	h := &Holder{load: load, opts: opts}
	if err := h.Reload(); err != nil {
		return nil, err
	}
	return h, nil
}

// Reload loads and indexes a new catalogue; on error the previous one stays in place and
// the error (often a *ValidationError) is returned.
func (h *Holder) Reload() error {
	c, err := h.load()
	if err != nil {
		return err
	}
	h.Set(c)
	return nil
}

// Set indexes c and serves it from now on (a published catalogue version). The index is
// built before the swap, so searches never wait for it.
func (h *Holder) Set(c *Catalog) {
	idx := NewIndex(c, h.opts)
	h.mu.Lock()
	h.cat, h.idx = c, idx
	h.mu.Unlock()
}

// Catalog returns the current catalogue.
func (h *Holder) Catalog() *Catalog {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.cat
}

// Index returns the current index.
func (h *Holder) Index() *Index {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.idx
}
