package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"go.uber.org/zap"
)

// registerAuth adds sign-in, sign-out, invites, one-time sign-in links and the account
// switcher.
func (h *Handler) registerAuth() error {
	return errors.Join(
		h.register(route{method: http.MethodGet, path: "/login", public: true, anonymous: true, h: h.loginPage}),
		h.register(route{method: http.MethodPost, path: "/login", public: true, h: h.login}),
		h.register(route{method: http.MethodGet, path: "/login/{token}", public: true, anonymous: true, h: h.linkPage}),
		h.register(route{method: http.MethodPost, path: "/login/{token}", public: true, h: h.linkSignIn}),
		h.register(route{method: http.MethodGet, path: "/invite/{token}", public: true, anonymous: true, h: h.invitePage}),
		h.register(route{method: http.MethodPost, path: "/invite/{token}", public: true, h: h.acceptInvite}),
		h.register(route{method: http.MethodPost, path: "/logout", role: RoleViewer, h: h.logout}),
		h.register(route{method: http.MethodPost, path: "/logout-all", role: RoleViewer, h: h.logoutAll}),
		h.register(route{method: http.MethodPost, path: "/account", role: RoleViewer, h: h.switchAccount}),
	)
}

// Messages of the sign-in pages.
const (
	msgBadCredentials = "Tên đăng nhập hoặc mật khẩu không đúng."
	msgThrottled      = "Bạn đã thử đăng nhập quá nhiều lần. Vui lòng thử lại sau 15 phút."
	msgLinkGone       = "Liên kết này đã hết hạn hoặc đã được dùng. Hãy nhờ quản trị viên gửi liên kết mới."
)

type loginModel struct {
	Page
	Form   *Form
	Next   string
	Status string // "Bạn đã đăng xuất." after signing out
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request, s *Session) error {
	next := safeNext(r.URL.Query().Get("next"))
	if s.officer != nil {
		return s.Redirect(w, next)
	}
	m := loginModel{Page: s.Page("Đăng nhập"), Form: NewForm(), Next: next}
	switch r.URL.Query().Get("out") {
	case "1":
		m.Status = "Bạn đã đăng xuất."
	case "all":
		m.Status = "Bạn đã đăng xuất khỏi mọi thiết bị."
	}
	return s.Render(w, http.StatusOK, "login", &m)
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request, s *Session) error {
	f := ParseForm(r, "name", "next")
	pw := f.Secret(r, "password")
	f.Required("name", "Vui lòng nhập tên đăng nhập.")
	f.Required("password", "Vui lòng nhập mật khẩu.")
	next := safeNext(f.Get("next"))
	status := http.StatusUnprocessableEntity
	if f.Valid() {
		off, err := h.officers.Authenticate(r.Context(), f.Get("name"), pw, h.o.ClientIP(r))
		switch {
		case err == nil:
			return h.signIn(w, s, off, next)
		case errors.Is(err, ErrThrottled):
			h.log.Warn("console sign-in throttled") // no name: it may be a mistyped password
			f.FailForm(msgThrottled)
			status = http.StatusTooManyRequests
		case errors.Is(err, ErrBadCredentials):
			f.FailForm(msgBadCredentials)
		default:
			return err
		}
	}
	m := loginModel{Page: s.Page("Đăng nhập"), Form: f, Next: next}
	return s.Render(w, status, "login", &m)
}

// signIn starts the officer's session under a new id and goes to next.
func (h *Handler) signIn(w http.ResponseWriter, s *Session, off Officer, next string) error {
	ctx := s.r.Context()
	st, err := h.sessions.rotate(ctx, w, s.st, off.Name)
	if err != nil {
		return err
	}
	s.st, s.officer, s.listed, s.accounts = st, &off, false, nil
	if err := h.officers.recordSignIn(ctx, off.Name); err != nil {
		h.log.Warn("last sign-in not recorded", zap.Error(err))
	}
	h.log.Info("officer signed in", zap.String("officer", off.Name))
	return s.Redirect(w, next)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request, s *Session) error {
	if err := h.sessions.end(r.Context(), w, s.st); err != nil {
		return err
	}
	s.ended = true
	http.Redirect(w, r, h.url("/login?out=1"), http.StatusSeeOther)
	return nil
}

func (h *Handler) logoutAll(w http.ResponseWriter, r *http.Request, s *Session) error {
	if err := h.officers.SignOutEverywhere(r.Context(), s.officer.Name); err != nil {
		return err
	}
	if err := h.sessions.end(r.Context(), w, s.st); err != nil {
		return err
	}
	s.ended = true
	h.log.Info("officer signed out everywhere", zap.String("officer", s.officer.Name))
	http.Redirect(w, r, h.url("/login?out=all"), http.StatusSeeOther)
	return nil
}

// switchAccount chooses the account the pages show (kept in the session).
func (h *Handler) switchAccount(w http.ResponseWriter, r *http.Request, s *Session) error {
	f := ParseForm(r, "account", "next")
	acc := f.Get("account")
	if acc == "" || acc == AllAccounts {
		return ErrNotFound
	}
	if err := s.RequireRole(RoleViewer, acc); err != nil {
		return err
	}
	s.st.data.Account, s.st.dirty = acc, true
	return s.Redirect(w, safeNext(f.Get("next")))
}

type inviteModel struct {
	Page
	Form     *Form
	Invite   Invite
	Accounts []string // account names of the scope ("Tất cả các OA" for *)
	Gone     bool
}

func (h *Handler) invitePage(w http.ResponseWriter, r *http.Request, s *Session) error {
	inv, err := h.officers.PeekInvite(r.Context(), r.PathValue("token"))
	return h.showInvite(w, s, inv, NewForm(), err, http.StatusOK)
}

func (h *Handler) showInvite(w http.ResponseWriter, s *Session, inv Invite, f *Form, err error, status int) error {
	m := inviteModel{Page: s.Page("Đặt mật khẩu"), Form: f, Invite: inv}
	switch {
	case errors.Is(err, ErrLinkGone):
		m.Gone, status = true, http.StatusGone
	case err != nil:
		return err
	default:
		m.Accounts = h.scopeNames(inv.Officer.Accounts)
	}
	return s.Render(w, status, "invite", &m)
}

func (h *Handler) acceptInvite(w http.ResponseWriter, r *http.Request, s *Session) error {
	ctx, token := r.Context(), r.PathValue("token")
	inv, err := h.officers.PeekInvite(ctx, token)
	f := NewForm()
	if err != nil {
		return h.showInvite(w, s, inv, f, err, 0)
	}
	pw, confirm := f.Secret(r, "password"), f.Secret(r, "confirm")
	if msg := checkNewPassword(pw, inv.Officer.Name); msg != "" {
		f.Fail("password", msg)
	}
	if pw != confirm {
		f.Fail("confirm", "Hai mật khẩu không khớp.")
	}
	if !f.Valid() {
		return h.showInvite(w, s, inv, f, nil, http.StatusUnprocessableEntity)
	}
	off, err := h.officers.AcceptInvite(ctx, token, pw)
	if err != nil {
		return h.showInvite(w, s, inv, f, err, 0)
	}
	h.log.Info("officer set a password from an invite", zap.String("officer", off.Name))
	s.Flash(FlashOK, "Đã đặt mật khẩu. Từ nay bạn đăng nhập bằng tên "+off.Name+" và mật khẩu này.")
	return h.signIn(w, s, off, "/")
}

type linkModel struct {
	Page
	Name string
	Gone bool
}

func (h *Handler) linkPage(w http.ResponseWriter, r *http.Request, s *Session) error {
	name, err := h.officers.PeekSignInLink(r.Context(), r.PathValue("token"))
	m := linkModel{Page: s.Page("Đăng nhập"), Name: name}
	status := http.StatusOK
	switch {
	case errors.Is(err, ErrLinkGone):
		m.Gone, status = true, http.StatusGone
	case err != nil:
		return err
	}
	return s.Render(w, status, "link", &m)
}

func (h *Handler) linkSignIn(w http.ResponseWriter, r *http.Request, s *Session) error {
	off, err := h.officers.TakeSignInLink(r.Context(), r.PathValue("token"))
	if errors.Is(err, ErrLinkGone) {
		m := linkModel{Page: s.Page("Đăng nhập"), Gone: true}
		return s.Render(w, http.StatusGone, "link", &m)
	}
	if err != nil {
		return err
	}
	return h.signIn(w, s, off, "/")
}

// scopeNames shows an account scope by account names.
func (h *Handler) scopeNames(scope []string) []string {
	var out []string
	for _, id := range scope {
		if id == AllAccounts {
			return []string{"Tất cả các OA"}
		}
		name := id
		for _, a := range h.o.Accounts() {
			if a.ID == id {
				name = a.Name
			}
		}
		out = append(out, name)
	}
	return out
}

// safeNext keeps a "next" path only when it is a path under the console root (no
// scheme, no host, no //, no backslash): anything else goes home.
func safeNext(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n") {
		return "/"
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return p
}
