package broadcast_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oabot/oabot/bot/broadcast"
)

// crashStore is replica A's view of Redis: once dead, every call fails, as if the process
// had died at that instant.
type crashStore struct {
	broadcast.Store
	dead *atomic.Bool
}

var errDead = errors.New("replica is dead")

func (s crashStore) Claim(ctx context.Context, id, w string, n int, l time.Duration) ([]broadcast.Claim, error) {
	if s.dead.Load() {
		return nil, errDead
	}
	return s.Store.Claim(ctx, id, w, n, l)
}

func (s crashStore) Begin(ctx context.Context, id, w string, r broadcast.Recipient, part int, l time.Duration) (broadcast.BeginResult, error) {
	if s.dead.Load() {
		return 0, errDead
	}
	return s.Store.Begin(ctx, id, w, r, part, l)
}

func (s crashStore) Finish(ctx context.Context, id, w string, r broadcast.Recipient, part int, last bool, msgID string) error {
	if s.dead.Load() {
		return errDead
	}
	return s.Store.Finish(ctx, id, w, r, part, last, msgID)
}

func (s crashStore) Retry(ctx context.Context, id, w string, r broadcast.Recipient) (int, error) {
	if s.dead.Load() {
		return 0, errDead
	}
	return s.Store.Retry(ctx, id, w, r)
}

func (s crashStore) Settle(ctx context.Context, id, w string, r broadcast.Recipient, res broadcast.Result) error {
	if s.dead.Load() {
		return errDead
	}
	return s.Store.Settle(ctx, id, w, r, res)
}

func (s crashStore) Release(ctx context.Context, id, w string, rs []broadcast.Recipient) error {
	if s.dead.Load() {
		return errDead
	}
	return s.Store.Release(ctx, id, w, rs)
}

func (s crashStore) Renew(ctx context.Context, id, w string, rs []broadcast.Recipient, l time.Duration) error {
	if s.dead.Load() {
		return errDead
	}
	return s.Store.Renew(ctx, id, w, rs, l)
}

func (s crashStore) Reclaim(ctx context.Context, id string) (int, int, error) {
	if s.dead.Load() {
		return 0, 0, errDead
	}
	return s.Store.Reclaim(ctx, id)
}

// crashSender lets Zalo accept the after-th message of replica A, then kills A before A
// can record it: the worst moment for exactly-once.
type crashSender struct {
	inner broadcast.Sender
	after int64
	n     atomic.Int64
	dead  *atomic.Bool
}

func (s *crashSender) Send(ctx context.Context, userID string, m broadcast.Message) (string, error) {
	if s.dead.Load() {
		return "", errDead
	}
	id, err := s.inner.Send(ctx, userID, m)
	if s.n.Add(1) == s.after {
		s.dead.Store(true)
	}
	return id, err
}

// TestCampaign10k sends one campaign to 10,000 followers with two replicas sharing the rate
// limit; replica A dies mid-way right after Zalo accepted a message, replica B is stopped
// gracefully later, and a new replica C finishes the job.
func TestCampaign10k(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 recipients")
	}
	e := newEnv(t)
	ctx := context.Background()
	now := time.Now()
	const rate = 1000.0
	// 9,450 inside the window, 500 outside, 50 never seen interacting (synced followers).
	inWindow := e.touchN(t, "oa1", 0, 9450, now.Add(-time.Hour), true)
	outside := e.touchN(t, "oa1", 9450, 500, now.Add(-10*24*time.Hour), true)
	synced := make([]string, 50)
	for i := range synced {
		synced[i] = "s" + string(rune('a'+i/26)) + string(rune('a'+i%26))
	}
	if err := e.followers.AddFollowers(ctx, "oa1", synced); err != nil {
		t.Fatal(err)
	}
	// Zalo knows better for 100 of them (-230), and rate-limits 20 of them twice (-32).
	for _, u := range inWindow[:100] {
		e.zalo.codes[u] = -230
	}
	for _, u := range inWindow[100:120] {
		e.zalo.failFirst[u] = 2
	}

	svc := e.service(t, rate)
	spec := broadcast.Spec{Accounts: []string{"ca-q1"}, Segment: broadcast.Segment{Kind: broadcast.SegmentAll},
		Text: "Thông báo: nghỉ lễ 2/9, bộ phận một cửa đóng cửa."}
	plan, err := svc.Plan(ctx, spec, "officer-a")
	if err != nil {
		t.Fatal(err)
	}
	if plan.Recipients != 10000 || plan.Reachable != 9450 ||
		plan.Unreachable[broadcast.ReasonOutsideWindow] != 500 || plan.Unreachable[broadcast.ReasonNoInteraction] != 50 {
		t.Fatalf("plan = %d recipients, %d reachable, unreachable %v; want 10000, 9450, 500 outside, 50 unknown",
			plan.Recipients, plan.Reachable, plan.Unreachable)
	}
	c, _, err := svc.Create(ctx, plan.ID, "officer-a")
	if err != nil {
		t.Fatal(err)
	}

	limiter := e.newLimit(rate)
	var dead atomic.Bool
	accountsA := map[string]broadcast.Account{}
	for k, a := range e.accounts {
		a.Sender = &crashSender{inner: a.Sender, after: 1500, dead: &dead}
		accountsA[k] = a
	}
	ra := e.runner(t, broadcast.RunnerOptions{Replica: "A", Store: crashStore{e.store, &dead},
		Limiter: limiter, Concurrency: 1, Lease: time.Second, Accounts: accountsA})
	rb := e.runner(t, broadcast.RunnerOptions{Replica: "B", Limiter: limiter, Concurrency: 4, Lease: time.Second})
	began := time.Now()
	stopA := start(t, ra)
	stopB := start(t, rb)
	waitFor(t, "replica A to crash", 60*time.Second, dead.Load)
	stopA()
	// B is stopped gracefully mid-way (a rolling deploy): its in-flight sends complete and
	// are recorded, its unstarted claims go back; a new replica C resumes the job.
	waitFor(t, "6000 messages accepted", 60*time.Second, func() bool { return acceptedCount(e) >= 6000 })
	stopB()
	_, mid, _ := svc.Status(ctx, c.ID)
	if mid.Status != broadcast.StatusRunning || mid.Unknown > 1 {
		t.Fatalf("after B stopped: %+v; want running with at most A's unknown", mid)
	}
	rc := e.runner(t, broadcast.RunnerOptions{Replica: "C", Limiter: limiter, Concurrency: 4, Lease: time.Second})
	start(t, rc)
	p := waitStatus(t, svc, c.ID, broadcast.StatusDone, 60*time.Second)
	took := time.Since(began)

	// Every reachable recipient that Zalo accepted, exactly once; the one A died on is
	// reported unknown but was delivered.
	for _, u := range inWindow {
		got := len(e.zalo.accepted[u])
		want := 1
		if e.zalo.codes[u] != 0 {
			want = 0
		}
		if got != want {
			t.Errorf("user %s received %d messages, want %d", u, got, want)
		}
	}
	for _, u := range append(outside, synced...) {
		if n := e.zalo.attempts[u]; n != 0 {
			t.Errorf("user %s outside the window: %d send attempts, want 0", u, n)
		}
	}
	for _, u := range inWindow[:100] {
		if n := e.zalo.attempts[u]; n != 1 {
			t.Errorf("user %s refused with -230: %d attempts, want 1 (no retry)", u, n)
		}
	}
	for _, u := range inWindow[100:120] {
		if n := e.zalo.attempts[u]; n != 3 {
			t.Errorf("user %s rate-limited twice: %d attempts, want 3", u, n)
		}
	}
	if p.Unknown != 1 || p.Sent != 9349 || p.Failed != 100 || p.Skipped != 550 || p.Remaining != 0 {
		t.Errorf("progress = %+v; want sent 9349, unknown 1, failed 100, skipped 550", p)
	}
	// Plan numbers match what was sent: reachable = sent + unknown + refused by Zalo.
	if p.Sent+p.Unknown+p.Failed != plan.Reachable || p.Skipped != plan.Recipients-plan.Reachable {
		t.Errorf("plan reachable %d vs sent+unknown+failed %d; plan unreachable %d vs skipped %d",
			plan.Reachable, p.Sent+p.Unknown+p.Failed, plan.Recipients-plan.Reachable, p.Skipped)
	}

	// The shared rate limit held, measured at the fake Zalo.
	maxSec := e.zalo.maxPerWindow(time.Second)
	total := len(e.zalo.requests)
	avg := float64(total) / took.Seconds()
	t.Logf("%d send requests in %v: average %.0f/s, max %d in any 1 s window (limit %.0f/s)", total, took.Round(time.Millisecond), avg, maxSec, rate)
	if float64(maxSec) > rate*1.05 {
		t.Errorf("max %d requests in a 1 s window, limit %.0f/s", maxSec, rate)
	}

	checkReport(t, svc, c.ID, e, plan)
}

func checkReport(t *testing.T, svc *broadcast.Service, id string, e *env, plan broadcast.Plan) {
	t.Helper()
	var buf bytes.Buffer
	if err := svc.WriteReport(context.Background(), id, &buf); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "nghỉ lễ") {
		t.Error("report contains message text")
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != plan.Recipients+1 {
		t.Fatalf("report has %d rows, want %d + header", len(rows), plan.Recipients)
	}
	counts := map[string]int{}
	for _, r := range rows[1:] {
		counts[r[2]+"/"+r[3]+"/"+r[4]]++
		if r[2] == "sent" && len(e.zalo.accepted[r[1]]) != 1 {
			t.Errorf("report says %s sent, fake Zalo accepted %d", r[1], len(e.zalo.accepted[r[1]]))
		}
		if r[2] == "unknown" && len(e.zalo.accepted[r[1]]) != 1 {
			t.Errorf("unknown recipient %s: accepted %d (the crash happened after Zalo accepted)", r[1], len(e.zalo.accepted[r[1]]))
		}
	}
	want := map[string]int{
		"sent//": 9349, "unknown//": 1, "failed/-230/outside_window": 100,
		"skipped//outside_window": 500, "skipped//no_interaction_known": 50,
	}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("report: %d rows %q, want %d (all: %v)", counts[k], k, n, counts)
		}
	}
}
