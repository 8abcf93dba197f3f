package qr

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

// paperMM is the portrait size of each paper in millimetres.
var paperMM = map[string][2]float64{"a4": {210, 297}, "a5": {148, 210}}

// WritePrintView writes the posters as one HTML page to print from a browser: the same
// content and grid as WritePosters, with each QR as inline SVG (verified like SVG's).
func WritePrintView(w io.Writer, a Account, items []PosterItem, o PosterOptions) error {
	if len(items) == 0 {
		return errors.New("qr: print view: no procedures")
	}
	paper := strings.ToLower(o.Paper)
	if paper == "" {
		paper = "a4"
	}
	size, ok := paperMM[paper]
	if !ok {
		return fmt.Errorf("qr: print view: paper %q (want a4 or a5)", o.Paper)
	}
	if o.PerPage == 0 {
		o.PerPage = 1
	}
	g, ok := grid[o.PerPage]
	if !ok {
		return fmt.Errorf("qr: print view: %d per page (want 1, 2, 4 or 6)", o.PerPage)
	}
	if o.Printed.IsZero() {
		o.Printed = time.Now()
	}
	const margin = 10.0
	cw := (size[0] - 2*margin) / float64(g[0])
	ch := (size[1] - 2*margin) / float64(g[1])
	v := printView{
		OAName: nfc(a.Name), Paper: strings.ToUpper(paper), Cols: g[0], Dashed: o.PerPage > 1,
		RowHeight:   fmt.Sprintf("%.1fmm", ch),
		PageWidth:   fmt.Sprintf("%.0fmm", size[0]-2*margin),
		PageHeight:  fmt.Sprintf("%.0fmm", size[1]-2*margin),
		QRWidth:     fmt.Sprintf("%.1fmm", min(cw*0.8, ch*0.5)),
		Instruction: nfc(instruction(a.Mode, a.Name)),
		Footer:      nfc(footer(o.Printed, o.CatalogVersion)),
		k:           cw / 190,
	}
	var sheet []printItem
	for i, it := range items {
		svg, err := SVG(it.URL, Options{Size: 512, Level: posterLevel})
		if err != nil {
			return fmt.Errorf("qr: print view: %s: %w", it.Record.Code, err)
		}
		sheet = append(sheet, printItem{
			Name: nfc(it.Record.Name), Send: posterSendPrefix + MessageText(it.Record),
			Long:     it.Record.ShortCode == "",
			CodeLine: fmt.Sprintf(posterCodeLineFmt, it.Record.Code),
			// The SVG is our own output (numbers and a fixed set of elements), not input.
			SVG: template.HTML(svg),
		})
		if len(sheet) == o.PerPage || i == len(items)-1 {
			v.Sheets = append(v.Sheets, sheet)
			sheet = nil
		}
	}
	if err := templates.ExecuteTemplate(w, "print.html", v); err != nil {
		return fmt.Errorf("qr: print view: %w", err)
	}
	return nil
}

type printView struct {
	OAName, Paper        string
	Cols                 int
	Dashed               bool
	RowHeight, PageWidth string
	PageHeight, QRWidth  string
	Instruction, Footer  string
	Sheets               [][]printItem
	k                    float64
}

// Scale returns a type size in points scaled to the cell (as in the PDF), at least 6 pt.
func (v printView) Scale(pt float64) string { return fmt.Sprintf("%.1f", max(pt*v.k, 6)) }

type printItem struct {
	Name, Send, CodeLine string
	// Long marks "Nhắn #TTHC <code>", printed smaller to stay on one line.
	Long bool
	SVG  template.HTML
}
