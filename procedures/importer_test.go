package procedures

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func dvcLine(t testing.TB, m map[string]any) string {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestImportDVCParsesTables(t *testing.T) {
	line := dvcLine(t, map[string]any{
		"ma_thu_tuc":          "1.004222",
		"detail_url":          "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/abc",
		"ten_thu_tuc":         norm.NFD.String("Đăng ký\nthường trú"),
		"cap_thuc_hien":       "Cấp xã, Cấp huyện",
		"linh_vuc":            "Đăng ký, quản lý cư trú",
		"co_quan_thuc_hien":   "Không có thông tin",
		"trinh_tu_thuc_hien":  "Bước 1: Chuẩn bị hồ sơ.\nGhi rõ thông tin.\nBước 2: Nộp hồ sơ.\n\nBước 3: Nhận kết quả.",
		"cach_thuc_thuc_hien": "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến7 Ngày làm việc10,000 Việt Nam Đồng(Nộp qua cổng: 10.000 đồng/lần.)Trực tiếp7 Ngày làm việc20,000 Việt Nam Đồng(/lần)(Trực tiếp tại Công an cấp xã.)Dịch vụ bưu chính1Miễn phí(Lệ phí 135.000 đồng/lần.)",
		"thanh_phan_ho_so":    "Trường hợp nhà của mìnhTên giấy tờMẫu đơn, tờ khaiSố lượngTờ khai thay đổi thông tin cư trú (Mẫu CT01)Mau CT01.docx1 bản chínhGiấy tờ chứng minh chỗ ở hợp pháp;1 bản chính,1 bản saoTrường hợp nhà thuêTên giấy tờMẫu đơn, tờ khaiSố lượngHợp đồng thuê nhà0 bản chính,1 bản sao",
		"can_cu_phap_ly":      "Tên văn bản pháp lýMã văn bảnLuật Cư trú68/2020/QH14Nghị định 154/2024/NĐ-CP154/2024/NĐ-CP",
		"ket_qua_xu_ly":       "Cập nhật thông tin trong Cơ sở dữ liệu quốc gia về dân cưMã: KQ.G01.000064Thông báo kết quảMã: KQ.G01.000065Từ khóathường trú, hộ khẩuMô tảKhông có thông tin",
		"thu_tuc_lien_quan":   "1.003197 Xóa đăng ký thường trú; 1.004222",
		"yeu_cau_dieu_kien":   "Có chỗ ở hợp pháp.\nKhông có thông tin",
		"bo":                  "bo-cong-an",
	})
	recs, warns, err := ImportDVC(strings.NewReader(line + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	r := recs[0]
	if r.Name != "Đăng ký thường trú" || !norm.NFC.IsNormalString(r.Name) {
		t.Errorf("name %q", r.Name)
	}
	if strings.Join(r.Levels, "|") != "Cấp xã" {
		t.Errorf("levels %v (Cấp huyện must map to Cấp xã once)", r.Levels)
	}
	if len(r.Steps) != 3 || r.Steps[0] != "Bước 1: Chuẩn bị hồ sơ. Ghi rõ thông tin." {
		t.Errorf("steps %q", r.Steps)
	}
	if len(r.Channels) != 3 {
		t.Fatalf("channels %+v", r.Channels)
	}
	if c := r.Channels[0]; c.Kind != ChannelOnline || c.Time != "7 ngày làm việc" || c.Fee != "10.000 đồng" || !strings.Contains(c.Note, "Nộp qua cổng") {
		t.Errorf("online channel %+v", c)
	}
	if c := r.Channels[1]; c.Kind != ChannelDirect || c.Fee != "20.000 đồng/lần" {
		t.Errorf("direct channel %+v", c)
	}
	if c := r.Channels[2]; c.Kind != ChannelPost || c.Time != "1" || c.Fee != "Miễn phí" {
		t.Errorf("post channel %+v", c)
	}
	if len(r.Documents) != 3 {
		t.Fatalf("documents %+v", r.Documents)
	}
	d0 := r.Documents[0]
	if d0.Name != "Tờ khai thay đổi thông tin cư trú (Mẫu CT01)" || d0.Form != "Mau CT01.docx" || d0.Originals != 1 || d0.Case != "Trường hợp nhà của mình" {
		t.Errorf("document 0 %+v", d0)
	}
	// Without the list's ";" the portal ends it with.
	if d1 := r.Documents[1]; d1.Name != "Giấy tờ chứng minh chỗ ở hợp pháp" || d1.Originals != 1 || d1.Copies != 1 {
		t.Errorf("document 1 %+v", d1)
	}
	if d2 := r.Documents[2]; d2.Case != "Trường hợp nhà thuê" || d2.Copies != 1 || d2.Originals != 0 {
		t.Errorf("document 2 %+v", d2)
	}
	if len(r.Results) != 2 || r.Results[1] != "Thông báo kết quả" {
		t.Errorf("results %q", r.Results)
	}
	if strings.Join(r.Keywords, "|") != "thường trú|hộ khẩu" {
		t.Errorf("keywords %q", r.Keywords)
	}
	if len(r.LegalBasis) != 2 || r.LegalBasis[0] != "Luật Cư trú (68/2020/QH14)" {
		t.Errorf("legal basis %q", r.LegalBasis)
	}
	if strings.Join(r.Related, ",") != "1.003197" {
		t.Errorf("related %v", r.Related)
	}
	if len(r.Conditions) != 1 || r.PortalURL == "" || strings.Join(r.Tags, ",") != "bo-cong-an" {
		t.Errorf("conditions %q url %q tags %v", r.Conditions, r.PortalURL, r.Tags)
	}
	kinds := WarningCounts(warns)
	for _, k := range []string{WarnNameNotNFC, WarnNameNewline, WarnLevelDistrict, WarnAgencyMissing, WarnTimeNoUnit, WarnFeeContradiction} {
		if kinds[k] != 1 {
			t.Errorf("warning %s: %d, want 1 (all: %v)", k, kinds[k], kinds)
		}
	}
	if _, err := NewCatalog(recs); err != nil {
		t.Errorf("imported record does not validate: %v", err)
	}
}

func TestImportDVCMessyInput(t *testing.T) {
	long := strings.Repeat("Rất dài. ", 400)
	lines := []string{
		`not json at all`,
		`{"ma_thu_tuc": 12, "ten_thu_tuc": "Số thay vì chuỗi"}`,
		`{"ten_thu_tuc": "Không có mã"}`,
		`{"ma_thu_tuc": "1.000002"}`,
		`{"ma_thu_tuc": "1.000003", "ten_thu_tuc": "Hợp lệ.", "detail_url": "javascript:alert(1)", "cach_thuc_thuc_hien": "Trực tiếp120 VNĐ"}`,
		`{"ma_thu_tuc": "1.000003", "ten_thu_tuc": "Trùng mã"}`,
		dvcLine(t, map[string]any{"ma_thu_tuc": "1.000004", "ten_thu_tuc": strings.Repeat("Tên ", 100), "trinh_tu_thuc_hien": long, "thanh_phan_ho_so": long + "1 bản chính"}),
		`{"ma_thu_tuc": "1.000005", "ten_thu_tuc": "\u0000\ufffd lạ", "cap_thuc_hien": "Cấp vũ trụ", "cach_thuc_thuc_hien": [1,2], "thanh_phan_ho_so": {"a": 1}}`,
		``,
		`[]`,
	}
	recs, warns, err := ImportDVC(strings.NewReader(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, r := range recs {
		codes = append(codes, r.Code)
	}
	if got := strings.Join(codes, ","); got != "12,1.000003,1.000004,1.000005" {
		t.Errorf("imported %s", got)
	}
	// A title loses the portal's closing full stop.
	if recs[1].Name != "Hợp lệ" {
		t.Errorf("name %q, want it without its full stop", recs[1].Name)
	}
	kinds := WarningCounts(warns)
	for _, k := range []string{WarnBadLine, WarnMissingCode, WarnMissingName, WarnDuplicateCode, WarnBadURL, WarnChannelUnparsed, WarnNameTooLong, WarnStepSplit, WarnDocumentCut, WarnLevelUnknown, WarnStepsMissing} {
		if kinds[k] == 0 {
			t.Errorf("no %s warning (got %v)", k, kinds)
		}
	}
	if _, err := NewCatalog(recs); err != nil {
		t.Errorf("imported records do not validate: %v", err)
	}
}

func TestImportDVCGzip(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(`{"ma_thu_tuc": "1.000001", "ten_thu_tuc": "Nén", "trinh_tu_thuc_hien": "Nộp"}` + "\n"))
	zw.Close()
	recs, _, err := ImportDVC(&buf)
	if err != nil || len(recs) != 1 || recs[0].Name != "Nén" {
		t.Fatalf("gzip import: %v %v", recs, err)
	}
	if _, _, err := ImportDVC(bytes.NewReader([]byte{0x1f, 0x8b, 0, 0})); err == nil {
		t.Error("corrupt gzip accepted")
	}
}

// TestImportDVCReal imports the whole shared crawl: every record, valid output.
func TestImportDVCReal(t *testing.T) {
	skipNationalUnderRace(t)
	f, err := os.Open(realDataPath)
	if err != nil {
		t.Skipf("real data not present: %v", err)
	}
	defer f.Close()
	recs, warns, err := ImportDVC(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2642 {
		t.Errorf("imported %d records, want 2642", len(recs))
	}
	if _, err := NewCatalog(recs); err != nil {
		t.Fatalf("imported catalogue refused: %v", err)
	}
	withChannels, withDocs := 0, 0
	for _, r := range recs {
		if len(r.Channels) > 0 {
			withChannels++
		}
		if len(r.Documents) > 0 {
			withDocs++
		}
	}
	t.Logf("%d records, %d with channels, %d with documents; warnings %v", len(recs), withChannels, withDocs, WarningCounts(warns))
	if withChannels < 2600 || withDocs < 2600 {
		t.Errorf("too few parsed: channels %d, documents %d", withChannels, withDocs)
	}
}

func FuzzImportDVC(f *testing.F) {
	f.Add(`{"ma_thu_tuc": "1.000001", "ten_thu_tuc": "A", "cach_thuc_thuc_hien": "Trực tiếp7 Ngày làm việc20,000 Việt Nam Đồng(x)", "thanh_phan_ho_so": "Tên giấy tờMẫu đơn, tờ khaiSố lượngA.doc1 bản chính"}`)
	f.Add(`{"ma_thu_tuc": "1.000001", "ten_thu_tuc": "B", "can_cu_phap_ly": "Tên văn bản pháp lýMã văn bản1/2020/QH14", "ket_qua_xu_ly": "Mã: KQ.1Từ khóa"}`)
	f.Fuzz(func(t *testing.T, line string) {
		recs, _, err := ImportDVC(strings.NewReader(line))
		if err != nil {
			return
		}
		if len(recs) > 0 {
			if _, err := NewCatalog(recs); err != nil {
				t.Fatalf("imported records do not validate: %v\ninput %q", err, line)
			}
		}
	})
}

// The portal glues a paper's name and its form's file name together in many ways; the
// card shows the file name apart ("Mau01-ĐN(BHYT).doc – Đơn đề nghị …"), so a split
// that leaves "doc" as the file name shows the citizen nonsense.
func TestSplitFormFile(t *testing.T) {
	for _, c := range []struct{ text, name, form string }{
		{"Văn bản đề nghị (NA20).Mau NA20-BCA.docx", "Văn bản đề nghị (NA20)", "Mau NA20-BCA.docx"},
		{"Tờ khai (Mẫu CT01);Mau CT01.docx", "Tờ khai (Mẫu CT01)", "Mau CT01.docx"},
		// A copy counter, and brackets inside the file name.
		{"Đơn đề nghị cấp lại thẻ bảo hiểm y tế;Mau01-ĐN(BHYT) (1).doc", "Đơn đề nghị cấp lại thẻ bảo hiểm y tế", "Mau01-ĐN(BHYT).doc"},
		{"Đơn đề nghị cấp đổi thẻ bảo hiểm y tếMau01-ĐN(BHYT) (1).doc", "Đơn đề nghị cấp đổi thẻ bảo hiểm y tế", "Mau01-ĐN(BHYT).doc"},
		{"Tờ khai theo mẫu ban hành kèm theo Thông tư của Bộ Công an.NA5 (1).doc", "Tờ khai theo mẫu ban hành kèm theo Thông tư của Bộ Công an", "NA5.doc"},
		{"Đơn trình báo mất thẻ của Thủ tướng Chính phủ.Đơn trình báo mất thẻ ABTC (mẫu TK07) (1).pdf", "Đơn trình báo mất thẻ của Thủ tướng Chính phủ", "Đơn trình báo mất thẻ ABTC (mẫu TK07).pdf"},
		// A sentence's full stop, not the dots of a file name.
		{"Văn bản đề nghị điều chỉnh dự án đầu tưMẫu I.1.8.a.docx", "Văn bản đề nghị điều chỉnh dự án đầu tư", "Mẫu I.1.8.a.docx"},
		{"Ban hành kèm theo Nghị định số 41/2026/NĐ-CP.Mẫu số 02.docx", "Ban hành kèm theo Nghị định số 41/2026/NĐ-CP", "Mẫu số 02.docx"},
		{"Theo Thông tư số 07/2026/TT-BNNMTMẫu số 29.docx", "Theo Thông tư số 07/2026/TT-BNNMT", "Mẫu số 29.docx"},
		{"Tờ khai 01 ảnh màu cỡ 4x6 cm có nền màu trắng.mau so 12 (1).doc", "Tờ khai 01 ảnh màu cỡ 4x6 cm có nền màu trắng", "mau so 12.doc"},
		// The last glue point, not the first ";" that leaves a short tail.
		{"Văn bản của các đơn vị trực thuộc Trung ương; doanh nghiệp thuộc Bộ Công an.Mau02-ĐN(BHYT) (1).doc",
			"Văn bản của các đơn vị trực thuộc Trung ương; doanh nghiệp thuộc Bộ Công an", "Mau02-ĐN(BHYT).doc"},
		// An upload's number before the file's name is neither the paper's nor the form's.
		{"Tờ khai (Mẫu CT01 ban hành kèm theo Thông tư số 53/2025/TT-BCA).1.MuCT01banhnhkmtheoThngts53.doc",
			"Tờ khai (Mẫu CT01 ban hành kèm theo Thông tư số 53/2025/TT-BCA)", "MuCT01banhnhkmtheoThngts53.doc"},
		// Nothing glued: the last word.
		{"Tờ khai TK01.doc", "Tờ khai", "TK01.doc"},
	} {
		name, form := splitFormFile(c.text)
		if name != c.name || form != c.form {
			t.Errorf("splitFormFile(%q) = %q, %q; want %q, %q", c.text, name, form, c.name, c.form)
		}
	}
}

// The portal writes "Công an cấp Xã" and "cấp Tỉnh" on about a hundred records; cards say
// the level in lower case, and leave a capital that starts the text.
func TestLevelCase(t *testing.T) {
	for in, want := range map[string]string{
		"Công an cấp Xã":                          "Công an cấp xã",
		"Cấp Tỉnh; Cấp Xã":                        "Cấp tỉnh; Cấp xã",
		"Bộ phận một cửa cấp Trung ương":          "Bộ phận một cửa cấp trung ương",
		"Ủy ban nhân dân cấp xã":                  "Ủy ban nhân dân cấp xã",
		"Sở Lao động - Thương binh và Xã hội cấp": "Sở Lao động - Thương binh và Xã hội cấp",
	} {
		if got := levelCase(in); got != want {
			t.Errorf("levelCase(%q) = %q, want %q", in, got, want)
		}
	}
}
