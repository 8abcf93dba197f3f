package main

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oabot/oabot/bot/redisstore/redistest"
	"github.com/oabot/oabot/zalo/zalotest"
)

// An example taught through the admin API on replica A changes what the bot answers on
// every replica within the refresh interval, and deleting it (on B) undoes that — no
// restart. Citizens' conversations are spread over the queue partitions, which the two
// replicas share out, so eight citizens reach both.
func TestTaughtExampleLiveOnEveryReplica(t *testing.T) {
	_, prefix := redistest.New(t)
	fake := zalotest.New()
	a := opsService(t, redistest.URL(t), prefix, fake, "")
	b := opsService(t, redistest.URL(t), prefix, fake, "")
	// The search alone does not answer this with the marital-status card ("ế vợ", still
	// single, is slang the lexicon lacks).
	const msg = "xin giay chung nhan e vo a"
	const card = "tình trạng hôn nhân"
	var users []string
	for i := range 8 {
		users = append(users, fmt.Sprintf("42000000000000007%02d", i))
	}
	var mu sync.Mutex
	n := 0
	// ask sends msg from every citizen (through a and b in turn) and returns how many
	// replies were the marital-status card.
	ask := func() int {
		t.Helper()
		cards := 0
		for i, u := range users {
			before := len(fake.SentTo(opsOAID, u))
			mu.Lock()
			n++
			id := fmt.Sprintf("ex-%d-%d", n, time.Now().UnixNano())
			mu.Unlock()
			body, sig := citizenEvent(u, id, msg)
			base := []string{a, b}[i%2]
			if code, out := postEvent(t, base+"/webhook", body, sig); code != 200 {
				t.Fatalf("webhook = %d %s", code, out)
			}
			waitFor(t, replyWait, "the bot's reply", func() bool { return len(fake.SentTo(opsOAID, u)) > before })
			// A card (not a list that names it).
			if r := fake.SentTo(opsOAID, u)[before].Message.Text; strings.HasPrefix(r, "📄") && strings.Contains(strings.ToLower(firstLine(r)), card) {
				cards++
			}
		}
		return cards
	}
	if c := ask(); c != 0 {
		t.Fatalf("%d of %d answered with the card before teaching; pick another message", c, len(users))
	}
	code, out := adminJSON(t, a, opsAdmin, "POST", "/admin/v1/accounts/ca-q12/examples", `{"query":"xin giấy chứng nhận ế vợ","code":"1.004873"}`)
	if code != 201 {
		t.Fatalf("teach: %d %v", code, out)
	}
	taught := time.Now()
	waitFor(t, examplesRefreshEvery+10*time.Second, "every citizen answered with the taught card", func() bool { return ask() == len(users) })
	t.Logf("every replica answered from the example %v after it was taught", time.Since(taught).Round(100*time.Millisecond))
	id := out["example"].(map[string]any)["id"].(string)
	if code := adminCall(t, http.MethodDelete, b+"/admin/v1/accounts/ca-q12/examples/"+id, opsAdmin, nil, nil); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	waitFor(t, examplesRefreshEvery+10*time.Second, "no citizen answered from the deleted example", func() bool { return ask() == 0 })
}
