package catalog_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"testing"

	"github.com/oabot/oabot/bot/catalog"
	"github.com/oabot/oabot/bot/redisstore"
	"github.com/oabot/oabot/bot/redisstore/redistest"
	"github.com/oabot/oabot/procedures"
)

const nationalPath = "../../../shared/data/dvc-2026.jsonl.gz"

// national is the whole national catalogue (2,642 records), or a skip.
func national(b *testing.B) *procedures.Catalog {
	f, err := os.Open(nationalPath)
	if err != nil {
		b.Skipf("national catalogue not available (%v): see ../shared/data/README.md", err)
	}
	defer f.Close()
	recs, _, err := procedures.ImportDVC(f)
	if err != nil {
		b.Fatal(err)
	}
	c, err := procedures.NewCatalog(recs)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkPublishNationalVersion publishes a version that changes every one of the 2,642
// national records on replica A and measures until replica B serves it (its catalogue and
// search index swapped), over Redis. Beside it, as the baseline of the same run, indexing
// the same catalogue alone (procedures.Holder.Set), which any reload pays. The publishing
// replica rebuilds its own index before B does (on one machine they run one after the
// other; real replicas rebuild side by side). Reported: the
// version's JSON in Redis and the heap B keeps for the first version it applies (its records, decoded from Redis).
func BenchmarkPublishNationalVersion(b *testing.B) {
	seed := national(b)
	ctx := context.Background()
	b.Run("index-only", func(b *testing.B) {
		h, err := procedures.NewHolder(func() (*procedures.Catalog, error) { return seed, nil }, procedures.Options{})
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			h.Set(seed)
		}
	})
	b.Run("publish-to-replica", func(b *testing.B) {
		rdb, prefix := redistest.New(b)
		store, err := redisstore.NewCatalog(rdb, prefix)
		if err != nil {
			b.Fatal(err)
		}
		replica := func() *catalog.Library {
			h, err := procedures.NewHolder(func() (*procedures.Catalog, error) { return seed, nil }, procedures.Options{})
			if err != nil {
				b.Fatal(err)
			}
			l, err := catalog.NewLibrary(ctx, catalog.Options{Store: store, Holder: h})
			if err != nil {
				b.Fatal(err)
			}
			return l
		}
		a, r := replica(), replica()
		var heapPerVersion, redisBytes float64
		b.ResetTimer()
		for i := 1; i <= b.N; i++ {
			b.StopTimer()
			cs := make([]catalog.Change, 0, seed.Len())
			for _, rec := range seed.All() {
				c := *rec
				c.Where = fmt.Sprintf("%s (bản %d)", rec.Where, i)
				cs = append(cs, catalog.Change{Code: c.Code, Record: &c})
			}
			b.StartTimer()
			if _, err := a.Publish(ctx, "bench", "", a.Head(), cs); err != nil {
				b.Fatal(err)
			}
			var before runtime.MemStats
			if i == 1 {
				b.StopTimer()
				runtime.GC()
				runtime.ReadMemStats(&before)
				b.StartTimer()
			}
			if err := r.Refresh(ctx); err != nil || r.Head() != a.Head() {
				b.Fatalf("replica at %d, want %d: %v", r.Head(), a.Head(), err)
			}
			if i == 1 {
				b.StopTimer()
				var after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&after)
				heapPerVersion = float64(after.HeapAlloc) - float64(before.HeapAlloc)
				runtime.KeepAlive(cs) // live on both sides: B's share only
				n, err := rdb.HStrLen(ctx, prefix+"{cat}:v", "1").Result()
				if err != nil {
					b.Fatal(err)
				}
				redisBytes = float64(n)
				b.StartTimer()
			}
		}
		b.ReportMetric(heapPerVersion/1e6, "heapMB/version")
		b.ReportMetric(redisBytes/1e6, "redisMB/version")
	})
}
