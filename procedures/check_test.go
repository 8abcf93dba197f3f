package procedures

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// checkPortal is a portal record as ImportDVC makes it: long legal wording, amounts with
// commas, the exemption in a separate sentence.
func checkPortal() *Record {
	return &Record{
		Code:   "1.000001",
		Name:   "Đăng ký thường trú",
		Levels: []string{"Cấp xã"},
		Steps:  []string{"Công dân nộp hồ sơ tại Công an cấp xã.", "Công an cấp xã thẩm định, cập nhật thông tin vào Cơ sở dữ liệu về cư trú."},
		Channels: []Channel{
			{Kind: ChannelDirect, Time: "7 ngày làm việc", Fee: "20,000 đồng", Note: "Trường hợp công dân nộp hồ sơ trực tiếp thu 20.000 đồng/lần đăng ký."},
			{Kind: ChannelOnline, Time: "7 ngày làm việc", Fee: "10,000 đồng", Note: "Nộp qua cổng dịch vụ công thu 10.000 đồng/lần."},
		},
		Documents: []Document{
			{Name: "Tờ khai thay đổi thông tin cư trú (Mẫu CT01 ban hành kèm theo Thông tư số 53/2025/TT-BCA)", Form: "CT01", Originals: 1},
			{Name: "Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp theo quy định", Originals: 1},
		},
		Conditions: []string{"Trường hợp thông tin chứng minh chỗ ở hợp pháp đã có trong Cơ sở dữ liệu quốc gia về dân cư thì không yêu cầu công dân xuất trình giấy tờ chứng minh chỗ ở hợp pháp."},
	}
}

// checkRecord paraphrases checkPortal faithfully in plain words, as the built-in
// catalogue does.
func checkParaphrase() *Record {
	return &Record{
		Code:   "1.000001",
		Name:   "Đăng ký thường trú",
		Levels: []string{"Cấp xã"},
		Steps:  []string{"Nộp hồ sơ ở Công an xã, phường.", "Nhận thông báo kết quả."},
		Channels: []Channel{
			{Kind: ChannelOnline, Time: "7 ngày làm việc", Fee: "10.000 đồng/lần đăng ký"},
			{Kind: ChannelDirect, Time: "Không quá 7 ngày làm việc", Fee: "20.000 đồng/lần đăng ký"},
		},
		Documents: []Document{
			{Name: "Tờ khai CT01", Form: "CT01", Originals: 1},
			{Name: "Giấy tờ chứng minh chỗ ở hợp pháp", Originals: 1},
		},
		Conditions: []string{"Không cần xuất trình giấy tờ chứng minh chỗ ở hợp pháp khi thông tin đã có trong cơ sở dữ liệu quốc gia về dân cư."},
	}
}

func TestCheckFaithfulParaphrase(t *testing.T) {
	got := CheckAgainstPortal([]*Record{checkParaphrase()}, []*Record{checkPortal()})
	if len(got) != 0 {
		t.Errorf("faithful paraphrase: got %d contradictions, want none:\n%s", len(got), dumpContradictions(got))
	}
	other := checkParaphrase()
	other.Code = "9.999999"
	if got := CheckAgainstPortal([]*Record{other}, []*Record{checkPortal()}); len(got) != 0 {
		t.Errorf("record not on the portal: got %v, want none", got)
	}
}

// TestCheckKinds changes one fact of the faithful paraphrase (or of the portal) per row;
// each row fails if its kind stops being detected, or if the change is blamed on another
// kind.
func TestCheckKinds(t *testing.T) {
	tests := []struct {
		name   string
		change func(r, p *Record)
		kind   string
		field  string
	}{
		{"time shorter than the portal", func(r, p *Record) { r.Channels[1].Time = "2 ngày làm việc" }, ContraTime, "channels[1].time"},
		{"time longer than the portal", func(r, p *Record) { r.Channels[0].Time = "15 ngày" }, ContraTime, "channels[0].time"},
		{"time in hours where the portal says days", func(r, p *Record) { r.Channels[0].Time = "Trong 8 giờ" }, ContraTime, "channels[0].time"},
		{"portal time without unit", func(r, p *Record) { p.Channels[0].Time, r.Channels[1].Time = "9", "2 ngày làm việc" }, ContraTime, "channels[1].time"},
		{"amount the portal does not give", func(r, p *Record) { r.Channels[0].Fee = "7.000 đồng/lần" }, ContraFee, "channels[0].fee"},
		{"free where the portal gives a fee", func(r, p *Record) { r.Channels[1].Fee = "Miễn phí" }, ContraFee, "channels[1].fee"},
		{"free where the portal says nothing", func(r, p *Record) {
			r.Channels[1].Fee, p.Channels[0].Fee, p.Channels[0].Note, p.Channels[1].Fee, p.Channels[1].Note = "Không thu phí", "", "", "", ""
		}, ContraFee, "channels[1].fee"},
		{"other level", func(r, p *Record) { r.Levels = []string{"Cấp tỉnh"} }, ContraLevel, "levels"},
		{"portal channel missing", func(r, p *Record) { r.Channels = r.Channels[1:] }, ContraChannel, "channels"},
		{"channel the portal lacks", func(r, p *Record) {
			r.Channels = append(r.Channels, Channel{Kind: ChannelPost, Time: "7 ngày làm việc", Fee: "20.000 đồng"})
		}, ContraChannel, "channels[2]"},
		{"required paper missing", func(r, p *Record) { r.Documents = r.Documents[1:] }, ContraDocument, "documents"},
		{"required paper marked optional", func(r, p *Record) { r.Documents[1].Optional = true }, ContraDocument, "documents[1]"},
		{"paper the portal does not list", func(r, p *Record) {
			r.Documents = append(r.Documents, Document{Name: "Giấy xác nhận của trưởng thôn về nhân thân", Originals: 1})
		}, ContraDocument, "documents[2]"},
		{"exemption without counterpart", func(r, p *Record) {
			r.Conditions = append(r.Conditions, "Người trên 80 tuổi không phải nộp tờ khai, cán bộ ghi hộ.")
		}, ContraExemption, "conditions[1]"},
		{"condition without counterpart", func(r, p *Record) {
			r.Documents[1].Name = "Giấy tờ chứng minh chỗ ở hợp pháp (chỉ khi nhà chưa có số nhà)"
		}, ContraExemption, "documents[1].name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, p := checkParaphrase(), checkPortal()
			tt.change(r, p)
			got := CheckAgainstPortal([]*Record{r}, []*Record{p})
			if !slices.ContainsFunc(got, func(c Contradiction) bool { return c.Kind == tt.kind && c.Field == tt.field }) {
				t.Errorf("no %s contradiction at %s; got:\n%s", tt.kind, tt.field, dumpContradictions(got))
			}
			for _, c := range got {
				if c.Kind != tt.kind || c.Code != r.Code || c.Message == "" {
					t.Errorf("unexpected %+v", c)
				}
			}
			if Verifiable(got) {
				t.Errorf("Verifiable = true with %v", got)
			}
		})
	}
}

// TestCheckMarked: a fact the record marks as not the portal's is reported, never blocks,
// and names the contradiction it explains.
func TestCheckMarked(t *testing.T) {
	tests := []struct {
		name   string
		change func(r *Record)
		field  string
		fact   string
	}{
		{"cited fee", func(r *Record) { r.Channels[0].Fee = "7.000 đồng/lần (theo Thông tư 75/2022/TT-BTC)" }, "channels[0].fee", ContraFee},
		{"note speaks for the channel", func(r *Record) {
			r.Channels[1].Time, r.Channels[1].Note = "2 ngày làm việc", "Cổng DVC không ghi thời hạn này; theo quy định của tỉnh."
		}, "channels[1].note", ContraTime},
		{"marked without contradiction", func(r *Record) {
			r.Conditions = append(r.Conditions, "Thời hạn tạm trú tối đa 02 năm (theo Luật Cư trú 2020, Điều 27 — cổng DVC không ghi).")
		}, "conditions[1]", ""},
		{"marked exemption", func(r *Record) {
			r.Conditions = append(r.Conditions, "Người chưa thành niên chỉ khi có ý kiến đồng ý của cha, mẹ (theo Luật Cư trú 2020, Điều 21).")
		}, "conditions[1]", ContraExemption},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := checkParaphrase()
			tt.change(r)
			got := CheckAgainstPortal([]*Record{r}, []*Record{checkPortal()})
			if len(got) != 1 || got[0].Kind != ContraMarked || got[0].Field != tt.field || got[0].Fact != tt.fact {
				t.Fatalf("got:\n%s\nwant one marked entry at %s for %q", dumpContradictions(got), tt.field, tt.fact)
			}
			if BlocksVerification(got[0]) || !Verifiable(got) {
				t.Errorf("a marked fact blocks verification: %+v", got[0])
			}
		})
	}
}

func TestDurations(t *testing.T) {
	tests := []struct {
		in       string
		bareDays bool
		want     []float64
	}{
		{"7 ngày làm việc", false, []float64{56}},
		{"Không quá 02 ngày làm việc (30 ngày nếu cần xác minh)", false, []float64{16, 240}},
		{"Trong ngày (nhận sau 15 giờ thì trả vào ngày làm việc tiếp theo)", false, []float64{15, 8}},
		{"8 giờ", false, []float64{8}},
		{"3", true, []float64{24}},
		{"3", false, nil},
		{"Cấp biển số ngay khi hồ sơ hợp lệ", false, nil},
	}
	for _, tt := range tests {
		if got := durations(tt.in, tt.bareDays); !slices.Equal(got, tt.want) {
			t.Errorf("durations(%q, %v) = %v, want %v", tt.in, tt.bareDays, got, tt.want)
		}
	}
}

func TestAmounts(t *testing.T) {
	tests := []struct {
		in   string
		want []int64
	}{
		{"20.000 đồng/lần đăng ký", []int64{20000}},
		{"160,000 đồng", []int64{160000}},
		{"+ 160.000/hộ chiếu, cấp lại: 320.000đ/hộ chiếu", []int64{320000}},
		{"Tối đa 1 triệu đồng; 10 USD/bản", []int64{1000000}},
		{"Theo Thông tư 60/2023/TT-BTC (cột phí của Cổng ghi \"Miễn phí\")", nil},
		{"Nghị định số 55/2015/NĐ-CP", nil},
	}
	for _, tt := range tests {
		if got := amounts(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("amounts(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if !isFree("Miễn lệ phí khi khai tử đúng hạn") || isFree(`Theo Thông tư 60 (cột phí của Cổng ghi "Miễn phí")`) {
		t.Error("isFree: a fee text starting with an exemption is free; a quoted one is not")
	}
	if got := discounted([]int64{50000}, "mức thu bằng 50% mức thu lệ phí quy định"); !slices.Equal(got, []int64{25000}) {
		t.Errorf("discounted = %v, want [25000]", got)
	}
}

// TestCheckBuiltinAgainstPortal checks the built-in catalogue against the real crawl: no
// record may contradict the portal unmarked (every fact not the portal's carries its
// source), so an edit that brings one back fails here.
func TestCheckBuiltinAgainstPortal(t *testing.T) {
	portal := realCatalog(t).All()
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	got := CheckAgainstPortal(c.All(), portal)
	counts := ContradictionCounts(got)
	t.Logf("%d records: %v", c.Len(), counts)
	for _, x := range got {
		if BlocksVerification(x) {
			t.Errorf("%s %s %s: %s", x.Code, x.Kind, x.Field, x.Message)
		}
		if x.Kind == ContraExemption && (x.Code == "2.001035" || x.Code == "1.002755") {
			t.Errorf("fixed record %s has an exemption contradiction again: %+v", x.Code, x)
		}
	}
	// The text 2.001035 had before it was fixed promised a database exemption the portal
	// does not give; the check must still catch it.
	r, ok := c.ByCode("2.001035")
	if !ok {
		t.Fatal("2.001035 not in the built-in catalogue")
	}
	old := *r
	old.Documents = slices.Clone(r.Documents)
	old.Documents = append(old.Documents, Document{Originals: 1,
		Name: "Giấy chứng nhận quyền sở hữu, quyền sử dụng tài sản (bản chính hoặc bản sao có chứng thực); không phải nộp sổ đỏ nếu cơ quan tra được trên Cơ sở dữ liệu quốc gia về đất đai"})
	field := fmt.Sprintf("documents[%d].name", len(old.Documents)-1)
	if !slices.ContainsFunc(CheckAgainstPortal([]*Record{&old}, portal), func(x Contradiction) bool {
		return x.Kind == ContraExemption && x.Field == field
	}) {
		t.Error("the old 2.001035 database exemption is no longer detected")
	}
}

func dumpContradictions(cs []Contradiction) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "  %s %s/%s %s: %s | R: %s | P: %s\n", c.Code, c.Kind, c.Fact, c.Field, c.Message, c.Record, c.Portal)
	}
	return b.String()
}
