package console

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Figures are what Tổng quan shows for one account: messages per day (the last 30 days,
// today last), follows and unfollows, the procedures citizens looked at most, QR scans
// by procedure and by poster location, and how many questions wait for an answer.
type Figures struct {
	Days       []DayCount // oldest first; the last is today
	Follows    int64
	Unfollows  int64
	Procedures []NamedCount // most viewed first
	Scans      []NamedCount // QR scans by procedure, most first
	Locations  []NamedCount // QR scans by poster location label, most first
	Unanswered int64        // questions waiting in Câu hỏi chưa trả lời được
	Referrals  int64        // questions about another office's procedure, sent there
}

// DayCount is one day's count; Day is YYYY-MM-DD (Vietnam).
type DayCount struct {
	Day   string
	Count int64
}

// NamedCount is a procedure (Code and Name) or a location (Name) with its count.
type NamedCount struct {
	Code, Name string
	Count      int64
}

// FiguresSource reads an account's figures (cmd/oabot adapts the statistics, scan and
// catalogue stores).
type FiguresSource interface {
	Figures(ctx context.Context, account string, now time.Time) (Figures, error)
}

// chart is the messages-per-day bar chart, drawn on the server as SVG (no script, no
// inline style: sizes are attributes, colours come from console.css).
type chart struct {
	W, H   int
	Bars   []bar
	Max    int64
	Total  int64
	Today  int64
	First  string // first day shown, dd/mm
	Last   string
	BaseY  float64
	Labels []axisLabel
}

type bar struct {
	X, Y, W, H float64
	Title      string // "dd/mm: n tin nhắn", the bar's tooltip and accessible name
	Today      bool
}

type axisLabel struct {
	X      float64
	Text   string
	Anchor string // SVG text-anchor
}

// newChart lays out days as bars in a 600×180 view box (scaled by CSS to the width).
func newChart(days []DayCount) chart {
	c := chart{W: 600, H: 190, BaseY: 162}
	for _, d := range days {
		c.Max = max(c.Max, d.Count)
		c.Total += d.Count
	}
	if len(days) == 0 {
		return c
	}
	c.Today = days[len(days)-1].Count
	c.First, c.Last = shortDay(days[0].Day), shortDay(days[len(days)-1].Day)
	slot := float64(c.W) / float64(len(days))
	for i, d := range days {
		h := 0.0
		if c.Max > 0 {
			h = 140 * float64(d.Count) / float64(c.Max)
		}
		if d.Count > 0 && h < 2 {
			h = 2 // a day with messages is never invisible
		}
		x := float64(i)*slot + slot*0.15
		c.Bars = append(c.Bars, bar{X: x, Y: c.BaseY - h, W: slot * 0.7, H: h,
			Title: shortDay(d.Day) + ": " + vnNumber(d.Count) + " tin nhắn", Today: i == len(days)-1})
		// Three dates (first, middle, last), anchored so none is cut off or overlaps; every
		// day's number is in the table below the chart and in the bar's title.
		switch i {
		case 0:
			c.Labels = append(c.Labels, axisLabel{X: x, Text: shortDay(d.Day), Anchor: "start"})
		case len(days) / 2:
			c.Labels = append(c.Labels, axisLabel{X: x + slot*0.35, Text: shortDay(d.Day), Anchor: "middle"})
		case len(days) - 1:
			c.Labels = append(c.Labels, axisLabel{X: x + slot*0.7, Text: shortDay(d.Day), Anchor: "end"})
		}
	}
	return c
}

// shortDay turns YYYY-MM-DD into dd/mm.
func shortDay(day string) string {
	t, err := time.Parse("2006-01-02", day)
	if err != nil {
		return day
	}
	return t.Format("02/01")
}

// figuresCSV writes the figures as CSV for a spreadsheet: one section per table, with a
// header row each (UTF-8 with a byte-order mark, so Excel reads the Vietnamese).
func figuresCSV(w http.ResponseWriter, account string, f Figures) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="so-lieu-%s.csv"`, account))
	if _, err := w.Write([]byte("\ufeff")); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	rows := [][]string{{"Ngày", "Tin nhắn"}}
	for _, d := range f.Days {
		rows = append(rows, []string{d.Day, strconv.FormatInt(d.Count, 10)})
	}
	rows = append(rows, nil, []string{"Chỉ số", "Số lượng"},
		[]string{"Lượt quan tâm", strconv.FormatInt(f.Follows, 10)},
		[]string{"Lượt bỏ quan tâm", strconv.FormatInt(f.Unfollows, 10)},
		[]string{"Câu hỏi chưa trả lời được", strconv.FormatInt(f.Unanswered, 10)},
		[]string{"Câu hỏi chuyển sang đơn vị khác", strconv.FormatInt(f.Referrals, 10)},
		nil, []string{"Mã thủ tục", "Thủ tục", "Lượt xem"})
	for _, p := range f.Procedures {
		rows = append(rows, []string{p.Code, p.Name, strconv.FormatInt(p.Count, 10)})
	}
	rows = append(rows, nil, []string{"Mã thủ tục", "Thủ tục", "Lượt quét mã QR"})
	for _, p := range f.Scans {
		rows = append(rows, []string{p.Code, p.Name, strconv.FormatInt(p.Count, 10)})
	}
	rows = append(rows, nil, []string{"Vị trí áp phích", "Lượt quét mã QR"})
	for _, l := range f.Locations {
		rows = append(rows, []string{l.Name, strconv.FormatInt(l.Count, 10)})
	}
	for _, r := range rows {
		if err := cw.Write(csvSafe(r)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from running a cell as a formula (=, +, -, @ first).
func csvSafe(r []string) []string {
	out := make([]string, len(r))
	for i, c := range r {
		if c != "" && (c[0] == '=' || c[0] == '+' || c[0] == '-' || c[0] == '@') {
			c = "'" + c
		}
		out[i] = c
	}
	return out
}
