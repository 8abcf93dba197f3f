package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oabot/oabot/bot/catalog"
	"github.com/oabot/oabot/bot/inmem"
	"github.com/oabot/oabot/procedures"
)

// catalogueSource serves the built-in catalogue through a real library over the in-memory
// version store; phuong-a handles the ward's records only (tag "ward"), xa-b every one.
type testCatalogue struct {
	lib    *catalog.Library
	audit  *auditLog
	portal []*procedures.Record
}

func (c testCatalogue) Portal() []*procedures.Record { return c.portal }

func (c testCatalogue) Library() *catalog.Library { return c.lib }

func (c testCatalogue) InScope(account string, r *procedures.Record) bool {
	return account != "phuong-a" || slices.Contains(r.Tags, "ward")
}

func (c testCatalogue) Preview(account string, r *procedures.Record) (string, []string, error) {
	fee := ""
	if len(r.Channels) > 0 {
		fee = r.Channels[0].Fee
	}
	return r.Name + "\nLệ phí: " + fee, []string{"Giấy tờ cần mang"}, nil
}

// Contradictions: a fee of "Miễn phí" contradicts the (pretend) portal.
func (c testCatalogue) Contradictions(r *procedures.Record) []procedures.Contradiction {
	var out []procedures.Contradiction
	for i, ch := range r.Channels {
		if ch.Fee == "Miễn phí" {
			out = append(out, procedures.Contradiction{Code: r.Code, Kind: procedures.ContraFee, Field: fmt.Sprintf("channels[%d].fee", i),
				Record: ch.Fee, Message: "Cổng không ghi miễn phí"})
		}
	}
	return out
}

func (c testCatalogue) Audit(_ context.Context, by Officer, action, _, target string, err error) {
	if err == nil {
		c.audit.add(by.Name + " " + action + " " + target)
	}
}

type auditLog struct {
	mu      sync.Mutex
	entries []string
}

func (a *auditLog) add(e string) { a.mu.Lock(); a.entries = append(a.entries, e); a.mu.Unlock() }

func (a *auditLog) all() []string { a.mu.Lock(); defer a.mu.Unlock(); return slices.Clone(a.entries) }

func newCatalogueEnv(t *testing.T) (*env, *catalog.Library, *procedures.Holder, *auditLog) {
	t.Helper()
	h, err := procedures.NewHolder(procedures.Builtin, procedures.Options{})
	if err != nil {
		t.Fatal(err)
	}
	lib, err := catalog.NewLibrary(context.Background(), catalog.Options{Store: inmem.NewCatalog(), Holder: h})
	if err != nil {
		t.Fatal(err)
	}
	audit := &auditLog{}
	e := newEnv(t, "inmem", withIPs, func(o *Options) {
		o.Sections = append(o.Sections, &Catalogue{Source: testCatalogue{lib, audit, testPortal(lib.Seed())}, Now: o.Now})
	})
	e.officer("admin", RoleAdmin, "mật khẩu Q1", "*")
	e.officer("lan", RoleEditor, "mật khẩu L1", "phuong-a")
	e.officer("viewer", RoleViewer, "mật khẩu V1", "phuong-a")
	return e, lib, h, audit
}

// wardCode is a ward (UBND) record of the built-in catalogue: khai sinh.
const wardCode = "1.001193"

func editForm(r *procedures.Record, base int64, action string) url.Values {
	f := url.Values{"base": {strconv.FormatInt(base, 10)}, "action": {action},
		"name": {r.Name}, "where": {r.Where}, "applicants": {r.Applicants},
		"steps": {strings.Join(r.Steps, "\n")}, "conditions": {strings.Join(r.Conditions, "\n")},
		"results": {strings.Join(r.Results, "\n")}, "legal_basis": {strings.Join(r.LegalBasis, "\n")}}
	for i, c := range r.Channels {
		f.Set("ch_kind_"+strconv.Itoa(i), c.Kind)
		f.Set("ch_time_"+strconv.Itoa(i), c.Time)
		f.Set("ch_fee_"+strconv.Itoa(i), c.Fee)
		f.Set("ch_note_"+strconv.Itoa(i), c.Note)
	}
	for i, d := range r.Documents {
		f.Set("doc_name_"+strconv.Itoa(i), d.Name)
		f.Set("doc_case_"+strconv.Itoa(i), d.Case)
		f.Set("doc_form_"+strconv.Itoa(i), d.Form)
		f.Set("doc_form_url_"+strconv.Itoa(i), d.FormURL)
		f.Set("doc_originals_"+strconv.Itoa(i), strconv.Itoa(d.Originals))
		f.Set("doc_copies_"+strconv.Itoa(i), strconv.Itoa(d.Copies))
		if d.Optional {
			f.Set("doc_optional_"+strconv.Itoa(i), "1")
		}
	}
	return f
}

func TestCatalogueEditPublishHistoryRollback(t *testing.T) {
	e, lib, h, audit := newCatalogueEnv(t)
	seed, ok := lib.Seed().ByCode(wardCode)
	if !ok {
		t.Fatalf("the built-in catalogue has no %s", wardCode)
	}
	b := e.browser()
	b.signIn("admin", "mật khẩu Q1")
	if resp := b.get("/catalogue?q=khai+sinh"); resp.StatusCode != http.StatusOK || !strings.Contains(b.body, "/console/catalogue/record/"+wardCode) {
		t.Fatalf("list = %d:\n%s", resp.StatusCode, b.body)
	}
	if resp := b.get("/catalogue/record/" + wardCode); resp.StatusCode != http.StatusOK || !strings.Contains(b.body, "Xuất bản") {
		t.Fatalf("editor = %d:\n%s", resp.StatusCode, b.body)
	}

	// Preview: the card with the new fee, nothing published.
	form := editForm(seed, 0, "preview")
	form.Set("ch_fee_0", "15.000 đồng")
	form.Set("doc_new_name_0", "Giấy xác nhận của trưởng thôn")
	if resp := b.post("/catalogue/record/"+wardCode, form, "page"); resp.StatusCode != http.StatusOK ||
		!strings.Contains(b.body, "Lệ phí: 15.000 đồng") || lib.Head() != 0 {
		t.Fatalf("preview = %d, head %d:\n%s", resp.StatusCode, lib.Head(), b.body)
	}
	// A fee the portal does not state: the page lists the contradiction.
	free := editForm(seed, 0, "preview")
	free.Set("ch_fee_0", "Miễn phí")
	if b.post("/catalogue/record/"+wardCode, free, "page"); !strings.Contains(b.body, "Khác với Cổng Dịch vụ công") ||
		!strings.Contains(b.body, "Cổng không ghi miễn phí") {
		t.Errorf("a contradiction with the portal is not shown:\n%s", b.body)
	}
	// Publish: served at once, with the document added.
	form.Set("action", "publish")
	form.Set("note", "Nghị quyết HĐND tỉnh")
	if resp := b.post("/catalogue/record/"+wardCode, form, "page"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish = %d:\n%s", resp.StatusCode, b.body)
	}
	r, _ := h.Catalog().ByCode(wardCode)
	if lib.Head() != 1 || r.Channels[0].Fee != "15.000 đồng" || r.Documents[len(r.Documents)-1].Name != "Giấy xác nhận của trưởng thôn" {
		t.Fatalf("after publishing: head %d, record %+v", lib.Head(), r)
	}
	if len(procedures.DiffRecords(seed, r)) != 3 { // the fee, the new paper's name and its one original
		t.Errorf("publishing changed more than the edited fields: %v", procedures.DiffRecords(seed, r))
	}
	// History: who, why, the field's old and new value.
	if resp := b.get("/catalogue/history"); resp.StatusCode != http.StatusOK || !strings.Contains(b.body, "Nghị quyết HĐND tỉnh") ||
		!strings.Contains(b.body, "<dt>Cách nộp 1 · lệ phí</dt>") || !strings.Contains(b.body, "<ins>15.000 đồng</ins>") {
		t.Fatalf("history = %d:\n%s", resp.StatusCode, b.body)
	}

	// A second admin who opened the form before the publish: refused with the other's
	// change shown and their own edit kept; the second press publishes.
	other := editForm(seed, 0, "publish")
	other.Set("where", "Bộ phận một cửa UBND phường, tầng 1")
	b2 := e.browser()
	b2.signIn("admin", "mật khẩu Q1")
	b2.get("/catalogue/record/" + wardCode)
	if resp := b2.post("/catalogue/record/"+wardCode, other, "page"); resp.StatusCode != http.StatusConflict ||
		!strings.Contains(b2.body, "admin vừa sửa thủ tục này") || !strings.Contains(b2.body, "Bộ phận một cửa UBND phường, tầng 1") ||
		!strings.Contains(b2.body, `name="base" value="1"`) {
		t.Fatalf("concurrent edit = %d:\n%s", resp.StatusCode, b2.body)
	}
	if lib.Head() != 1 {
		t.Fatal("a conflicting edit was published")
	}
	// The second press, from the newest version, publishes their edit knowingly.
	other.Set("base", "1")
	if resp := b2.post("/catalogue/record/"+wardCode, other, "page"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("second press = %d:\n%s", resp.StatusCode, b2.body)
	}
	if r, _ := h.Catalog().ByCode(wardCode); lib.Head() != 2 || r.Where != "Bộ phận một cửa UBND phường, tầng 1" {
		t.Fatalf("after the second press: head %d, where %q", lib.Head(), r.Where)
	}
	r, _ = h.Catalog().ByCode(wardCode)

	// A broken edit: refused at its field, with the field's path.
	broken := editForm(r, 2, "publish")
	broken.Set("steps", "  \n ")
	if resp := b.post("/catalogue/record/"+wardCode, broken, "page"); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(b.body, `id="f-steps-error"`) || !strings.Contains(b.body, "Các bước: cần ít nhất một bước") {
		t.Fatalf("broken edit = %d:\n%s", resp.StatusCode, b.body)
	}

	// Rollback to the seed: a new version, the record as shipped.
	b.get("/catalogue/history")
	if resp := b.post("/catalogue/rollback", url.Values{"to": {"0"}, "base": {"2"}}, "page"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("rollback = %d:\n%s", resp.StatusCode, b.body)
	}
	if r, _ := h.Catalog().ByCode(wardCode); lib.Head() != 3 || len(procedures.DiffRecords(seed, r)) != 0 {
		t.Fatalf("after the rollback: head %d, fee %q", lib.Head(), r.Channels[0].Fee)
	}
	want := []string{"admin catalog.publish v1 " + wardCode, "admin catalog.publish v2 " + wardCode, "admin catalog.rollback v3 restores v0"}
	if got := audit.all(); !slices.Equal(got, want) {
		t.Errorf("audit trail = %q, want %q", got, want)
	}
}

func TestCatalogueRolesAndScope(t *testing.T) {
	e, lib, _, _ := newCatalogueEnv(t)
	seed, _ := lib.Seed().ByCode(wardCode)
	police := ""
	for _, r := range lib.Seed().All() {
		if slices.Contains(r.Tags, "police") {
			police = r.Code
			break
		}
	}
	lan := e.browser()
	lan.signIn("lan", "mật khẩu L1")
	// An editor reads the list, the record and the history, with no publish button…
	if resp := lan.get("/catalogue"); resp.StatusCode != http.StatusOK || strings.Contains(lan.body, "/record/"+police+`"`) {
		t.Fatalf("editor's list = %d (a police record must not be listed for the ward):\n%s", resp.StatusCode, lan.body)
	}
	if resp := lan.get("/catalogue/record/" + wardCode); resp.StatusCode != http.StatusOK || strings.Contains(lan.body, "Xuất bản</button>") {
		t.Fatalf("editor's record page = %d:\n%s", resp.StatusCode, lan.body)
	}
	// …and cannot publish or roll back.
	if resp := lan.post("/catalogue/record/"+wardCode, editForm(seed, 0, "publish"), "page"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("editor publish = %d, want 403", resp.StatusCode)
	}
	lan.get("/catalogue/history")
	if resp := lan.post("/catalogue/rollback", url.Values{"to": {"0"}, "base": {"0"}}, "page"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("editor rollback = %d, want 403", resp.StatusCode)
	}
	// Out of the office's scope: not found.
	if resp := lan.get("/catalogue/record/" + police); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a police record from the ward = %d, want 404", resp.StatusCode)
	}
	// A viewer does not see the catalogue.
	v := e.browser()
	v.signIn("viewer", "mật khẩu V1")
	if resp := v.get("/catalogue"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer list = %d, want 403", resp.StatusCode)
	}
	// Without the CSRF token: 403, nothing published.
	a := e.browser()
	a.signIn("admin", "mật khẩu Q1")
	if resp := a.post("/catalogue/record/"+wardCode, editForm(seed, 0, "publish"), ""); resp.StatusCode != http.StatusForbidden || lib.Head() != 0 {
		t.Errorf("publish without CSRF = %d, head %d", resp.StatusCode, lib.Head())
	}
}

func TestCatalogueFlagsRecordsNotCheckedFor180Days(t *testing.T) {
	e, lib, _, _ := newCatalogueEnv(t)
	b := e.browser()
	b.signIn("admin", "mật khẩu Q1")
	// The test clock is in 2025: every record verified in 2026 is recent.
	b.get("/catalogue")
	if strings.Contains(b.body, "Cần đối chiếu") {
		t.Fatalf("records checked after the clock's date flagged:\n%s", b.body)
	}
	e.clock.Add(3 * 365 * 24 * time.Hour)
	b.signIn("admin", "mật khẩu Q1") // the session expired meanwhile
	b.get("/catalogue")
	if n := strings.Count(b.body, `badge-off">Cần đối chiếu`); n == 0 || n > lib.Catalog().Len() {
		t.Fatalf("%d records flagged three years later", n)
	}
	if !strings.Contains(b.body, "quá 180 ngày") {
		t.Error("no summary of the records to check")
	}
}

// An editor sets the office's own fee and address: only that office's citizens get them,
// the shared record stays; an over-long address is refused at its field; "Bỏ thông tin
// riêng" goes back to the shared record.
func TestCatalogueOfficeOwnInformation(t *testing.T) {
	e, lib, h, audit := newCatalogueEnv(t)
	seed, _ := lib.Seed().ByCode(wardCode)
	lan := e.browser()
	lan.signIn("lan", "mật khẩu L1")
	if resp := lan.get("/catalogue/record/" + wardCode); resp.StatusCode != http.StatusOK || !strings.Contains(lan.body, "Thông tin riêng của UBND phường An Khánh") {
		t.Fatalf("record page = %d:\n%s", resp.StatusCode, lan.body)
	}
	own := url.Values{"base": {"0"}, "action": {"preview"}, "own_where": {"Bộ phận một cửa, 5 Đường Hoa"}}
	for i, ch := range seed.Channels {
		own.Set(fmt.Sprintf("own_time_%d", i), ch.Time)
		own.Set(fmt.Sprintf("own_fee_%d", i), ch.Fee)
		own.Set(fmt.Sprintf("own_note_%d", i), ch.Note)
	}
	own.Set("own_fee_0", "5.000 đồng (Nghị quyết HĐND tỉnh)")
	if resp := lan.post("/catalogue/record/"+wardCode+"/local", own, "page"); resp.StatusCode != http.StatusOK ||
		!strings.Contains(lan.body, "Lệ phí: 5.000 đồng (Nghị quyết HĐND tỉnh)") || lib.Head() != 0 {
		t.Fatalf("preview = %d, head %d:\n%s", resp.StatusCode, lib.Head(), lan.body)
	}
	long := url.Values{}
	for k, v := range own {
		long[k] = v
	}
	long.Set("own_where", strings.Repeat("đường ", 400))
	if resp := lan.post("/catalogue/record/"+wardCode+"/local", long, "page"); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(lan.body, `id="f-own_where-error"`) {
		t.Fatalf("over-long address = %d:\n%s", resp.StatusCode, lan.body)
	}
	own.Set("action", "save")
	if resp := lan.post("/catalogue/record/"+wardCode+"/local", own, "page"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save = %d:\n%s", resp.StatusCode, lan.body)
	}
	shared, _ := h.Catalog().ByCode(wardCode)
	mine := lib.Local("phuong-a", shared)
	if mine.Channels[0].Fee != "5.000 đồng (Nghị quyết HĐND tỉnh)" || mine.Where != "Bộ phận một cửa, 5 Đường Hoa" {
		t.Fatalf("the office's own information is not served: %+v", mine)
	}
	if shared.Channels[0].Fee != seed.Channels[0].Fee || lib.Local("xa-b", shared).Where != seed.Where {
		t.Fatal("the office's own information leaked into the shared record or another office")
	}
	lan.get("/catalogue/record/" + wardCode)
	if !strings.Contains(lan.body, "Đơn vị đang dùng thông tin riêng (phiên bản 1)") {
		t.Errorf("the page does not say the office uses its own information:\n%s", lan.body)
	}
	if resp := lan.post("/catalogue/record/"+wardCode+"/local", url.Values{"base": {"1"}, "action": {"reset"}}, "page"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset = %d:\n%s", resp.StatusCode, lan.body)
	}
	if lib.Override("phuong-a", wardCode) != nil {
		t.Fatal("the office's own information is still served after 'Bỏ thông tin riêng'")
	}
	if got := audit.all(); len(got) != 2 || !strings.HasPrefix(got[0], "lan catalog.local v1 ") {
		t.Errorf("audit = %q", got)
	}
}

// testPortal is a portal crawl that is the seed but for one fee changed, one record gone
// and one new record.
func testPortal(seed *procedures.Catalog) []*procedures.Record {
	var out []*procedures.Record
	for _, r := range seed.All() {
		switch r.Code {
		case "1.002755": // gone from the portal
			continue
		case wardCode:
			c := *r
			c.Channels = append([]procedures.Channel(nil), r.Channels...)
			c.Channels[0].Fee = "9.000 đồng"
			out = append(out, &c)
			continue
		case rewordedCode: // the same, written otherwise
			c := *r
			c.Name = strings.ToUpper(r.Name) + "."
			out = append(out, &c)
			continue
		}
		out = append(out, r)
	}
	return append(out, &procedures.Record{Code: "9.999001", Name: "Thủ tục mới trên Cổng", Steps: []string{"Nộp hồ sơ"}})
}

// rewordedCode is a record the test portal writes otherwise (case, punctuation) only.
const rewordedCode = "1.004194"

func TestCatalogueRefreshFromPortal(t *testing.T) {
	e, lib, h, audit := newCatalogueEnv(t)
	b := e.browser()
	b.signIn("admin", "mật khẩu Q1")
	if resp := b.get("/catalogue/refresh"); resp.StatusCode != http.StatusOK || !strings.Contains(b.body, "1 thủ tục mới, 2 thủ tục thay đổi, 1 thủ tục không còn trên Cổng") ||
		!strings.Contains(b.body, "<ins>9.000 đồng</ins>") {
		t.Fatalf("refresh page = %d:\n%s", resp.StatusCode, b.body)
	}
	// A record written otherwise only is said so, after the change of substance.
	if i, j := strings.Index(b.body, "· "+wardCode), strings.Index(b.body, "· "+rewordedCode+" · chỉ khác cách viết"); i < 0 || j < i ||
		!strings.Contains(b.body, "Trong đó 1 thủ tục chỉ khác cách viết") {
		t.Errorf("refresh page does not tell the rewording apart, after the fee's change:\n%s", b.body)
	}
	// Nothing chosen: nothing published.
	if resp := b.post("/catalogue/refresh", url.Values{"base": {"0"}}, "page"); resp.StatusCode != http.StatusSeeOther || lib.Head() != 0 {
		t.Fatalf("empty accept = %d, head %d", resp.StatusCode, lib.Head())
	}
	b.get("/catalogue/refresh")
	if resp := b.post("/catalogue/refresh", url.Values{"base": {"0"}, "code": {wardCode}}, "page"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept one = %d:\n%s", resp.StatusCode, b.body)
	}
	if r, _ := h.Catalog().ByCode(wardCode); lib.Head() != 1 || r.Channels[0].Fee != "9.000 đồng" || r.ShortCode == "" {
		t.Fatalf("after accepting the change: head %d, record %+v", lib.Head(), r)
	}
	if _, ok := h.Catalog().ByCode("9.999001"); ok {
		t.Fatal("a record not chosen was added")
	}
	b.get("/catalogue/refresh")
	if resp := b.post("/catalogue/refresh", url.Values{"base": {"1"}, "all": {"new"}}, "page"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept all new = %d", resp.StatusCode)
	}
	if _, ok := h.Catalog().ByCode("9.999001"); !ok || lib.Head() != 2 {
		t.Fatal("'accept all new' did not add the new record")
	}
	if _, ok := h.Catalog().ByCode("1.002755"); !ok {
		t.Fatal("a gone record was removed without being chosen")
	}
	if got := audit.all(); len(got) != 2 || got[1] != "admin catalog.refresh v2 1 records" {
		t.Errorf("audit = %q", got)
	}
	// Editors do not refresh.
	lan := e.browser()
	lan.signIn("lan", "mật khẩu L1")
	if resp := lan.get("/catalogue/refresh"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("editor refresh page = %d, want 403", resp.StatusCode)
	}
}

// An admin of one office is not the catalogue admin: the shared record is read-only for
// them, their office's own information is theirs.
func TestCatalogueSharedNeedsAdminOfEveryAccount(t *testing.T) {
	e, lib, _, _ := newCatalogueEnv(t)
	e.officer("admin-a", RoleAdmin, "mật khẩu A1", "phuong-a")
	seed, _ := lib.Seed().ByCode(wardCode)
	b := e.browser()
	b.signIn("admin-a", "mật khẩu A1")
	if b.get("/catalogue/record/" + wardCode); strings.Contains(b.body, "Xuất bản</button>") || !strings.Contains(b.body, "Lưu cho đơn vị") {
		t.Fatalf("an office's admin sees:\n%s", b.body)
	}
	if resp := b.post("/catalogue/record/"+wardCode, editForm(seed, 0, "publish"), "page"); resp.StatusCode != http.StatusForbidden || lib.Head() != 0 {
		t.Errorf("an office's admin publishing a shared record = %d", resp.StatusCode)
	}
}

func TestFieldLabel(t *testing.T) {
	for path, want := range map[string]string{
		"channels[0].fee":       "Cách nộp 1 · lệ phí",
		"documents[6].optional": "Giấy tờ 7 · không bắt buộc",
		"steps[2]":              "Các bước · bước 3",
		"legal_basis[0]":        "Căn cứ pháp lý · mục 1",
		"where":                 "Nơi nộp",
		"something[1].else":     "something[1].else",
	} {
		if got := fieldLabel(path); got != want {
			t.Errorf("fieldLabel(%q) = %q, want %q", path, got, want)
		}
	}
}
