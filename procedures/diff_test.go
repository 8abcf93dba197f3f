package procedures

import (
	"reflect"
	"testing"
)

func TestDiffRecords(t *testing.T) {
	a := &Record{Code: "1.1", Name: "Cấp A", Steps: []string{"Nộp hồ sơ", "Nhận kết quả"},
		Channels:  []Channel{{Kind: ChannelDirect, Time: "7 ngày", Fee: "20.000 đồng"}},
		Documents: []Document{{Name: "Tờ khai", Form: "CT01"}}}
	b := &Record{Code: "1.1", Name: "Cấp A", Steps: []string{"Nộp hồ sơ"},
		Channels:  []Channel{{Kind: ChannelDirect, Time: "7 ngày", Fee: "10.000 đồng"}, {Kind: ChannelOnline}},
		Documents: []Document{{Name: "Tờ khai", Form: "CT01", Optional: true}}, Where: "UBND xã"}
	got := DiffRecords(a, b)
	want := []FieldChange{
		{Field: "where", New: "UBND xã"},
		{Field: "steps[1]", Old: "Nhận kết quả"},
		{Field: "channels[0].fee", Old: "20.000 đồng", New: "10.000 đồng"},
		{Field: "channels[1].kind", New: "online"},
		{Field: "documents[0].optional", New: "có"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("DiffRecords:\n got %v\nwant %v", got, want)
	}
	if d := DiffRecords(a, a); len(d) != 0 {
		t.Fatalf("a record differs from itself: %v", d)
	}
	if d := DiffRecords(nil, a); len(d) == 0 || d[0].Field != "code" || d[0].New != "1.1" {
		t.Fatalf("a new record should list its fields from code on: %v", d)
	}
	if d := DiffRecords(a, nil); len(d) == 0 || d[0].Old != "1.1" || d[0].New != "" {
		t.Fatalf("a removed record should list its old fields: %v", d)
	}
}
