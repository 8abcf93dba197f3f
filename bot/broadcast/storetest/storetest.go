// Package storetest is the behavioural contract of broadcast.Store and of the follower
// registry, written once and run against every implementation (bot/redisstore on a real
// Redis, bot/inmem in memory), so the demo's in-memory campaigns behave as production's.
//
// Call CampaignStore and Followers from a test with a constructor that returns a fresh,
// empty store for each subtest.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/oabot/oabot/bot/broadcast"
	"github.com/oabot/oabot/zalo"
)

// CampaignStore runs the broadcast.Store contract against stores made by newStore.
func CampaignStore(t *testing.T, newStore func(t *testing.T) broadcast.Store) {
	t.Run("Leases", func(t *testing.T) { testLeases(t, newStore(t)) })
	t.Run("Renew", func(t *testing.T) { testRenew(t, newStore(t)) })
	t.Run("CreateOnce", func(t *testing.T) { testCreateOnce(t, newStore(t)) })
	t.Run("Transitions", func(t *testing.T) { testTransitions(t, newStore(t)) })
	t.Run("Scheduled", func(t *testing.T) { testScheduled(t, newStore(t)) })
	t.Run("Parts", func(t *testing.T) { testParts(t, newStore(t)) })
	t.Run("Plans", func(t *testing.T) { testPlans(t, newStore(t)) })
	t.Run("Lists", func(t *testing.T) { testLists(t, newStore(t)) })
	t.Run("Articles", func(t *testing.T) { testArticles(t, newStore(t)) })
	t.Run("ConcurrentClaims", func(t *testing.T) { testConcurrentClaims(t, newStore(t)) })
}

func recipients(account string, n int) []broadcast.Recipient {
	rs := make([]broadcast.Recipient, n)
	for i := range rs {
		rs[i] = broadcast.Recipient{Account: account, UserID: fmt.Sprint(i + 1)}
	}
	return rs
}

func create(t *testing.T, s broadcast.Store, id string, rs []broadcast.Recipient, status broadcast.Status, sendAt time.Time) {
	t.Helper()
	c := broadcast.Campaign{ID: id, PlanID: id, CreatedAt: time.Now(), Spec: broadcast.Spec{Accounts: []string{"a"}},
		Messages: map[string][]broadcast.Message{"a": {{Text: "x"}}}, OAIDs: map[string]string{"a": "oa-a"}}
	if ok, err := s.CreateCampaign(context.Background(), c, rs, status, sendAt); !ok || err != nil {
		t.Fatalf("CreateCampaign(%s) = %v, %v", id, ok, err)
	}
}

func progress(t *testing.T, s broadcast.Store, id string) broadcast.Progress {
	t.Helper()
	_, p, err := s.Campaign(context.Background(), id)
	if err != nil {
		t.Fatalf("Campaign(%s): %v", id, err)
	}
	return p
}

func results(t *testing.T, s broadcast.Store, id string) map[string]broadcast.Result {
	t.Helper()
	got := map[string]broadcast.Result{}
	if err := s.Results(context.Background(), id, func(r broadcast.Result) error { got[r.UserID] = r; return nil }); err != nil {
		t.Fatalf("Results(%s): %v", id, err)
	}
	return got
}

// testLeases: a claim whose lease expires before the send goes back to the queue; one that
// expired while "sending" becomes unknown and is never handed out again; only the holder
// may record an outcome, and a late answer turns unknown into sent.
func testLeases(t *testing.T, s broadcast.Store) {
	ctx := context.Background()
	rs := []broadcast.Recipient{{Account: "a", UserID: "1"}, {Account: "a", UserID: "2"}, {Account: "a", UserID: "3", Skip: broadcast.ReasonOutsideWindow}}
	create(t, s, "c1", rs, broadcast.StatusRunning, time.Time{})
	lease := 100 * time.Millisecond
	claims, err := s.Claim(ctx, "c1", "w1", 10, lease)
	if err != nil || len(claims) != 2 {
		t.Fatalf("Claim = %v, %v; want the 2 not skipped", claims, err)
	}
	if p := progress(t, s, "c1"); p.StartedAt.IsZero() || p.Total != 3 || p.Skipped != 1 || p.Remaining != 2 {
		t.Errorf("progress after the first claim = %+v", p)
	}
	r1, r2 := claims[0].Recipient, claims[1].Recipient
	if res, _ := s.Begin(ctx, "c1", "w1", r1, 0, lease); res != broadcast.Begun {
		t.Fatalf("Begin = %v", res)
	}
	if res, _ := s.Begin(ctx, "c1", "w2", r2, 0, lease); res != broadcast.Lost {
		t.Fatalf("Begin by a non-holder = %v, want Lost", res)
	}
	if res, _ := s.Begin(ctx, "c1", "w1", r2, 1, lease); res != broadcast.Lost {
		t.Fatalf("Begin of the wrong part = %v, want Lost", res)
	}
	if requeued, unknown, err := s.Reclaim(ctx, "c1"); err != nil || requeued+unknown != 0 {
		t.Fatalf("Reclaim before expiry = %d, %d, %v; want nothing", requeued, unknown, err)
	}
	time.Sleep(2 * lease)
	requeued, unknown, err := s.Reclaim(ctx, "c1")
	if err != nil || requeued != 1 || unknown != 1 {
		t.Fatalf("Reclaim = %d requeued, %d unknown, %v; want 1, 1", requeued, unknown, err)
	}
	if requeued, unknown, _ := s.Reclaim(ctx, "c1"); requeued+unknown != 0 {
		t.Errorf("second Reclaim = %d, %d; want nothing", requeued, unknown)
	}
	if p := progress(t, s, "c1"); p.Unknown != 1 || p.Status != broadcast.StatusRunning {
		t.Errorf("progress after reclaim = %+v", p)
	}
	again, _ := s.Claim(ctx, "c1", "w2", 10, time.Minute)
	if len(again) != 1 || again[0].Recipient != r2 {
		t.Fatalf("re-claim = %v, want only %v (the one never begun)", again, r2)
	}
	if err := s.Finish(ctx, "c1", "w2", r1, 0, true, "m1"); err == nil {
		t.Error("Finish by a worker that never sent succeeded")
	}
	if _, err := s.Retry(ctx, "c1", "w1", r2); err == nil {
		t.Error("Retry by a worker that lost the claim succeeded")
	}
	// The original worker learns Zalo's answer after all: unknown becomes sent.
	if err := s.Finish(ctx, "c1", "w1", r1, 0, true, "m1"); err != nil {
		t.Fatal(err)
	}
	if res, _ := s.Begin(ctx, "c1", "w2", r2, 0, time.Minute); res != broadcast.Begun {
		t.Fatal("Begin after re-claim")
	}
	if err := s.Settle(ctx, "c1", "w2", r2, broadcast.Result{State: "sent"}); err == nil {
		t.Error("Settle accepted the state sent")
	}
	if err := s.Settle(ctx, "c1", "w2", r2, broadcast.Result{State: "failed", Code: -227, Reason: broadcast.ReasonRecipientGone}); err != nil {
		t.Fatal(err)
	}
	p := progress(t, s, "c1")
	if p.Status != broadcast.StatusDone || p.Sent != 1 || p.Failed != 1 || p.Skipped != 1 || p.Unknown != 0 || p.Remaining != 0 || p.FinishedAt.IsZero() {
		t.Errorf("progress = %+v", p)
	}
	got := results(t, s, "c1")
	if got["1"].State != "sent" || !slices.Equal(got["1"].MessageIDs, []string{"m1"}) || got["2"].State != "failed" ||
		got["2"].Code != -227 || got["2"].Reason != broadcast.ReasonRecipientGone ||
		got["3"].State != "skipped" || got["3"].Reason != broadcast.ReasonOutsideWindow {
		t.Errorf("results = %+v", got)
	}
	if _, err := s.Retry(ctx, "c1", "w2", r2); err == nil {
		t.Error("Retry of a settled recipient succeeded")
	}
}

// testRenew: only the holder's renewal keeps a claim alive.
func testRenew(t *testing.T, s broadcast.Store) {
	ctx := context.Background()
	rs := recipients("a", 2)
	create(t, s, "c2", rs, broadcast.StatusRunning, time.Time{})
	claims, _ := s.Claim(ctx, "c2", "w1", 10, 50*time.Millisecond)
	if len(claims) != 2 {
		t.Fatalf("claimed %d", len(claims))
	}
	// w2 holds nothing: its renewal must not keep w1's claims alive.
	if err := s.Renew(ctx, "c2", "w2", rs, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.Renew(ctx, "c2", "w1", rs[:1], time.Minute); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	requeued, unknown, err := s.Reclaim(ctx, "c2")
	if err != nil || requeued != 1 || unknown != 0 {
		t.Fatalf("Reclaim = %d, %d, %v; want only the unrenewed claim back", requeued, unknown, err)
	}
	// Release hands the renewed one back at once; only the holder can release.
	if err := s.Release(ctx, "c2", "w2", rs[:1]); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Claim(ctx, "c2", "w3", 10, time.Minute); len(got) != 1 || got[0].Recipient != rs[1] {
		t.Fatalf("claim after a non-holder's release = %v, want only %v", got, rs[1])
	}
	if err := s.Release(ctx, "c2", "w1", rs[:1]); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Claim(ctx, "c2", "w3", 10, time.Minute); len(got) != 1 || got[0].Recipient != rs[0] {
		t.Fatalf("claim after release = %v, want %v", got, rs[0])
	}
}

// testCreateOnce: a second CreateCampaign with the same id changes nothing, whatever it
// carries; a campaign whose recipients are all skipped is done at once.
func testCreateOnce(t *testing.T, s broadcast.Store) {
	ctx := context.Background()
	create(t, s, "c3", recipients("a", 3), broadcast.StatusRunning, time.Time{})
	c := broadcast.Campaign{ID: "c3", CreatedAt: time.Now(), CreatedBy: "other"}
	if ok, err := s.CreateCampaign(ctx, c, recipients("a", 7), broadcast.StatusPaused, time.Time{}); ok || err != nil {
		t.Fatalf("second CreateCampaign = %v, %v; want false, nil", ok, err)
	}
	got, p, err := s.Campaign(ctx, "c3")
	if err != nil || p.Total != 3 || p.Status != broadcast.StatusRunning || got.CreatedBy != "" || got.OAIDs["a"] != "oa-a" {
		t.Fatalf("after a second create: %+v %+v %v", got, p, err)
	}
	if claims, _ := s.Claim(ctx, "c3", "w", 100, time.Minute); len(claims) != 3 {
		t.Errorf("claimed %d, want the 3 of the first create", len(claims))
	}
	if _, _, err := s.Campaign(ctx, "nope"); !errors.Is(err, broadcast.ErrNotFound) {
		t.Errorf("Campaign(unknown) = %v, want ErrNotFound", err)
	}
	skipped := []broadcast.Recipient{{Account: "a", UserID: "1", Skip: broadcast.ReasonUnfollowed}}
	create(t, s, "c3b", skipped, broadcast.StatusRunning, time.Time{})
	if p := progress(t, s, "c3b"); p.Status != broadcast.StatusDone || p.Skipped != 1 {
		t.Errorf("all-skipped campaign = %+v, want done", p)
	}
}

// testTransitions: pause, resume and cancel move only where the contract allows; a paused
// campaign hands out nothing and takes back a claim at Begin (Halted).
func testTransitions(t *testing.T, s broadcast.Store) {
	ctx := context.Background()
	rs := recipients("a", 2)
	create(t, s, "c4", rs, broadcast.StatusRunning, time.Time{})
	claims, _ := s.Claim(ctx, "c4", "w1", 1, time.Minute)
	if len(claims) != 1 {
		t.Fatalf("claimed %d", len(claims))
	}
	step := func(to broadcast.Status, want broadcast.Status, wantErr error) {
		t.Helper()
		p, err := s.SetStatus(ctx, "c4", to, "note "+string(to))
		if !errors.Is(err, wantErr) || (wantErr == nil && p.Status != want) {
			t.Fatalf("SetStatus(%s) = %s, %v; want %s, %v", to, p.Status, err, want, wantErr)
		}
	}
	step(broadcast.StatusRunning, "", broadcast.ErrWrongStatus) // already running
	step(broadcast.StatusPaused, broadcast.StatusPaused, nil)
	step(broadcast.StatusPaused, "", broadcast.ErrWrongStatus)
	step(broadcast.StatusDone, "", broadcast.ErrWrongStatus) // never set from outside
	if p := progress(t, s, "c4"); p.Note != "note paused" {
		t.Errorf("note = %q", p.Note)
	}
	if got, _ := s.Claim(ctx, "c4", "w2", 10, time.Minute); len(got) != 0 {
		t.Errorf("a paused campaign handed out %v", got)
	}
	if res, _ := s.Begin(ctx, "c4", "w1", claims[0].Recipient, 0, time.Minute); res != broadcast.Halted {
		t.Fatalf("Begin on a paused campaign = %v, want Halted", res)
	}
	step(broadcast.StatusRunning, broadcast.StatusRunning, nil)
	got, _ := s.Claim(ctx, "c4", "w2", 10, time.Minute)
	if len(got) != 2 || got[0].Recipient != claims[0].Recipient {
		t.Fatalf("after resume claimed %v; want both, the halted one first", got)
	}
	if res, _ := s.Begin(ctx, "c4", "w1", claims[0].Recipient, 0, time.Minute); res != broadcast.Lost {
		t.Errorf("Begin by the worker that was halted = %v, want Lost", res)
	}
	step(broadcast.StatusCancelled, broadcast.StatusCancelled, nil)
	if p := progress(t, s, "c4"); p.FinishedAt.IsZero() || p.Note != "note cancelled" {
		t.Errorf("cancelled progress = %+v", p)
	}
	step(broadcast.StatusCancelled, "", broadcast.ErrWrongStatus)
	step(broadcast.StatusRunning, "", broadcast.ErrWrongStatus)
	step(broadcast.StatusPaused, "", broadcast.ErrWrongStatus)
	if res, _ := s.Begin(ctx, "c4", "w2", got[0].Recipient, 0, time.Minute); res != broadcast.Halted {
		t.Errorf("Begin on a cancelled campaign = %v, want Halted", res)
	}
	res := results(t, s, "c4")
	if res["1"].State != "queued" || res["2"].State != "claimed" {
		t.Errorf("results of the cancelled campaign = %+v", res)
	}
	if _, err := s.SetStatus(ctx, "nope", broadcast.StatusPaused, ""); !errors.Is(err, broadcast.ErrNotFound) {
		t.Errorf("SetStatus(unknown) = %v, want ErrNotFound", err)
	}
	// A done campaign cannot be paused or cancelled.
	create(t, s, "c4b", recipients("a", 1), broadcast.StatusRunning, time.Time{})
	cl, _ := s.Claim(ctx, "c4b", "w", 1, time.Minute)
	if res, _ := s.Begin(ctx, "c4b", "w", cl[0].Recipient, 0, time.Minute); res != broadcast.Begun {
		t.Fatal("Begin")
	}
	if err := s.Finish(ctx, "c4b", "w", cl[0].Recipient, 0, true, "m"); err != nil {
		t.Fatal(err)
	}
	for _, to := range []broadcast.Status{broadcast.StatusPaused, broadcast.StatusCancelled, broadcast.StatusRunning} {
		if _, err := s.SetStatus(ctx, "c4b", to, ""); !errors.Is(err, broadcast.ErrWrongStatus) {
			t.Errorf("SetStatus(done → %s) = %v, want ErrWrongStatus", to, err)
		}
	}
}

// testScheduled: a scheduled campaign waits for its time; resumed before it, it is
// scheduled again.
func testScheduled(t *testing.T, s broadcast.Store) {
	ctx := context.Background()
	create(t, s, "c5", recipients("a", 1), broadcast.StatusScheduled, time.Now().Add(time.Hour))
	if ok, err := s.Activate(ctx, "c5"); ok || err != nil {
		t.Fatalf("Activate before its time = %v, %v", ok, err)
	}
	if got, _ := s.Claim(ctx, "c5", "w", 10, time.Minute); len(got) != 0 {
		t.Errorf("a scheduled campaign handed out %v", got)
	}
	if _, err := s.SetStatus(ctx, "c5", broadcast.StatusPaused, ""); err != nil {
		t.Fatal(err)
	}
	if p, err := s.SetStatus(ctx, "c5", broadcast.StatusRunning, ""); err != nil || p.Status != broadcast.StatusScheduled {
		t.Errorf("resume before its time = %s, %v; want scheduled", p.Status, err)
	}
	create(t, s, "c5b", recipients("a", 1), broadcast.StatusScheduled, time.Now().Add(50*time.Millisecond))
	time.Sleep(100 * time.Millisecond)
	if ok, err := s.Activate(ctx, "c5b"); !ok || err != nil {
		t.Fatalf("Activate after its time = %v, %v", ok, err)
	}
	if ok, _ := s.Activate(ctx, "c5b"); ok {
		t.Error("Activate of a running campaign reported true")
	}
	if got, _ := s.Claim(ctx, "c5b", "w", 10, time.Minute); len(got) != 1 {
		t.Errorf("activated campaign handed out %v", got)
	}
}

// testParts: a recipient of a several-message campaign moves part by part; a released
// recipient comes back with the parts already sent; Retry counts attempts per part.
func testParts(t *testing.T, s broadcast.Store) {
	ctx := context.Background()
	create(t, s, "c6", recipients("a", 1), broadcast.StatusRunning, time.Time{})
	cl, _ := s.Claim(ctx, "c6", "w1", 1, time.Minute)
	r := cl[0].Recipient
	if cl[0].NextPart != 0 || len(cl[0].MessageIDs) != 0 {
		t.Fatalf("first claim = %+v", cl[0])
	}
	if res, _ := s.Begin(ctx, "c6", "w1", r, 0, time.Minute); res != broadcast.Begun {
		t.Fatal("Begin part 0")
	}
	for want := 1; want <= 2; want++ {
		if n, err := s.Retry(ctx, "c6", "w1", r); err != nil || n != want {
			t.Fatalf("Retry = %d, %v; want %d", n, err, want)
		}
		if _, err := s.Retry(ctx, "c6", "w1", r); err == nil {
			t.Fatal("Retry of a recipient not sending succeeded")
		}
		if res, _ := s.Begin(ctx, "c6", "w1", r, 0, time.Minute); res != broadcast.Begun {
			t.Fatal("Begin after retry")
		}
	}
	if err := s.Finish(ctx, "c6", "w1", r, 0, false, "m0"); err != nil {
		t.Fatal(err)
	}
	if err := s.Release(ctx, "c6", "w1", []broadcast.Recipient{r}); err != nil {
		t.Fatal(err)
	}
	cl, _ = s.Claim(ctx, "c6", "w2", 1, time.Minute)
	if len(cl) != 1 || cl[0].NextPart != 1 || !slices.Equal(cl[0].MessageIDs, []string{"m0"}) {
		t.Fatalf("claim after part 0 = %+v; want next part 1 with m0", cl)
	}
	if res, _ := s.Begin(ctx, "c6", "w2", r, 0, time.Minute); res != broadcast.Lost {
		t.Error("Begin of a part already sent")
	}
	if res, _ := s.Begin(ctx, "c6", "w2", r, 1, time.Minute); res != broadcast.Begun {
		t.Fatal("Begin part 1")
	}
	// The attempts of part 0 were forgotten when it was accepted.
	if n, err := s.Retry(ctx, "c6", "w2", r); err != nil || n != 1 {
		t.Fatalf("Retry of part 1 = %d, %v; want 1", n, err)
	}
	if res, _ := s.Begin(ctx, "c6", "w2", r, 1, time.Minute); res != broadcast.Begun {
		t.Fatal("Begin part 1 again")
	}
	if err := s.Finish(ctx, "c6", "w2", r, 1, true, "m1"); err != nil {
		t.Fatal(err)
	}
	if got := results(t, s, "c6")["1"]; got.State != "sent" || !slices.Equal(got.MessageIDs, []string{"m0", "m1"}) {
		t.Errorf("result = %+v", got)
	}
	if p := progress(t, s, "c6"); p.Status != broadcast.StatusDone || p.Sent != 1 {
		t.Errorf("progress = %+v", p)
	}
}

// testPlans: a plan comes back as saved until its TTL; unknown or expired plans are
// ErrPlanExpired.
func testPlans(t *testing.T, s broadcast.Store) {
	ctx := context.Background()
	p := broadcast.Plan{ID: "p1", Spec: broadcast.Spec{Accounts: []string{"a"}, Text: "Thông báo"}, CreatedBy: "officer",
		Recipients: 2, Reachable: 1, Unreachable: map[broadcast.Reason]int{broadcast.ReasonNoInteraction: 1},
		Messages: map[string][]broadcast.Message{"a": {{Text: "Thông báo"}}}}
	rs := []broadcast.Recipient{{Account: "a", UserID: "1"}, {Account: "a", UserID: "2", Skip: broadcast.ReasonNoInteraction}}
	if err := s.SavePlan(ctx, p, rs, time.Minute); err != nil {
		t.Fatal(err)
	}
	got, gotRs, err := s.LoadPlan(ctx, "p1")
	if err != nil || got.Spec.Text != "Thông báo" || got.Unreachable[broadcast.ReasonNoInteraction] != 1 ||
		got.Messages["a"][0].Text != "Thông báo" || !slices.Equal(gotRs, rs) {
		t.Fatalf("LoadPlan = %+v, %v, %v", got, gotRs, err)
	}
	if _, _, err := s.LoadPlan(ctx, "nope"); !errors.Is(err, broadcast.ErrPlanExpired) {
		t.Errorf("LoadPlan(unknown) = %v, want ErrPlanExpired", err)
	}
	p.ID = "p2"
	if err := s.SavePlan(ctx, p, rs, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	if _, _, err := s.LoadPlan(ctx, "p2"); !errors.Is(err, broadcast.ErrPlanExpired) {
		t.Errorf("LoadPlan(expired) = %v, want ErrPlanExpired", err)
	}
}

// testLists: Campaigns is newest first and limited; Active holds the unfinished ones only.
func testLists(t *testing.T, s broadcast.Store) {
	ctx := context.Background()
	base := time.Now().Add(-time.Hour)
	for i, id := range []string{"20260101-a", "20260101-b", "20260101-c"} {
		c := broadcast.Campaign{ID: id, CreatedAt: base.Add(time.Duration(i) * time.Minute)}
		if _, err := s.CreateCampaign(ctx, c, recipients("a", 1), broadcast.StatusRunning, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	ids, err := s.Campaigns(ctx, 2)
	if err != nil || !slices.Equal(ids, []string{"20260101-c", "20260101-b"}) {
		t.Fatalf("Campaigns(2) = %v, %v", ids, err)
	}
	if _, err := s.SetStatus(ctx, "20260101-b", broadcast.StatusCancelled, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetStatus(ctx, "20260101-c", broadcast.StatusPaused, ""); err != nil {
		t.Fatal(err)
	}
	active, err := s.Active(ctx)
	if err != nil || !slices.Equal(active, []string{"20260101-a", "20260101-c"}) {
		t.Fatalf("Active = %v, %v; want a and c (oldest first)", active, err)
	}
	if _, err := s.SetStatus(ctx, "20260101-c", broadcast.StatusRunning, ""); err != nil {
		t.Fatal(err)
	}
	if active, _ := s.Active(ctx); !slices.Equal(active, []string{"20260101-a", "20260101-c"}) {
		t.Errorf("Active after resume = %v", active)
	}
	ids, _ = s.Campaigns(ctx, 0)
	if len(ids) != 3 {
		t.Errorf("Campaigns(0) = %v, want all 3", ids)
	}
}

// testArticles: one article broadcast a day (Vietnam time), the monthly cap per account.
func testArticles(t *testing.T, s broadcast.Store) {
	ctx := context.Background()
	vn := zalo.Vietnam
	day1 := time.Date(2026, 3, 10, 9, 0, 0, 0, vn)
	reserve := func(acct string, at time.Time, want bool) {
		t.Helper()
		if ok, err := s.ReserveArticle(ctx, acct, at, 2); ok != want || err != nil {
			t.Fatalf("ReserveArticle(%s, %s) = %v, %v; want %v", acct, at, ok, err, want)
		}
	}
	reserve("a", day1, true)
	reserve("a", day1.Add(time.Hour), false) // same day
	// 23:30 UTC on the 10th is the 11th in Vietnam: a new day.
	reserve("a", time.Date(2026, 3, 10, 23, 30, 0, 0, time.UTC), true)
	reserve("a", day1.Add(48*time.Hour), false) // monthly cap of 2 reached
	reserve("b", day1, true)                    // another account counts apart
	reserve("a", day1.AddDate(0, 1, 0), true)   // next month
	if n, err := s.ArticleCount(ctx, "a", day1); n != 2 || err != nil {
		t.Errorf("ArticleCount = %d, %v; want 2", n, err)
	}
	if n, _ := s.ArticleCount(ctx, "c", day1); n != 0 {
		t.Errorf("ArticleCount of an account without broadcasts = %d", n)
	}
}

// testConcurrentClaims: workers claiming at the same time never share a recipient, and
// every recipient is handed out.
func testConcurrentClaims(t *testing.T, s broadcast.Store) {
	ctx := context.Background()
	const n = 200
	create(t, s, "c7", recipients("a", n), broadcast.StatusRunning, time.Time{})
	var mu sync.Mutex
	seen := map[broadcast.Recipient]string{}
	var wg sync.WaitGroup
	for w := range 4 {
		worker := fmt.Sprint("w", w)
		wg.Go(func() {
			for {
				claims, err := s.Claim(ctx, "c7", worker, 7, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if len(claims) == 0 {
					return
				}
				for _, cl := range claims {
					mu.Lock()
					if other, dup := seen[cl.Recipient]; dup {
						t.Errorf("%v claimed by %s and %s", cl.Recipient, other, worker)
					}
					seen[cl.Recipient] = worker
					mu.Unlock()
					if res, err := s.Begin(ctx, "c7", worker, cl.Recipient, 0, time.Minute); res != broadcast.Begun || err != nil {
						t.Errorf("Begin = %v, %v", res, err)
						continue
					}
					if err := s.Finish(ctx, "c7", worker, cl.Recipient, 0, true, "m-"+cl.UserID); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("%d recipients claimed, want %d", len(seen), n)
	}
	if p := progress(t, s, "c7"); p.Status != broadcast.StatusDone || p.Sent != n {
		t.Errorf("progress = %+v", p)
	}
}

// Registry is the follower registry as demo mode and production use it: campaigns
// (broadcast.Followers), the webhook (Touch), the follower-list sync and the admin API.
type Registry interface {
	broadcast.Followers
	broadcast.SyncStore
	broadcast.TagStore
	Touch(ctx context.Context, oaID, userID string, at time.Time, follower *bool) error
	AddFollowers(ctx context.Context, oaID string, userIDs []string) error
	Counts(ctx context.Context, oaID string, now time.Time) (broadcast.FollowerCounts, error)
	SetLabel(ctx context.Context, oaID, userID, name string, on bool) error
	Marks(ctx context.Context, oaID, userID string) (tags, labels []string, err error)
}

// Followers runs the follower registry contract against registries made by newReg.
func Followers(t *testing.T, newReg func(t *testing.T) Registry) {
	t.Run("TouchAndSegments", func(t *testing.T) { testTouchAndSegments(t, newReg(t)) })
	t.Run("Marks", func(t *testing.T) { testMarks(t, newReg(t)) })
	t.Run("Sync", func(t *testing.T) { testSync(t, newReg(t)) })
}

func testTouchAndSegments(t *testing.T, f Registry) {
	ctx := context.Background()
	now := time.Now()
	yes, no := true, false
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.Touch(ctx, "oa1", "u1", now.Add(-time.Hour), &yes))
	must(f.Touch(ctx, "oa1", "u1", now.Add(-48*time.Hour), nil)) // older event arriving late
	must(f.Touch(ctx, "oa1", "u2", now.Add(-10*24*time.Hour), &yes))
	must(f.Touch(ctx, "oa1", "u3", now.Add(-time.Minute), nil)) // wrote, never followed
	must(f.Touch(ctx, "oa1", "u4", now.Add(-time.Minute), &yes))
	must(f.Touch(ctx, "oa1", "u4", time.Time{}, &no)) // unfollowed
	must(f.AddFollowers(ctx, "oa1", []string{"u5"}))
	must(f.Touch(ctx, "oa2", "u9", now, &yes)) // another OA

	seg := func(s broadcast.Segment, want ...string) {
		t.Helper()
		got, err := f.Segment(ctx, "oa1", s, now)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("Segment(%+v) = %v, %v; want %v", s, got, err, want)
		}
	}
	seg(broadcast.Segment{Kind: broadcast.SegmentAll}, "u1", "u2", "u5")
	seg(broadcast.Segment{Kind: broadcast.SegmentInteracted, Days: 7}, "u1", "u3", "u4")
	seg(broadcast.Segment{Kind: broadcast.SegmentInteracted, Days: 30}, "u1", "u2", "u3", "u4")
	if _, err := f.Segment(ctx, "oa1", broadcast.Segment{Kind: "nope"}, now); err == nil {
		t.Error("unknown segment kind accepted")
	}
	infos, err := f.Lookup(ctx, "oa1", []string{"u4", "u1", "u5", "u3", "zz"})
	if err != nil || len(infos) != 5 {
		t.Fatalf("Lookup = %v, %v", infos, err)
	}
	want := []struct {
		user           string
		known, follows bool
		seen           bool
	}{{"u4", true, false, true}, {"u1", true, true, true}, {"u5", true, true, false}, {"u3", false, false, true}, {"zz", false, false, false}}
	for i, w := range want {
		fi := infos[i]
		if fi.UserID != w.user || fi.FollowerKnown != w.known || fi.Follower != w.follows || fi.LastInteractionAt.IsZero() == w.seen {
			t.Errorf("Lookup[%d] = %+v, want %+v", i, fi, w)
		}
	}
	if d := infos[1].LastInteractionAt.Sub(now.Add(-time.Hour)); d < -time.Millisecond || d > time.Millisecond {
		t.Errorf("u1 last interaction off by %v: a late older event moved it back", d)
	}
	c, err := f.Counts(ctx, "oa1", now)
	if err != nil || c.Followers != 3 || c.Unfollowed != 1 || c.Interacted != 4 || c.InWindow != 3 {
		t.Errorf("Counts = %+v, %v", c, err)
	}
}

func testMarks(t *testing.T, f Registry) {
	ctx := context.Background()
	for _, step := range []struct {
		tag        bool
		user, name string
		on         bool
	}{{true, "u1", "vip", true}, {true, "u2", "vip", true}, {false, "u1", "khu-pho-3", true},
		{false, "u1", "ward-7", true}, {true, "u2", "vip", false}} {
		var err error
		if step.tag {
			err = f.SetTag(ctx, "oa1", step.user, step.name, step.on)
		} else {
			err = f.SetLabel(ctx, "oa1", step.user, step.name, step.on)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SetLabel(ctx, "oa1", "u1", "", true); err == nil {
		t.Error("empty label accepted")
	}
	if err := f.SetTag(ctx, "oa1", "", "vip", true); err == nil {
		t.Error("tag without a user accepted")
	}
	tags, labels, err := f.Marks(ctx, "oa1", "u1")
	if err != nil || !slices.Equal(tags, []string{"vip"}) || !slices.Equal(labels, []string{"khu-pho-3", "ward-7"}) {
		t.Errorf("Marks(u1) = %v, %v, %v", tags, labels, err)
	}
	if tags, labels, _ := f.Marks(ctx, "oa1", "u2"); len(tags)+len(labels) != 0 {
		t.Errorf("Marks(u2) = %v, %v; want none", tags, labels)
	}
	if got, _ := f.Segment(ctx, "oa1", broadcast.Segment{Kind: broadcast.SegmentTag, Tag: "vip"}, time.Now()); !slices.Equal(got, []string{"u1"}) {
		t.Errorf("tag segment = %v", got)
	}
	if got, _ := f.Segment(ctx, "oa1", broadcast.Segment{Kind: broadcast.SegmentLabel, Label: "ward-7"}, time.Now()); !slices.Equal(got, []string{"u1"}) {
		t.Errorf("label segment = %v", got)
	}
	c, err := f.Counts(ctx, "oa1", time.Now())
	if err != nil || c.Tags["vip"] != 1 || c.Labels["ward-7"] != 1 || c.Labels["khu-pho-3"] != 1 {
		t.Errorf("Counts = %+v, %v", c, err)
	}
}

func testSync(t *testing.T, f Registry) {
	ctx := context.Background()
	if c, err := f.SyncCursor(ctx, "oa1"); err != nil || c != (broadcast.SyncCursor{}) {
		t.Fatalf("SyncCursor of a new OA = %+v, %v", c, err)
	}
	if err := f.SaveSyncPage(ctx, "oa1", []string{"u1", "u2"}, broadcast.SyncCursor{Offset: 2, Total: 3}); err != nil {
		t.Fatal(err)
	}
	if c, _ := f.SyncCursor(ctx, "oa1"); c.Offset != 2 || c.Total != 3 || c.Done {
		t.Errorf("cursor after a page = %+v", c)
	}
	fin := time.Now()
	if err := f.SaveSyncPage(ctx, "oa1", []string{"u3"}, broadcast.SyncCursor{Offset: 3, Total: 3, Done: true, FinishedAt: fin}); err != nil {
		t.Fatal(err)
	}
	c, _ := f.SyncCursor(ctx, "oa1")
	if c.Offset != 3 || !c.Done || c.FinishedAt.UnixMilli() != fin.UnixMilli() {
		t.Errorf("cursor after the last page = %+v", c)
	}
	counts, err := f.Counts(ctx, "oa1", time.Now())
	if err != nil || counts.Followers != 3 || counts.SyncedOffset != 3 || counts.SyncedTotal != 3 || counts.LastSyncAt.UnixMilli() != fin.UnixMilli() {
		t.Errorf("Counts after sync = %+v, %v", counts, err)
	}
}
