package deploy

import (
	"context"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/oabot/oabot/bot/metrics"
)

// TestMetricNamesExist checks that every oabot_* metric the alert rules and the runbook
// query is one bot/metrics really exports (a renamed metric would silently never alert).
func TestMetricNamesExist(t *testing.T) {
	m := metrics.New()
	// Touch every family so that vectors and scrape-time collectors appear in Gather.
	m.Webhook("a", metrics.OutcomeQueued, time.Millisecond)
	m.Job("user_send_text", metrics.ResultOK, time.Millisecond, time.Millisecond)
	m.ZaloCall("/v3.0/oa/message/cs", "0", time.Millisecond)
	m.TokenRefresh("a", nil)
	m.BroadcastDelivery("a", "sent", 1)
	m.Search("one", time.Millisecond)
	m.SetReadiness(func(context.Context) error { return nil })
	m.SetQueueStats(func(context.Context) ([]metrics.PartitionStats, error) {
		return []metrics.PartitionStats{{Partition: "0"}}, nil
	})
	m.SetTokenHealth(func(context.Context) ([]metrics.TokenHealth, error) {
		return []metrics.TokenHealth{{Account: "a", ExpiresAt: time.Now(), LastRefresh: time.Now()}}, nil
	})
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	exported := map[string]bool{}
	for _, f := range families {
		name := f.GetName()
		exported[name] = true
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			exported[name+suffix] = true
		}
	}
	nameRE := regexp.MustCompile(`\boabot_[a-z_]+[a-z]\b`)
	for _, file := range []string{"prometheus-rules.yml", "runbook.md", "scaleout.md"} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range nameRE.FindAllString(string(data), -1) {
			if !exported[name] {
				t.Errorf("%s names %s, which bot/metrics does not export", file, name)
			}
		}
	}
}
