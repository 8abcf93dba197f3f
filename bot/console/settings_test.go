package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/oabot/oabot/bot/accounts"
	"github.com/oabot/oabot/config"
)

// testSettings keeps settings like the registry does: the file's, an office's saved
// ones over them (accounts.MemorySettings, compare-and-set), checked by config.
type testSettings struct {
	store *accounts.MemorySettings
	mu    sync.Mutex
	saves []string
}

var fileSettings = config.Settings{Welcome: "Chào từ tệp", Hours: "T2-T6 07:30-17:00"}

func (t *testSettings) Settings(ctx context.Context, account string) (config.Settings, int64, config.Settings, error) {
	recs, _ := t.store.ListSettings(ctx)
	for _, r := range recs {
		if r.Account == account {
			return r.Settings, r.Version, fileSettings, nil
		}
	}
	return fileSettings, 0, fileSettings, nil
}

func (t *testSettings) Save(ctx context.Context, account string, s config.Settings, base int64, by Officer) (int64, error) {
	if bad := config.ValidateSettings("", s); len(bad) > 0 {
		return 0, accounts.SettingsProblems(bad)
	}
	rec, err := t.store.PutSettings(ctx, accounts.SettingsRecord{Account: account, Settings: s, UpdatedBy: by.Name}, base)
	if err == nil {
		t.mu.Lock()
		t.saves = append(t.saves, by.Name)
		t.mu.Unlock()
	}
	return rec.Version, err
}

func (t *testSettings) Reset(ctx context.Context, account string, base int64, _ Officer) error {
	return t.store.DeleteSettings(ctx, account, base)
}

func (t *testSettings) Preview(_ string, s config.Settings) (string, []string, error) {
	var titles []string
	for _, q := range s.QuickTopics {
		titles = append(titles, q.Title)
	}
	return s.Welcome, titles, nil
}

func TestSettingsPage(t *testing.T) {
	src := &testSettings{store: accounts.NewMemorySettings()}
	e := newEnv(t, "inmem", withIPs, func(o *Options) { o.Sections = append(o.Sections, &Settings{Source: src}) })
	e.officer("lan", RoleEditor, "mật khẩu L1", "phuong-a")
	e.officer("minh", RoleViewer, "mật khẩu M1", "phuong-a")
	b := e.browser()
	b.signIn("lan", "mật khẩu L1")
	if resp := b.get("/settings"); resp.StatusCode != http.StatusOK || !strings.Contains(b.body, "Chào từ tệp") || !strings.Contains(b.body, "cài đặt trong tệp cấu hình") {
		t.Fatalf("settings page = %d:\n%s", resp.StatusCode, b.body)
	}
	form := url.Values{"base": {"0"}, "action": {"preview"}, "welcome": {"Chào bạn, UBND phường An Khánh"}, "hours": {"T2-T6 07:30-11:30 13:30-17:00"},
		"topic_title_0": {"Khai sinh"}, "topic_payload_0": {"dang ky khai sinh"}, "topic_title_1": {"Giờ làm việc"},
		"office_name_0": {"UBND phường An Khánh"}, "office_address_0": {"1 Đường Mẫu"}, "office_lat_0": {"10,7769"}, "office_lng_0": {"106.7009"},
		"notice_text": {"Nghỉ lễ 2/9"}, "notice_start": {"2026-09-01T00:00"}, "notice_end": {"2026-09-03T00:00"}}
	if resp := b.post("/settings", form, "page"); resp.StatusCode != http.StatusOK || !strings.Contains(b.body, `<p class="zalo-bubble">Chào bạn, UBND phường An Khánh</p>`) ||
		!strings.Contains(b.body, `<p class="zalo-button">Giờ làm việc</p>`) {
		t.Fatalf("preview = %d:\n%s", resp.StatusCode, b.body)
	}
	// Problems at their fields, in Vietnamese, nothing saved.
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("action", "save")
	bad.Set("topic_title_2", strings.Repeat("x", 40))
	bad.Set("notice_end", "2026-08-01T00:00")
	if resp := b.post("/settings", bad, "page"); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(b.body, `id="f-topic_title_2-error">Nút 3: dài 40 ký tự, tối đa 35`) ||
		!strings.Contains(b.body, `id="f-notice_end-error">thời điểm kết thúc phải sau thời điểm bắt đầu`) {
		t.Fatalf("invalid save = %d:\n%s", resp.StatusCode, b.body)
	}
	form.Set("action", "save")
	if resp := b.post("/settings", form, "page"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save = %d:\n%s", resp.StatusCode, b.body)
	}
	st, v, _, _ := src.Settings(context.Background(), "phuong-a")
	if v != 1 || st.Welcome != "Chào bạn, UBND phường An Khánh" || len(st.QuickTopics) != 2 || st.QuickTopics[1].Payload != "Giờ làm việc" ||
		len(st.Offices) != 1 || st.Offices[0].Lat != 10.7769 || st.Notice.Start.Hour() != 17 /* 00:00 in Vietnam */ {
		t.Fatalf("saved %+v (version %d)", st, v)
	}
	// Another officer who opened the page before the save: shown the other's save, their
	// values kept.
	form.Set("welcome", "Lời chào khác")
	b.get("/settings")
	if resp := b.post("/settings", form, "page"); resp.StatusCode != http.StatusConflict || !strings.Contains(b.body, "lan vừa lưu cài đặt (lần 1") ||
		!strings.Contains(b.body, "Lời chào khác") || !strings.Contains(b.body, `name="base" value="1"`) {
		t.Fatalf("stale save = %d:\n%s", resp.StatusCode, b.body)
	}
	// Back to the file's.
	b.get("/settings")
	if resp := b.post("/settings", url.Values{"base": {"1"}, "action": {"reset"}}, "page"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset = %d", resp.StatusCode)
	}
	if _, v, _, _ := src.Settings(context.Background(), "phuong-a"); v != 0 {
		t.Fatal("reset kept the saved settings")
	}
	// A viewer cannot open it; without CSRF nothing is saved.
	m := e.browser()
	m.signIn("minh", "mật khẩu M1")
	if resp := m.get("/settings"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer = %d, want 403", resp.StatusCode)
	}
	form.Set("base", "0")
	form.Del("csrf") // post() left the last page's token in the map
	if resp := b.post("/settings", form, ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("save without CSRF = %d, want 403", resp.StatusCode)
	}
}
