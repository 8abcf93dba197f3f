package qr

import (
	"bytes"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/oabot/oabot/procedures"

	"github.com/oabot/oabot/bot/browsertest"
)

func builtin(t *testing.T) *procedures.Catalog {
	t.Helper()
	cat, err := procedures.Builtin()
	if err != nil {
		t.Fatalf("procedures.Builtin: %v", err)
	}
	return cat
}

// textOf strips tags and unescapes entities, for checks on what a reader sees.
func textOf(page string) string {
	s := regexp.MustCompile(`(?s)<style>.*?</style>|<[^>]+>`).ReplaceAllString(page, " ")
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}

func TestRenderLandingEveryBuiltinRecord(t *testing.T) {
	cat := builtin(t)
	for _, r := range cat.All() {
		t.Run(r.Code, func(t *testing.T) {
			var buf bytes.Buffer
			if err := RenderLanding(&buf, LandingPage{Account: testAccount, Record: r, CatalogVersion: cat.Version()}); err != nil {
				t.Fatal(err)
			}
			page := buf.String()
			if buf.Len() >= 50*1024 {
				t.Errorf("landing page is %d bytes, want < 50 KB", buf.Len())
			}
			if strings.Contains(page, "<script") {
				t.Error("landing page has a script")
			}
			text := textOf(page)
			for _, want := range []string{
				nfc(r.Name), "Nhắn tin với " + testAccount.Name + " trên Zalo", MessageText(r),
			} {
				if !strings.Contains(text, want) {
					t.Errorf("landing text lacks %q", want)
				}
			}
			if !strings.Contains(page, `href="https://zalo.me/`+testAccount.OAID+`"`) {
				t.Error("landing page lacks the OA chat link")
			}
			if len(r.Documents) > 0 && !strings.Contains(text, "Cần mang theo") {
				t.Error("landing page lacks the documents section")
			}
			if len(r.Channels) > 0 && (!strings.Contains(text, "Lệ phí") || !strings.Contains(text, nfc(r.Channels[0].Fee))) {
				t.Errorf("landing page lacks the fee %q", r.Channels[0].Fee)
			}
			if r.PortalURL != "" && !strings.Contains(page, html.EscapeString(r.PortalURL)) {
				t.Error("landing page lacks the portal link")
			}
		})
	}
}

func TestRenderLandingOffices(t *testing.T) {
	a := testAccount
	a.Hours = "Sáng 7h30–11h30, chiều 13h30–17h, thứ Hai đến thứ Sáu"
	a.Offices = []Office{
		{Name: "Bộ phận một cửa UBND phường", Address: "45 Lê Duẩn, phường Sài Gòn", Phone: "028 3829 1234", Lat: 10.78, Lng: 106.7},
		{Name: "Điểm tiếp dân khu phố 2", Address: "12 Hai Bà Trưng"},
	}
	r := &procedures.Record{Code: "1.1", Name: "Thủ tục thử", Steps: []string{"x"}}
	var buf bytes.Buffer
	if err := RenderLanding(&buf, LandingPage{Account: a, Record: r}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	text := textOf(page)
	for _, want := range []string{"Nộp ở đâu", a.Offices[0].Name, a.Offices[0].Address, a.Offices[1].Address, "Giờ làm việc: " + a.Hours} {
		if !strings.Contains(text, want) {
			t.Errorf("landing text lacks %q", want)
		}
	}
	for _, want := range []string{`href="tel:02838291234"`, "query=10.780000,106.700000"} {
		if !strings.Contains(page, want) {
			t.Errorf("landing page lacks %q", want)
		}
	}
}

// Another office's procedure on this office's page: it says so and does not send the
// citizen to this office's desks.
func TestRenderLandingElsewhere(t *testing.T) {
	a := testAccount
	a.Offices = []Office{{Name: "Công an phường", Address: "1 Đường Demo"}}
	a.Scope = procedures.Scope{Agencies: []string{"Công an"}}
	r := &procedures.Record{Code: "1.000894", Name: "Thủ tục đăng ký kết hôn", Agency: "Ủy ban nhân dân cấp xã", Steps: []string{"x"}}
	var buf bytes.Buffer
	if err := RenderLanding(&buf, LandingPage{Account: a, Record: r}); err != nil {
		t.Fatal(err)
	}
	text := textOf(buf.String())
	if !strings.Contains(text, "không giải quyết thủ tục này") || !strings.Contains(text, "Cơ quan giải quyết: Ủy ban nhân dân cấp xã") || strings.Contains(text, "1 Đường Demo") {
		t.Errorf("landing of another office's procedure:\n%s", text)
	}
	r.Agency = "Công an cấp xã"
	buf.Reset()
	if err := RenderLanding(&buf, LandingPage{Account: a, Record: r}); err != nil {
		t.Fatal(err)
	}
	if text := textOf(buf.String()); strings.Contains(text, "không giải quyết") || !strings.Contains(text, "1 Đường Demo") {
		t.Errorf("landing of its own procedure:\n%s", text)
	}
}

// A remark of the portal's dossier table is set apart, without the counts of its row; the
// requirements have their own heading.
func TestRenderLandingDossierNote(t *testing.T) {
	r := &procedures.Record{Code: "1.004194", Name: "Đăng ký tạm trú", Steps: []string{"x"},
		Conditions: []string{"- Văn bản cho thuê nhà không bắt buộc công chứng."}, Documents: []procedures.Document{
			{Name: "Lưu ý:- Nộp trực tiếp thì nộp bản sao có chứng thực", Originals: 1, Copies: 1},
			{Name: "Tờ khai thay đổi thông tin cư trú", Originals: 1},
		}}
	var buf bytes.Buffer
	if err := RenderLanding(&buf, LandingPage{Account: testAccount, Record: r}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if !strings.Contains(page, `<li class="n">Lưu ý: Nộp trực tiếp thì nộp bản sao có chứng thực</li>`) ||
		!strings.Contains(page, `<li>Tờ khai thay đổi thông tin cư trú <span class="n">(1 bản chính)</span>`) ||
		!strings.Contains(page, "<h2>Yêu cầu, điều kiện</h2>\n<ul><li>Văn bản cho thuê nhà không bắt buộc công chứng.</li></ul>") {
		t.Errorf("dossier:\n%s", textOf(page))
	}
}

func TestRenderLandingEscapes(t *testing.T) {
	r := &procedures.Record{Code: "9.9", Name: `<script>alert(1)</script>`, Steps: []string{"x"},
		PortalURL: "javascript:alert(1)", Documents: []procedures.Document{{Name: `"><img src=x>`}}}
	var buf bytes.Buffer
	if err := RenderLanding(&buf, LandingPage{Account: testAccount, Record: r}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, bad := range []string{"<script>", "<img src=x>", "javascript:"} {
		if strings.Contains(page, bad) {
			t.Errorf("landing page contains unescaped %q", bad)
		}
	}
}

func TestRenderNotFound(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    NotFoundPage
		want []string
	}{
		{"unknown account", NotFoundPage{}, []string{"Không tìm thấy thủ tục", "quét lại mã QR"}},
		{"unknown code", NotFoundPage{Account: &testAccount}, []string{"Không tìm thấy thủ tục", "Nhắn tin với " + testAccount.Name + " trên Zalo"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := RenderNotFound(&buf, tc.p); err != nil {
				t.Fatal(err)
			}
			text := textOf(buf.String())
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("not-found text lacks %q: %s", w, text)
				}
			}
		})
	}
}

func TestPrintView(t *testing.T) {
	recs := testRecords()
	items, err := Items("https://oabot.example.vn", testAccount, recs, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, per := range []int{1, 4} {
		var buf bytes.Buffer
		o := PosterOptions{Paper: "a5", PerPage: per, Printed: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC), CatalogVersion: "v9"}
		if err := WritePrintView(&buf, testAccount, items, o); err != nil {
			t.Fatal(err)
		}
		page := buf.String()
		if n := strings.Count(page, `<section class="sheet">`); n != (len(items)+per-1)/per {
			t.Errorf("per page %d: %d sheets, want %d", per, n, (len(items)+per-1)/per)
		}
		if n := strings.Count(page, "<svg "); n != len(items) {
			t.Errorf("per page %d: %d inline SVG codes, want %d", per, n, len(items))
		}
		if !strings.Contains(page, "size:A5 portrait") {
			t.Errorf("per page %d: no @page size A5", per)
		}
		text := textOf(page)
		for _, r := range recs {
			if !strings.Contains(text, nfc(r.Name)) || !strings.Contains(text, "Nhắn "+MessageText(r)) {
				t.Errorf("print view lacks %q or its short code", nfc(r.Name))
			}
		}
		if !strings.Contains(text, "In ngày 28/11/2026") {
			t.Error("print view lacks the print date")
		}
		browsertest.SaveArtifact(t, "qr", "print-view-a5.html", buf.Bytes())
	}
}

func TestFooterUsesVietnamDate(t *testing.T) {
	// 20:00 UTC on 28 November is already 29 November in Vietnam.
	got := footer(time.Date(2026, 11, 28, 20, 0, 0, 0, time.UTC), "v1")
	if !strings.Contains(got, "29/11/2026") || !strings.Contains(got, "v1") {
		t.Errorf("footer = %q, want the Vietnam date 29/11/2026 and the version", got)
	}
}

func TestTargetAndLabels(t *testing.T) {
	a := testAccount
	for _, tc := range []struct {
		name            string
		mode, miniApp   string
		base, code, src string
		want            string
	}{
		{"landing", "", "", "https://oabot.example.vn/", "1.004222", "", "https://oabot.example.vn/q/ubnd-ben-nghe/1.004222"},
		{"landing src", "landing", "", "https://oabot.example.vn", "1.004222", "Bảng tin Tổ 3", "https://oabot.example.vn/q/ubnd-ben-nghe/1.004222?src=bang-tin-to-3"},
		{"landing bad src", "landing", "", "https://oabot.example.vn", "1.004222", "<>!!", "https://oabot.example.vn/q/ubnd-ben-nghe/1.004222"},
		{"miniapp", "miniapp", "321", "https://x", "1.004222", "a", "https://zalo.me/s/321/?oa=4318692012345678901&p=1.004222"},
		{"oa", "oa", "", "", "1.004222", "a", "https://zalo.me/4318692012345678901"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a.Mode, a.MiniAppID = Mode(tc.mode), tc.miniApp
			got, err := Target(tc.base, a, tc.code, tc.src)
			if err != nil || got != tc.want {
				t.Errorf("Target = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	for _, bad := range []struct {
		name string
		mode Mode
		base string
	}{{"relative base", ModeLanding, "/q"}, {"miniapp without id", ModeMiniApp, ""}, {"unknown mode", "web", ""}} {
		a.Mode, a.MiniAppID = bad.mode, ""
		if _, err := Target(bad.base, a, "1", ""); err == nil {
			t.Errorf("Target(%s): want error", bad.name)
		}
	}
	if got := SanitizeLabel(strings.Repeat("ab", 40)); len(got) != MaxLabelLen {
		t.Errorf("SanitizeLabel(80 chars) has %d chars, want %d", len(got), MaxLabelLen)
	}
	if got := SanitizeLabel("Đường Lê Lợi"); got != "duong-le-loi" {
		t.Errorf("SanitizeLabel(Đường Lê Lợi) = %q, want duong-le-loi", got)
	}
}
