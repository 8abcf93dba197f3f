package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/oabot/oabot/bot/accounts"
	"github.com/oabot/oabot/config"
)

// SettingsSource reads and saves an office's own settings (accounts.Registry) and renders
// the welcome as citizens will get it; cmd/oabot adapts the registry and the conversation.
type SettingsSource interface {
	// Settings returns what account serves now, the version of the office's saved
	// settings (0: the config file's serve) and the file's own.
	Settings(ctx context.Context, account string) (served config.Settings, version int64, file config.Settings, err error)
	// Save validates s as the config file's settings are and saves it as the version after
	// base: accounts.SettingsProblems or *accounts.SettingsConflictError when refused.
	Save(ctx context.Context, account string, s config.Settings, base int64, by Officer) (int64, error)
	// Reset goes back to the config file's settings.
	Reset(ctx context.Context, account string, base int64, by Officer) error
	// Preview renders the welcome a citizen following account would get with s.
	Preview(account string, s config.Settings) (text string, buttons []string, err error)
}

// Settings is "Cài đặt đơn vị": the welcome, quick-topic buttons, hours, offices
// (address, hours, phone, map position), a pinned notice with its start and end, and the
// signature — checked exactly as the config file is, previewed as the citizen will see
// the welcome, applied on every replica within seconds (editor and above). Identity,
// secrets and scope stay in the file.
type Settings struct {
	Source SettingsSource
}

// Routes registers the page.
func (p *Settings) Routes(r *Router) {
	r.Get("/settings", RoleEditor, p.form)
	r.Post("/settings", RoleEditor, p.save)
	r.Nav(NavSettings, "/settings")
}

// settingsRows: blank rows the form offers for a new quick topic or office.
const blankOfficeRows = 1

type settingsModel struct {
	Page
	S        config.Settings
	Base     int64
	Custom   bool
	Form     *Form
	Preview  *cardPreview
	Conflict *accounts.SettingsRecord
	Topics   []config.QuickTopic // always config.MaxQuickTopics rows
	Offices  []config.Office     // the offices and blank rows
	Start    string              // notice start, datetime-local in Vietnam time
	End      string
}

func (p *Settings) model(s *Session, st config.Settings, base int64, f *Form) *settingsModel {
	m := &settingsModel{Page: s.Page("Cài đặt đơn vị"), S: st, Base: base, Custom: base > 0, Form: f,
		Start: localTime(st.Notice.Start), End: localTime(st.Notice.End)}
	m.Topics = append(m.Topics, st.QuickTopics...)
	for len(m.Topics) < config.MaxQuickTopics {
		m.Topics = append(m.Topics, config.QuickTopic{})
	}
	m.Offices = append(m.Offices, st.Offices...)
	for range blankOfficeRows {
		m.Offices = append(m.Offices, config.Office{})
	}
	return m
}

const localLayout = "2006-01-02T15:04"

func localTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(vietnam).Format(localLayout)
}

func (p *Settings) form(w http.ResponseWriter, r *http.Request, s *Session) error {
	acc := s.Account()
	if err := s.RequireRole(RoleEditor, acc.ID); err != nil {
		return err
	}
	st, version, _, err := p.Source.Settings(r.Context(), acc.ID)
	if err != nil {
		return err
	}
	return s.Render(w, http.StatusOK, "settings", p.model(s, st, version, NewForm()))
}

// save previews, saves or resets the settings. Problems are shown at their fields; a save
// by another officer meanwhile is shown with this officer's values kept in the form.
func (p *Settings) save(w http.ResponseWriter, r *http.Request, s *Session) error {
	acc := s.Account()
	if err := s.RequireRole(RoleEditor, acc.ID); err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &HTTPError{Status: http.StatusBadRequest, Message: "Biểu mẫu không đọc được."}
	}
	base, err := strconv.ParseInt(r.PostForm.Get("base"), 10, 64)
	if err != nil || base < 0 {
		return &HTTPError{Status: http.StatusBadRequest, Message: "Biểu mẫu thiếu phiên bản; hãy mở lại trang."}
	}
	ctx := r.Context()
	if r.PostForm.Get("action") == "reset" {
		err := p.Source.Reset(ctx, acc.ID, base, s.Officer())
		var ce *accounts.SettingsConflictError
		switch {
		case errors.As(err, &ce):
			s.Flash("error", fmt.Sprintf("Chưa đặt lại: %s vừa lưu cài đặt (lần %d). Xem lại rồi thử lại.", ce.Current.UpdatedBy, ce.Current.Version))
		case err != nil:
			return err
		default:
			s.Flash("ok", "Đã dùng lại cài đặt trong tệp cấu hình.")
		}
		return s.Redirect(w, "/settings")
	}
	f := NewForm()
	st := settingsFromForm(r.PostForm, f)
	m := p.model(s, st, base, f)
	if f.Valid() {
		text, buttons, err := p.Source.Preview(acc.ID, st)
		if err != nil {
			return err
		}
		m.Preview = &cardPreview{Text: text, Buttons: buttons}
	}
	if f.Valid() && r.PostForm.Get("action") == "save" {
		v, err := p.Source.Save(ctx, acc.ID, st, base, s.Officer())
		var ce *accounts.SettingsConflictError
		var sp accounts.SettingsProblems
		switch {
		case errors.As(err, &ce):
			m.Conflict, m.Base = &ce.Current, ce.Current.Version
			return s.Render(w, http.StatusConflict, "settings", m)
		case errors.As(err, &sp):
			for _, msg := range sp {
				failSetting(f, msg)
			}
		case err != nil:
			return err
		default:
			s.Flash("ok", fmt.Sprintf("Đã lưu cài đặt (lần %d). Người dân nhận nội dung mới trong vài giây.", v))
			return s.Redirect(w, "/settings")
		}
	}
	status := http.StatusOK
	if !f.Valid() {
		status = http.StatusUnprocessableEntity
	}
	return s.Render(w, status, "settings", m)
}

// settingsFromForm reads the form. Rows left blank are dropped; a date that does not parse
// is a problem at its field.
func settingsFromForm(form url.Values, f *Form) config.Settings {
	get := func(k string) string { return strings.ReplaceAll(strings.TrimSpace(form.Get(k)), "\r\n", "\n") }
	st := config.Settings{Welcome: get("welcome"), Hours: get("hours"), Signature: get("signature")}
	st.Notice.Text = get("notice_text")
	for _, k := range []struct {
		name string
		t    *time.Time
	}{{"notice_start", &st.Notice.Start}, {"notice_end", &st.Notice.End}} {
		v := get(k.name)
		f.Set(k.name, v)
		if v == "" {
			continue
		}
		t, err := time.ParseInLocation(localLayout, v, vietnam)
		if err != nil {
			f.Fail(k.name, "Ngày giờ không đúng dạng.")
			continue
		}
		*k.t = t.UTC()
	}
	for i := range config.MaxQuickTopics {
		title, payload := get(fmt.Sprintf("topic_title_%d", i)), get(fmt.Sprintf("topic_payload_%d", i))
		if title == "" && payload == "" {
			continue
		}
		if payload == "" {
			payload = title // the button sends its title, as the bot does without a payload
		}
		st.QuickTopics = append(st.QuickTopics, config.QuickTopic{Title: title, Payload: payload})
	}
	for i := 0; i < config.MaxOffices+blankOfficeRows && form.Has(fmt.Sprintf("office_name_%d", i)); i++ {
		k := func(field string) string { return get(fmt.Sprintf("office_%s_%d", field, i)) }
		if k("remove") == "1" || k("name")+k("address")+k("phone")+k("hours") == "" {
			continue
		}
		o := config.Office{Name: k("name"), Address: k("address"), Hours: k("hours"), Phone: k("phone")}
		var err1, err2 error
		if v := k("lat"); v != "" {
			o.Lat, err1 = strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64)
		}
		if v := k("lng"); v != "" {
			o.Lng, err2 = strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64)
		}
		if err1 != nil || err2 != nil {
			f.Fail(fmt.Sprintf("office_lat_%d", i), "Vĩ độ, kinh độ là số, ví dụ 10.7769 và 106.7009.")
		}
		st.Offices = append(st.Offices, o)
	}
	for _, msg := range config.ValidateSettings("", st) {
		failSetting(f, msg)
	}
	return st
}

// settingFields maps config.ValidateSettings' field paths to the form's fields.
var settingFields = []struct{ prefix, field string }{
	{"welcome", "welcome"}, {"hours", "hours"}, {"signature", "signature"},
	{"notice.text", "notice_text"}, {"notice.end", "notice_end"}, {"quick_topics", "topic_title_0"},
}

// failSetting puts one problem of config.ValidateSettings on its form field, in words an
// officer reads.
func failSetting(f *Form, msg string) {
	path, what, _ := strings.Cut(msg, ": ")
	what = settingText(what)
	var i int
	switch {
	case sscan(path, "quick_topics[%d]", &i):
		f.Fail(fmt.Sprintf("topic_title_%d", i), fmt.Sprintf("Nút %d: %s", i+1, what))
		return
	case sscan(path, "offices[%d]", &i):
		f.Fail(fmt.Sprintf("office_name_%d", i), fmt.Sprintf("Trụ sở %d: %s", i+1, what))
		return
	}
	for _, sf := range settingFields {
		if path == sf.prefix {
			f.Fail(sf.field, what)
			return
		}
	}
	f.FailForm(msg)
}

func sscan(s, format string, i *int) bool {
	n, err := fmt.Sscanf(s, format, i)
	return err == nil && n == 1
}

// settingText says config's findings in Vietnamese.
func settingText(what string) string {
	var n, max int
	switch {
	case sscanf2(what, "%d characters, at most %d", &n, &max):
		return fmt.Sprintf("dài %d ký tự, tối đa %d", n, max)
	case strings.HasPrefix(what, "title and payload are required"):
		return "cần có chữ trên nút"
	case strings.HasPrefix(what, "name and address are required"):
		return "cần tên và địa chỉ"
	case strings.HasPrefix(what, "lat/lng out of range"):
		return "vĩ độ, kinh độ không hợp lệ"
	case strings.HasPrefix(what, "must be after notice.start"):
		return "thời điểm kết thúc phải sau thời điểm bắt đầu"
	case sscanf2(what, "%d topics, at most %d", &n, &max):
		return fmt.Sprintf("%d nút, tối đa %d (Zalo cho 5 nút mỗi tin)", n, max)
	}
	return what
}

func sscanf2(s, format string, a, b *int) bool {
	n, err := fmt.Sscanf(s, format, a, b)
	return err == nil && n == 2
}
