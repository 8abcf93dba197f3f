package procedures

import (
	"strings"
	"testing"
)

func TestLookupAndPick(t *testing.T) {
	cat, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var withShort *Record
	for _, r := range cat.All() {
		if r.ShortCode != "" {
			withShort = r
			break
		}
	}
	if withShort == nil {
		t.Fatal("built-in catalogue has no short codes")
	}
	if r, ok := cat.Lookup(withShort.Code); !ok || r != withShort {
		t.Errorf("Lookup(%q) = %v, %v", withShort.Code, r, ok)
	}
	if r, ok := cat.Lookup(withShort.ShortCode); !ok || r != withShort {
		t.Errorf("Lookup(%q) = %v, %v", withShort.ShortCode, r, ok)
	}
	if _, ok := cat.Lookup("9.999999"); ok {
		t.Error("Lookup of an unknown code succeeded")
	}
	all, err := cat.Pick("  ")
	if err != nil || len(all) != len(cat.All()) {
		t.Errorf("Pick(empty) = %d records, %v; want all %d", len(all), err, len(cat.All()))
	}
	got, err := cat.Pick(withShort.ShortCode + ", " + withShort.Code + ",")
	if err != nil || len(got) != 2 || got[0] != withShort || got[1] != withShort {
		t.Errorf("Pick(short, code) = %v, %v", got, err)
	}
	if _, err := cat.Pick("1.004222,nope"); err == nil {
		t.Error("Pick with an unknown code: no error")
	}
}

// DocumentsMention tells a question about a card's own papers ("có cần mang bản chính
// không") from one naming something else ("hộ chiếu", the procedure's own name).
func TestRecordDocumentsMention(t *testing.T) {
	r := &Record{Name: "Chứng thực di chúc", Steps: []string{"Người yêu cầu nộp hồ sơ"},
		Documents: []Document{{Name: "Dự thảo di chúc", Originals: 1}, {Name: "Giấy tờ tùy thân", Copies: 1}}}
	for _, tt := range []struct {
		words []string
		want  bool
	}{
		{[]string{"ban", "chinh"}, true},
		{[]string{"ban", "sao"}, true},
		{[]string{"du", "thao"}, true},
		{[]string{"nop", "ho", "so"}, false}, // the steps are not the papers
		{[]string{"ho", "chieu"}, false},
		{[]string{"ban", "chinh", "ngheo"}, false},
		{nil, false},
	} {
		if got := r.DocumentsMention(tt.words); got != tt.want {
			t.Errorf("DocumentsMention(%q) = %v, want %v", tt.words, got, tt.want)
		}
	}
}

// Remarks of the portal's dossier tables are told from papers by their label and colon.
func TestDocumentNote(t *testing.T) {
	for name, want := range map[string]string{
		"Lưu ý:- Trường hợp nộp trực tiếp":                    "Lưu ý: Trường hợp nộp trực tiếp",
		"- Lưu ý : - Không yêu cầu xuất trình Giấy khai sinh": "Lưu ý: Không yêu cầu xuất trình Giấy khai sinh",
		"Ghi chú: Khi các loại giấy tờ đã được tích hợp":      "Ghi chú: Khi các loại giấy tờ đã được tích hợp",
		"VÍ DỤ: hợp đồng thuê nhà":                            "Ví dụ: hợp đồng thuê nhà",
		"Lưu ý:":                                              "",
		"Giấy tờ lưu ý của cơ quan":                           "",
		"Lưu ý khi khai tờ khai CT01":                         "",
		"Tờ khai (Mẫu CT01)":                                  "",
	} {
		got, ok := Document{Name: name}.Note()
		if got != want || ok != (want != "") {
			t.Errorf("Note(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
	// Under a remark's heading, every row is a remark.
	if got, ok := (Document{Name: "Người tiếp nhận kiểm tra hồ sơ", Case: "Lưu ý:"}).Note(); !ok || got != "Người tiếp nhận kiểm tra hồ sơ" {
		t.Errorf("Note under 'Lưu ý:' = %q, %v", got, ok)
	}
	if _, ok := (Document{Name: "Căn cước", Case: "Giấy tờ phải xuất trình"}).Note(); ok {
		t.Error("a paper under 'Giấy tờ phải xuất trình' is a remark")
	}
}

// A paper is named by its words one after the other, not by words found anywhere in the
// dossier.
func TestDocumentsNamePhrase(t *testing.T) {
	r := &Record{Documents: []Document{
		{Name: "Tờ khai thay đổi thông tin cư trú (Mẫu CT01)"},
		{Name: "Giấy tờ chứng minh chỗ ở hợp pháp (hợp đồng thuê nhà, giấy tờ nhà đất…)"},
	}}
	for words, want := range map[string]bool{
		"hop dong":      true,
		"hop dong thue": true,
		"giay to":       true,
		"giay khai":     false, // "giấy" and "khai" are both there, apart
		"so ho":         false,
		"":              false,
	} {
		if got := r.DocumentsNamePhrase(strings.Fields(words)); got != want {
			t.Errorf("DocumentsNamePhrase(%q) = %v, want %v", words, got, want)
		}
	}
}
