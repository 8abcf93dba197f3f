package inmem

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestScans(t *testing.T) {
	s := NewScans(2)
	ctx := context.Background()
	for _, v := range []struct{ account, code, label string }{
		{"a", "1", ""}, {"a", "1", "x"}, {"a", "1", "x"}, {"a", "2", "y"},
		{"a", "2", "z"}, // past the cap of 2 distinct labels
		{"a", "1", "x"}, {"b", "1", "x"},
	} {
		if err := s.CountScan(ctx, v.account, v.code, v.label); err != nil {
			t.Fatal(err)
		}
	}
	procs, srcs := s.ScanCounts(ctx, "a")
	if diff := cmp.Diff(map[string]int64{"1": 4, "2": 2}, procs); diff != "" {
		t.Errorf("by procedure (-want +got):\n%s", diff)
	}
	want := map[string]map[string]int64{"1": {"x": 3}, "2": {"y": 1, OtherLabel: 1}}
	if diff := cmp.Diff(want, srcs); diff != "" {
		t.Errorf("by source (-want +got):\n%s", diff)
	}
	if err := s.CountScan(ctx, "a", "", ""); err == nil {
		t.Error("CountScan with empty code: want error")
	}
}
