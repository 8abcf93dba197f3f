package console

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"go.uber.org/zap"
)

// officersPage is "Quản lý cán bộ" (admin): the officers with role, accounts, last
// sign-in and state; invite one (the link is shown once, to hand over out of band),
// change a console officer's role and accounts, revoke. An admin acts only within their
// own accounts: they cannot grant, change or revoke an officer with an account outside
// them, nor grant "every account" unless they have it. The config file's officers keep
// the role and accounts the file gives them.
type officersPage struct{}

func (officersPage) Routes(r *Router) {
	r.Get("/officers", RoleAdmin, officersList)
	r.Post("/officers/invite", RoleAdmin, officersInvite)
	r.Post("/officers/update", RoleAdmin, officersUpdate)
	r.Post("/officers/revoke", RoleAdmin, officersRevoke)
	r.Nav(NavOfficers, "/officers")
}

type officersModel struct {
	Page
	Officers []officerRow
	Roles    []Role
	Form     *Form
	// InviteURL is the link of the invite just made (shown once), Expires its end.
	InviteURL string
	InviteFor string
	Expires   time.Time
}

type officerRow struct {
	Officer
	Editable bool // a console officer within the admin's accounts
}

var allRoles = []Role{RoleViewer, RoleEditor, RoleBroadcaster, RoleAdmin}

func officersList(w http.ResponseWriter, r *http.Request, s *Session) error {
	return renderOfficers(w, r, s, NewForm(), http.StatusOK, "", "")
}

func renderOfficers(w http.ResponseWriter, r *http.Request, s *Session, f *Form, status int, link, forName string) error {
	list, err := s.h.officers.List(r.Context())
	if err != nil {
		return err
	}
	me := s.Officer()
	m := officersModel{Page: s.Page("Quản lý cán bộ"), Roles: allRoles, Form: f}
	for _, o := range list {
		m.Officers = append(m.Officers, officerRow{Officer: o, Editable: !o.File && withinScope(me, o.Accounts) && o.Name != me.Name})
	}
	if link != "" {
		m.InviteURL, m.InviteFor, m.Expires = link, forName, s.h.o.Now().Add(InviteTTL)
	}
	return s.Render(w, status, "officers", &m)
}

// withinScope reports whether every account of accounts is one the admin may act on.
func withinScope(admin Officer, accounts []string) bool {
	for _, a := range accounts {
		if a == AllAccounts && !slices.Contains(admin.Accounts, AllAccounts) || !admin.MayAct(a) {
			return false
		}
	}
	return true
}

// chosenAccounts reads the account checkboxes ("*" for every account).
func chosenAccounts(r *http.Request, s *Session) []string {
	var out []string
	for _, a := range r.PostForm["accounts"] {
		if a == AllAccounts || slices.ContainsFunc(s.Accounts(), func(x Account) bool { return x.ID == a }) {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	return out
}

func officersInvite(w http.ResponseWriter, r *http.Request, s *Session) error {
	f := ParseForm(r, "name", "role")
	role, err := ParseRole(f.Get("role"))
	if err != nil {
		f.Fail("role", "Vui lòng chọn quyền.")
	}
	accounts := chosenAccounts(r, s)
	name, nerr := NormalizeName(f.Get("name"))
	switch {
	case f.Get("name") == "":
		f.Fail("name", "Vui lòng nhập tên đăng nhập.")
	case nerr != nil:
		f.Fail("name", "Tên đăng nhập dài quá hoặc có ký tự không hợp lệ.")
	}
	if len(accounts) == 0 {
		f.Fail("accounts", "Vui lòng chọn ít nhất một OA.")
	} else if !withinScope(s.Officer(), accounts) {
		f.Fail("accounts", "Bạn chỉ giao được các OA mình phụ trách.")
	}
	if f.Valid() {
		if existing, ok, err := s.h.officers.Lookup(r.Context(), name); err != nil {
			return err
		} else if ok && !withinScope(s.Officer(), existing.Accounts) {
			f.Fail("name", "Cán bộ này phụ trách OA ngoài phạm vi của bạn.")
		}
	}
	if !f.Valid() {
		return renderOfficers(w, r, s, f, http.StatusUnprocessableEntity, "", "")
	}
	tok, err := s.h.officers.Invite(r.Context(), InviteSpec{Name: name, Role: role, Accounts: accounts, By: s.Officer().Name})
	if err != nil {
		return err
	}
	s.h.log.Info("officer invited from the console", zap.String("officer", name), zap.String("by", s.Officer().Name))
	return renderOfficers(w, r, s, NewForm(), http.StatusOK, s.AbsoluteURL("/invite/"+tok), name)
}

// target is the officer a change is for: a console officer within the admin's scope,
// not the admin themself.
func target(r *http.Request, s *Session) (Officer, error) {
	name := r.PostFormValue("name")
	o, ok, err := s.h.officers.Lookup(r.Context(), name)
	switch {
	case err != nil:
		return Officer{}, err
	case !ok:
		return Officer{}, ErrNotFound
	case o.Name == s.Officer().Name || !withinScope(s.Officer(), o.Accounts):
		return Officer{}, ErrForbidden
	}
	return o, nil
}

func officersUpdate(w http.ResponseWriter, r *http.Request, s *Session) error {
	o, err := target(r, s)
	if err != nil {
		return err
	}
	role, rerr := ParseRole(r.PostFormValue("role"))
	accounts := chosenAccounts(r, s)
	if rerr != nil || len(accounts) == 0 || !withinScope(s.Officer(), accounts) {
		s.Flash(FlashError, "Chưa lưu được thay đổi cho "+o.Name+": hãy chọn quyền và ít nhất một OA bạn phụ trách.")
		return s.Redirect(w, "/officers")
	}
	if err := s.h.officers.Update(r.Context(), o.Name, role, accounts); errors.Is(err, ErrFileOfficer) {
		s.Flash(FlashError, "Quyền của "+o.Name+" do tệp cấu hình quy định.")
		return s.Redirect(w, "/officers")
	} else if err != nil {
		return err
	}
	s.Flash(FlashOK, "Đã cập nhật quyền của "+o.Name+".")
	return s.Redirect(w, "/officers")
}

func officersRevoke(w http.ResponseWriter, r *http.Request, s *Session) error {
	o, err := target(r, s)
	if err != nil {
		return err
	}
	if err := s.h.officers.Revoke(r.Context(), o.Name, s.Officer().Name); err != nil {
		return err
	}
	s.Flash(FlashOK, "Đã thu hồi quyền truy cập của "+o.Name+"; mọi phiên đăng nhập của họ đã kết thúc.")
	return s.Redirect(w, "/officers")
}
