package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oabot/oabot/bot"
	"github.com/oabot/oabot/bot/redisstore/redistest"
	"github.com/oabot/oabot/bot/statstest"
)

func TestStatsRecordAndSummary(t *testing.T) {
	rdb, prefix := redistest.New(t)
	s, err := NewStats(rdb, StatsOptions{Prefix: prefix, MaxUnmatched: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	day1 := time.Date(2026, 12, 1, 23, 30, 0, 0, time.UTC) // 2 Dec in Vietnam
	day2 := day1.Add(24 * time.Hour)
	for _, r := range []struct {
		account string
		d       bot.StatsDelta
		at      time.Time
	}{
		{"a", bot.StatsDelta{Views: []string{"1.004222"}, Messages: 1}, day1},
		{"a", bot.StatsDelta{Views: []string{"1.004222"}, Messages: 1}, day2},
		{"a", bot.StatsDelta{Views: []string{"1.014061"}, Messages: 1}, day2},
		{"a", bot.StatsDelta{Unmatched: "con meo", Messages: 1}, day2},
		{"a", bot.StatsDelta{Unmatched: "con meo"}, day2},
		{"a", bot.StatsDelta{Unmatched: "so ###"}, day2},
		{"a", bot.StatsDelta{Unmatched: "xyz"}, day2}, // over the cap of 2: a least-asked one goes
		{"a", bot.StatsDelta{Follows: 1}, day2},
		{"a", bot.StatsDelta{Follows: 1}, day2},
		{"a", bot.StatsDelta{Unfollows: 1}, day2},
		{"b", bot.StatsDelta{Views: []string{"9.999999"}, Messages: 5}, day2},
		{"a", bot.StatsDelta{}, day2},
	} {
		if err := s.Record(ctx, r.account, r.d, r.at); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Summary(ctx, "a", bot.StatsQuery{Top: 5, Days: 3, Now: day2})
	if err != nil {
		t.Fatal(err)
	}
	want := bot.StatsSummary{
		Views:     []bot.Count{{Key: "1.004222", Count: 2}, {Key: "1.014061", Count: 1}},
		Follows:   2,
		Unfollows: 1,
		Messages:  []bot.DayCount{{Day: "2026-12-01", Count: 0}, {Day: "2026-12-02", Count: 1}, {Day: "2026-12-03", Count: 3}},
	}
	if len(got.Unmatched) != 2 || got.Unmatched[0] != (bot.Count{Key: "con meo", Count: 2}) {
		t.Errorf("Unmatched = %+v, want con meo first and 2 entries", got.Unmatched)
	}
	got.Unmatched = nil
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Summary (-want +got):\n%s", diff)
	}
}

func TestAttachments(t *testing.T) {
	rdb, prefix := redistest.New(t)
	a, err := NewAttachments(rdb, prefix)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if id, err := a.Attachment(ctx, "qr:x:1"); id != "" || err != nil {
		t.Fatalf("empty cache: %q, %v", id, err)
	}
	if err := a.SetAttachment(ctx, "qr:x:1", "att9", time.Hour); err != nil {
		t.Fatal(err)
	}
	if id, _ := a.Attachment(ctx, "qr:x:1"); id != "att9" {
		t.Fatalf("cached = %q, want att9", id)
	}
	if ttl := rdb.TTL(ctx, prefix+"att:qr:x:1").Val(); ttl <= 0 || ttl > time.Hour {
		t.Errorf("TTL = %v, want ≤ 1h", ttl)
	}
	if err := a.DeleteAttachment(ctx, "qr:x:1"); err != nil {
		t.Fatal(err)
	}
	if id, _ := a.Attachment(ctx, "qr:x:1"); id != "" {
		t.Fatalf("after delete: %q", id)
	}
}

func TestUnansweredContract(t *testing.T) {
	statstest.Unanswered(t, func(t *testing.T, max int) statstest.Store {
		rdb, prefix := redistest.New(t)
		s, err := NewStats(rdb, StatsOptions{Prefix: prefix, MaxUnmatched: max})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
