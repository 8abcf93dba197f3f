package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oabot/oabot/bot/redisstore/redistest"
	"github.com/oabot/oabot/procedures"
	"github.com/oabot/oabot/zalo/zalotest"
)

// A record published through the admin API on replica A is what citizens get on every
// replica within the refresh interval, with no restart; a stale edit is refused with the
// version that changed it, a broken one with its field; a rollback on B undoes it
// everywhere. Citizens' conversations spread over the partitions both replicas share.
func TestCatalogueVersionLiveOnEveryReplica(t *testing.T) {
	_, prefix := redistest.New(t)
	fake := zalotest.New()
	a := opsService(t, redistest.URL(t), prefix, fake, "")
	b := opsService(t, redistest.URL(t), prefix, fake, "")
	var users []string
	for i := range 8 {
		users = append(users, fmt.Sprintf("42000000000000008%02d", i))
	}
	var n atomic.Int64
	// cards asks for poster code #10 from every citizen (through a and b in turn) and
	// returns how many cards named where.
	cards := func(where string) int {
		t.Helper()
		got := 0
		for i, u := range users {
			before := len(fake.SentTo(opsOAID, u))
			body, sig := citizenEvent(u, fmt.Sprintf("cat-%d-%d", n.Add(1), time.Now().UnixNano()), "#10")
			if code, out := postEvent(t, []string{a, b}[i%2]+"/webhook", body, sig); code != 200 {
				t.Fatalf("webhook = %d %s", code, out)
			}
			waitFor(t, replyWait, "the bot's reply", func() bool { return len(fake.SentTo(opsOAID, u)) > before })
			if strings.Contains(fake.SentTo(opsOAID, u)[before].Message.Text, where) {
				got++
			}
		}
		return got
	}
	code, out := adminJSON(t, a, opsAdmin, "GET", "/admin/v1/catalog/records/1.014061", "")
	if code != 200 {
		t.Fatalf("get record: %d %v", code, out)
	}
	rec := out["record"].(map[string]any)
	const where = "Công an phường Thử Nghiệm, 12 Đường Mẫu"
	rec["where"] = where
	put := func(base int, rec map[string]any) (int, map[string]any) {
		body, _ := json.Marshal(map[string]any{"base": base, "note": "địa chỉ mới", "record": rec})
		return adminJSON(t, a, opsAdmin, "PUT", "/admin/v1/catalog/records/1.014061", string(body))
	}
	if c := cards(where); c != 0 {
		t.Fatalf("%d cards named the new address before it was published", c)
	}
	if code, out := put(0, rec); code != 201 {
		t.Fatalf("publish: %d %v", code, out)
	}
	published := time.Now()
	waitFor(t, catalogRefreshEvery+10*time.Second, "every citizen's card with the new address", func() bool { return cards(where) == len(users) })
	t.Logf("every replica served the published version %v after it was published", time.Since(published).Round(100*time.Millisecond))

	// Another officer's edit from the seed: refused, naming version 1.
	if code, out := put(0, rec); code != 409 || out["version"] != float64(1) {
		t.Errorf("stale edit: %d %v, want 409 naming version 1", code, out)
	}
	// A broken edit: 422 with the field.
	rec["steps"] = []string{}
	if code, out := put(1, rec); code != 422 || !strings.Contains(fmt.Sprint(out["problems"]), "field:steps") {
		t.Errorf("broken edit: %d %v, want 422 at steps", code, out)
	}
	// Roll back on the other replica: the shipped address everywhere again.
	if code, out := adminJSON(t, b, opsAdmin, "POST", "/admin/v1/catalog/rollback", `{"to":0,"base":1}`); code != 201 {
		t.Fatalf("rollback: %d %v", code, out)
	}
	waitFor(t, catalogRefreshEvery+10*time.Second, "no card with the rolled-back address", func() bool { return cards(where) == 0 })
	if code, out := adminJSON(t, a, opsAdmin, "GET", "/admin/v1/catalog", ""); code != 200 || out["head"] != float64(2) {
		t.Errorf("versions: %d %v, want head 2", code, out)
	}

	// The office's own address (an override): its citizens get it on both replicas; a
	// field that is the shared catalogue's is refused.
	if code, out = adminJSON(t, a, opsAdmin, "GET", "/admin/v1/catalog/records/1.014061", ""); code != 200 {
		t.Fatalf("get record: %d %v", code, out)
	}
	rec = out["record"].(map[string]any)
	const own = "Bộ phận một cửa Công an phường, tầng 2"
	rec["where"] = own
	body, _ := json.Marshal(map[string]any{"base": 2, "record": rec})
	if code, out := adminJSON(t, b, opsAdmin, "PUT", "/admin/v1/accounts/ca-q12/catalog/records/1.014061", string(body)); code != 201 {
		t.Fatalf("own information: %d %v", code, out)
	}
	waitFor(t, catalogRefreshEvery+10*time.Second, "every citizen's card with the office's own address", func() bool { return cards(own) == len(users) })
	rec["name"] = "Căn cước (phường)"
	body, _ = json.Marshal(map[string]any{"base": 3, "record": rec})
	if code, out := adminJSON(t, b, opsAdmin, "PUT", "/admin/v1/accounts/ca-q12/catalog/records/1.014061", string(body)); code != 422 ||
		!strings.Contains(fmt.Sprint(out["problems"]), "field:name") {
		t.Errorf("an override of the name: %d %v, want 422 at name", code, out)
	}
}

// With catalog.portal, a record is checked against the portal record of its code: a fee
// the portal does not state is a contradiction; a record the portal lacks has none.
func TestServiceContradictions(t *testing.T) {
	portal, err := procedures.NewCatalog([]*procedures.Record{{Code: "1.1", Name: "Thủ tục A", Steps: []string{"Nộp hồ sơ"},
		Channels: []procedures.Channel{{Kind: procedures.ChannelDirect, Time: "5 ngày làm việc"}}}})
	if err != nil {
		t.Fatal(err)
	}
	s := &service{portal: portal}
	r := &procedures.Record{Code: "1.1", Name: "Thủ tục A", Steps: []string{"Nộp hồ sơ"},
		Channels: []procedures.Channel{{Kind: procedures.ChannelDirect, Time: "5 ngày làm việc", Fee: "50.000 đồng"}}}
	if got := s.openContradictions(r); len(got) == 0 {
		t.Error("a fee the portal does not state is not an open contradiction")
	}
	other := *r
	other.Code = "9.9"
	if got := s.contradictions(&other); got != nil {
		t.Errorf("a record the portal lacks: %v", got)
	}
	if got := (&service{}).contradictions(r); got != nil {
		t.Errorf("without a portal file: %v", got)
	}
}
