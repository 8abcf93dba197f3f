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
	got, err := s.ScanCounts(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int64{"1": 4, "2": 2}, got.ByProcedure); diff != "" {
		t.Errorf("by procedure (-want +got):\n%s", diff)
	}
	want := map[string]map[string]int64{"1": {"x": 3}, "2": {"y": 1, OtherLabel: 1}}
	if diff := cmp.Diff(want, got.BySource); diff != "" {
		t.Errorf("by source (-want +got):\n%s", diff)
	}
	if err := s.CountScan(ctx, "a", "", ""); err == nil {
		t.Error("CountScan with empty code: want error")
	}
}
