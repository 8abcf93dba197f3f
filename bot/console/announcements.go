package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oabot/oabot/bot/broadcast"
)

// AnnouncementSource is what the announcements pages read and change: the campaign
// service (*broadcast.Service has the first nine methods), the account's followers for
// the audience choice, the office's procedures for the attached card, and the audit
// trail. cmd/oabot adapts the campaign kit to it.
type AnnouncementSource interface {
	Plan(ctx context.Context, spec broadcast.Spec, officer string) (broadcast.Plan, error)
	GetPlan(ctx context.Context, id string) (broadcast.Plan, error)
	Create(ctx context.Context, planID, officer string) (broadcast.Campaign, broadcast.Progress, error)
	Status(ctx context.Context, id string) (broadcast.Campaign, broadcast.Progress, error)
	List(ctx context.Context, limit int) ([]broadcast.Campaign, []broadcast.Progress, error)
	Pause(ctx context.Context, id string) (broadcast.Progress, error)
	Resume(ctx context.Context, id string) (broadcast.Progress, error)
	Cancel(ctx context.Context, id string) (broadcast.Progress, error)
	WriteReport(ctx context.Context, id string, w io.Writer) error
	// Audience counts the account's followers, by Zalo tag and by label of ours;
	// broadcast.ErrUnknownAccount when the account cannot send announcements.
	Audience(ctx context.Context, account string) (broadcast.FollowerCounts, error)
	// Procedures are the ones the office handles (its scope), in catalogue order.
	Procedures(account string) []Procedure
	// Audit records a campaign action ("campaign.plan", "campaign.create",
	// "campaign.pause", …) with the campaign or plan id as target.
	Audit(ctx context.Context, by Officer, action, account, target string, err error)
}

// Announcements is "Thông báo": the account's announcements (campaigns), newest first,
// with their counts; a form to write one (text, an optional procedure card, the
// audience), "Xem trước" showing who it reaches and what the citizen gets, "Gửi" the
// same numbers for a last look and "Xác nhận gửi" creating it; each announcement's
// progress with pause, resume and cancel, and its CSV report. The same flow as the
// admin API's /admin/v1/campaigns, with the console session instead of a token.
// Broadcasters send and control; every officer of the account reads.
type Announcements struct {
	Source AnnouncementSource
}

// Routes registers the list, the form and its confirmation, the campaign page, its
// controls and its report.
func (a *Announcements) Routes(r *Router) {
	r.Get("/announcements", RoleViewer, a.list)
	r.Get("/announcements/new", RoleBroadcaster, a.newForm)
	r.Post("/announcements/new", RoleBroadcaster, a.submit)
	r.Post("/announcements/confirm", RoleBroadcaster, a.confirm)
	r.Get("/announcements/{id}", RoleViewer, a.show)
	r.Get("/announcements/{id}/report.csv", RoleViewer, a.report)
	r.Post("/announcements/{id}/pause", RoleBroadcaster, a.control("pause"))
	r.Post("/announcements/{id}/resume", RoleBroadcaster, a.control("resume"))
	r.Post("/announcements/{id}/cancel", RoleBroadcaster, a.control("cancel"))
	r.Nav(NavAnnouncements, "/announcements")
}

// announcementsListed caps the campaigns read for the list.
const announcementsListed = 100

// refreshSeconds is how often a running campaign's page reloads itself.
const refreshSeconds = 3

// annRow is one announcement of the list.
type annRow struct {
	ID, Text, By             string
	Created                  time.Time
	Status                   broadcast.Status
	StatusLabel              string
	Total, Sent, Failed      int64
	Pending, Skipped, Unsure int64
}

type announcementsModel struct {
	Page
	Rows    []annRow
	CanSend bool
}

func (a *Announcements) list(w http.ResponseWriter, r *http.Request, s *Session) error {
	acc := s.Account()
	if err := s.RequireRole(RoleViewer, acc.ID); err != nil {
		return err
	}
	cs, ps, err := a.Source.List(r.Context(), announcementsListed)
	if err != nil {
		return err
	}
	m := announcementsModel{Page: s.Page("Thông báo"), CanSend: s.Can(RoleBroadcaster, acc.ID)}
	for i, c := range cs {
		if !slices.Contains(c.Spec.Accounts, acc.ID) || !a.visible(s, c, RoleViewer) {
			continue
		}
		m.Rows = append(m.Rows, rowOf(c, ps[i]))
	}
	slices.SortStableFunc(m.Rows, func(x, y annRow) int { return y.Created.Compare(x.Created) })
	return s.Render(w, http.StatusOK, "announcements", &m)
}

func rowOf(c broadcast.Campaign, p broadcast.Progress) annRow {
	return annRow{ID: c.ID, Text: excerpt(c.Spec.Text, 120), By: c.CreatedBy, Created: c.CreatedAt,
		Status: p.Status, StatusLabel: statusLabel(p.Status), Total: int64(p.Total), Sent: int64(p.Sent),
		Failed: int64(p.Failed), Pending: int64(p.Remaining), Skipped: int64(p.Skipped), Unsure: int64(p.Unknown)}
}

// visible reports whether the officer has role on every account of the campaign (its
// ids are random: one outside the scope is answered as not found).
func (a *Announcements) visible(s *Session, c broadcast.Campaign, role Role) bool {
	if len(c.Spec.Accounts) == 0 {
		return false
	}
	for _, acct := range c.Spec.Accounts {
		if !s.Can(role, acct) {
			return false
		}
	}
	return true
}

func excerpt(text string, n int) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= n {
		return text
	}
	return string([]rune(text)[:n]) + "…"
}

func statusLabel(st broadcast.Status) string {
	switch st {
	case broadcast.StatusScheduled:
		return "Đã hẹn giờ"
	case broadcast.StatusRunning:
		return "Đang gửi"
	case broadcast.StatusPaused:
		return "Tạm dừng"
	case broadcast.StatusCancelled:
		return "Đã huỷ"
	case broadcast.StatusDone:
		return "Đã gửi xong"
	}
	return string(st)
}

// audienceChoice is one audience of the form.
type audienceChoice struct {
	Value, Label string
	Count        int64
}

// messageView is one Zalo message as the citizen sees it.
type messageView struct {
	Text    string
	Image   bool
	Buttons []string
}

// reasonCount is one reason some followers are not reached, with how many.
type reasonCount struct {
	Label string
	N     int64
}

// planView is a plan as the officer reads it before sending.
type planView struct {
	ID                   string
	Recipients           int64
	Reachable            int64
	Unreachable          []reasonCount
	MessagesPerRecipient int
	Messages             []messageView
	Duration             string
	Rules                []string
	Expires              time.Time
	Audience             string
	Procedure            string
}

type announcementFormModel struct {
	Page
	Form       *Form
	Procedures []Procedure
	Audiences  []audienceChoice
	MaxRunes   int64
	Runes      int64
	// Unavailable: this account cannot send announcements (no campaign client).
	Unavailable bool
	Plan        *planView
	// Confirm shows the plan for a last look and the "Xác nhận gửi" button instead of
	// the form (the form's values ride along in hidden fields for "Sửa lại").
	Confirm bool
}

func (a *Announcements) newForm(w http.ResponseWriter, r *http.Request, s *Session) error {
	acc := s.Account()
	if err := s.RequireRole(RoleBroadcaster, acc.ID); err != nil {
		return err
	}
	f := NewForm()
	f.Set("audience", string(broadcast.SegmentAll))
	m, err := a.formModel(r.Context(), s, acc.ID, f)
	if err != nil {
		return err
	}
	return s.Render(w, http.StatusOK, "announcements_new", m)
}

func (a *Announcements) formModel(ctx context.Context, s *Session, account string, f *Form) (*announcementFormModel, error) {
	m := &announcementFormModel{Page: s.Page("Soạn thông báo"), Form: f, MaxRunes: broadcast.MaxTextRunes,
		Runes: int64(utf8.RuneCountInString(f.Get("text")))}
	counts, err := a.Source.Audience(ctx, account)
	if errors.Is(err, broadcast.ErrUnknownAccount) {
		m.Unavailable = true
		return m, nil
	}
	if err != nil {
		return nil, err
	}
	m.Procedures = a.Source.Procedures(account)
	m.Audiences = audiences(counts)
	return m, nil
}

// audiences are the segments the form offers: every follower, those inside the
// consultation window, and each label and tag with its count.
func audiences(c broadcast.FollowerCounts) []audienceChoice {
	days := int(broadcast.ConsultationWindow.Hours() / 24)
	out := []audienceChoice{
		{Value: string(broadcast.SegmentAll), Label: "Tất cả người quan tâm OA", Count: int64(c.Followers)},
		{Value: string(broadcast.SegmentInteracted), Label: fmt.Sprintf("Người đã nhắn tin với OA trong %d ngày qua", days),
			Count: int64(c.InWindow)},
	}
	for _, name := range sortedKeys(c.Labels) {
		out = append(out, audienceChoice{Value: "label:" + name, Label: "Nhóm " + name, Count: int64(c.Labels[name])})
	}
	for _, name := range sortedKeys(c.Tags) {
		out = append(out, audienceChoice{Value: "tag:" + name, Label: "Thẻ Zalo " + name, Count: int64(c.Tags[name])})
	}
	return out
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// segmentOf reads the form's audience value; ok is false for one the form did not offer.
func segmentOf(value string, choices []audienceChoice) (broadcast.Segment, string, bool) {
	i := slices.IndexFunc(choices, func(c audienceChoice) bool { return c.Value == value })
	if i < 0 {
		return broadcast.Segment{}, "", false
	}
	label := choices[i].Label
	switch {
	case value == string(broadcast.SegmentAll):
		return broadcast.Segment{Kind: broadcast.SegmentAll}, label, true
	case value == string(broadcast.SegmentInteracted):
		return broadcast.Segment{Kind: broadcast.SegmentInteracted, Days: int(broadcast.ConsultationWindow.Hours() / 24)}, label, true
	case strings.HasPrefix(value, "label:"):
		return broadcast.Segment{Kind: broadcast.SegmentLabel, Label: strings.TrimPrefix(value, "label:")}, label, true
	case strings.HasPrefix(value, "tag:"):
		return broadcast.Segment{Kind: broadcast.SegmentTag, Tag: strings.TrimPrefix(value, "tag:")}, label, true
	}
	return broadcast.Segment{}, "", false
}

// submit handles the form's buttons: "preview" plans and shows the plan under the form,
// "send" plans and shows the confirmation page, "edit" (from the confirmation) shows the
// form again with its values.
func (a *Announcements) submit(w http.ResponseWriter, r *http.Request, s *Session) error {
	acc := s.Account()
	if err := s.RequireRole(RoleBroadcaster, acc.ID); err != nil {
		return err
	}
	f := ParseForm(r, "text", "code", "audience")
	// The text keeps its line breaks and inner spaces as written (trimmed at the ends).
	m, err := a.formModel(r.Context(), s, acc.ID, f)
	if err != nil {
		return err
	}
	if m.Unavailable {
		return s.Render(w, http.StatusUnprocessableEntity, "announcements_new", m)
	}
	action := r.PostForm.Get("action")
	if action == "edit" {
		return s.Render(w, http.StatusOK, "announcements_new", m)
	}
	spec, audience, procedure := a.validate(f, m, acc.ID)
	if !f.Valid() {
		return s.Render(w, http.StatusUnprocessableEntity, "announcements_new", m)
	}
	off := s.Officer()
	plan, err := a.Source.Plan(r.Context(), spec, off.Name)
	a.Source.Audit(r.Context(), off, "campaign.plan", acc.ID, plan.ID, err)
	if errors.Is(err, broadcast.ErrInvalid) || errors.Is(err, broadcast.ErrUnknownAccount) {
		f.FailForm("Chưa lập được danh sách người nhận: " + strings.TrimPrefix(err.Error(), broadcast.ErrInvalid.Error()+": "))
		return s.Render(w, http.StatusUnprocessableEntity, "announcements_new", m)
	}
	if err != nil {
		return err
	}
	pv := viewOfPlan(plan, acc.ID)
	pv.Audience, pv.Procedure = audience, procedure
	if action == "send" {
		if plan.Reachable == 0 {
			f.FailForm("Chưa có người dân nào nhận được thông báo này lúc này, nên chưa gửi. Hãy chọn nhóm người nhận khác.")
			m.Plan = &pv
			return s.Render(w, http.StatusUnprocessableEntity, "announcements_new", m)
		}
		m.Page.Title, m.Plan, m.Confirm = "Xác nhận gửi", &pv, true
		return s.Render(w, http.StatusOK, "announcements_new", m)
	}
	m.Plan = &pv
	return s.Render(w, http.StatusOK, "announcements_new", m)
}

// validate checks the form against the service's limits and the choices offered, and
// builds the campaign's spec for the account.
func (a *Announcements) validate(f *Form, m *announcementFormModel, account string) (spec broadcast.Spec, audience, procedure string) {
	text := f.Get("text")
	if f.Required("text", "Vui lòng nhập nội dung thông báo.") {
		f.MaxRunes("text", broadcast.MaxTextRunes, fmt.Sprintf("Nội dung dài %s ký tự, tối đa %s ký tự.",
			vnNumber(int64(utf8.RuneCountInString(text))), vnNumber(broadcast.MaxTextRunes)))
	}
	if code := f.Get("code"); code != "" {
		i := slices.IndexFunc(m.Procedures, func(p Procedure) bool { return p.Code == code })
		if i < 0 {
			f.Fail("code", "Thủ tục này không thuộc danh mục của đơn vị.")
		} else {
			procedure = m.Procedures[i].Name
		}
	}
	seg, audience, ok := segmentOf(f.Get("audience"), m.Audiences)
	if !ok {
		f.Fail("audience", "Vui lòng chọn người nhận.")
	}
	spec = broadcast.Spec{Accounts: []string{account}, Segment: seg, Channel: broadcast.ChannelConsultation,
		Text: text, ProcedureCode: f.Get("code")}
	return spec, audience, procedure
}

func viewOfPlan(p broadcast.Plan, account string) planView {
	v := planView{ID: p.ID, Recipients: int64(p.Recipients), Reachable: int64(p.Reachable), Rules: p.Rules, Expires: p.ExpiresAt}
	for _, r := range []broadcast.Reason{broadcast.ReasonOutsideWindow, broadcast.ReasonNoInteraction, broadcast.ReasonUnfollowed} {
		if n := p.Unreachable[r]; n > 0 {
			v.Unreachable = append(v.Unreachable, reasonCount{Label: reasonLabel(r), N: int64(n)})
		}
	}
	var d time.Duration
	for _, ap := range p.Accounts {
		v.MessagesPerRecipient = max(v.MessagesPerRecipient, ap.MessagesPerRecipient)
		d = max(d, ap.EstimatedDuration)
	}
	if d > 0 {
		v.Duration = durationText(d)
	}
	for _, msg := range p.Messages[account] {
		mv := messageView{Text: msg.Text, Image: msg.ImageURL != "" || msg.ImageAttachmentID != ""}
		for _, b := range msg.Buttons {
			mv.Buttons = append(mv.Buttons, b.Title)
		}
		v.Messages = append(v.Messages, mv)
	}
	return v
}

func reasonLabel(r broadcast.Reason) string {
	switch r {
	case broadcast.ReasonOutsideWindow:
		return fmt.Sprintf("đã hơn %d ngày không nhắn tin với OA (Zalo không cho gửi)", int(broadcast.ConsultationWindow.Hours()/24))
	case broadcast.ReasonNoInteraction:
		return "chưa từng nhắn tin với OA (Zalo không cho gửi)"
	case broadcast.ReasonUnfollowed:
		return "đã bỏ quan tâm OA"
	case broadcast.ReasonRecipientGone:
		return "tài khoản Zalo không còn nhận tin"
	case broadcast.ReasonRejected:
		return "Zalo từ chối"
	case broadcast.ReasonRetriesSpent:
		return "gửi lại nhiều lần không được"
	case broadcast.ReasonCancelled:
		return "đã huỷ trước khi gửi"
	}
	return string(r)
}

// durationText says roughly how long something takes, in plain words.
func durationText(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("dưới 1 phút (khoảng %d giây)", max(1, int(d.Round(time.Second)/time.Second)))
	case d < time.Hour:
		return fmt.Sprintf("khoảng %d phút", int(d.Round(time.Minute)/time.Minute))
	}
	h := int(d / time.Hour)
	mins := int((d % time.Hour).Round(time.Minute) / time.Minute)
	if mins == 0 {
		return fmt.Sprintf("khoảng %d giờ", h)
	}
	return fmt.Sprintf("khoảng %d giờ %d phút", h, mins)
}

// confirm creates the campaign of a plan the officer has seen. The campaign id is the
// plan id, so a second press (double tap, reload) creates nothing more.
func (a *Announcements) confirm(w http.ResponseWriter, r *http.Request, s *Session) error {
	acc := s.Account()
	if err := s.RequireRole(RoleBroadcaster, acc.ID); err != nil {
		return err
	}
	ctx := r.Context()
	planID := r.PostForm.Get("plan_id")
	plan, err := a.Source.GetPlan(ctx, planID)
	if errors.Is(err, broadcast.ErrPlanExpired) || errors.Is(err, broadcast.ErrNotFound) {
		s.Flash(FlashError, "Bản xem trước đã hết hạn nên chưa gửi. Vui lòng soạn và xem trước lại.")
		return s.Redirect(w, "/announcements/new")
	}
	if err != nil {
		return err
	}
	for _, acct := range plan.Spec.Accounts {
		if err := s.RequireRole(RoleBroadcaster, acct); err != nil {
			return err
		}
	}
	off := s.Officer()
	camp, prog, err := a.Source.Create(ctx, plan.ID, off.Name)
	a.Source.Audit(ctx, off, "campaign.create", strings.Join(plan.Spec.Accounts, ","), plan.ID, err)
	if errors.Is(err, broadcast.ErrPlanExpired) {
		s.Flash(FlashError, "Bản xem trước đã hết hạn nên chưa gửi. Vui lòng soạn và xem trước lại.")
		return s.Redirect(w, "/announcements/new")
	}
	if err != nil {
		return err
	}
	if prog.Status == broadcast.StatusScheduled {
		s.Flash(FlashOK, "Đã hẹn giờ gửi thông báo.")
	} else {
		s.Flash(FlashOK, fmt.Sprintf("Đang gửi thông báo tới %s người.", vnNumber(int64(plan.Reachable))))
	}
	return s.Redirect(w, "/announcements/"+camp.ID)
}

type campaignModel struct {
	Page
	Row        annRow
	Done       int64 // sent + failed + skipped + unsure
	Messages   []messageView
	Procedure  string
	Audience   string
	Note       string
	ETA        string
	Started    time.Time
	Finished   time.Time
	Live       bool
	Refresh    int
	CanControl bool
	CanPause   bool
	CanResume  bool
	CanCancel  bool
}

// campaign loads the {id} campaign if the officer has role on all its accounts.
func (a *Announcements) campaign(r *http.Request, s *Session, role Role) (broadcast.Campaign, broadcast.Progress, error) {
	c, p, err := a.Source.Status(r.Context(), r.PathValue("id"))
	if errors.Is(err, broadcast.ErrNotFound) {
		return c, p, ErrNotFound
	}
	if err != nil {
		return c, p, err
	}
	if !a.visible(s, c, RoleViewer) {
		return c, p, ErrNotFound
	}
	if !a.visible(s, c, role) {
		return c, p, ErrForbidden
	}
	return c, p, nil
}

func (a *Announcements) show(w http.ResponseWriter, r *http.Request, s *Session) error {
	c, p, err := a.campaign(r, s, RoleViewer)
	if err != nil {
		return err
	}
	m := campaignModel{Page: s.Page("Thông báo " + c.CreatedAt.In(vietnam).Format("02/01 15:04")), Row: rowOf(c, p),
		Done: int64(p.Sent + p.Failed + p.Skipped + p.Unknown), Started: p.StartedAt, Finished: p.FinishedAt,
		Refresh: refreshSeconds}
	m.Row.Text = c.Spec.Text
	m.Audience = segmentLabel(c.Spec.Segment)
	m.Procedure = c.Spec.ProcedureCode
	if len(c.Spec.Accounts) > 0 {
		procs := a.Source.Procedures(c.Spec.Accounts[0])
		if i := slices.IndexFunc(procs, func(p Procedure) bool { return p.Code == m.Procedure }); i >= 0 && m.Procedure != "" {
			m.Procedure = procs[i].Name + " (" + procs[i].Code + ")"
		}
		for _, msg := range c.Messages[c.Spec.Accounts[0]] {
			mv := messageView{Text: msg.Text, Image: msg.ImageURL != "" || msg.ImageAttachmentID != ""}
			for _, b := range msg.Buttons {
				mv.Buttons = append(mv.Buttons, b.Title)
			}
			m.Messages = append(m.Messages, mv)
		}
	}
	switch p.Note {
	case "", "paused by an officer", "cancelled by an officer":
	default:
		m.Note = p.Note // an OA-wide error that paused it (from Zalo, as the runner wrote it)
	}
	if p.ETA > 0 {
		m.ETA = durationText(p.ETA)
	}
	m.Live = p.Status == broadcast.StatusRunning || p.Status == broadcast.StatusScheduled
	m.CanControl = a.visible(s, c, RoleBroadcaster)
	m.CanPause = m.CanControl && m.Live
	m.CanResume = m.CanControl && p.Status == broadcast.StatusPaused
	m.CanCancel = m.CanControl && (m.Live || p.Status == broadcast.StatusPaused)
	return s.Render(w, http.StatusOK, "announcements_show", &m)
}

func segmentLabel(seg broadcast.Segment) string {
	switch seg.Kind {
	case broadcast.SegmentAll:
		return "Tất cả người quan tâm OA"
	case broadcast.SegmentInteracted:
		return fmt.Sprintf("Người đã nhắn tin với OA trong %d ngày qua", seg.Days)
	case broadcast.SegmentLabel:
		return "Nhóm " + seg.Label
	case broadcast.SegmentTag:
		return "Thẻ Zalo " + seg.Tag
	}
	return string(seg.Kind)
}

// control pauses, resumes or cancels a campaign, as its state allows.
func (a *Announcements) control(action string) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, s *Session) error {
		c, _, err := a.campaign(r, s, RoleBroadcaster)
		if err != nil {
			return err
		}
		ctx := r.Context()
		var msg string
		switch action {
		case "pause":
			_, err = a.Source.Pause(ctx, c.ID)
			msg = "Đã tạm dừng. Những tin đang gửi dở vẫn đi nốt; bấm “Tiếp tục gửi” để gửi phần còn lại."
		case "resume":
			_, err = a.Source.Resume(ctx, c.ID)
			msg = "Đã tiếp tục gửi."
		default:
			_, err = a.Source.Cancel(ctx, c.ID)
			msg = "Đã huỷ. Những người chưa được gửi sẽ không nhận thông báo này."
		}
		a.Source.Audit(ctx, s.Officer(), "campaign."+action, strings.Join(c.Spec.Accounts, ","), c.ID, err)
		switch {
		case errors.Is(err, broadcast.ErrWrongStatus):
			s.Flash(FlashError, "Thông báo đã đổi trạng thái nên chưa làm được. Hãy xem trạng thái mới bên dưới.")
		case err != nil:
			return err
		default:
			s.Flash(FlashOK, msg)
		}
		return s.Redirect(w, "/announcements/"+c.ID)
	}
}

// report sends the service's CSV report: one row per recipient, no message text.
func (a *Announcements) report(w http.ResponseWriter, r *http.Request, s *Session) error {
	c, _, err := a.campaign(r, s, RoleViewer)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := a.Source.WriteReport(r.Context(), c.ID, &buf); err != nil {
		return err
	}
	if err := s.save(); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Disposition", `attachment; filename="thong-bao-`+c.ID+`.csv"`)
	_, err = w.Write(buf.Bytes())
	return err
}
