package broadcast_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oabot/oabot/bot/broadcast"
	"github.com/oabot/oabot/zalo"
	"github.com/oabot/oabot/zalo/zalotest"
)

func acceptedCount(e *env) int {
	e.zalo.mu.Lock()
	defer e.zalo.mu.Unlock()
	n := 0
	for _, ids := range e.zalo.accepted {
		n += len(ids)
	}
	return n
}

func TestPauseResumeCancel(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.touchN(t, "oa1", 0, 300, time.Now().Add(-time.Hour), true)
	svc := e.service(t, 200)
	plan, err := svc.Plan(ctx, broadcast.Spec{Accounts: []string{"ca-q1"}, Segment: broadcast.Segment{Kind: broadcast.SegmentAll}, Text: "Nhắc lịch"}, "o")
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := svc.Create(ctx, plan.ID, "o")
	if err != nil {
		t.Fatal(err)
	}
	// Confirming the same plan twice creates one campaign.
	if c2, _, err := svc.Create(ctx, plan.ID, "o"); err != nil || c2.ID != c.ID {
		t.Fatalf("second Create = %v, %v; want the same campaign", c2.ID, err)
	}
	start(t, e.runner(t, broadcast.RunnerOptions{Replica: "R", Limiter: e.newLimit(200), Concurrency: 2}))
	waitFor(t, "50 messages accepted", 10*time.Second, func() bool { return acceptedCount(e) >= 50 })
	if _, err := svc.Pause(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the sends under way to finish", 10*time.Second, func() bool { return e.sending(t, c.ID) == 0 })
	paused := acceptedCount(e)
	// Lower bound, not synchronisation: the runner polls every 20 ms, so in 300 ms a paused
	// campaign that still sent would have been caught many times over.
	time.Sleep(300 * time.Millisecond)
	if n := acceptedCount(e); n != paused {
		t.Fatalf("paused campaign sent %d more messages", n-paused)
	}
	_, p, _ := svc.Status(ctx, c.ID)
	if p.Status != broadcast.StatusPaused || p.Sent != paused || p.Remaining != 300-paused {
		t.Fatalf("paused progress = %+v, accepted %d", p, paused)
	}
	if _, err := svc.Pause(ctx, c.ID); !errors.Is(err, broadcast.ErrWrongStatus) {
		t.Errorf("pausing a paused campaign: %v, want ErrWrongStatus", err)
	}
	if _, err := svc.Resume(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "50 more messages accepted", 10*time.Second, func() bool { return acceptedCount(e) >= paused+50 })
	if _, err := svc.Cancel(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the sends under way to finish", 10*time.Second, func() bool { return e.sending(t, c.ID) == 0 })
	cancelled := acceptedCount(e)
	// Lower bound, as for the pause above.
	time.Sleep(300 * time.Millisecond)
	if n := acceptedCount(e); n != cancelled {
		t.Fatalf("cancelled campaign sent %d more messages", n-cancelled)
	}
	_, p, _ = svc.Status(ctx, c.ID)
	if p.Status != broadcast.StatusCancelled || p.Sent != cancelled || cancelled >= 300 {
		t.Fatalf("cancelled progress = %+v, accepted %d", p, cancelled)
	}
	if _, err := svc.Resume(ctx, c.ID); !errors.Is(err, broadcast.ErrWrongStatus) {
		t.Errorf("resuming a cancelled campaign: %v, want ErrWrongStatus", err)
	}
	var buf bytes.Buffer
	if err := svc.WriteReport(ctx, c.ID, &buf); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(buf.String(), ",cancelled,,cancelled\n"); got != 300-cancelled {
		t.Errorf("report has %d cancelled rows, want %d", got, 300-cancelled)
	}
	// Every recipient at most once.
	for u, ids := range e.zalo.accepted {
		if len(ids) > 1 {
			t.Errorf("user %s received %d messages", u, len(ids))
		}
	}
}

func TestScheduledCampaignWithCard(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	users := e.touchN(t, "oa2", 0, 20, time.Now().Add(-time.Hour), true)
	for _, u := range users[:5] {
		if err := e.followers.SetLabel(ctx, "oa2", u, "khu phố 3", true); err != nil {
			t.Fatal(err)
		}
	}
	svc := e.service(t, 100)
	spec := broadcast.Spec{
		Accounts: []string{"ca-q2"}, Segment: broadcast.Segment{Kind: broadcast.SegmentLabel, Label: "khu phố 3"},
		Text: "Cấp đổi căn cước tại khu phố 3", ProcedureCode: "1.001",
		Buttons: []broadcast.Button{{Title: "Xem thủ tục", Type: "oa.query.hide", Payload: "#TTHC 1.001"}},
		SendAt:  time.Now().Add(400 * time.Millisecond),
	}
	plan, err := svc.Plan(ctx, spec, "o")
	if err != nil {
		t.Fatal(err)
	}
	if plan.Reachable != 5 || plan.Accounts[0].MessagesPerRecipient != 2 {
		t.Fatalf("plan: reachable %d, messages per recipient %d; want 5, 2", plan.Reachable, plan.Accounts[0].MessagesPerRecipient)
	}
	c, p, err := svc.Create(ctx, plan.ID, "o")
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != broadcast.StatusScheduled {
		t.Fatalf("status %s, want scheduled", p.Status)
	}
	start(t, e.runner(t, broadcast.RunnerOptions{Replica: "R"}))
	// Lower bound, not synchronisation: the runner polls every 20 ms, so 150 ms of nothing
	// sent (of the 400 ms before SendAt) shows it waits for the scheduled time.
	time.Sleep(150 * time.Millisecond)
	if n := acceptedCount(e); n != 0 {
		t.Fatalf("%d messages before the scheduled time", n)
	}
	p = waitStatus(t, svc, c.ID, broadcast.StatusDone, 10*time.Second)
	if p.Sent != 5 {
		t.Fatalf("progress %+v, want 5 sent", p)
	}
	for _, u := range users[:5] {
		texts := e.zalo.texts[u]
		if len(texts) != 2 || texts[0] != spec.Text || texts[1] != "Card 1.001 for ca-q2" {
			t.Errorf("user %s got %q, want the announcement then the card", u, texts)
		}
	}
	if n := acceptedCount(e); n != 10 {
		t.Errorf("%d messages accepted, want 10", n)
	}
}

func TestArticleBroadcast(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	svc := e.service(t, 10)
	start(t, e.runner(t, broadcast.RunnerOptions{Replica: "R"}))
	tests := []struct {
		name string
		spec broadcast.Spec
		want error
	}{
		{"no article id", broadcast.Spec{Accounts: []string{"ca-q1"}, Channel: broadcast.ChannelArticle}, broadcast.ErrInvalid},
		{"not verified", broadcast.Spec{Accounts: []string{"ca-q2"}, Channel: broadcast.ChannelArticle, ArticleID: "a1"}, broadcast.ErrInvalid},
		{"text with article", broadcast.Spec{Accounts: []string{"ca-q1"}, Channel: broadcast.ChannelArticle, ArticleID: "a1", Text: "x"}, broadcast.ErrInvalid},
		{"tag segment", broadcast.Spec{Accounts: []string{"ca-q1"}, Channel: broadcast.ChannelArticle, ArticleID: "a1", Segment: broadcast.Segment{Kind: broadcast.SegmentTag, Tag: "x"}}, broadcast.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := svc.Plan(ctx, tt.spec, "o"); !errors.Is(err, tt.want) {
				t.Errorf("Plan = %v, want %v", err, tt.want)
			}
		})
	}
	spec := broadcast.Spec{Accounts: []string{"ca-q1"}, Channel: broadcast.ChannelArticle, ArticleID: "art-42"}
	plan, err := svc.Plan(ctx, spec, "o")
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := svc.Create(ctx, plan.ID, "o")
	if err != nil {
		t.Fatal(err)
	}
	p := waitStatus(t, svc, c.ID, broadcast.StatusDone, 10*time.Second)
	if p.Sent != 1 || len(e.zalo.articles) != 1 || e.zalo.articles[0] != "art-42" {
		t.Fatalf("progress %+v, articles %v; want one broadcast of art-42", p, e.zalo.articles)
	}
	// The monthly cap of ca-q1 is 1.
	if _, err := svc.Plan(ctx, spec, "o"); !errors.Is(err, broadcast.ErrArticleQuota) {
		t.Errorf("second article plan: %v, want ErrArticleQuota", err)
	}
}

// An Advanced-package OA (cap 4) broadcasts four articles in a month, one a day; the fifth
// is refused; the count starts again next month.
func TestArticleMonthlyCap(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	acct := e.accounts["ca-q1"]
	acct.ArticleMonthlyCap = 4
	e.accounts["ca-q1"] = acct
	vn := time.FixedZone("ICT", 7*3600)
	var mu sync.Mutex
	now := time.Date(2027, 1, 4, 10, 0, 0, 0, vn)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(to time.Time) { mu.Lock(); now = to; mu.Unlock() }
	svc, err := broadcast.New(broadcast.Deps{Store: e.store, Followers: e.followers, Accounts: e.accounts, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	start(t, e.runner(t, broadcast.RunnerOptions{Replica: "R", Now: clock}))
	send := func(article string) error {
		t.Helper()
		plan, err := svc.Plan(ctx, broadcast.Spec{Accounts: []string{"ca-q1"}, Channel: broadcast.ChannelArticle, ArticleID: article}, "o")
		if err != nil {
			return err
		}
		c, _, err := svc.Create(ctx, plan.ID, "o")
		if err != nil {
			t.Fatal(err)
		}
		waitStatus(t, svc, c.ID, broadcast.StatusDone, 10*time.Second)
		return nil
	}
	for day := range 4 {
		advance(time.Date(2027, 1, 4+day, 10, 0, 0, 0, vn))
		if err := send(fmt.Sprintf("jan-%d", day)); err != nil {
			t.Fatalf("article %d of 4 in January: %v", day+1, err)
		}
	}
	advance(time.Date(2027, 1, 20, 10, 0, 0, 0, vn))
	if err := send("jan-5"); !errors.Is(err, broadcast.ErrArticleQuota) {
		t.Errorf("fifth article in January: %v, want ErrArticleQuota", err)
	}
	advance(time.Date(2027, 2, 1, 10, 0, 0, 0, vn))
	if err := send("feb-1"); err != nil {
		t.Errorf("first article in February: %v", err)
	}
	e.zalo.mu.Lock()
	defer e.zalo.mu.Unlock()
	if got := strings.Join(e.zalo.articles, ","); got != "jan-0,jan-1,jan-2,jan-3,feb-1" {
		t.Errorf("articles broadcast = %s", got)
	}
}

func TestValidate(t *testing.T) {
	e := newEnv(t)
	svc := e.service(t, 10)
	long := strings.Repeat("a", broadcast.MaxTextRunes+1)
	// 2000 characters in NFC, longer in NFD: must be accepted.
	nfd := strings.Repeat("e\u0302\u0301", broadcast.MaxTextRunes)
	seg := broadcast.Segment{Kind: broadcast.SegmentAll}
	tests := []struct {
		name string
		spec broadcast.Spec
		ok   bool
	}{
		{"fine", broadcast.Spec{Accounts: []string{"ca-q1"}, Segment: seg, Text: "x"}, true},
		{"nfd text at the limit", broadcast.Spec{Accounts: []string{"ca-q1"}, Segment: seg, Text: nfd}, true},
		{"too long", broadcast.Spec{Accounts: []string{"ca-q1"}, Segment: seg, Text: long}, false},
		{"no account", broadcast.Spec{Segment: seg, Text: "x"}, false},
		{"unknown account", broadcast.Spec{Accounts: []string{"nope"}, Segment: seg, Text: "x"}, false},
		{"no text", broadcast.Spec{Accounts: []string{"ca-q1"}, Segment: seg}, false},
		{"image only", broadcast.Spec{Accounts: []string{"ca-q1"}, Segment: seg, ImageURL: "https://x/y.png"}, true},
		{"http image", broadcast.Spec{Accounts: []string{"ca-q1"}, Segment: seg, Text: "x", ImageURL: "http://x/y.png"}, false},
		{"six buttons", broadcast.Spec{Accounts: []string{"ca-q1"}, Segment: seg, Text: "x", Buttons: make([]broadcast.Button, 6)}, false},
		{"bad button", broadcast.Spec{Accounts: []string{"ca-q1"}, Segment: seg, Text: "x", Buttons: []broadcast.Button{{Title: "t", Type: "oa.open.url", Payload: "ftp://x"}}}, false},
		{"interacted without days", broadcast.Spec{Accounts: []string{"ca-q1"}, Segment: broadcast.Segment{Kind: broadcast.SegmentInteracted}, Text: "x"}, false},
		{"tag without name", broadcast.Spec{Accounts: []string{"ca-q1"}, Segment: broadcast.Segment{Kind: broadcast.SegmentTag}, Text: "x"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := svc.Validate(tt.spec)
			if (err == nil) != tt.ok {
				t.Errorf("Validate = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestReachability(t *testing.T) {
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		fi   broadcast.FollowerInfo
		want broadcast.Reason
	}{
		{"recent", broadcast.FollowerInfo{LastInteractionAt: now.Add(-time.Hour)}, ""},
		{"just inside", broadcast.FollowerInfo{LastInteractionAt: now.Add(-broadcast.ConsultationWindow)}, ""},
		{"just outside", broadcast.FollowerInfo{LastInteractionAt: now.Add(-broadcast.ConsultationWindow - time.Second)}, broadcast.ReasonOutsideWindow},
		{"never", broadcast.FollowerInfo{Follower: true, FollowerKnown: true}, broadcast.ReasonNoInteraction},
		{"unfollowed", broadcast.FollowerInfo{FollowerKnown: true, LastInteractionAt: now}, broadcast.ReasonUnfollowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := broadcast.Reachability(tt.fi, now); got != tt.want {
				t.Errorf("Reachability = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSegmentsAndWindowRecheck(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := time.Now()
	e.touchN(t, "oa1", 0, 10, now.Add(-2*24*time.Hour), true)
	e.touchN(t, "oa1", 10, 10, now.Add(-20*24*time.Hour), true)
	no := false
	if err := e.followers.Touch(ctx, "oa1", "u0", time.Time{}, &no); err != nil {
		t.Fatal(err)
	}
	if err := e.followers.SetTag(ctx, "oa1", "u1", "Phường 1", true); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, seg := range []broadcast.Segment{
		{Kind: broadcast.SegmentAll}, {Kind: broadcast.SegmentInteracted, Days: 3},
		{Kind: broadcast.SegmentInteracted, Days: 30}, {Kind: broadcast.SegmentTag, Tag: "Phường 1"},
	} {
		ids, err := e.followers.Segment(ctx, "oa1", seg, now)
		if err != nil {
			t.Fatal(err)
		}
		got[string(seg.Kind)+"/"+seg.Tag+"/"+string(rune('0'+seg.Days/10))] = len(ids)
	}
	want := map[string]int{"all//0": 19, "interacted//0": 10, "interacted//3": 20, "tag/Phường 1/0": 1}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("segment %s: %d users, want %d", k, got[k], n)
		}
	}
	counts, err := e.followers.Counts(ctx, "oa1", now)
	if err != nil {
		t.Fatal(err)
	}
	if counts.Followers != 19 || counts.Unfollowed != 1 || counts.InWindow != 10 || counts.Tags["Phường 1"] != 1 {
		t.Errorf("counts = %+v", counts)
	}

	// A campaign planned while the window was open, delivered after it closed: the runner
	// re-checks and skips instead of sending.
	svc := e.service(t, 100)
	plan, err := svc.Plan(ctx, broadcast.Spec{Accounts: []string{"ca-q1"}, Segment: broadcast.Segment{Kind: broadcast.SegmentInteracted, Days: 3}, Text: "x"}, "o")
	if err != nil {
		t.Fatal(err)
	}
	if plan.Reachable != 9 || plan.Unreachable[broadcast.ReasonUnfollowed] != 1 {
		t.Fatalf("plan reachable %d unreachable %v; want 9 and 1 unfollowed", plan.Reachable, plan.Unreachable)
	}
	c, _, err := svc.Create(ctx, plan.ID, "o")
	if err != nil {
		t.Fatal(err)
	}
	later := func() time.Time { return now.Add(6 * 24 * time.Hour) }
	start(t, e.runner(t, broadcast.RunnerOptions{Replica: "R", Now: later}))
	p := waitStatus(t, svc, c.ID, broadcast.StatusDone, 10*time.Second)
	if p.Sent != 0 || p.Skipped != 10 || acceptedCount(e) != 0 {
		t.Errorf("progress %+v, accepted %d; want all 10 skipped", p, acceptedCount(e))
	}
}

func TestSyncFollowersResumes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for i := range 120 {
		e.zalo.followers = append(e.zalo.followers, "f"+string(rune('a'+i/26))+string(rune('a'+i%26)))
	}
	e.zalo.failListAt = 100
	lister := broadcast.ZaloAdapter{Client: e.client}
	cur, err := broadcast.SyncFollowers(ctx, "oa1", lister, e.followers, broadcast.SyncOptions{Limiter: e.newLimit(100)})
	if err == nil || cur.Offset != 100 {
		t.Fatalf("first sync = %+v, %v; want a failure at offset 100", cur, err)
	}
	calls := e.zalo.listCalls
	cur, err = broadcast.SyncFollowers(ctx, "oa1", lister, e.followers, broadcast.SyncOptions{})
	if err != nil || !cur.Done || cur.Offset != 120 {
		t.Fatalf("resumed sync = %+v, %v", cur, err)
	}
	if n := e.zalo.listCalls - calls; n != 1 {
		t.Errorf("resumed sync made %d calls, want 1 (from offset 100)", n)
	}
	counts, err := e.followers.Counts(ctx, "oa1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if counts.Followers != 120 || counts.SyncedTotal != 120 || counts.LastSyncAt.IsZero() {
		t.Errorf("counts after sync = %+v", counts)
	}
}

// An OA-wide refusal (here -211, out of quota) pauses the campaign with a note and keeps the
// recipient queued, instead of failing every remaining citizen.
func TestOAWideErrorPauses(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	users := e.touchN(t, "oa1", 0, 20, time.Now().Add(-time.Hour), true)
	e.zalo.mu.Lock()
	e.zalo.codes[users[7]] = -211
	e.zalo.mu.Unlock()
	svc := e.service(t, 100)
	plan, err := svc.Plan(ctx, broadcast.Spec{Accounts: []string{"ca-q1"}, Segment: broadcast.Segment{Kind: broadcast.SegmentAll}, Text: "x"}, "o")
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := svc.Create(ctx, plan.ID, "o")
	if err != nil {
		t.Fatal(err)
	}
	start(t, e.runner(t, broadcast.RunnerOptions{Replica: "R", Concurrency: 1}))
	p := waitStatus(t, svc, c.ID, broadcast.StatusPaused, 10*time.Second)
	if p.Failed != 0 || p.Remaining == 0 || !strings.Contains(p.Note, "-211") {
		t.Fatalf("after -211: %+v; want paused with a note, nothing failed, recipients left", p)
	}
	e.zalo.mu.Lock()
	delete(e.zalo.codes, users[7])
	e.zalo.mu.Unlock()
	if _, err := svc.Resume(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	p = waitStatus(t, svc, c.ID, broadcast.StatusDone, 10*time.Second)
	if p.Sent != 20 || p.Note != "" {
		t.Fatalf("after resume: %+v; want 20 sent", p)
	}
	for _, u := range users {
		if n := len(e.zalo.accepted[u]); n != 1 {
			t.Errorf("user %s got %d messages", u, n)
		}
	}
}

// Two campaigns on two OAs progress side by side, each at its OA's own rate.
func TestCampaignsOnTwoOAsInParallel(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.touchN(t, "oa1", 0, 40, time.Now().Add(-time.Hour), true)
	e.touchN(t, "oa2", 100, 40, time.Now().Add(-time.Hour), true)
	svc := e.service(t, 40)
	var ids []string
	for _, acct := range []string{"ca-q1", "ca-q2"} {
		plan, err := svc.Plan(ctx, broadcast.Spec{Accounts: []string{acct}, Segment: broadcast.Segment{Kind: broadcast.SegmentAll}, Text: "x"}, "o")
		if err != nil {
			t.Fatal(err)
		}
		c, _, err := svc.Create(ctx, plan.ID, "o")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	began := time.Now()
	start(t, e.runner(t, broadcast.RunnerOptions{Replica: "R", Limiter: e.newLimit(40), Concurrency: 4, Batch: 5}))
	for _, id := range ids {
		waitStatus(t, svc, id, broadcast.StatusDone, 20*time.Second)
	}
	// 40 recipients at 40/s per OA: about 1 s if the OAs run side by side, 2 s if not.
	if took := time.Since(began); took > 1700*time.Millisecond {
		t.Errorf("two 40-recipient campaigns on two OAs at 40/s took %v, want about 1 s", took)
	}
}

// Tags set in the OA admin site reach the registry through SyncTags, then tag segments.
func TestSyncTagsFromZalo(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	fake := zalotest.New()
	fake.AddOA("oa1", "tok")
	for i := range 60 {
		u := zalotest.User{UserID: fmt.Sprintf("t%02d", i), IsFollower: true}
		if i%2 == 0 {
			u.Tags = []string{"Phường 1"}
		}
		if i%3 == 0 {
			u.Tags = append(u.Tags, "Tổ 5")
		}
		fake.AddUser("oa1", u)
	}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	client, err := zalo.NewClient(zalo.WithAPIBase(srv.URL), zalo.WithAccessToken("tok"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := broadcast.SyncTags(ctx, "oa1", broadcast.ZaloAdapter{Client: client}, e.followers, nil)
	if err != nil || n != 30+20 {
		t.Fatalf("SyncTags = %d, %v; want 50 pairs", n, err)
	}
	ids, err := e.followers.Segment(ctx, "oa1", broadcast.Segment{Kind: broadcast.SegmentTag, Tag: "Phường 1"}, time.Now())
	if err != nil || len(ids) != 30 {
		t.Errorf("tag segment = %d users, %v; want 30", len(ids), err)
	}
}

// The plan's rules are for the officer who confirms it: in Vietnamese, with the window, the
// send time in Vietnam time and the pace filled in.
func TestPlanRulesForOfficers(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.touchN(t, "oa1", 0, 3, time.Now().Add(-time.Hour), true)
	svc := e.service(t, 5)
	at := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	plan, err := svc.Plan(ctx, broadcast.Spec{Accounts: []string{"ca-q1"}, Segment: broadcast.Segment{Kind: broadcast.SegmentAll},
		Text: "Nhắc lịch", SendAt: at}, "o")
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(plan.Rules, "\n")
	for _, want := range []string{
		"trong 7 ngày gần nhất",
		"nhiều nhất một lần",
		"Hẹn gửi lúc " + at.In(zalo.Vietnam).Format("15:04 02/01/2006"),
		"5 tin mỗi giây",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("plan rules lack %q:\n%s", want, all)
		}
	}
}
