package console

import (
	"net/http"
	"slices"
	"strings"
)

// Session is one request's view of the signed-in officer and their session, handed to
// every HandlerFunc: who they are, which accounts they may act on and which one they
// chose, the role check, flash messages and rendering.
type Session struct {
	h       *Handler
	r       *http.Request
	st      *state   // nil: no session (an error page before any)
	officer *Officer // nil before sign-in
	ended   bool     // signed out during this request: nothing to save

	accounts []Account // lazily: the accounts in the officer's scope
	listed   bool
}

// Officer is the signed-in officer (the zero Officer on public pages).
func (s *Session) Officer() Officer {
	if s.officer == nil {
		return Officer{}
	}
	return *s.officer
}

// Accounts are the accounts served now that the officer may act on, in display order.
func (s *Session) Accounts() []Account {
	if !s.listed {
		s.listed = true
		if s.officer != nil {
			for _, a := range s.h.o.Accounts() {
				if s.officer.MayAct(a.ID) {
					s.accounts = append(s.accounts, a)
				}
			}
		}
	}
	return s.accounts
}

// Account is the account the officer chose in the switcher, or their first one; the
// zero Account when they may act on none.
func (s *Session) Account() Account {
	accs := s.Accounts()
	if len(accs) == 0 {
		return Account{}
	}
	if s.st != nil {
		if i := slices.IndexFunc(accs, func(a Account) bool { return a.ID == s.st.data.Account }); i >= 0 {
			return accs[i]
		}
	}
	return accs[0]
}

// Can reports whether the officer has at least role on the account (see RequireRole).
func (s *Session) Can(role Role, account string) bool { return s.RequireRole(role, account) == nil }

// RequireRole is the check pages make before reading or changing an account's data:
//
//   - account "" checks the role only (pages about no account);
//   - account "*" needs the officer's scope to be every account;
//   - another account must be served now and in the officer's scope, else ErrNotFound
//     (an account outside the scope is not told apart from one that does not exist);
//
// and then the officer's role must be at least role, else ErrForbidden.
func (s *Session) RequireRole(role Role, account string) error {
	if s.officer == nil || s.officer.Disabled {
		return ErrForbidden
	}
	switch account {
	case "":
	case AllAccounts:
		if !slices.Contains(s.officer.Accounts, AllAccounts) {
			return ErrForbidden
		}
	default:
		if !slices.ContainsFunc(s.Accounts(), func(a Account) bool { return a.ID == account }) {
			return ErrNotFound
		}
	}
	if s.officer.Role < role {
		return ErrForbidden
	}
	return nil
}

// Flash keeps a message for the next page shown (after a redirect): kind FlashOK or
// FlashError, text plain (never HTML).
func (s *Session) Flash(kind, text string) {
	if s.st == nil {
		return
	}
	s.st.data.Flash = append(s.st.data.Flash, Flash{Kind: kind, Text: text})
	s.st.dirty = true
}

// Page fills the layout's part of a page model, consuming the flash messages.
func (s *Session) Page(title string) Page { return s.page(title, true) }

func (s *Session) page(title string, consumeFlash bool) Page {
	h := s.h
	nonce, _ := s.r.Context().Value(nonceKey{}).(string)
	p := Page{Title: title, Nonce: nonce, Officer: s.officer, Path: s.r.URL.Path,
		Root: h.url("/"), CSS: h.assets.urls["console.css"], JS: h.assets.urls["console.js"]}
	if s.st != nil {
		p.CSRF = s.st.data.CSRF
		if consumeFlash && len(s.st.data.Flash) > 0 {
			p.Flash, s.st.data.Flash, s.st.dirty = s.st.data.Flash, nil, true
		}
	}
	if s.officer != nil {
		p.Accounts, p.Current = s.Accounts(), s.Account()
		p.Nav = h.navFor(s.officer, s.r.URL.Path)
	}
	return p
}

// Render saves the session (the consumed flash) and sends templates/<name>.html with
// data, a model that embeds Page. Use status 422 for a form with errors.
func (s *Session) Render(w http.ResponseWriter, status int, name string, data any) error {
	body, err := s.h.views.render(name, data)
	if err != nil {
		return err
	}
	if err := s.save(); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return nil
}

// Redirect saves the session (a flash for the next page) and answers 303 See Other to
// path under the console root: the end of every successful form (post/redirect/get).
func (s *Session) Redirect(w http.ResponseWriter, path string) error {
	if err := s.save(); err != nil {
		return err
	}
	http.Redirect(w, s.r, s.h.url(path), http.StatusSeeOther)
	return nil
}

// AbsoluteURL is a console path as a full URL, for links sent out of band (an invite
// the officers page shows for copying): under Options.PublicBaseURL, else the request's
// own scheme and host.
func (s *Session) AbsoluteURL(path string) string {
	base := strings.TrimRight(s.h.o.PublicBaseURL, "/")
	if base == "" {
		scheme := "http"
		if s.r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + s.r.Host
	}
	return base + s.h.url(path)
}

// save writes the session before the answer goes out, so the next request sees it.
func (s *Session) save() error {
	if s.st == nil || s.ended {
		return nil
	}
	return s.h.sessions.save(s.r.Context(), s.st)
}
