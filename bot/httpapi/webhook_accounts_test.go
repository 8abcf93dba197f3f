package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/oabot/oabot/bot/httpapi"
	"github.com/oabot/oabot/bot/redisstore/redistest"
)

// SetAccounts swaps the webhook's accounts while serving: an OA added is accepted with its
// secret, one removed (disabled) is answered 200 unknown_oa and not stored, and a bad
// table is refused without touching the one in force.
func TestWebhookSetAccounts(t *testing.T) {
	rdb, prefix := redistest.New(t)
	f := newFixture(t, rdb, prefix, nil)
	const newOA, newSecret = "4000000000000000777", "runtime-secret"
	send := func() (int, string) {
		body := textEvent(newOA, "2468458835296197922", time.Now())
		return f.post(t, "/webhook", body, sign(body, newSecret))
	}
	if code, body := send(); code != 200 || !strings.Contains(body, string(httpapi.OutcomeUnknownOA)) {
		t.Fatalf("before = %d %s, want 200 unknown_oa", code, body)
	}
	base := []httpapi.Account{{ID: "ca-q12", OAID: testOA, OASecretKey: testSecret}}
	if err := f.api.SetAccounts(append(base, httpapi.Account{ID: "ca-rt", OAID: newOA, OASecretKey: newSecret})); err != nil {
		t.Fatal(err)
	}
	if code, body := send(); code != 200 || !strings.Contains(body, string(httpapi.OutcomeQueued)) {
		t.Fatalf("after adding = %d %s, want 200 queued", code, body)
	}
	body := textEvent(newOA, "2468458835296197922", time.Now())
	if code, _ := f.post(t, "/webhook", body, sign(body, testSecret)); code != 401 {
		t.Errorf("signed with another account's secret = %d, want 401", code)
	}
	for _, bad := range [][]httpapi.Account{
		{{ID: "a", OAID: "1"}, {ID: "b", OAID: "1"}},
		{{ID: "a", OAID: "1"}, {ID: "a", OAID: "2"}},
		{{ID: "", OAID: "1"}},
	} {
		if err := f.api.SetAccounts(bad); err == nil {
			t.Errorf("SetAccounts(%+v) accepted", bad)
		}
	}
	if code, body := send(); code != 200 || !strings.Contains(body, string(httpapi.OutcomeQueued)) {
		t.Fatalf("after refused tables = %d %s, want the previous table in force", code, body)
	}
	if err := f.api.SetAccounts(base); err != nil {
		t.Fatal(err)
	}
	before := f.backlog(t)
	if code, body := send(); code != 200 || !strings.Contains(body, string(httpapi.OutcomeUnknownOA)) {
		t.Fatalf("after removing = %d %s, want 200 unknown_oa", code, body)
	}
	if f.backlog(t) != before {
		t.Errorf("an event of a removed account was stored")
	}
}
