package console

import "net/http"

// home is Tổng quan, the page after sign-in. For now it lists the officer's accounts with
// a switcher; the figures of issue 14 item 2 come later.
type home struct{}

func (home) Routes(r *Router) {
	r.Get("/", RoleViewer, homePage)
	r.Nav(NavHome, "/")
}

type homeModel struct {
	Page
}

func homePage(w http.ResponseWriter, r *http.Request, s *Session) error {
	m := homeModel{Page: s.Page("Tổng quan")}
	return s.Render(w, http.StatusOK, "home", &m)
}
