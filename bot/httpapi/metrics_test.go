package httpapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/oabot/oabot/bot/metrics"
)

func TestMetricsRouteAndObserver(t *testing.T) {
	m := metrics.New()
	obs := MetricsObserver(m)
	for _, o := range Outcomes {
		obs.WebhookHandled("ca-q1", o, time.Millisecond)
	}
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	NewMetricsRoutes(m.Handler()).Register(e)
	srv := httptest.NewServer(e)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics = %d", resp.StatusCode)
	}
	// Every webhook outcome of this package is a label value metrics documents.
	documented := map[string]bool{metrics.OutcomeQueued: true, metrics.OutcomeDuplicate: true,
		metrics.OutcomeUnknownOA: true, metrics.OutcomeStale: true, metrics.OutcomeBadSignature: true,
		metrics.OutcomeMalformed: true, metrics.OutcomeTooLarge: true, metrics.OutcomeUnavailable: true,
		metrics.OutcomeDraining: true}
	for _, o := range Outcomes {
		if !documented[string(o)] {
			t.Errorf("outcome %q has no constant in bot/metrics", o)
		}
		want := `oabot_webhook_requests_total{account="ca-q1",outcome="` + string(o) + `"} 1`
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
