package inmem

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oabot/oabot/bot"
	"github.com/oabot/oabot/bot/statstest"
)

func TestStatsRecordAndSummary(t *testing.T) {
	s := NewStats(2)
	ctx := context.Background()
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	for _, d := range []bot.StatsDelta{
		{Views: []string{"1.004222"}, Messages: 1},
		{Views: []string{"1.004222", "1.014061"}, Messages: 1},
		{Unmatched: "con meo", Messages: 1},
		{Unmatched: "con meo"},
		{Unmatched: "b"},
		{Unmatched: "a"}, // over the cap: the least asked ("a") goes
		{Follows: 1}, {Unfollows: 1},
	} {
		if err := s.Record(ctx, "acc", d, now); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Summary(ctx, "acc", bot.StatsQuery{Top: 5, Days: 2, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	want := bot.StatsSummary{
		Views:     []bot.Count{{Key: "1.004222", Count: 2}, {Key: "1.014061", Count: 1}},
		Unmatched: []bot.Count{{Key: "con meo", Count: 2}, {Key: "b", Count: 1}},
		Follows:   1, Unfollows: 1,
		Messages: []bot.DayCount{{Day: "2026-12-01", Count: 0}, {Day: "2026-12-02", Count: 3}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Summary (-want +got):\n%s", diff)
	}
}

func TestAttachmentsExpire(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	a := NewAttachments(func() time.Time { return now })
	ctx := context.Background()
	_ = a.SetAttachment(ctx, "k", "id1", time.Hour)
	if id, _ := a.Attachment(ctx, "k"); id != "id1" {
		t.Fatalf("got %q, want id1", id)
	}
	now = now.Add(time.Hour)
	if id, _ := a.Attachment(ctx, "k"); id != "" {
		t.Fatalf("after ttl got %q, want none", id)
	}
}

func TestUnansweredContract(t *testing.T) {
	statstest.Unanswered(t, func(_ *testing.T, max int) statstest.Store { return NewStats(max) })
}
