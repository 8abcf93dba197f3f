package console

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/oabot/oabot/bot/catalog"
	"github.com/oabot/oabot/procedures"
)

// PortalSource is the portal crawl the catalogue is refreshed from (catalog.portal).
type PortalSource interface {
	// Portal returns the crawl's records, nil when none is configured.
	Portal() []*procedures.Record
}

// refreshShown caps each list of the refresh page; "accept all" covers the rest.
const refreshShown = 60

type refreshModel struct {
	Page
	Configured     bool
	Head           int64
	New, Gone      []*procedures.Record
	Changed        []procedures.RecordChange
	NewN, ChangedN int
	GoneN, Same    int
	// Reworded counts the changed records whose changes are of writing only (listed
	// last: procedures.PortalRefresh).
	Reworded int
}

// refresh shows what the configured portal crawl would change in the shared catalogue:
// new, changed (field by field) and gone records, each with a box to accept it.
func (c *Catalogue) refresh(w http.ResponseWriter, r *http.Request, s *Session) error {
	if err := s.RequireRole(RoleAdmin, AllAccounts); err != nil {
		return err
	}
	m := refreshModel{Page: s.Page("Cập nhật từ Cổng Dịch vụ công")}
	if p, ok := c.Source.(PortalSource); ok && p.Portal() != nil {
		lib := c.Source.Library()
		rf := procedures.PortalRefresh(lib.Catalog(), p.Portal())
		m.Configured, m.Head, m.Same = true, lib.Head(), rf.Unchanged
		m.NewN, m.ChangedN, m.GoneN, m.Reworded = len(rf.New), len(rf.Changed), len(rf.Gone), rf.Reworded
		m.New, m.Changed, m.Gone = rf.New[:min(len(rf.New), refreshShown)], rf.Changed[:min(len(rf.Changed), refreshShown)], rf.Gone[:min(len(rf.Gone), refreshShown)]
	}
	return s.Render(w, http.StatusOK, "catalogue_refresh", &m)
}

// acceptRefresh publishes the accepted records as one version: the chosen codes, or every
// record of a kind ("all_new", "all_changed", "all_gone"). Offices' own information is
// kept: it lives beside the shared records.
func (c *Catalogue) acceptRefresh(w http.ResponseWriter, r *http.Request, s *Session) error {
	acc := s.Account()
	if err := s.RequireRole(RoleAdmin, AllAccounts); err != nil {
		return err
	}
	p, ok := c.Source.(PortalSource)
	if !ok || p.Portal() == nil {
		return ErrNotFound
	}
	if err := r.ParseForm(); err != nil {
		return &HTTPError{Status: http.StatusBadRequest, Message: "Biểu mẫu không đọc được."}
	}
	base, err := strconv.ParseInt(r.PostForm.Get("base"), 10, 64)
	if err != nil {
		return &HTTPError{Status: http.StatusBadRequest, Message: "Biểu mẫu thiếu phiên bản; hãy mở lại trang."}
	}
	lib := c.Source.Library()
	rf := procedures.PortalRefresh(lib.Catalog(), p.Portal())
	chosen, all := r.PostForm["code"], r.PostForm.Get("all")
	accept := func(kind, code string) bool { return all == kind || slices.Contains(chosen, code) }
	var cs []catalog.Change
	for _, x := range rf.Changed {
		if accept("changed", x.Code) {
			cs = append(cs, catalog.Change{Code: x.Code, Record: x.Refreshed})
		}
	}
	for _, x := range rf.New {
		if accept("new", x.Code) {
			cs = append(cs, catalog.Change{Code: x.Code, Record: x})
		}
	}
	for _, x := range rf.Gone {
		if accept("gone", x.Code) {
			cs = append(cs, catalog.Change{Code: x.Code, Removed: true})
		}
	}
	if len(cs) == 0 {
		s.Flash("error", "Chưa chọn thủ tục nào để cập nhật.")
		return s.Redirect(w, "/catalogue/refresh")
	}
	v, err := lib.Publish(r.Context(), s.Officer().Name, fmt.Sprintf("Cập nhật %d thủ tục từ Cổng Dịch vụ công", len(cs)), base, cs)
	c.Source.Audit(r.Context(), s.Officer(), "catalog.refresh", acc.ID, fmt.Sprintf("v%d %d records", v.N, len(cs)), err)
	var ce *catalog.ConflictError
	var ve *procedures.ValidationError
	switch {
	case errors.As(err, &ce):
		s.Flash("error", fmt.Sprintf("Chưa cập nhật: thủ tục %s vừa được sửa ở phiên bản %d. Xem lại rồi thử lại.", ce.Code, ce.Version))
	case errors.As(err, &ve):
		s.Flash("error", fmt.Sprintf("Chưa cập nhật: %d chỗ không hợp lệ, ví dụ %s %s: %s.", len(ve.Problems), ve.Problems[0].Code, ve.Problems[0].Field, problemText(ve.Problems[0].Msg)))
	case err != nil:
		return err
	default:
		s.Flash("ok", fmt.Sprintf("Đã cập nhật %d thủ tục từ Cổng Dịch vụ công (phiên bản %d).", len(cs), v.N))
		return s.Redirect(w, "/catalogue/history")
	}
	return s.Redirect(w, "/catalogue/refresh")
}
