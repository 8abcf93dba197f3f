package redisstore

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oabot/oabot/bot"
	"github.com/oabot/oabot/bot/redisstore/redistest"
)

func TestScansCountAndLabels(t *testing.T) {
	rdb, prefix := redistest.New(t)
	s, err := NewScans(rdb, ScansOptions{Prefix: prefix, MaxLabels: 3})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	views := []struct{ account, code, label string }{
		{"ubnd-a", "1.004222", ""},
		{"ubnd-a", "1.004222", "bang-tin"},
		{"ubnd-a", "1.004222", "bang-tin"},
		{"ubnd-a", "1.004222", "cong-ubnd"},
		{"ubnd-a", "2.001159", "to-3"},
		// The cap (3 distinct fields) is reached: new labels go to OtherLabel, known ones still count.
		{"ubnd-a", "2.001159", "to-4"},
		{"ubnd-a", "2.001159", "to-5"},
		{"ubnd-a", "1.004222", "bang-tin"},
		{"ubnd-b", "1.004222", "bang-tin"},
	}
	for _, v := range views {
		if err := s.CountScan(ctx, v.account, v.code, v.label); err != nil {
			t.Fatalf("CountScan(%v): %v", v, err)
		}
	}
	got, err := s.ScanCounts(ctx, "ubnd-a")
	if err != nil {
		t.Fatal(err)
	}
	want := bot.ScanCounts{
		ByProcedure: map[string]int64{"1.004222": 5, "2.001159": 3},
		BySource: map[string]map[string]int64{
			"1.004222": {"bang-tin": 3, "cong-ubnd": 1},
			"2.001159": {"to-3": 1, OtherLabel: 2},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ScanCounts(ubnd-a) mismatch (-want +got):\n%s", diff)
	}
	gotB, err := s.ScanCounts(ctx, "ubnd-b")
	if err != nil {
		t.Fatal(err)
	}
	wantB := bot.ScanCounts{ByProcedure: map[string]int64{"1.004222": 1}, BySource: map[string]map[string]int64{"1.004222": {"bang-tin": 1}}}
	if diff := cmp.Diff(wantB, gotB); diff != "" {
		t.Errorf("ScanCounts(ubnd-b) mismatch (-want +got):\n%s", diff)
	}
	empty, err := s.ScanCounts(ctx, "nobody")
	if err != nil || len(empty.ByProcedure) != 0 || len(empty.BySource) != 0 {
		t.Errorf("ScanCounts(nobody) = %v, %v; want empty", empty, err)
	}
	if err := s.CountScan(ctx, "", "1", ""); err == nil {
		t.Error("CountScan with empty account: want error")
	}
}

func TestScansConcurrent(t *testing.T) {
	rdb, prefix := redistest.New(t)
	s, err := NewScans(rdb, ScansOptions{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 25 {
				if err := s.CountScan(ctx, "acc", "1.004222", fmt.Sprintf("l%d", g%2)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	got, err := s.ScanCounts(ctx, "acc")
	if err != nil {
		t.Fatal(err)
	}
	if got.ByProcedure["1.004222"] != 200 || got.BySource["1.004222"]["l0"] != 100 || got.BySource["1.004222"]["l1"] != 100 {
		t.Errorf("after 200 concurrent views: %+v", got)
	}
}
