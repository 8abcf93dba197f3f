package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oabot/oabot/bot/catalog"
	"github.com/oabot/oabot/procedures"
)

// CatalogueSource is what the catalogue pages read and change: the live catalogue with its
// versions (*catalog.Library), the office's scope and the card the citizen would get.
type CatalogueSource interface {
	// Library is the versioned catalogue.
	Library() *catalog.Library
	// InScope reports whether account handles r (its scope).
	InScope(account string, r *procedures.Record) bool
	// Preview renders r as account's bot would send it: the card's text and buttons.
	Preview(account string, r *procedures.Record) (text string, buttons []string, err error)
	// Contradictions compares r with the portal's record of the same code (nil when no
	// portal file is configured).
	Contradictions(r *procedures.Record) []procedures.Contradiction
	// Audit records a publish or rollback (action "catalog.publish" / "catalog.rollback",
	// target the version and codes) in the audit trail.
	Audit(ctx context.Context, by Officer, action, account, target string, err error)
}

// Catalogue is "Danh mục thủ tục": the office's procedures with when each was last checked
// against the portal (flagged after StaleAfter), an edit form with a preview of the Zalo
// card, publishing as a new version served by every replica within seconds, and the
// history with field-by-field differences and rollback. Records are shared by every
// office, so changing one needs an admin of every account (the catalogue admin, as for
// the admin API); an office's own address, times and fees need an editor of it.
type Catalogue struct {
	Source CatalogueSource
	// Now defaults to time.Now (the "checked today" date and the staleness flag).
	Now func() time.Time
}

// StaleAfter is how long a record may go unchecked against the portal before the console
// flags it.
const StaleAfter = 180 * 24 * time.Hour

// Routes registers the list, the record editor and the history.
func (c *Catalogue) Routes(r *Router) {
	r.Get("/catalogue", RoleEditor, c.list)
	r.Get("/catalogue/history", RoleEditor, c.history)
	r.Post("/catalogue/rollback", RoleAdmin, c.rollback)
	r.Get("/catalogue/refresh", RoleAdmin, c.refresh)
	r.Post("/catalogue/refresh", RoleAdmin, c.acceptRefresh)
	r.Get("/catalogue/record/{code}", RoleEditor, c.edit)
	r.Post("/catalogue/record/{code}", RoleAdmin, c.save)
	r.Post("/catalogue/record/{code}/local", RoleEditor, c.saveLocal)
	r.Nav(NavCatalogue, "/catalogue")
}

func (c *Catalogue) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// catalogueRow is one procedure of the list.
type catalogueRow struct {
	Code, Name, Field string
	Verified          string // dd/mm/yyyy or ""
	Stale             bool
	Version           int64 // the version that last changed it; 0 = as shipped
	// nameKey and fieldKey are Name and Field folded once, for the order.
	nameKey, fieldKey string
}

type catalogueModel struct {
	Page
	Rows      []catalogueRow
	Groups    []catalogueGroup // Rows by field
	Find      string
	Head      int64
	HeadAt    time.Time
	Stale     int
	Skipped   []procedures.Problem
	CanEdit   bool
	Total     int
	Truncated bool
}

// catalogueShown caps the list; the search box narrows it.
const catalogueShown = 300

func (c *Catalogue) list(w http.ResponseWriter, r *http.Request, s *Session) error {
	acc := s.Account()
	if err := s.RequireRole(RoleEditor, acc.ID); err != nil {
		return err
	}
	lib := c.Source.Library()
	find := strings.TrimSpace(r.URL.Query().Get("q"))
	m := catalogueModel{Page: s.Page("Danh mục thủ tục"), Find: find, Head: lib.Head(),
		Skipped: lib.Skipped(), CanEdit: s.Can(RoleAdmin, AllAccounts)}
	if v, err := lib.Version(m.Head); err == nil {
		m.HeadAt = v.At
	}
	words := strings.Fields(procedures.Fold(find))
	for _, rec := range lib.Catalog().All() {
		if !c.Source.InScope(acc.ID, rec) {
			continue
		}
		row := c.row(lib, rec)
		if row.Stale {
			m.Stale++
		}
		if !matchesAll(procedures.Fold(rec.Name+" "+rec.Code+" "+rec.ShortCode), words) {
			continue
		}
		row.nameKey, row.fieldKey = procedures.Fold(rec.Name), procedures.Fold(rec.Field)
		m.Rows = append(m.Rows, row)
	}
	// By field (lĩnh vực), then name, as officers look for them; folded so diacritics do
	// not scatter the order.
	slices.SortStableFunc(m.Rows, func(a, b catalogueRow) int {
		if c := strings.Compare(a.fieldKey, b.fieldKey); c != 0 {
			return c
		}
		return strings.Compare(a.nameKey, b.nameKey)
	})
	m.Total = len(m.Rows)
	if m.Total > catalogueShown {
		m.Rows, m.Truncated = m.Rows[:catalogueShown], true
	}
	for _, r := range m.Rows {
		if n := len(m.Groups); n == 0 || m.Groups[n-1].Field != r.Field {
			m.Groups = append(m.Groups, catalogueGroup{Field: r.Field})
		}
		g := &m.Groups[len(m.Groups)-1]
		g.Rows = append(g.Rows, r)
	}
	return s.Render(w, http.StatusOK, "catalogue", &m)
}

// catalogueGroup is the procedures of one field (lĩnh vực) on the list.
type catalogueGroup struct {
	Field string
	Rows  []catalogueRow
}

func matchesAll(text string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

func (c *Catalogue) row(lib *catalog.Library, rec *procedures.Record) catalogueRow {
	row := catalogueRow{Code: rec.Code, Name: rec.Name, Field: rec.Field, Version: lib.ChangedIn(rec.Code), Stale: true}
	if t, err := time.Parse("2006-01-02", rec.LastVerified); err == nil {
		row.Verified = t.Format("02/01/2006")
		row.Stale = c.now().Sub(t) > StaleAfter
	}
	return row
}

// editModel is the record editor: the record as the form shows it, the preview, and a
// conflict with another officer's newer version when there is one.
type editModel struct {
	Page
	Rec      *procedures.Record
	Row      catalogueRow
	Base     int64
	Note     string
	Verified bool
	Form     *Form
	CanEdit  bool
	Preview  *cardPreview
	Conflict *conflictView
	NewDocs  []int // blank document rows to add
	// Blocking and Marked are the record's contradictions with the portal: open ones,
	// and facts marked as not the portal's with their source.
	Blocking, Marked []procedures.Contradiction
	// Own is the office's own information (where, each channel's time, fee and note) as
	// its form shows it; HasOwn says it is published; CanOwn lets an editor change it.
	Own          *procedures.Record
	HasOwn       bool
	CanOwn       bool
	OwnForm      *Form
	OwnPreview   *cardPreview
	OwnConflict  *conflictView
	AccountName  string
	OwnChangedIn int64
}

type cardPreview struct {
	Text    string
	Buttons []string
}

type conflictView struct {
	Version catalog.Version
	Changes []procedures.FieldChange
}

func (c *Catalogue) record(s *Session, code string) (*procedures.Record, error) {
	rec, ok := c.Source.Library().Catalog().ByCode(code)
	if !ok || rec.Code != code || !c.Source.InScope(s.Account().ID, rec) {
		return nil, ErrNotFound
	}
	return rec, nil
}

func (c *Catalogue) edit(w http.ResponseWriter, r *http.Request, s *Session) error {
	acc := s.Account()
	if err := s.RequireRole(RoleEditor, acc.ID); err != nil {
		return err
	}
	rec, err := c.record(s, r.PathValue("code"))
	if err != nil {
		return err
	}
	m := c.editModel(s, rec, c.Source.Library().Head(), NewForm())
	return s.Render(w, http.StatusOK, "catalogue_edit", m)
}

func (c *Catalogue) editModel(s *Session, rec *procedures.Record, base int64, f *Form) *editModel {
	lib := c.Source.Library()
	acc := s.Account()
	m := &editModel{Page: s.Page(rec.Name), Rec: rec, Row: c.row(lib, rec), Base: base, Form: f,
		CanEdit: s.Can(RoleAdmin, AllAccounts), NewDocs: []int{0, 1}, OwnForm: NewForm(),
		CanOwn: s.Can(RoleEditor, acc.ID), AccountName: acc.Name, OwnChangedIn: lib.ChangedIn(acc.ID + "/" + rec.Code)}
	// The office's form starts from what its citizens get now, whatever the shared form holds.
	served, ok := lib.Catalog().ByCode(rec.Code)
	if !ok {
		served = rec
	}
	m.Own = served
	if ov := lib.Override(acc.ID, rec.Code); ov != nil {
		m.Own, m.HasOwn = catalog.ApplyLocal(served, ov), true
	}
	for _, x := range c.Source.Contradictions(rec) {
		if procedures.BlocksVerification(x) {
			m.Blocking = append(m.Blocking, x)
		} else {
			m.Marked = append(m.Marked, x)
		}
	}
	return m
}

// editRequest reads a record form's POST: the record it edits (within the office's scope)
// and the version the form was drawn from.
func (c *Catalogue) editRequest(r *http.Request, s *Session) (*procedures.Record, int64, error) {
	rec, err := c.record(s, r.PathValue("code"))
	if err != nil {
		return nil, 0, err
	}
	if err := r.ParseForm(); err != nil {
		return nil, 0, &HTTPError{Status: http.StatusBadRequest, Message: "Biểu mẫu không đọc được."}
	}
	base, err := strconv.ParseInt(r.PostForm.Get("base"), 10, 64)
	if err != nil || base < 0 || base > c.Source.Library().Head() {
		return nil, 0, &HTTPError{Status: http.StatusBadRequest, Message: "Biểu mẫu thiếu phiên bản đang sửa; hãy mở lại thủ tục."}
	}
	return rec, base, nil
}

// save previews or publishes the edited record. A problem is shown at its field; a newer
// version of the same record by someone else is shown beside the officer's own edit, which
// is kept in the form, and a second press publishes over it knowingly.
func (c *Catalogue) save(w http.ResponseWriter, r *http.Request, s *Session) error {
	acc := s.Account()
	if err := s.RequireRole(RoleAdmin, AllAccounts); err != nil {
		return err
	}
	cur, base, err := c.editRequest(r, s)
	if err != nil {
		return err
	}
	lib := c.Source.Library()
	f := NewForm()
	edited := recordFromForm(cur, r.PostForm, f)
	verified := r.PostForm.Get("verified") == "1"
	if verified {
		edited.LastVerified = c.now().In(vietnam).Format("2006-01-02")
	}
	note := strings.TrimSpace(r.PostForm.Get("note"))
	f.Set("note", note)
	f.MaxRunes("note", 300, "Lý do sửa tối đa 300 ký tự.")
	m := c.editModel(s, edited, base, f)
	m.Note, m.Verified = note, verified
	change := []catalog.Change{{Code: cur.Code, Record: edited}}
	if f.Valid() {
		if err := lib.Check(change); err != nil {
			failProblems(f, err, problemField)
		}
	}
	if f.Valid() && len(procedures.DiffRecords(cur, edited)) == 0 {
		f.FailForm("Chưa có gì thay đổi so với bản đang dùng.")
	}
	if f.Valid() {
		text, buttons, err := c.Source.Preview(acc.ID, lib.Local(acc.ID, edited))
		if err != nil {
			return err
		}
		m.Preview = &cardPreview{Text: text, Buttons: buttons}
	}
	if !f.Valid() || r.PostForm.Get("action") != "publish" {
		status := http.StatusOK
		if !f.Valid() {
			status = http.StatusUnprocessableEntity
		}
		return s.Render(w, status, "catalogue_edit", m)
	}
	v, done, err := c.publish(w, r, s, m, f, "catalog.publish", note, base, change[0], problemField, &m.Conflict)
	if done {
		return err
	}
	s.Flash("ok", fmt.Sprintf("Đã xuất bản phiên bản %d: %s. Mọi máy chủ dùng bản mới trong vài giây.", v.N, cur.Name))
	return s.Redirect(w, "/catalogue/record/"+cur.Code)
}

// saveLocal previews, publishes or removes the office's own information over the shared
// record: where to apply and each channel's time, fee and note (editor and above).
func (c *Catalogue) saveLocal(w http.ResponseWriter, r *http.Request, s *Session) error {
	acc := s.Account()
	if err := s.RequireRole(RoleEditor, acc.ID); err != nil {
		return err
	}
	shared, base, err := c.editRequest(r, s)
	if err != nil {
		return err
	}
	lib := c.Source.Library()
	action := r.PostForm.Get("action")
	m := c.editModel(s, shared, lib.Head(), NewForm())
	m.Base = base
	f := m.OwnForm
	change := catalog.Change{Account: acc.ID, Code: shared.Code}
	if action == "reset" && !m.HasOwn {
		s.Flash("error", "Đơn vị chưa có thông tin riêng cho thủ tục này.")
		return s.Redirect(w, "/catalogue/record/"+shared.Code)
	}
	if action != "reset" {
		ov := *shared
		ov.Where = strings.TrimSpace(r.PostForm.Get("own_where"))
		f.Set("own_where", ov.Where)
		ov.Channels = append([]procedures.Channel(nil), shared.Channels...)
		for i := range ov.Channels {
			k := func(field string) string {
				return strings.TrimSpace(r.PostForm.Get(fmt.Sprintf("own_%s_%d", field, i)))
			}
			ov.Channels[i].Time, ov.Channels[i].Fee, ov.Channels[i].Note = k("time"), k("fee"), k("note")
		}
		change.Record = &ov
		m.Own = catalog.ApplyLocal(shared, &ov)
		if err := lib.Check([]catalog.Change{change}); err != nil {
			failProblems(f, err, ownField)
		}
		if f.Valid() {
			text, buttons, err := c.Source.Preview(acc.ID, m.Own)
			if err != nil {
				return err
			}
			m.OwnPreview = &cardPreview{Text: text, Buttons: buttons}
		}
	}
	if !f.Valid() || action == "preview" {
		status := http.StatusOK
		if !f.Valid() {
			status = http.StatusUnprocessableEntity
		}
		return s.Render(w, status, "catalogue_edit", m)
	}
	v, done, err := c.publish(w, r, s, m, f, "catalog.local", "Thông tin riêng của "+acc.Name, base, change, ownField, &m.OwnConflict)
	if done {
		return err
	}
	if action == "reset" {
		s.Flash("ok", "Đã bỏ thông tin riêng: người dân nhận thông tin của danh mục chung.")
	} else {
		s.Flash("ok", fmt.Sprintf("Đã lưu thông tin riêng của %s (phiên bản %d). Người dân nhận thông tin này trong vài giây.", acc.Name, v.N))
	}
	return s.Redirect(w, "/catalogue/record/"+shared.Code)
}

// ownField maps a problem of an office's own information to its form's field.
func ownField(path string) string {
	if path == "where" {
		return "own_where"
	}
	if m := problemPath.FindStringSubmatch(path); m != nil && m[1] == "channels" {
		return "own_" + m[3] + "_" + m[2]
	}
	return ""
}

// publish publishes one change as a version and audits it. On a refusal it shows the
// editor again (done): another officer's newer version of the same record beside this
// officer's edit, which the form keeps (conflict; the next press starts from the newest
// version), or each problem at its field of f (field maps a problem's path to it).
func (c *Catalogue) publish(w http.ResponseWriter, r *http.Request, s *Session, m *editModel, f *Form, action, note string, base int64,
	ch catalog.Change, field func(string) string, conflict **conflictView) (catalog.Version, bool, error) {
	lib := c.Source.Library()
	v, err := lib.Publish(r.Context(), s.Officer().Name, note, base, []catalog.Change{ch})
	c.Source.Audit(r.Context(), s.Officer(), action, s.Account().ID, fmt.Sprintf("v%d %s", v.N, ch.Code), err)
	var ce *catalog.ConflictError
	var ve *procedures.ValidationError
	switch {
	case errors.As(err, &ce):
		other, verr := lib.Version(ce.Version)
		if verr != nil {
			return v, true, verr
		}
		m.Base = lib.Head()
		d, _ := lib.Diff(ce.Version)
		*conflict = &conflictView{Version: other, Changes: d[ch.Key()]}
		return v, true, s.Render(w, http.StatusConflict, "catalogue_edit", m)
	case errors.As(err, &ve):
		failProblems(f, err, field)
		return v, true, s.Render(w, http.StatusUnprocessableEntity, "catalogue_edit", m)
	case err != nil:
		return v, true, err
	}
	return v, false, nil
}

// recordFromForm is cur with the form's fields applied. The form is self-contained: each
// channel and document row carries what it does not show (a channel's kind, a document's
// form name, link and numbers of copies) in hidden fields, so rows are read as posted even
// when the record changed since the form was drawn.
func recordFromForm(cur *procedures.Record, form url.Values, f *Form) *procedures.Record {
	get := func(k string) string {
		return strings.ReplaceAll(strings.TrimSpace(form.Get(k)), "\r\n", "\n")
	}
	has := func(k string) bool { _, ok := form[k]; return ok }
	num := func(k string) int { n, _ := strconv.Atoi(get(k)); return n }
	r := *cur
	for _, k := range []string{"name", "where", "applicants"} {
		f.Set(k, get(k))
	}
	r.Name, r.Where, r.Applicants = get("name"), get("where"), get("applicants")
	r.Steps, r.Conditions, r.Results, r.LegalBasis = lines(get("steps")), lines(get("conditions")), lines(get("results")), lines(get("legal_basis"))
	r.Channels = nil
	for i := 0; i < maxRows && has(fmt.Sprintf("ch_kind_%d", i)); i++ {
		if get(fmt.Sprintf("ch_remove_%d", i)) == "1" {
			continue
		}
		r.Channels = append(r.Channels, procedures.Channel{Kind: get(fmt.Sprintf("ch_kind_%d", i)),
			Time: get(fmt.Sprintf("ch_time_%d", i)), Fee: get(fmt.Sprintf("ch_fee_%d", i)), Note: get(fmt.Sprintf("ch_note_%d", i))})
	}
	if kind := get("ch_new_kind"); kind == procedures.ChannelDirect || kind == procedures.ChannelOnline || kind == procedures.ChannelPost {
		r.Channels = append(r.Channels, procedures.Channel{Kind: kind, Time: get("ch_new_time"), Fee: get("ch_new_fee")})
	}
	r.Documents = nil
	for i := 0; i < maxRows && has(fmt.Sprintf("doc_name_%d", i)); i++ {
		k := func(field string) string { return fmt.Sprintf("doc_%s_%d", field, i) }
		if get(k("remove")) == "1" {
			continue
		}
		r.Documents = append(r.Documents, procedures.Document{Name: get(k("name")), Case: get(k("case")),
			Optional: get(k("optional")) == "1", Form: get(k("form")), FormURL: get(k("form_url")),
			Originals: num(k("originals")), Copies: num(k("copies"))})
	}
	for i := range 2 {
		if name := get(fmt.Sprintf("doc_new_name_%d", i)); name != "" {
			r.Documents = append(r.Documents, procedures.Document{Name: name, Originals: 1, Optional: get(fmt.Sprintf("doc_new_optional_%d", i)) == "1"})
		}
	}
	return &r
}

// maxRows bounds the channel and document rows read from one form.
const maxRows = 200

// lines splits a text area into its non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// problemField maps a validation problem's field path to the form field that holds it.
var problemPath = regexp.MustCompile(`^(channels|documents)\[(\d+)\]\.(\w+)$`)

func problemField(path string) string {
	if m := problemPath.FindStringSubmatch(path); m != nil {
		prefix := map[string]string{"channels": "ch_", "documents": "doc_"}[m[1]]
		return prefix + m[3] + "_" + m[2]
	}
	field, _, _ := strings.Cut(path, "[")
	switch field {
	case "name", "where", "applicants", "steps", "conditions", "results", "legal_basis", "short_code":
		return field
	case "last_verified":
		return "verified"
	}
	return ""
}

// fieldNames are a record's fields, and its channels' and documents' parts, as officers
// read them.
var fieldNames = map[string]string{
	"code": "Mã thủ tục", "short_code": "Mã ngắn", "name": "Tên thủ tục", "aliases": "Tên gọi khác",
	"keywords": "Từ khóa", "field": "Lĩnh vực", "levels": "Cấp thực hiện", "agency": "Cơ quan thực hiện",
	"where": "Nơi nộp", "applicants": "Đối tượng", "steps": "Các bước", "channels": "Cách nộp",
	"documents": "Giấy tờ", "conditions": "Điều kiện", "results": "Kết quả", "legal_basis": "Căn cứ pháp lý",
	"related": "Thủ tục liên quan", "portal_url": "Trang trên Cổng DVC", "online_url": "Nộp trực tuyến",
	"last_verified": "Ngày đối chiếu", "tags": "Nhãn", "decision": "Quyết định công bố",
	// parts of a channel or a document
	"kind": "cách nộp", "time": "thời hạn", "fee": "lệ phí", "note": "ghi chú", "form": "mẫu",
	"form_url": "liên kết mẫu", "originals": "số bản chính", "copies": "số bản sao",
	"optional": "không bắt buộc", "case": "trường hợp",
}

var fieldPath = regexp.MustCompile(`^(\w+)(?:\[(\d+)\])?(?:\.(\w+))?$`)

// fieldLabel writes a field path of the catalogue format in the officers' words:
// "channels[0].fee" → "Cách nộp 1 · lệ phí", "steps[2]" → "Các bước · bước 3". A path it
// does not know is shown as it is.
func fieldLabel(path string) string {
	m := fieldPath.FindStringSubmatch(path)
	if m == nil || fieldNames[m[1]] == "" {
		return path
	}
	label := fieldNames[m[1]]
	if m[2] != "" {
		n, _ := strconv.Atoi(m[2])
		switch m[1] {
		case "channels", "documents":
			label += fmt.Sprintf(" %d", n+1)
		case "steps":
			label += fmt.Sprintf(" · bước %d", n+1)
		default:
			label += fmt.Sprintf(" · mục %d", n+1)
		}
	}
	if m[3] != "" {
		part := fieldNames[m[3]]
		if part == "" {
			part = m[3]
		}
		label += " · " + part
	}
	return label
}

// problemTexts says the catalogue validator's findings (written for files, in English) in
// the officers' words; a finding not listed here is shown as it is.
var problemTexts = []struct {
	re *regexp.Regexp
	vi string
}{
	{regexp.MustCompile(`^missing \(at least one step\)$`), "cần ít nhất một bước"},
	{regexp.MustCompile(`^missing$`), "chưa điền"},
	{regexp.MustCompile(`^too long for a card: (\d+) characters \(max (\d+)\)$`), "dài quá: $1 ký tự (tối đa $2)"},
	{regexp.MustCompile(`^contains a line break$`), "phải viết trên một dòng"},
	{regexp.MustCompile(`^duplicate short code "([^"]*)" \(first used by ([^ ]+) .*$`), "mã ngắn #$1 đã dùng cho thủ tục $2"},
	{regexp.MustCompile(`^bad URL "([^"]*)".*$`), "địa chỉ “$1” không phải một liên kết http(s) đầy đủ"},
	{regexp.MustCompile(`^bad date "([^"]*)".*$`), "ngày “$1” không đúng dạng NNNN-TT-NN"},
	{regexp.MustCompile(`^an office's own information is .*$`), "thông tin riêng của đơn vị chỉ gồm nơi nộp và thời hạn, lệ phí, ghi chú của từng cách nộp; phần này thuộc danh mục chung"},
	{regexp.MustCompile(`^no such procedure in the shared catalogue$`), "danh mục chung không có thủ tục này"},
}

func problemText(msg string) string {
	for _, t := range problemTexts {
		if t.re.MatchString(msg) {
			return t.re.ReplaceAllString(msg, t.vi)
		}
	}
	return msg
}

// failProblems puts each problem of a refused edit on its form field (field maps the
// problem's path to it; "" puts it on the form).
func failProblems(f *Form, err error, field func(string) string) {
	var ve *procedures.ValidationError
	if !errors.As(err, &ve) {
		f.FailForm("Không lưu được: " + err.Error())
		return
	}
	for _, p := range ve.Problems {
		msg := fmt.Sprintf("%s: %s", fieldLabel(p.Field), problemText(p.Msg))
		if fld := field(p.Field); fld != "" && f.Error(fld) == "" {
			f.Fail(fld, msg)
		} else {
			f.FailForm(msg)
		}
	}
}

type historyModel struct {
	Page
	Versions []historyVersion
	Head     int64
	CanEdit  bool
}

type historyVersion struct {
	catalog.Version
	Records []historyRecord
	More    int
}

type historyRecord struct {
	Code, Name string
	Changes    []procedures.FieldChange
}

// historyShown and historyRecordsShown cap the history page (a portal refresh can change
// thousands of records in one version).
const (
	historyShown        = 50
	historyRecordsShown = 20
)

func (c *Catalogue) history(w http.ResponseWriter, r *http.Request, s *Session) error {
	acc := s.Account()
	if err := s.RequireRole(RoleEditor, acc.ID); err != nil {
		return err
	}
	lib := c.Source.Library()
	m := historyModel{Page: s.Page("Lịch sử danh mục"), Head: lib.Head(), CanEdit: s.Can(RoleAdmin, AllAccounts)}
	for i, v := range lib.Versions() {
		if i == historyShown {
			break
		}
		hv := historyVersion{Version: v}
		diffs, err := lib.Diff(v.N)
		if err != nil {
			return err
		}
		for j, ch := range v.Changes {
			if j == historyRecordsShown {
				hv.More = len(v.Changes) - j
				break
			}
			name := ch.Code
			if rec := lib.RecordAt(ch.Code, v.N); rec != nil {
				name = rec.Name
			} else if rec := lib.RecordAt(ch.Code, v.N-1); rec != nil {
				name = rec.Name
			}
			hv.Records = append(hv.Records, historyRecord{Code: ch.Code, Name: name, Changes: diffs[ch.Code]})
		}
		m.Versions = append(m.Versions, hv)
	}
	return s.Render(w, http.StatusOK, "catalogue_history", &m)
}

func (c *Catalogue) rollback(w http.ResponseWriter, r *http.Request, s *Session) error {
	acc := s.Account()
	if err := s.RequireRole(RoleAdmin, AllAccounts); err != nil {
		return err
	}
	to, err1 := strconv.ParseInt(r.PostFormValue("to"), 10, 64)
	base, err2 := strconv.ParseInt(r.PostFormValue("base"), 10, 64)
	if err1 != nil || err2 != nil {
		return &HTTPError{Status: http.StatusBadRequest, Message: "Thiếu phiên bản cần khôi phục."}
	}
	v, err := c.Source.Library().Rollback(r.Context(), s.Officer().Name, to, base)
	c.Source.Audit(r.Context(), s.Officer(), "catalog.rollback", acc.ID, fmt.Sprintf("v%d restores v%d", v.N, to), err)
	var ce *catalog.ConflictError
	switch {
	case errors.As(err, &ce):
		s.Flash("error", fmt.Sprintf("Chưa khôi phục: danh mục vừa có phiên bản %d mới hơn. Xem lại lịch sử rồi thử lại.", ce.Version))
	case errors.Is(err, catalog.ErrNoChanges):
		s.Flash("error", fmt.Sprintf("Danh mục đang giống phiên bản %d, không cần khôi phục.", to))
	case errors.Is(err, catalog.ErrNotFound):
		return ErrNotFound
	case err != nil:
		return err
	default:
		what := fmt.Sprintf("nội dung phiên bản %d", to)
		if to == 0 {
			what = "danh mục gốc"
		}
		s.Flash("ok", fmt.Sprintf("Đã khôi phục %s (thành phiên bản mới %d).", what, v.N))
	}
	return s.Redirect(w, "/catalogue/history")
}
