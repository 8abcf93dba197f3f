package procedures

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func refreshRecord(code, name, fee string) *Record {
	return &Record{Code: code, Name: name, Steps: []string{"Nộp hồ sơ."}, Levels: []string{"Cấp xã"},
		Channels: []Channel{{Kind: ChannelDirect, Time: "7 ngày làm việc", Fee: fee}}}
}

func TestPortalRefresh(t *testing.T) {
	kept := refreshRecord("1.000001", "Giữ nguyên", "Miễn phí")
	changed := refreshRecord("1.000002", "Phí đổi", "20,000 đồng")
	changed.ShortCode, changed.Aliases, changed.LastVerified = "7", []string{"tên gọi quen"}, "2026-11-28"
	gone := refreshRecord("1.000003", "Đã bãi bỏ", "Miễn phí")
	cur, err := NewCatalog([]*Record{kept, changed, gone})
	if err != nil {
		t.Fatal(err)
	}
	keptAgain := *kept
	newFee := refreshRecord("1.000002", "Phí đổi", "25,000 đồng")
	added := refreshRecord("1.000004", "Thủ tục mới", "Miễn phí")
	rf := PortalRefresh(cur, []*Record{added, newFee, &keptAgain})

	if len(rf.New) != 1 || rf.New[0].Code != "1.000004" || len(rf.Gone) != 1 || rf.Gone[0].Code != "1.000003" || rf.Unchanged != 1 {
		t.Fatalf("new %v, gone %v, unchanged %d", rf.New, rf.Gone, rf.Unchanged)
	}
	if len(rf.Changed) != 1 || rf.Changed[0].Code != "1.000002" {
		t.Fatalf("changed = %+v", rf.Changed)
	}
	// The short code, aliases and verification date are the catalogue's own: kept.
	want := []FieldChange{{Field: "channels[0].fee", Old: "20,000 đồng", New: "25,000 đồng"}}
	if diff := cmp.Diff(want, rf.Changed[0].Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}

	codes := func(rs []*Record) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Code)
		}
		return out
	}
	all := rf.Apply(cur.All(), func(string) bool { return true })
	if got := codes(all); !slices.Equal(got, []string{"1.000001", "1.000002", "1.000004"}) {
		t.Errorf("accept all: %v", got)
	}
	if r := all[1]; r.Channels[0].Fee != "25,000 đồng" || r.ShortCode != "7" || r.LastVerified != "2026-11-28" || len(r.Aliases) != 1 {
		t.Errorf("accepted change: %+v", r)
	}
	if changed.Channels[0].Fee != "20,000 đồng" {
		t.Error("Apply modified the current record")
	}
	none := rf.Apply(cur.All(), func(string) bool { return false })
	if got := codes(none); !slices.Equal(got, []string{"1.000001", "1.000002", "1.000003"}) || none[1] != changed {
		t.Errorf("accept nothing: %v", got)
	}
	one := rf.Apply(cur.All(), func(c string) bool { return c == "1.000003" })
	if got := codes(one); !slices.Equal(got, []string{"1.000001", "1.000002"}) {
		t.Errorf("accept the removal only: %v", got)
	}
	if _, err := NewCatalog(all); err != nil {
		t.Errorf("refreshed catalogue does not validate: %v", err)
	}
	if got := rf.Codes(); len(got) != 3 || !got["1.000002"] || got["1.000001"] {
		t.Errorf("Codes() = %v", got)
	}
}

// A newer importer rewrites the portal's punctuation and number format in every record
// ("70,000 đồng" → "70.000 đồng"): such records are changed in writing only, listed
// after the records whose content changed, and still accepted like any change.
func TestPortalRefreshWordingOnly(t *testing.T) {
	a := refreshRecord("1.000001", "Đổi cách viết", "70,000 đồng")
	b := refreshRecord("1.000002", "Đổi phí", "20.000 đồng")
	cur, err := NewCatalog([]*Record{a, b})
	if err != nil {
		t.Fatal(err)
	}
	rf := PortalRefresh(cur, []*Record{refreshRecord("1.000001", "Đổi cách viết", "70.000 đồng"), refreshRecord("1.000002", "Đổi phí", "25.000 đồng")})
	if len(rf.Changed) != 2 || rf.Changed[0].Code != "1.000002" || rf.Changed[0].WordingOnly() || !rf.Changed[1].WordingOnly() || rf.Reworded != 1 {
		t.Fatalf("changed = %+v, reworded %d; want the fee change first, then the rewording", rf.Changed, rf.Reworded)
	}
	for _, tc := range []struct {
		old, new string
		want     bool
	}{
		{"70,000 đồng", "70.000 đồng", true},
		{"10,000 đồng(/trường hợp)", "10.000 đồng/trường hợp", true},
		{"Đề nghị khai báo tạm vắng;", "Đề nghị khai báo tạm vắng", true},
		{"20.000 đồng", "25.000 đồng", false},
		{"doc", "Mau01-ĐN(BHYT).doc", false},
		{"", "Miễn phí", false},
	} {
		if got := (FieldChange{Old: tc.old, New: tc.new}).Wording(); got != tc.want {
			t.Errorf("Wording(%q → %q) = %v, want %v", tc.old, tc.new, got, tc.want)
		}
	}
}
