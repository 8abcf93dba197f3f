package main

import (
	"context"
	"sort"
	"time"

	"github.com/oabot/oabot/bot"
	"github.com/oabot/oabot/bot/console"
	"github.com/oabot/oabot/procedures"
)

// figuresSource is Tổng quan's figures (console.FiguresSource) from the conversation
// statistics, the unanswered questions, the QR scan counts (nil: none) and the catalogue
// (procedure names).
type figuresSource struct {
	stats      bot.Stats
	unanswered bot.UnansweredStore
	scans      bot.ScanReader
	catalog    func() *procedures.Catalog
}

var _ console.FiguresSource = (*figuresSource)(nil)

// figuresTop is how many procedures and locations Tổng quan lists.
const figuresTop = 10

func (f *figuresSource) Figures(ctx context.Context, account string, now time.Time) (console.Figures, error) {
	sum, err := f.stats.Summary(ctx, account, bot.StatsQuery{Top: figuresTop, Days: 30, Now: now})
	if err != nil {
		return console.Figures{}, err
	}
	out := console.Figures{Follows: sum.Follows, Unfollows: sum.Unfollows, Referrals: sum.Referrals}
	for _, d := range sum.Messages {
		out.Days = append(out.Days, console.DayCount{Day: d.Day, Count: d.Count})
	}
	for _, v := range sum.Views {
		out.Procedures = append(out.Procedures, f.named(v.Key, v.Count))
	}
	if f.unanswered != nil {
		if out.Unanswered, err = f.unanswered.CountUnanswered(ctx, account); err != nil {
			return console.Figures{}, err
		}
	}
	if f.scans != nil {
		sc, err := f.scans.ScanCounts(ctx, account)
		if err != nil {
			return console.Figures{}, err
		}
		for code, n := range sc.ByProcedure {
			out.Scans = append(out.Scans, f.named(code, n))
		}
		byLabel := map[string]int64{}
		for _, labels := range sc.BySource {
			for l, n := range labels {
				byLabel[l] += n
			}
		}
		for l, n := range byLabel {
			out.Locations = append(out.Locations, console.NamedCount{Name: l, Count: n})
		}
		out.Scans, out.Locations = topCounts(out.Scans), topCounts(out.Locations)
	}
	return out, nil
}

// named gives a procedure code its name (the code itself when the catalogue lost it).
func (f *figuresSource) named(code string, n int64) console.NamedCount {
	name := code
	if r, ok := f.catalog().ByCode(code); ok {
		name = r.Name
	}
	return console.NamedCount{Code: code, Name: name, Count: n}
}

// topCounts sorts by count (then name) and keeps figuresTop.
func topCounts(cs []console.NamedCount) []console.NamedCount {
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].Count != cs[j].Count {
			return cs[i].Count > cs[j].Count
		}
		return cs[i].Name < cs[j].Name
	})
	return cs[:min(len(cs), figuresTop)]
}
