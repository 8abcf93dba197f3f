package console

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// PosterRequest is what an officer chose on the posters page.
type PosterRequest struct {
	Codes   []string
	Paper   string // "a4" or "a5"
	PerPage int    // 1, 2, 4 or 6
	Label   string // where the poster hangs (the QR's ?src=), e.g. "bang-tin"
	Format  string // "pdf" or "html" (the print view)
}

// PosterSource lists an office's procedures and draws its posters (cmd/oabot adapts
// bot/qr and the catalogue).
type PosterSource interface {
	// Procedures are the ones the office handles (its scope), in catalogue order.
	Procedures(account string) []Procedure
	// Write draws the posters and returns the content type.
	Write(ctx context.Context, w *bytes.Buffer, account string, req PosterRequest) (string, error)
}

// Posters is "In áp phích": choose procedures (the office's by default), paper, codes per
// page and where the poster hangs, then download the PDF or open the print view — with
// the console session, no token needed (editor and above, as the /posters routes).
type Posters struct {
	Source PosterSource
}

// Routes registers the page and the file.
func (p *Posters) Routes(r *Router) {
	r.Get("/posters", RoleEditor, p.form)
	r.Get("/posters/file", RoleEditor, p.file)
	r.Nav(NavPosters, "/posters")
}

type postersModel struct {
	Page
	Procedures []Procedure
	Chosen     map[string]bool
	Form       *Form
}

func (p *Posters) form(w http.ResponseWriter, r *http.Request, s *Session) error {
	acc := s.Account()
	if err := s.RequireRole(RoleEditor, acc.ID); err != nil {
		return err
	}
	f := NewForm()
	f.Set("size", "a4")
	f.Set("per_page", "4")
	return p.render(w, s, acc.ID, f, nil, http.StatusOK)
}

func (p *Posters) render(w http.ResponseWriter, s *Session, account string, f *Form, chosen []string, status int) error {
	m := postersModel{Page: s.Page("In áp phích"), Procedures: p.Source.Procedures(account), Form: f, Chosen: map[string]bool{}}
	for _, c := range chosen {
		m.Chosen[c] = true
	}
	if chosen == nil { // first showing: every procedure of the office
		for _, pr := range m.Procedures {
			m.Chosen[pr.Code] = true
		}
	}
	return s.Render(w, status, "posters", &m)
}

// maxLabelRunes bounds the location label (bot/qr keeps 32 of [a-z0-9._-]).
const maxLabelRunes = 40

// file validates the choice and sends the PDF, or the print view for the browser to print.
func (p *Posters) file(w http.ResponseWriter, r *http.Request, s *Session) error {
	acc := s.Account()
	if err := s.RequireRole(RoleEditor, acc.ID); err != nil {
		return err
	}
	q := r.URL.Query()
	f := NewForm()
	for _, k := range []string{"size", "per_page", "label"} {
		f.Set(k, strings.TrimSpace(q.Get(k)))
	}
	req := PosterRequest{Paper: f.Get("size"), Label: f.Get("label"), Format: q.Get("format")}
	own := p.Source.Procedures(acc.ID)
	for _, c := range q["code"] {
		if slices.ContainsFunc(own, func(pr Procedure) bool { return pr.Code == c }) && !slices.Contains(req.Codes, c) {
			req.Codes = append(req.Codes, c)
		}
	}
	if len(req.Codes) == 0 {
		f.Fail("code", "Vui lòng chọn ít nhất một thủ tục.")
	}
	if req.Paper != "a4" && req.Paper != "a5" {
		f.Fail("size", "Khổ giấy là A4 hoặc A5.")
	}
	if n, err := strconv.Atoi(f.Get("per_page")); err != nil || (n != 1 && n != 2 && n != 4 && n != 6) {
		f.Fail("per_page", "Số mã trên một trang là 1, 2, 4 hoặc 6.")
	} else {
		req.PerPage = n
	}
	if utf8.RuneCountInString(req.Label) > maxLabelRunes {
		f.Fail("label", "Vị trí dán tối đa 40 ký tự.")
	}
	if req.Format != "pdf" && req.Format != "html" {
		req.Format = "pdf"
	}
	if !f.Valid() {
		return p.render(w, s, acc.ID, f, req.Codes, http.StatusUnprocessableEntity)
	}
	var buf bytes.Buffer
	ctype, err := p.Source.Write(r.Context(), &buf, acc.ID, req)
	if err != nil {
		return err
	}
	if err := s.save(); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Cache-Control", "private, no-store")
	if req.Format == "pdf" {
		h.Set("Content-Disposition", `attachment; filename="ap-phich-`+acc.ID+`.pdf"`)
	} else {
		// The print view is a document of its own, styled inline and script-free.
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	}
	_, err = w.Write(buf.Bytes())
	return err
}
