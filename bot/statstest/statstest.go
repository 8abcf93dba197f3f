// Package statstest is the behavioural contract of the unanswered-questions part of the
// conversation statistics (bot.Stats with bot.UnansweredStore), run on Redis and in memory.
package statstest

import (
	"context"
	"testing"
	"time"

	"github.com/oabot/oabot/bot"
)

// Store is what the contract checks.
type Store interface {
	bot.Stats
	bot.UnansweredStore
}

// Unanswered checks newest-first listing with counts, the cap on distinct questions (the
// least recently asked go), accounts kept apart, and dropping. newStore returns an empty
// store keeping at most max distinct unanswered questions per account.
func Unanswered(t *testing.T, newStore func(t *testing.T, max int) Store) {
	ctx := context.Background()
	s := newStore(t, 3)
	t0 := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	// As typed, with diacritics, where known: the last typing is the one kept.
	typed := map[string]string{"con cho bi lac": "con chó bị lạc", "gia dat bao nhieu": "giá đất bao nhiêu"}
	for i, q := range []string{"con cho bi lac", "thu 7 co lam viec ko", "con cho bi lac", "gia dat bao nhieu", "xin viec lam"} {
		if err := s.Record(ctx, "ward", bot.StatsDelta{Unmatched: q, UnmatchedTyped: typed[q]}, t0.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Record(ctx, "police", bot.StatsDelta{Unmatched: "mat xe dap"}, t0); err != nil {
		t.Fatal(err)
	}
	// After "không phải", the citizen picked another procedure: a hint beside the question.
	if err := s.Record(ctx, "ward", bot.StatsDelta{Chosen: &bot.Choice{Query: "gia dat bao nhieu", Code: "1.013978"}}, t0); err != nil {
		t.Fatal(err)
	}
	got, err := s.Unanswered(ctx, "ward", 10)
	if err != nil {
		t.Fatal(err)
	}
	// "thu 7 …" was the least recently asked of four: over the cap of 3 it went.
	want := []bot.Unanswered{
		{Text: "xin viec lam", Count: 1, Last: t0.Add(4 * time.Minute)},
		{Text: "gia dat bao nhieu", Typed: "giá đất bao nhiêu", Count: 1, Last: t0.Add(3 * time.Minute), Chosen: "1.013978"},
		{Text: "con cho bi lac", Typed: "con chó bị lạc", Count: 2, Last: t0.Add(2 * time.Minute)},
	}
	if !equal(got, want) {
		t.Errorf("Unanswered = %+v, want %+v", got, want)
	}
	if n, err := s.CountUnanswered(ctx, "ward"); err != nil || n != 3 {
		t.Errorf("CountUnanswered = %d, %v; want 3", n, err)
	}
	if got, _ := s.Unanswered(ctx, "ward", 1); len(got) != 1 || got[0].Text != "xin viec lam" {
		t.Errorf("Unanswered(n=1) = %+v", got)
	}
	if err := s.DropUnanswered(ctx, "ward", "con cho bi lac", "not there"); err != nil {
		t.Fatal(err)
	}
	if err := s.DropUnanswered(ctx, "ward", "gia dat bao nhieu"); err != nil {
		t.Fatal(err)
	}
	// Asked again after it was dealt with: no stale hint, nor the old typing.
	if err := s.Record(ctx, "ward", bot.StatsDelta{Unmatched: "gia dat bao nhieu"}, t0.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Unanswered(ctx, "ward", 10)
	if len(got) != 2 || got[0].Text != "gia dat bao nhieu" || got[0].Chosen != "" || got[0].Typed != "" {
		t.Errorf("after drop: %+v", got)
	}
	sum, _ := s.Summary(ctx, "ward", bot.StatsQuery{Now: t0})
	for _, c := range sum.Unmatched {
		if c.Key == "con cho bi lac" {
			t.Errorf("a dropped question still counts in the summary: %+v", sum.Unmatched)
		}
	}
	// The summary's unanswered questions carry their typing, as the list does.
	if err := s.Record(ctx, "ward", bot.StatsDelta{Unmatched: "mat so do", UnmatchedTyped: "mất sổ đỏ"}, t0.Add(6*time.Minute)); err != nil {
		t.Fatal(err)
	}
	sum, _ = s.Summary(ctx, "ward", bot.StatsQuery{Now: t0})
	typings := map[string]string{}
	for _, c := range sum.Unmatched {
		typings[c.Key] = c.Typed
	}
	if len(typings) != 3 || typings["mat so do"] != "mất sổ đỏ" || typings["xin viec lam"] != "" {
		t.Errorf("summary unmatched = %+v, want each with its typing (none for one recorded untyped)", sum.Unmatched)
	}
	if got, _ := s.Unanswered(ctx, "police", 10); len(got) != 1 || got[0].Text != "mat xe dap" {
		t.Errorf("police = %+v", got)
	}
	// Referrals are counted per account.
	for range 2 {
		if err := s.Record(ctx, "police", bot.StatsDelta{Referrals: 1}, t0); err != nil {
			t.Fatal(err)
		}
	}
	if sum, _ := s.Summary(ctx, "police", bot.StatsQuery{Now: t0}); sum.Referrals != 2 {
		t.Errorf("police referrals = %d, want 2", sum.Referrals)
	}
	if got, err := s.Unanswered(ctx, "nobody", 10); err != nil || len(got) != 0 {
		t.Errorf("unknown account = %+v, %v", got, err)
	}
}

func equal(a, b []bot.Unanswered) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Text != b[i].Text || a[i].Typed != b[i].Typed || a[i].Count != b[i].Count || !a[i].Last.Equal(b[i].Last) || a[i].Chosen != b[i].Chosen {
			return false
		}
	}
	return true
}
