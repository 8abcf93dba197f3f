package console

import "net/http"

// home is Tổng quan, the page after sign-in: the officer's accounts with a switcher and,
// when Options.Figures is set, the chosen account's figures — messages per day as a
// chart drawn on the server with the numbers beside it, follows, the procedures looked at
// most, QR scans — and their CSV.
type home struct{ figures FiguresSource }

func (hm home) Routes(r *Router) {
	r.Get("/", RoleViewer, hm.page)
	if hm.figures != nil {
		r.Get("/figures.csv", RoleViewer, hm.csv)
	}
	r.Nav(NavHome, "/")
}

type homeModel struct {
	Page
	Figures *Figures
	Chart   chart
}

func (hm home) page(w http.ResponseWriter, r *http.Request, s *Session) error {
	m := homeModel{Page: s.Page("Tổng quan")}
	if acc := s.Account(); hm.figures != nil && acc.ID != "" {
		if err := s.RequireRole(RoleViewer, acc.ID); err != nil {
			return err
		}
		f, err := hm.figures.Figures(r.Context(), acc.ID, s.h.o.Now())
		if err != nil {
			return err
		}
		m.Figures, m.Chart = &f, newChart(f.Days)
	}
	return s.Render(w, http.StatusOK, "home", &m)
}

func (hm home) csv(w http.ResponseWriter, r *http.Request, s *Session) error {
	acc := s.Account()
	if err := s.RequireRole(RoleViewer, acc.ID); err != nil || acc.ID == "" {
		return ErrNotFound
	}
	f, err := hm.figures.Figures(r.Context(), acc.ID, s.h.o.Now())
	if err != nil {
		return err
	}
	if err := s.save(); err != nil {
		return err
	}
	return figuresCSV(w, acc.ID, f)
}
