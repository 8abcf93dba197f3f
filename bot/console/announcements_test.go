package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/oabot/oabot/bot/broadcast"
	"github.com/oabot/oabot/bot/inmem"
)

// testAnnouncements is the announcements source on a real broadcast.Service over the
// in-memory campaign store and follower registry (no runner: campaigns stay running until
// an officer acts), with the audit entries kept.
type testAnnouncements struct {
	*broadcast.Service
	followers *inmem.FollowerRegistry
	now       func() time.Time
	audit     *auditLog
}

var testOAs = map[string]broadcast.Account{"phuong-a": {ID: "phuong-a", OAID: "oa-a"}, "xa-b": {ID: "xa-b", OAID: "oa-b"}}

func (a testAnnouncements) Audience(ctx context.Context, account string) (broadcast.FollowerCounts, error) {
	acct, ok := testOAs[account]
	if !ok {
		return broadcast.FollowerCounts{}, broadcast.ErrUnknownAccount
	}
	return a.followers.Counts(ctx, acct.OAID, a.now())
}

func (a testAnnouncements) Procedures(account string) []Procedure {
	if account != "phuong-a" {
		return nil
	}
	return []Procedure{{Code: "1.001193", Name: "Đăng ký khai sinh"}, {Code: "1.004227", Name: "Đăng ký kết hôn"}}
}

func (a testAnnouncements) Audit(_ context.Context, by Officer, action, account, target string, err error) {
	res := "ok"
	if err != nil {
		res = "error"
	}
	a.audit.add(fmt.Sprintf("%s %s %s %s %s", by.Name, action, account, target, res))
}

func newAnnouncementsEnv(t *testing.T) (*env, testAnnouncements) {
	t.Helper()
	var src testAnnouncements
	e := newEnv(t, "inmem", withIPs, func(o *Options) {
		followers := inmem.NewFollowerRegistry()
		svc, err := broadcast.New(broadcast.Deps{Store: inmem.NewCampaignStore(), Followers: followers, Accounts: testOAs,
			Now: o.Now, RatePerSecond: 10,
			RenderCard: func(_ context.Context, account, code string) ([]broadcast.Message, error) {
				return []broadcast.Message{{Text: "Hướng dẫn thủ tục " + code,
					Buttons: []broadcast.Button{{Title: "Giấy tờ cần mang", Type: "oa.query.show", Payload: "#giay-to"}}}}, nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		src = testAnnouncements{Service: svc, followers: followers, now: o.Now, audit: &auditLog{}}
		o.Sections = append(o.Sections, &Announcements{Source: src})
	})
	ctx := context.Background()
	yes := true
	// Three citizens follow phuong-a and wrote in the last day; one followed but never wrote
	// (Zalo would refuse him); one follows xa-b.
	for _, u := range []string{"u1", "u2", "u3"} {
		if err := src.followers.Touch(ctx, "oa-a", u, e.clock.Now().Add(-time.Hour), &yes); err != nil {
			t.Fatal(err)
		}
	}
	if err := src.followers.AddFollowers(ctx, "oa-a", []string{"u4"}); err != nil {
		t.Fatal(err)
	}
	if err := src.followers.SetLabel(ctx, "oa-a", "u1", "Khu phố 3", true); err != nil {
		t.Fatal(err)
	}
	if err := src.followers.Touch(ctx, "oa-b", "v1", e.clock.Now(), &yes); err != nil {
		t.Fatal(err)
	}
	e.officer("bao", RoleBroadcaster, "mật khẩu B1", "phuong-a")
	e.officer("lan", RoleEditor, "mật khẩu L1", "phuong-a")
	e.officer("viewer", RoleViewer, "mật khẩu V1", "phuong-a")
	e.officer("binh", RoleBroadcaster, "mật khẩu X1", "xa-b")
	return e, src
}

var planIDRE = regexp.MustCompile(`name="plan_id" value="([^"]+)"`)

// sendAnnouncement writes, previews, sends and confirms an announcement as b; it returns
// the campaign id.
func sendAnnouncement(t *testing.T, b *browser, form url.Values) string {
	t.Helper()
	b.get("/announcements/new")
	form.Set("action", "send")
	if resp := b.post("/announcements/new", form, "page"); resp.StatusCode != http.StatusOK || !strings.Contains(b.body, "Xác nhận gửi") {
		t.Fatalf("send = %d:\n%s", resp.StatusCode, b.body)
	}
	m := planIDRE.FindStringSubmatch(b.body)
	if m == nil {
		t.Fatalf("no plan id on the confirmation page:\n%s", b.body)
	}
	resp := b.post("/announcements/confirm", url.Values{"plan_id": {m[1]}}, "page")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/announcements/"+m[1] {
		t.Fatalf("confirm = %d %s:\n%s", resp.StatusCode, resp.Header.Get("Location"), b.body)
	}
	return m[1]
}

func TestAnnouncementsPlanConfirmCreate(t *testing.T) {
	e, src := newAnnouncementsEnv(t)
	b := e.browser()
	b.signIn("bao", "mật khẩu B1")
	if resp := b.get("/announcements"); resp.StatusCode != http.StatusOK || !strings.Contains(b.body, "Soạn thông báo mới") ||
		!strings.Contains(b.body, "chưa gửi thông báo nào") {
		t.Fatalf("list = %d:\n%s", resp.StatusCode, b.body)
	}
	if resp := b.get("/announcements/new"); resp.StatusCode != http.StatusOK {
		t.Fatalf("form = %d:\n%s", resp.StatusCode, b.body)
	}
	for _, want := range []string{`maxlength="2000"`, `value="label:Khu phố 3"`, "Đăng ký khai sinh", `value="all" checked`, "4 người"} {
		if !strings.Contains(b.body, want) {
			t.Errorf("form lacks %q", want)
		}
	}

	text := "Từ 01/12, bộ phận một cửa làm việc cả sáng thứ Bảy."
	form := url.Values{"text": {text}, "code": {"1.001193"}, "audience": {"all"}, "action": {"preview"}}
	if resp := b.post("/announcements/new", form, "page"); resp.StatusCode != http.StatusOK {
		t.Fatalf("preview = %d:\n%s", resp.StatusCode, b.body)
	}
	for _, want := range []string{"Xem trước", `<span class="stat-value">3</span> <span class="stat-label">người sẽ nhận`,
		`<span class="stat-value">4</span> <span class="stat-label">người trong nhóm`, "1 người chưa từng nhắn tin với OA",
		`<p class="zalo-bubble">` + text + `</p>`, "Hướng dẫn thủ tục 1.001193", "Giấy tờ cần mang", "đã viết 51 ký tự"} {
		if !strings.Contains(b.body, want) {
			t.Errorf("preview lacks %q:\n%s", want, b.body)
		}
	}
	if cs, _, _ := src.List(context.Background(), 10); len(cs) != 0 {
		t.Fatalf("a preview created %d campaigns", len(cs))
	}

	id := sendAnnouncement(t, b, form)
	// A second press of "Xác nhận gửi" (double tap, reload) creates nothing more.
	b.get("/announcements/" + id)
	if resp := b.post("/announcements/confirm", url.Values{"plan_id": {id}}, "page"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("second confirm = %d", resp.StatusCode)
	}
	cs, ps, err := src.List(context.Background(), 10)
	if err != nil || len(cs) != 1 || ps[0].Total != 4 || cs[0].CreatedBy != "bao" || cs[0].Spec.ProcedureCode != "1.001193" {
		t.Fatalf("campaigns = %+v %+v %v, want one of 4 recipients by bao", cs, ps, err)
	}
	if resp := b.get("/announcements/" + id); resp.StatusCode != http.StatusOK {
		t.Fatalf("campaign page = %d", resp.StatusCode)
	}
	for _, want := range []string{"Đang gửi thông báo tới 3 người", "Tình trạng: Đang gửi", "Đăng ký khai sinh (1.001193)", `<meta http-equiv="refresh" content="3">`,
		"Đã gửi 0/4", "Tạm dừng", "Huỷ gửi", "report.csv", text} {
		if !strings.Contains(b.body, want) {
			t.Errorf("campaign page lacks %q:\n%s", want, b.body)
		}
	}
	if resp := b.get("/announcements"); resp.StatusCode != http.StatusOK || !strings.Contains(b.body, "/console/announcements/"+id) ||
		!strings.Contains(b.body, "Đang gửi") {
		t.Errorf("list = %d:\n%s", resp.StatusCode, b.body)
	}
	got := strings.Join(src.audit.all(), "\n")
	for _, want := range []string{"bao campaign.plan phuong-a", "bao campaign.create phuong-a " + id + " ok"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "thứ Bảy") {
		t.Error("the audit trail holds the announcement's text")
	}

	// "Sửa lại" brings the form back with what was written.
	b.get("/announcements/new")
	form.Set("action", "edit")
	if resp := b.post("/announcements/new", form, "page"); resp.StatusCode != http.StatusOK || !strings.Contains(b.body, text+"</textarea>") {
		t.Errorf("edit = %d:\n%s", resp.StatusCode, b.body)
	}
}

func TestAnnouncementsFormErrors(t *testing.T) {
	e, src := newAnnouncementsEnv(t)
	b := e.browser()
	b.signIn("bao", "mật khẩu B1")
	for _, tt := range []struct {
		name string
		form url.Values
		want string
	}{
		{"empty", url.Values{"text": {"  "}, "audience": {"all"}}, "Vui lòng nhập nội dung thông báo."},
		{"too long", url.Values{"text": {strings.Repeat("ệ", 2001)}, "audience": {"all"}}, "Nội dung dài 2.001 ký tự, tối đa 2.000 ký tự."},
		{"procedure of no office", url.Values{"text": {"x"}, "code": {"9.999999"}, "audience": {"all"}}, "không thuộc danh mục của đơn vị"},
		{"unknown audience", url.Values{"text": {"x"}, "audience": {"label:Không có"}}, "Vui lòng chọn người nhận."},
		{"nobody reachable", url.Values{"text": {"x"}, "audience": {"tag:none"}, "action": {"send"}}, "Vui lòng chọn người nhận."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b.get("/announcements/new")
			if tt.form.Get("action") == "" {
				tt.form.Set("action", "preview")
			}
			if resp := b.post("/announcements/new", tt.form, "page"); resp.StatusCode != http.StatusUnprocessableEntity ||
				!strings.Contains(b.body, tt.want) || !strings.Contains(b.body, `field-invalid`) {
				t.Errorf("= %d, want 422 with %q:\n%s", resp.StatusCode, tt.want, b.body)
			}
		})
	}
	// A label whose followers are all outside the window: planned, but not sent.
	ctx := context.Background()
	if err := src.followers.SetLabel(ctx, "oa-a", "u4", "Tổ 9", true); err != nil {
		t.Fatal(err)
	}
	b.get("/announcements/new")
	resp := b.post("/announcements/new", url.Values{"text": {"x"}, "audience": {"label:Tổ 9"}, "action": {"send"}}, "page")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(b.body, "Chưa có người dân nào nhận được") {
		t.Errorf("send to nobody = %d:\n%s", resp.StatusCode, b.body)
	}
	if cs, _, _ := src.List(ctx, 10); len(cs) != 0 {
		t.Errorf("%d campaigns created, want none", len(cs))
	}
}

func TestAnnouncementsRolesAndCSRF(t *testing.T) {
	e, _ := newAnnouncementsEnv(t)
	bao := e.browser()
	bao.signIn("bao", "mật khẩu B1")
	id := sendAnnouncement(t, bao, url.Values{"text": {"Lịch tiếp dân tháng 12"}, "audience": {"all"}})

	for _, name := range []string{"viewer", "lan"} {
		t.Run(name, func(t *testing.T) {
			b := e.browser()
			pw := map[string]string{"viewer": "mật khẩu V1", "lan": "mật khẩu L1"}[name]
			b.signIn(name, pw)
			if resp := b.get("/announcements"); resp.StatusCode != http.StatusOK || strings.Contains(b.body, "Soạn thông báo mới") ||
				!strings.Contains(b.body, "Lịch tiếp dân tháng 12") {
				t.Errorf("list = %d:\n%s", resp.StatusCode, b.body)
			}
			if resp := b.get("/announcements/" + id); resp.StatusCode != http.StatusOK || strings.Contains(b.body, "/pause") {
				t.Errorf("campaign page = %d (want 200 without controls):\n%s", resp.StatusCode, b.body)
			}
			if resp := b.get("/announcements/new"); resp.StatusCode != http.StatusForbidden {
				t.Errorf("GET new = %d, want 403", resp.StatusCode)
			}
			b.get("/announcements")
			for _, p := range []string{"/announcements/new", "/announcements/confirm", "/announcements/" + id + "/pause", "/announcements/" + id + "/cancel"} {
				if resp := b.post(p, url.Values{"text": {"x"}, "audience": {"all"}, "action": {"send"}, "plan_id": {id}}, "page"); resp.StatusCode != http.StatusForbidden {
					t.Errorf("POST %s = %d, want 403", p, resp.StatusCode)
				}
			}
			if resp := b.get("/announcements/" + id + "/report.csv"); resp.StatusCode != http.StatusOK {
				t.Errorf("report = %d", resp.StatusCode)
			}
		})
	}

	// Another office's broadcaster: the campaign does not exist for them.
	binh := e.browser()
	binh.signIn("binh", "mật khẩu X1")
	if resp := binh.get("/announcements/" + id); resp.StatusCode != http.StatusNotFound {
		t.Errorf("other office: campaign page = %d, want 404", resp.StatusCode)
	}
	if resp := binh.get("/announcements/" + id + "/report.csv"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("other office: report = %d, want 404", resp.StatusCode)
	}
	binh.get("/announcements")
	if strings.Contains(binh.body, id) {
		t.Error("other office lists the campaign")
	}
	if resp := binh.post("/announcements/"+id+"/cancel", nil, "page"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("other office: cancel = %d, want 404", resp.StatusCode)
	}

	// Without the CSRF token (or with another session's), every POST is refused.
	bao.get("/announcements/new")
	for _, p := range []string{"/announcements/new", "/announcements/confirm", "/announcements/" + id + "/pause"} {
		if resp := bao.post(p, url.Values{"text": {"x"}, "audience": {"all"}, "action": {"preview"}, "plan_id": {id}}, ""); resp.StatusCode != http.StatusForbidden ||
			!strings.Contains(bao.body, "Phiên làm việc đã hết hạn") {
			t.Errorf("POST %s without CSRF = %d, want 403", p, resp.StatusCode)
		}
		if resp := bao.post(p, url.Values{"plan_id": {id}}, binh.csrf()); resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s with another session's token = %d, want 403", p, resp.StatusCode)
		}
	}
}

func TestAnnouncementsPauseResumeCancelReport(t *testing.T) {
	e, src := newAnnouncementsEnv(t)
	b := e.browser()
	b.signIn("bao", "mật khẩu B1")
	id := sendAnnouncement(t, b, url.Values{"text": {"Mời đóng góp ý kiến"}, "audience": {"label:Khu phố 3"}})
	status := func() broadcast.Status {
		_, p, err := src.Status(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		return p.Status
	}
	step := func(action string, want broadcast.Status, flash string) {
		t.Helper()
		b.get("/announcements/" + id)
		resp := b.post("/announcements/"+id+"/"+action, nil, "page")
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/announcements/"+id {
			t.Fatalf("%s = %d %s:\n%s", action, resp.StatusCode, resp.Header.Get("Location"), b.body)
		}
		if got := status(); got != want {
			t.Errorf("after %s: status %s, want %s", action, got, want)
		}
		b.get("/announcements/" + id)
		if !strings.Contains(b.body, flash) {
			t.Errorf("after %s: page lacks %q:\n%s", action, flash, b.body)
		}
	}
	step("pause", broadcast.StatusPaused, "Đã tạm dừng")
	if !strings.Contains(b.body, "Tiếp tục gửi") || strings.Contains(b.body, "/pause") || strings.Contains(b.body, `http-equiv="refresh"`) {
		t.Errorf("paused page: want resume, no pause, no refresh:\n%s", b.body)
	}
	step("resume", broadcast.StatusRunning, "Đã tiếp tục gửi")
	step("cancel", broadcast.StatusCancelled, "Đã huỷ")
	if strings.Contains(b.body, "/pause") || strings.Contains(b.body, "/resume") || strings.Contains(b.body, "/cancel\"") {
		t.Errorf("cancelled page still has controls:\n%s", b.body)
	}
	step("pause", broadcast.StatusCancelled, "đã đổi trạng thái")
	got := strings.Join(src.audit.all(), "\n")
	for _, want := range []string{"campaign.pause phuong-a " + id + " ok", "campaign.resume phuong-a " + id + " ok",
		"campaign.cancel phuong-a " + id + " ok", "campaign.pause phuong-a " + id + " error"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit lacks %q:\n%s", want, got)
		}
	}

	resp := b.get("/announcements/" + id + "/report.csv")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("report = %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	if !strings.HasPrefix(b.body, "account,user_id,status,error_code,reason\n") || !strings.Contains(b.body, "phuong-a,u1,cancelled") {
		t.Errorf("report:\n%s", b.body)
	}
	if resp := b.get("/announcements/no-such-id"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown campaign = %d, want 404", resp.StatusCode)
	}
}
