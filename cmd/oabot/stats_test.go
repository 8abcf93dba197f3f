package main

import (
	"strings"
	"testing"

	"github.com/oabot/oabot/bot"
)

// `oabot stats` lists unanswered questions as the console does: as last typed, the
// folded key only where no typing was kept.
func TestPrintStatsUnansweredAsTyped(t *testing.T) {
	var out strings.Builder
	sum := bot.StatsSummary{Unmatched: []bot.Count{
		{Key: "mat so do lam lai o dau", Count: 3, Typed: "mất sổ đỏ làm lại ở đâu"},
		{Key: "xin viec lam", Count: 1},
	}}
	if err := printStats(&out, "ward", "UBND phường Demo", sum); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"3  mất sổ đỏ làm lại ở đâu", "1  xin viec lam"} {
		if !strings.Contains(got, want) {
			t.Errorf("printStats output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "mat so do") {
		t.Errorf("printStats printed a folded key beside its typing:\n%s", got)
	}
}
