package procedures

import "testing"

func TestScope(t *testing.T) {
	c, _ := Builtin()
	get := func(code string) *Record {
		r, ok := c.ByCode(code)
		if !ok {
			t.Fatalf("no %s", code)
		}
		return r
	}
	police := Scope{Agencies: []string{"cong an"}}
	ward := Scope{Fields: []string{"Hộ tịch", "chứng thực"}, Codes: []string{"1.001612"}, ExcludeCodes: []string{"2.001019"}}
	for _, tc := range []struct {
		s    Scope
		code string
		want bool
	}{
		{Scope{}, "1.000894", true},
		{police, "1.004194", true},  // tạm trú: Công an cấp xã
		{police, "1.014061", true},  // căn cước
		{police, "1.000894", false}, // kết hôn: UBND
		{ward, "1.000894", true},
		{ward, "2.000815", true},  // chứng thực bản sao (field, another case and diacritics)
		{ward, "1.001612", true},  // by code
		{ward, "2.001019", false}, // excluded
		{ward, "1.004194", false},
		{Scope{Agencies: []string{"Công an"}, Levels: []string{"Cấp xã"}}, "1.004194", true},
		{Scope{Agencies: []string{"Công an"}, Levels: []string{"Cấp bộ"}}, "1.004194", false},
	} {
		if got := tc.s.Contains(get(tc.code)); got != tc.want {
			t.Errorf("%+v.Contains(%s) = %v, want %v", tc.s, tc.code, got, tc.want)
		}
	}
	if !(Scope{}).Empty() || police.Empty() {
		t.Error("Empty")
	}
}
