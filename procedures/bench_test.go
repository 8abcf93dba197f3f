package procedures

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	realOnce sync.Once
	realCat  *Catalog
	realErr  error

	seededOnce sync.Once
	seededIx   *Index
	seededX    AccountExamples
	seededErr  error
)

// nationalSeeded is the national catalogue's index with the shipped seed examples, as the
// bot searches it; skipped with -short (it imports 2,642 records). It is built once per
// test binary (training the classifier takes seconds) and shared: an Index and its
// examples are read-only once built, as the bot shares them across goroutines.
func nationalSeeded(t *testing.T) (*Index, AccountExamples) {
	t.Helper()
	if testing.Short() {
		t.Skip("imports 2,642 records; skipped with -short")
	}
	cat := realCatalog(t)
	seededOnce.Do(func() {
		seed, err := SeedExamples()
		if err != nil {
			seededErr = err
			return
		}
		seededIx = NewIndex(cat, Options{})
		seededX = seededIx.NewExamples(seed).For("")
	})
	if seededErr != nil {
		t.Fatal(seededErr)
	}
	return seededIx, seededX
}

// realCatalog imports the shared portal crawl once per test binary.
func realCatalog(tb testing.TB) *Catalog {
	tb.Helper()
	skipNationalUnderRace(tb)
	realOnce.Do(func() {
		f, err := os.Open(realDataPath)
		if err != nil {
			realErr = err
			return
		}
		defer f.Close()
		recs, _, err := ImportDVC(f)
		if err != nil {
			realErr = err
			return
		}
		realCat, realErr = NewCatalog(recs)
	})
	if realErr != nil {
		if os.IsNotExist(realErr) {
			tb.Skipf("real data not present (%s): %v", realDataPath, realErr)
		}
		tb.Fatal(realErr)
	}
	return realCat
}

// benchQueries is every labelled query we have (dev, extra, holdout).
func benchQueries(tb testing.TB) []string {
	tb.Helper()
	var out []string
	for _, p := range []string{"../../shared/eval/queries-dev.jsonl", "testdata/queries-extra.jsonl", "testdata/queries-holdout.jsonl"} {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		qs, err := ReadEvalQueries(f)
		f.Close()
		if err != nil {
			tb.Fatal(err)
		}
		for _, q := range qs {
			out = append(out, q.Query)
		}
	}
	if len(out) == 0 {
		tb.Skip("no queries")
	}
	return out
}

// replicate grows a catalogue to n records: copies of the real records with new codes
// and names that differ by an appended place and number.
func replicate(c *Catalog, n int) *Catalog {
	places := []string{"Hà Nội", "Huế", "Đà Nẵng", "Cần Thơ", "Hải Phòng", "Nghệ An", "Lào Cai", "Cà Mau"}
	src := c.All()
	recs := make([]*Record, 0, n)
	for i := 0; len(recs) < n; i++ {
		r := *src[i%len(src)]
		k := i / len(src)
		if k > 0 {
			r.Code = fmt.Sprintf("%s.R%d", r.Code, k)
			r.ShortCode = ""
			r.Name = fmt.Sprintf("%s tại %s đợt %d", r.Name, places[k%len(places)], k)
			if len([]rune(r.Name)) > MaxNameRunes {
				r.Name = string([]rune(r.Name)[:MaxNameRunes])
			}
		}
		recs = append(recs, &r)
	}
	cat, err := NewCatalog(recs)
	if err != nil {
		panic(err)
	}
	return cat
}

// naiveIndex is the baseline: a substring scan over folded names, scoring the number of
// query words each name contains.
type naiveIndex struct {
	names []string
	recs  []*Record
}

func newNaive(c *Catalog) *naiveIndex {
	n := &naiveIndex{}
	for _, r := range c.All() {
		n.names = append(n.names, " "+Fold(r.Name)+" ")
		n.recs = append(n.recs, r)
	}
	return n
}

func (n *naiveIndex) search(q string) *Record {
	words := strings.Fields(Fold(q))
	best, bestN := -1, 0
	for i, name := range n.names {
		c := 0
		for _, w := range words {
			if strings.Contains(name, " "+w+" ") {
				c++
			}
		}
		if c > bestN {
			best, bestN = i, c
		}
	}
	if best < 0 {
		return nil
	}
	return n.recs[best]
}

func heapMB() float64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

func benchBuild(b *testing.B, c *Catalog) {
	syn := DefaultSynonyms()
	before := heapMB()
	var keep *Index
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		keep = NewIndex(c, Options{Synonyms: syn})
	}
	b.StopTimer()
	b.ReportMetric(heapMB()-before, "heap-MB")
	runtime.KeepAlive(keep)
}

func benchSearch(b *testing.B, c *Catalog) {
	ix := NewIndex(c, Options{})
	qs := benchQueries(b)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := time.Now()
		ix.Search(qs[i%len(qs)], 5)
		lat = append(lat, time.Since(t))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

func BenchmarkBuild(b *testing.B)        { benchBuild(b, realCatalog(b)) }
func BenchmarkBuild20k(b *testing.B)     { benchBuild(b, replicate(realCatalog(b), 20000)) }
func BenchmarkSearch(b *testing.B)       { benchSearch(b, realCatalog(b)) }
func BenchmarkSearch20k(b *testing.B)    { benchSearch(b, replicate(realCatalog(b), 20000)) }
func BenchmarkNaiveScan(b *testing.B)    { benchNaive(b, realCatalog(b)) }
func BenchmarkNaiveScan20k(b *testing.B) { benchNaive(b, replicate(realCatalog(b), 20000)) }

func benchNaive(b *testing.B, c *Catalog) {
	n := newNaive(c)
	qs := benchQueries(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n.search(qs[i%len(qs)])
	}
}

// BenchmarkSearchParallel checks that concurrent searches scale (the index is shared).
func BenchmarkSearchParallel(b *testing.B) {
	ix := NewIndex(realCatalog(b), Options{})
	qs := benchQueries(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			ix.Search(qs[i%len(qs)], 5)
			i++
		}
	})
}

// examples10k is the seed examples plus copies owned by accounts, about 10,000 in all
// (issue 16: the search's speed with 10,000 examples loaded).
func examples10k(tb testing.TB) []Example {
	tb.Helper()
	seed, err := SeedExamples()
	if err != nil {
		tb.Fatal(err)
	}
	out := append([]Example(nil), seed...)
	for a := 1; len(out) < 10000; a++ {
		for _, e := range seed {
			if len(out) == 10000 {
				break
			}
			e.ID, e.Account = fmt.Sprintf("%s-a%d", e.ID, a), fmt.Sprintf("acc-%d", a)
			out = append(out, e)
		}
	}
	return out
}

// BenchmarkSearchExamples10k is BenchmarkSearch with 10,000 examples loaded, searching as
// one account (its examples and the shared ones); compare with BenchmarkSearch in the
// same run.
func BenchmarkSearchExamples10k(b *testing.B) {
	ix := NewIndex(realCatalog(b), Options{})
	benchSearchWith(b, ix, ix.NewExamples(examples10k(b)).For("acc-1"))
}

// BenchmarkSearchBuiltinSeeds is the demo's search: the built-in catalogue with the seed
// examples, whose national ones the catalogue lacks make the index of lacked procedures
// (lacked.go) that an unsure answer is checked against.
func BenchmarkSearchBuiltinSeeds(b *testing.B) {
	c, err := Builtin()
	if err != nil {
		b.Fatal(err)
	}
	ix := NewIndex(c, Options{})
	seed, err := SeedExamples()
	if err != nil {
		b.Fatal(err)
	}
	benchSearchWith(b, ix, ix.NewExamples(seed).For(""))
}

// benchSearchWith times SearchWith over the benchmark queries, reporting p50 and p99.
func benchSearchWith(b *testing.B, ix *Index, x AccountExamples) {
	qs := benchQueries(b)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := time.Now()
		ix.SearchWith(qs[i%len(qs)], 5, x)
		lat = append(lat, time.Since(t))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkBuildExamples10k is the time and memory to index 10,000 examples (a replica
// rebuilds on every change an officer makes anywhere).
func BenchmarkBuildExamples10k(b *testing.B) {
	ix := NewIndex(realCatalog(b), Options{})
	benchBuildExamples(b, ix, examples10k(b))
}

// BenchmarkBuildBuiltinSeeds is the demo's rebuild after an officer's change: the seed
// examples over the built-in catalogue, with the index of the national procedures it lacks.
func BenchmarkBuildBuiltinSeeds(b *testing.B) {
	c, err := Builtin()
	if err != nil {
		b.Fatal(err)
	}
	seed, err := SeedExamples()
	if err != nil {
		b.Fatal(err)
	}
	benchBuildExamples(b, NewIndex(c, Options{}), seed)
}

func benchBuildExamples(b *testing.B, ix *Index, exs []Example) {
	before := heapMB()
	var keep *Examples
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		keep = ix.NewExamples(exs)
	}
	b.StopTimer()
	b.ReportMetric(heapMB()-before, "heap-MB")
	runtime.KeepAlive(keep)
}
