package qr

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"golang.org/x/text/unicode/norm"

	"github.com/oabot/oabot/procedures"
)

// PosterItem is one procedure on a poster and the URL its QR code carries (see Target).
type PosterItem struct {
	Record *procedures.Record
	URL    string
}

// PosterOptions controls a poster PDF.
type PosterOptions struct {
	// Paper is "a4" (default) or "a5", portrait.
	Paper string
	// PerPage is the number of procedures on one sheet: 1 (default), 2, 4 or 6.
	PerPage int
	// Font is the TrueType font (see FindFont).
	Font Font
	// Printed is the print date shown in the footer (and the PDF's dates).
	Printed time.Time
	// CatalogVersion is the catalogue version shown in the footer.
	CatalogVersion string
}

// posterLevel is the error-correction level of printed codes: Q survives creases, dirt
// and a pin through the paper better than M, and poster codes are large anyway.
const posterLevel = LevelQ

// grid maps procedures per page to columns and rows.
var grid = map[int][2]int{1: {1, 1}, 2: {1, 2}, 4: {2, 2}, 6: {2, 3}}

// Items builds poster items for records: each QR carries Target(baseURL, a, code, src).
func Items(baseURL string, a Account, recs []*procedures.Record, src string) ([]PosterItem, error) {
	items := make([]PosterItem, 0, len(recs))
	for _, r := range recs {
		u, err := Target(baseURL, a, r.Code, src)
		if err != nil {
			return nil, err
		}
		items = append(items, PosterItem{Record: r, URL: u})
	}
	return items, nil
}

// WritePosters writes a PDF with the given procedures, PerPage to a page, for account a.
// Every QR code is encoded and decoded back before it is drawn; the PDF draws the same
// modules as vector rectangles.
func WritePosters(w io.Writer, a Account, items []PosterItem, o PosterOptions) error {
	if len(items) == 0 {
		return errors.New("qr: posters: no procedures")
	}
	if o.Paper == "" {
		o.Paper = "a4"
	}
	paper := map[string]string{"a4": "A4", "a5": "A5"}[strings.ToLower(o.Paper)]
	if paper == "" {
		return fmt.Errorf("qr: posters: paper %q (want a4 or a5)", o.Paper)
	}
	if o.PerPage == 0 {
		o.PerPage = 1
	}
	g, ok := grid[o.PerPage]
	if !ok {
		return fmt.Errorf("qr: posters: %d per page (want 1, 2, 4 or 6)", o.PerPage)
	}
	if o.Font.Regular == "" {
		return errors.New("qr: posters: no font (see FindFont)")
	}
	if o.Printed.IsZero() {
		o.Printed = time.Now()
	}
	syms := make([]*Symbol, len(items))
	for i, it := range items {
		sym, err := encodeVerified(it.URL, posterLevel, 0, func(sym *Symbol) error {
			return verifySymbol(sym, DefaultQuietZone)
		})
		if err != nil {
			return fmt.Errorf("qr: posters: %s: %w", it.Record.Code, err)
		}
		syms[i] = sym
	}

	pdf := fpdf.New("P", "mm", paper, "")
	pdf.SetCreationDate(o.Printed)
	pdf.SetModificationDate(o.Printed)
	pdf.SetTitle(nfc(posterTitle+" – "+a.Name), true)
	pdf.SetSubject(nfc(posterSubject), true)
	pdf.SetCreator("oabot", true)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetMargins(0, 0, 0)
	regular, err := os.ReadFile(o.Font.Regular)
	if err != nil {
		return fmt.Errorf("qr: posters: %w", err)
	}
	bold, err := os.ReadFile(o.Font.Bold)
	if err != nil {
		return fmt.Errorf("qr: posters: %w", err)
	}
	pdf.AddUTF8FontFromBytes("poster", "", regular)
	pdf.AddUTF8FontFromBytes("poster", "B", bold)
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("qr: posters: font %s: %w", o.Font.Regular, err)
	}
	pw, ph := pdf.GetPageSize()
	const margin = 10.0
	cols, rows := g[0], g[1]
	cw := (pw - 2*margin) / float64(cols)
	ch := (ph - 2*margin) / float64(rows)
	for i, it := range items {
		slot := i % o.PerPage
		if slot == 0 {
			pdf.AddPage()
		}
		x := margin + float64(slot%cols)*cw
		y := margin + float64(slot/cols)*ch
		c := cell{pdf: pdf, x: x, y: y, w: cw, h: ch, k: cw / 190}
		if o.PerPage > 1 {
			c.cutMarks()
		}
		c.draw(a, it.Record, syms[i], o)
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("qr: posters: %w", err)
	}
	return nil
}

// cell is one procedure's area on a page; k scales type to the cell (1 = a full A4 width).
type cell struct {
	pdf        *fpdf.Fpdf
	x, y, w, h float64
	k          float64
}

func (c cell) draw(a Account, r *procedures.Record, sym *Symbol, o PosterOptions) {
	pad := 6 * c.k
	inner := c.w - 2*pad
	y := c.y + pad
	c.pdf.SetTextColor(0, 0, 0)
	y = c.line(nfc(a.Name), "B", 16, y, inner, 60, 60, 60)
	c.pdf.SetDrawColor(180, 180, 180)
	c.pdf.SetLineWidth(0.3 * c.k)
	c.pdf.Line(c.x+pad, y+1*c.k, c.x+c.w-pad, y+1*c.k)
	y += 4 * c.k
	y = c.title(nfc(r.Name), y, inner)

	// Bottom block, laid out upwards from the cell's foot.
	foot := c.y + c.h - pad
	sizes := struct{ code, instr, codeLine, footer float64 }{44, 13, 10, 8}
	bottom := (sizes.code*0.5 + sizes.instr*0.45 + sizes.codeLine*0.45 + sizes.footer*0.45 + 10) * c.k
	side := min(inner*0.8, foot-bottom-y-8*c.k)
	qx := c.x + (c.w-side)/2
	c.symbol(sym, qx, y+2*c.k, side)
	y += side + 4*c.k

	y = c.line(nfc(posterSendPrefix+MessageText(r)), "B", sizes.code, y, inner, 0, 0, 0)
	y = c.line(nfc(instruction(a.Mode, a.Name)), "", sizes.instr, y+1*c.k, inner, 0, 0, 0)
	y = c.line(nfc(fmt.Sprintf(posterCodeLineFmt, r.Code)), "", sizes.codeLine, y+1*c.k, inner, 90, 90, 90)
	c.line(nfc(footer(o.Printed, o.CatalogVersion)), "", sizes.footer, max(y+1*c.k, foot-sizes.footer*0.45*c.k), inner, 110, 110, 110)
}

// line writes one centred line at y (top), shrinking the type until it fits the width,
// and returns the y below it.
func (c cell) line(s, style string, pt, y, width float64, r, g, b int) float64 {
	size := max(pt*c.k, 6)
	c.pdf.SetFont("poster", style, size)
	for c.pdf.GetStringWidth(s) > width && size > 5 {
		size -= 0.5
		c.pdf.SetFontSize(size)
	}
	hmm := size * 0.3528 * 1.25 // points to millimetres, with leading
	c.pdf.SetTextColor(r, g, b)
	c.pdf.SetXY(c.x+(c.w-width)/2, y)
	c.pdf.CellFormat(width, hmm, s, "", 0, "C", false, 0, "")
	return y + hmm
}

// title writes the procedure name in bold on up to three centred lines, shrinking the
// type as needed, and returns the y below it.
func (c cell) title(s string, y, width float64) float64 {
	size := max(22*c.k, 7)
	c.pdf.SetFont("poster", "B", size)
	lines := c.pdf.SplitText(s, width)
	for len(lines) > 3 && size > 6 {
		size -= 0.5
		c.pdf.SetFontSize(size)
		lines = c.pdf.SplitText(s, width)
	}
	hmm := size * 0.3528 * 1.2
	c.pdf.SetTextColor(0, 0, 0)
	for _, l := range lines {
		c.pdf.SetXY(c.x+(c.w-width)/2, y)
		c.pdf.CellFormat(width, hmm, l, "", 0, "C", false, 0, "")
		y += hmm
	}
	return y
}

// symbol draws the modules as filled rectangles (one per horizontal run) in a square of
// the given side, quiet zone included.
func (c cell) symbol(sym *Symbol, x, y, side float64) {
	n := sym.Size()
	m := side / float64(n+2*DefaultQuietZone)
	x += DefaultQuietZone * m
	y += DefaultQuietZone * m
	// A hair of overlap hides the seams anti-aliasing leaves between touching rectangles.
	const seam = 0.02
	c.pdf.SetFillColor(0, 0, 0)
	for row, mods := range sym.Modules {
		for col := 0; col < n; {
			if !mods[col] {
				col++
				continue
			}
			run := 1
			for col+run < n && mods[col+run] {
				run++
			}
			c.pdf.Rect(x+float64(col)*m, y+float64(row)*m, float64(run)*m, m+seam, "F")
			col += run
		}
	}
}

// cutMarks outlines the cell in light grey so a sheet can be cut apart.
func (c cell) cutMarks() {
	c.pdf.SetDrawColor(200, 200, 200)
	c.pdf.SetLineWidth(0.2)
	c.pdf.SetDashPattern([]float64{2, 2}, 0)
	c.pdf.Rect(c.x, c.y, c.w, c.h, "D")
	c.pdf.SetDashPattern(nil, 0)
}

// nfc composes text: the fonts have precomposed Vietnamese letters, and a decomposed
// "ệ" would print as "ê" plus a floating dot.
func nfc(s string) string { return norm.NFC.String(s) }

// RenderPosters writes the posters of recs for account a as format "pdf" (fontPath: a TrueType
// font, "" to look one up, see FindFont) or "html" (the print view), and returns the
// content type. The one way posters are made, for the /posters routes and the console.
func RenderPosters(w io.Writer, format, baseURL string, a Account, recs []*procedures.Record, src string, o PosterOptions, fontPath string) (string, error) {
	items, err := Items(baseURL, a, recs, src)
	if err != nil {
		return "", err
	}
	switch format {
	case "pdf":
		if o.Font, err = FindFont(fontPath); err != nil {
			return "", err
		}
		return "application/pdf", WritePosters(w, a, items, o)
	case "html":
		return "text/html; charset=utf-8", WritePrintView(w, a, items, o)
	}
	return "", fmt.Errorf("qr: poster format %q (want pdf or html)", format)
}
