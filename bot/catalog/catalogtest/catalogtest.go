// Package catalogtest is the behavioural contract of catalog.Store, run against the Redis
// store and the in-memory one, together with the Library behaviour that depends on it:
// two replicas over one store, conflicts, rollback.
package catalogtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/oabot/oabot/bot/catalog"
	"github.com/oabot/oabot/procedures"
)

// Run checks the store newStore returns (a fresh, empty one per call).
func Run(t *testing.T, newStore func(t *testing.T) catalog.Store) {
	ctx := context.Background()
	rec := func(code, fee string) *procedures.Record {
		return &procedures.Record{Code: code, Name: "Thủ tục " + code, Steps: []string{"Nộp hồ sơ"},
			Channels: []procedures.Channel{{Kind: procedures.ChannelDirect, Fee: fee}}}
	}
	version := func(codes ...string) catalog.Version {
		v := catalog.Version{Author: "lan", At: time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC), Note: "phí mới"}
		for _, c := range codes {
			v.Changes = append(v.Changes, catalog.Change{Code: c, Record: rec(c, "10.000 đồng")})
		}
		return v
	}
	t.Run("PublishHeadSince", func(t *testing.T) {
		s := newStore(t)
		if h, err := s.Head(ctx); err != nil || h != 0 {
			t.Fatalf("Head of an empty store = %d, %v", h, err)
		}
		v1, err := s.Publish(ctx, 0, version("1.1", "1.2"))
		if err != nil || v1.N != 1 || v1.Base != 0 {
			t.Fatalf("Publish = %+v, %v; want version 1", v1, err)
		}
		removed := catalog.Version{Author: "minh", At: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC),
			Changes: []catalog.Change{{Code: "1.1", Removed: true}, {Code: "1.3"}}}
		if v2, err := s.Publish(ctx, 1, removed); err != nil || v2.N != 2 {
			t.Fatalf("Publish = %+v, %v; want version 2", v2, err)
		}
		if h, _ := s.Head(ctx); h != 2 {
			t.Fatalf("Head = %d, want 2", h)
		}
		all, err := s.Since(ctx, 0)
		if err != nil || len(all) != 2 || all[0].N != 1 || all[1].N != 2 {
			t.Fatalf("Since(0) = %+v, %v", all, err)
		}
		got := all[0]
		if got.Author != "lan" || got.Note != "phí mới" || !got.At.Equal(v1.At) || len(got.Changes) != 2 ||
			got.Changes[1].Record == nil || got.Changes[1].Record.Channels[0].Fee != "10.000 đồng" {
			t.Errorf("version 1 read back as %+v", got)
		}
		if c := all[1].Changes; !c[0].Removed || c[1].Record != nil || c[1].Removed || all[1].Base != 1 {
			t.Errorf("version 2 read back as %+v", all[1])
		}
		if later, err := s.Since(ctx, 1); err != nil || len(later) != 1 || later[0].N != 2 {
			t.Errorf("Since(1) = %+v, %v", later, err)
		}
		if none, err := s.Since(ctx, 2); err != nil || len(none) != 0 {
			t.Errorf("Since(head) = %+v, %v", none, err)
		}
	})
	t.Run("ConflictOnSameRecordOnly", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Publish(ctx, 0, version("1.1")); err != nil {
			t.Fatal(err)
		}
		// Another officer started from the seed too: a different record is fine…
		if v, err := s.Publish(ctx, 0, version("1.2")); err != nil || v.N != 2 {
			t.Fatalf("Publish of another record = %+v, %v", v, err)
		}
		// …the same record is refused, naming the version that changed it.
		_, err := s.Publish(ctx, 0, version("1.3", "1.1"))
		var ce *catalog.ConflictError
		if !errors.As(err, &ce) || ce.Code != "1.1" || ce.Version != 1 {
			t.Fatalf("Publish over a newer change = %v, want a conflict on 1.1 by version 1", err)
		}
		if h, _ := s.Head(ctx); h != 2 {
			t.Errorf("a refused publish stored something: head %d", h)
		}
		// Started from version 1, it goes through.
		if v, err := s.Publish(ctx, 1, version("1.3", "1.1")); err != nil || v.N != 3 {
			t.Fatalf("Publish from the newer base = %+v, %v", v, err)
		}
		if _, err := s.Publish(ctx, 7, version("1.4")); !errors.As(err, &ce) {
			t.Errorf("Publish from a base that does not exist = %v, want a conflict", err)
		}
	})
	t.Run("ConcurrentPublishers", func(t *testing.T) {
		s := newStore(t)
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		nums := make([]int64, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Every writer touches "shared"; only one may win it.
				v, err := s.Publish(ctx, 0, version(fmt.Sprintf("2.%d", i), "shared"))
				errs[i], nums[i] = err, v.N
			}()
		}
		wg.Wait()
		won := 0
		for i, err := range errs {
			var ce *catalog.ConflictError
			switch {
			case err == nil:
				won++
				if nums[i] != 1 {
					t.Errorf("the winner got number %d, want 1", nums[i])
				}
			case !errors.As(err, &ce):
				t.Errorf("writer %d: %v", i, err)
			}
		}
		if won != 1 {
			t.Fatalf("%d writers won the same record, want exactly 1", won)
		}
	})
	t.Run("Library", func(t *testing.T) { runLibrary(t, newStore(t)) })
	t.Run("Overrides", func(t *testing.T) { runOverrides(t, newStore(t)) })
}

// replica is one replica's library over s, seeded with the built-in catalogue.
func replica(t *testing.T, s catalog.Store) (*catalog.Library, *procedures.Holder) {
	t.Helper()
	h, err := procedures.NewHolder(procedures.Builtin, procedures.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := catalog.NewLibrary(context.Background(), catalog.Options{Store: s, Holder: h})
	if err != nil {
		t.Fatal(err)
	}
	return l, h
}

// runLibrary runs two replicas' libraries over one store.
func runLibrary(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	a, ha := replica(t, s)
	b, hb := replica(t, s)
	seed, ok := a.Seed().ByCode("1.004222")
	if !ok {
		t.Fatal("the built-in catalogue has no 1.004222")
	}
	edited := *seed
	edited.Where = "Công an phường Mẫu, số 1 Đường Thử"
	v, err := a.Publish(ctx, "lan", "địa chỉ mới", a.Head(), []catalog.Change{{Code: edited.Code, Record: &edited}})
	if err != nil || v.N != 1 {
		t.Fatalf("Publish = %+v, %v", v, err)
	}
	if r, _ := ha.Catalog().ByCode("1.004222"); r.Where != edited.Where {
		t.Fatal("the publishing replica does not serve its own version")
	}
	if r, _ := ha.Index().Catalog().ByCode("1.004222"); r.Where != edited.Where {
		t.Fatal("the search index was not rebuilt over the new version")
	}
	if r, _ := hb.Catalog().ByCode("1.004222"); r.Where == edited.Where {
		t.Fatal("the other replica changed before it refreshed")
	}
	if err := b.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if r, _ := hb.Catalog().ByCode("1.004222"); r.Where != edited.Where || b.Head() != 1 {
		t.Fatal("the other replica does not serve the published version after a refresh")
	}
	d, err := b.Diff(1)
	if err != nil || len(d["1.004222"]) != 1 || d["1.004222"][0].Field != "where" || d["1.004222"][0].Old != seed.Where {
		t.Fatalf("Diff(1) = %v, %v; want the where field, old and new", d, err)
	}

	// A second officer on replica b started from the seed: refused, the first edit kept.
	other := *seed
	other.Applicants = "Công dân Việt Nam"
	_, err = b.Publish(ctx, "minh", "", 0, []catalog.Change{{Code: other.Code, Record: &other}})
	var ce *catalog.ConflictError
	if !errors.As(err, &ce) || ce.Version != 1 {
		t.Fatalf("concurrent edit = %v, want a conflict with version 1", err)
	}

	publishOne := func(r *procedures.Record) error {
		_, err := a.Publish(ctx, "lan", "", a.Head(), []catalog.Change{{Code: r.Code, Record: r}})
		return err
	}
	// A broken edit is refused with its field path, nothing published.
	broken := *seed
	broken.Steps = nil
	err = publishOne(&broken)
	var ve *procedures.ValidationError
	if !errors.As(err, &ve) || ve.Problems[0].Field != "steps" || ve.Problems[0].Code != "1.004222" {
		t.Fatalf("broken edit = %v, want a problem at 1.004222 steps", err)
	}
	// A duplicate short code names the field too.
	dup := *seed
	dup.ShortCode = "12"
	if err := publishOne(&dup); !errors.As(err, &ve) || ve.Problems[0].Field != "short_code" {
		t.Fatalf("duplicate short code = %v, want a problem at short_code", err)
	}
	if a.Head() != 1 {
		t.Fatalf("a refused edit was published: head %d", a.Head())
	}

	// Remove a record, then roll back to the seed: both records as shipped.
	if _, err := a.Publish(ctx, "lan", "", 1, []catalog.Change{{Code: "1.002755", Removed: true}}); err != nil {
		t.Fatal(err)
	}
	if _, ok := ha.Catalog().ByCode("1.002755"); ok {
		t.Fatal("a removed record is still served")
	}
	rb, err := a.Rollback(ctx, "lan", 0, a.Head())
	if err != nil || rb.Restores != 0 || len(rb.Changes) != 2 {
		t.Fatalf("Rollback = %+v, %v", rb, err)
	}
	if err := b.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	for _, h := range []*procedures.Holder{ha, hb} {
		r, ok := h.Catalog().ByCode("1.004222")
		if _, back := h.Catalog().ByCode("1.002755"); !ok || len(procedures.DiffRecords(r, seed)) > 0 || !back {
			t.Fatal("after a rollback to the seed a replica does not serve the seed's records")
		}
	}
	if vs := b.Versions(); len(vs) != 3 || vs[0].N != 3 || vs[2].N != 1 {
		t.Fatalf("history = %+v, want 3 versions newest first (a rollback adds one)", vs)
	}
	// Roll forward again to version 1: the edit comes back, the removal does not.
	if _, err := b.Rollback(ctx, "minh", 1, b.Head()); err != nil {
		t.Fatal(err)
	}
	if r, _ := hb.Catalog().ByCode("1.004222"); r.Where != edited.Where {
		t.Fatal("rollback to version 1 did not bring its edit back")
	}
	if _, ok := hb.Catalog().ByCode("1.002755"); !ok {
		t.Fatal("rollback to version 1 removed a record removed only later")
	}
}

// runOverrides: an account's own fee and address over the shared record, on two replicas.
func runOverrides(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	a, _ := replica(t, s)
	b, _ := replica(t, s)
	seed, _ := a.Seed().ByCode("1.001193")
	ov := *seed
	ov.Where = "Bộ phận một cửa UBND phường Mẫu"
	ov.Channels = append([]procedures.Channel(nil), seed.Channels...)
	ov.Channels[0].Fee = "8.000 đồng (Nghị quyết HĐND tỉnh)"
	if _, err := a.Publish(ctx, "lan", "phí của tỉnh", 0, []catalog.Change{{Account: "ward", Code: ov.Code, Record: &ov}}); err != nil {
		t.Fatal(err)
	}
	if err := b.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	shared, _ := b.Catalog().ByCode("1.001193")
	got := b.Local("ward", shared)
	if got.Where != ov.Where || got.Channels[0].Fee != ov.Channels[0].Fee {
		t.Fatalf("the ward's override is not applied on the other replica: %+v", got)
	}
	if other := b.Local("police", shared); other.Where != seed.Where {
		t.Fatal("another account got the ward's override")
	}
	if shared.Where != seed.Where {
		t.Fatal("an override changed the shared record")
	}
	// The shared record edited meanwhile (a different key: no conflict); the override
	// still applies over the new steps.
	sh := *seed
	sh.Steps = append([]string{"Đặt lịch hẹn trên VNeID"}, seed.Steps...)
	if _, err := b.Publish(ctx, "admin", "", 0, []catalog.Change{{Code: sh.Code, Record: &sh}}); err != nil {
		t.Fatalf("a shared edit beside an override: %v", err)
	}
	if err := a.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	shared, _ = a.Catalog().ByCode("1.001193")
	if a.Local("ward", shared).Steps[0] != "Đặt lịch hẹn trên VNeID" || a.Local("ward", shared).Where != ov.Where {
		t.Fatal("the override hides the shared record's new steps, or was lost")
	}
	// An override may not change the shared record's facts.
	bad := ov
	bad.Name = "Khai sinh (phường Mẫu)"
	_, err := a.Publish(ctx, "lan", "", a.Head(), []catalog.Change{{Account: "ward", Code: bad.Code, Record: &bad}})
	var ve *procedures.ValidationError
	if !errors.As(err, &ve) || ve.Problems[0].Field != "name" {
		t.Fatalf("an override of the name = %v, want a problem at name", err)
	}
	d, err := a.Diff(1)
	if err != nil || len(d["ward/1.001193"]) != 2 {
		t.Errorf("Diff of the override = %v, %v; want where and the fee", d, err)
	}
	// Roll back to before the override: the ward reads the shared record again, the
	// shared edit of version 2 is undone too.
	if _, err := a.Rollback(ctx, "lan", 0, a.Head()); err != nil {
		t.Fatal(err)
	}
	shared, _ = a.Catalog().ByCode("1.001193")
	if a.Override("ward", "1.001193") != nil || a.Local("ward", shared).Where != seed.Where || shared.Steps[0] == "Đặt lịch hẹn trên VNeID" {
		t.Fatal("a rollback to the seed kept the override or the shared edit")
	}
}
