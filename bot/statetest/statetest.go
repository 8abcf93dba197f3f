// Package statetest is the behavioural contract of bot.StateStore, written once and run
// against every implementation (bot/redisstore on a real Redis, bot/inmem in memory), so the
// demo's conversations behave as production's.
//
// Call StateStore from a test with a constructor that returns a fresh, empty store whose
// conversations expire ttl after their last Update.
package statetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/oabot/oabot/bot"
)

// Realistic ids: Zalo OA and user ids are 19-digit decimal strings, and a user id is scoped
// per OA (zalo-oa.md §8.1).
const (
	oaID    = "4368345919227383427"
	otherOA = "1953786249913764501"
	userID  = "8521927461836402175"
	other   = "3175309402715583668"
)

// longTTL is the TTL of subtests that do not test expiry.
const longTTL = time.Hour

// StateStore runs the bot.StateStore contract against stores made by newStore.
func StateStore(t *testing.T, newStore func(t *testing.T, ttl time.Duration) bot.StateStore) {
	t.Run("GetMissing", func(t *testing.T) { testGetMissing(t, newStore(t, longTTL)) })
	t.Run("UpdateCreates", func(t *testing.T) { testUpdateCreates(t, newStore(t, longTTL)) })
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, newStore(t, longTTL)) })
	t.Run("Times", func(t *testing.T) { testTimes(t, newStore(t, longTTL)) })
	t.Run("Clear", func(t *testing.T) { testClear(t, newStore(t, longTTL)) })
	t.Run("FnError", func(t *testing.T) { testFnError(t, newStore(t, longTTL)) })
	t.Run("NoSharedMemory", func(t *testing.T) { testNoSharedMemory(t, newStore(t, longTTL)) })
	t.Run("ConcurrentUpdates", func(t *testing.T) { testConcurrentUpdates(t, newStore(t, longTTL)) })
	t.Run("KeysApart", func(t *testing.T) { testKeysApart(t, newStore(t, longTTL)) })
	const ttl = 400 * time.Millisecond
	t.Run("Expiry", func(t *testing.T) { testExpiry(t, newStore(t, ttl), ttl) })
	t.Run("UpdateRefreshesTTL", func(t *testing.T) { testRefresh(t, newStore(t, ttl), ttl) })
}

// Full returns a conversation with every field set (checked by MustBeFull), its times with
// nanoseconds, a monotonic clock reading and a zone other than UTC, so a store that drops or
// rounds anything shows up.
func Full() bot.Conversation {
	ict := time.FixedZone("ICT", 7*60*60)
	at := time.Date(2025, 3, 14, 9, 26, 53, 123456789, ict)
	return bot.Conversation{
		// A code of a local catalogue among national ones.
		LastList:          []string{"1.001234", "1.004222", "BTP-277", "2.000986", "1.010022"},
		ListQuery:         "cap lai can cuoc cong dan",
		ListSection:       2,
		Page:              1,
		Current:           "1.004222",
		MutedUntil:        at.Add(30 * time.Minute),
		LastInteractionAt: time.Now(), // carries a monotonic reading, which no store keeps
		Follower:          true,
		FollowerKnown:     true,
		LastNudgeAt:       at.Add(-3 * time.Minute),
		InfoSubmittedAt:   at.Add(-24 * time.Hour).UTC(),
		RateStart:         at.Add(-20 * time.Second),
		RateCount:         7,
		Job:               bot.JobProgress{Key: "m:" + oaID + ":96d3cdf3af150460909", Sent: 2, Done: true},
		Feedback: bot.Feedback{Query: "xin to giay con son", Shown: "1.004873", Others: []string{"1.000894", "BTP-277"},
			PromptAt: at.Add(-10 * time.Minute), Pending: true},
	}
}

// MustBeFull fails the test unless every field of c (and of its JobProgress) is set: a field
// added to bot.Conversation must be added to Full, so that every store is checked to keep it.
func MustBeFull(t testing.TB, c bot.Conversation) {
	t.Helper()
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		for i := range v.NumField() {
			f, name := v.Field(i), path+v.Type().Field(i).Name
			switch {
			case f.Kind() == reflect.Struct && f.Type() != reflect.TypeFor[time.Time]():
				walk(f, name+".")
			case f.IsZero():
				t.Errorf("statetest.Full leaves %s unset; set it so every store is checked to keep it", name)
			}
		}
	}
	walk(reflect.ValueOf(c), "")
}

// Diff compares conversations as the contract does: times by instant (Equal; monotonic
// reading and location need not survive), a nil and an empty LastList alike.
func Diff(want, got bot.Conversation) string {
	return cmp.Diff(want, got, cmpopts.EquateEmpty())
}

func get(t *testing.T, s bot.StateStore, oa, user string) bot.Conversation {
	t.Helper()
	c, err := s.Get(context.Background(), oa, user)
	if err != nil {
		t.Fatalf("Get(%s, %s): %v", oa, user, err)
	}
	return c
}

func set(t *testing.T, s bot.StateStore, oa, user string, c bot.Conversation) bot.Conversation {
	t.Helper()
	got, err := s.Update(context.Background(), oa, user, func(p *bot.Conversation) error { *p = c; return nil })
	if err != nil {
		t.Fatalf("Update(%s, %s): %v", oa, user, err)
	}
	return got
}

func mustBeMissing(t *testing.T, s bot.StateStore, oa, user string) {
	t.Helper()
	if c, err := s.Get(context.Background(), oa, user); !errors.Is(err, bot.ErrNoConversation) {
		t.Fatalf("Get(%s, %s) = %+v, %v; want ErrNoConversation", oa, user, c, err)
	}
}

func testGetMissing(t *testing.T, s bot.StateStore) {
	mustBeMissing(t, s, oaID, userID)
	mustBeMissing(t, s, "", "")
}

// testUpdateCreates: Update of an absent conversation hands fn the zero value, returns what
// fn made and stores it.
func testUpdateCreates(t *testing.T, s bot.StateStore) {
	ctx := context.Background()
	calls := 0
	got, err := s.Update(ctx, oaID, userID, func(c *bot.Conversation) error {
		calls++
		if d := Diff(bot.Conversation{}, *c); d != "" {
			t.Errorf("fn of a first Update got a non-zero conversation (-want +got):\n%s", d)
		}
		c.Current = "1.001234"
		return nil
	})
	want := bot.Conversation{Current: "1.001234"}
	if err != nil || calls != 1 || Diff(want, got) != "" {
		t.Fatalf("Update = %+v, %v after %d calls of fn; want %+v after 1", got, err, calls, want)
	}
	if d := Diff(want, get(t, s, oaID, userID)); d != "" {
		t.Errorf("Get after Update (-want +got):\n%s", d)
	}
}

// testRoundTrip: every field comes back from Update, Get and the next Update's fn.
func testRoundTrip(t *testing.T, s bot.StateStore) {
	want := Full()
	MustBeFull(t, want)
	if d := Diff(want, set(t, s, oaID, userID, want)); d != "" {
		t.Errorf("Update returned (-want +got):\n%s", d)
	}
	if d := Diff(want, get(t, s, oaID, userID)); d != "" {
		t.Errorf("Get (-want +got):\n%s", d)
	}
	_, err := s.Update(context.Background(), oaID, userID, func(c *bot.Conversation) error {
		if d := Diff(want, *c); d != "" {
			t.Errorf("fn of the next Update got (-want +got):\n%s", d)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// testTimes: any time.Time keeps its instant to the nanosecond, whatever its zone, however
// far from today.
func testTimes(t *testing.T, s bot.StateStore) {
	ict := time.FixedZone("ICT", 7*60*60)
	for _, tm := range []time.Time{
		time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2025, 1, 1, 7, 0, 0, 1, ict),
		time.Date(2025, 1, 1, 7, 0, 0, 999999999, ict),
		time.Unix(0, 0),
		time.Unix(-1, 5),                                    // before 1970
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),            // a nanosecond after the zero time
		time.Date(2263, 1, 1, 0, 0, 0, 0, time.UTC),         // past int64 nanoseconds
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, ict), // "muted for ever"
	} {
		want := bot.Conversation{MutedUntil: tm, LastInteractionAt: tm, LastNudgeAt: tm, InfoSubmittedAt: tm, RateStart: tm}
		set(t, s, oaID, userID, want)
		if d := Diff(want, get(t, s, oaID, userID)); d != "" {
			t.Errorf("time %v (-want +got):\n%s", tm, d)
		}
	}
}

// testClear: a field set back to its zero value reads back as zero (the bot clears the list
// and the current procedure when the context is stale).
func testClear(t *testing.T, s bot.StateStore) {
	set(t, s, oaID, userID, Full())
	want := bot.Conversation{Current: "1.001234"}
	set(t, s, oaID, userID, want)
	if d := Diff(want, get(t, s, oaID, userID)); d != "" {
		t.Errorf("after clearing (-want +got):\n%s", d)
	}
}

// testFnError: when fn fails, Update returns its error and stores nothing, for a new
// conversation and for an existing one.
func testFnError(t *testing.T, s bot.StateStore) {
	ctx := context.Background()
	boom := errors.New("boom")
	fail := func(c *bot.Conversation) error { c.Current, c.RateCount = "x", 99; return boom }
	if _, err := s.Update(ctx, oaID, userID, fail); !errors.Is(err, boom) {
		t.Fatalf("Update with a failing fn on a new conversation: err = %v, want boom", err)
	}
	mustBeMissing(t, s, oaID, userID)
	want := set(t, s, oaID, userID, Full())
	if _, err := s.Update(ctx, oaID, userID, fail); !errors.Is(err, boom) {
		t.Fatalf("Update with a failing fn: err = %v, want boom", err)
	}
	if d := Diff(want, get(t, s, oaID, userID)); d != "" {
		t.Errorf("a failing fn changed the stored conversation (-want +got):\n%s", d)
	}
}

// testNoSharedMemory: changing what Update or Get returned does not change what is stored.
func testNoSharedMemory(t *testing.T, s bot.StateStore) {
	ctx := context.Background()
	want := Full()
	in := want
	in.LastList = slices.Clone(want.LastList)
	got := set(t, s, oaID, userID, in)
	got.LastList[0] = "changed by the caller"
	again := get(t, s, oaID, userID)
	again.LastList[1] = "changed by the caller"
	if _, err := s.Update(ctx, oaID, userID, func(c *bot.Conversation) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if d := Diff(want, get(t, s, oaID, userID)); d != "" {
		t.Errorf("the store shares memory with its callers (-want +got):\n%s", d)
	}
}

// testConcurrentUpdates: many goroutines updating one conversation lose no update.
func testConcurrentUpdates(t *testing.T, s bot.StateStore) {
	const n = 50
	ctx := context.Background()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			if _, err := s.Update(ctx, oaID, userID, func(c *bot.Conversation) error { c.RateCount++; return nil }); err != nil {
				t.Errorf("Update: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	if got := get(t, s, oaID, userID).RateCount; got != n {
		t.Errorf("RateCount = %d after %d concurrent increments, want %d (lost update)", got, n, n)
	}
}

// testKeysApart: (oaID, userID) is the key: the same user id in another OA, or another user
// in the same OA, is another conversation.
func testKeysApart(t *testing.T, s bot.StateStore) {
	keys := [][2]string{{oaID, userID}, {otherOA, userID}, {oaID, other}}
	for i, k := range keys[:2] {
		set(t, s, k[0], k[1], bot.Conversation{Current: fmt.Sprint("1.00000", i)})
	}
	mustBeMissing(t, s, oaID, other)
	set(t, s, oaID, other, bot.Conversation{Current: "1.000002"})
	for i, k := range keys {
		if got := get(t, s, k[0], k[1]).Current; got != fmt.Sprint("1.00000", i) {
			t.Errorf("Get(%s, %s).Current = %q, want %q", k[0], k[1], got, fmt.Sprint("1.00000", i))
		}
	}
}

// testExpiry: a conversation left alone for the TTL is gone (not before), and the next
// Update starts from the zero value.
func testExpiry(t *testing.T, s bot.StateStore, ttl time.Duration) {
	ctx := context.Background()
	start := time.Now()
	set(t, s, oaID, userID, Full())
	if _, err := s.Get(ctx, oaID, userID); err != nil && time.Since(start) < ttl {
		t.Fatalf("Get right after Update: %v", err)
	}
	gone := waitGone(t, s, oaID, userID, 5*time.Second+ttl)
	// Redis's clock is not Go's monotonic one: allow a little for the comparison.
	if d := gone.Sub(start); d < ttl-ttl/10 {
		t.Errorf("conversation gone %v after its Update, want not before the TTL (%v)", d, ttl)
	}
	_, err := s.Update(ctx, oaID, userID, func(c *bot.Conversation) error {
		if d := Diff(bot.Conversation{}, *c); d != "" {
			t.Errorf("fn after expiry got an old conversation (-want +got):\n%s", d)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// testRefresh: each Update renews the TTL, so a conversation updated more often than its
// TTL lives on (every Update sees the count of the previous ones) and expires once left
// alone.
func testRefresh(t *testing.T, s bot.StateStore, ttl time.Duration) {
	ctx := context.Background()
	first := time.Now()
	prev, want, checked := first, 0, false
	for i := 0; time.Since(first) < 3*ttl; i++ {
		if i > 0 {
			time.Sleep(ttl / 4)
		}
		begin, seen := time.Now(), -1
		if _, err := s.Update(ctx, oaID, userID, func(c *bot.Conversation) error {
			seen = c.RateCount
			c.RateCount++
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		// prev..now bounds the time between the previous write and this read.
		switch idle := time.Since(prev); {
		case seen == want && idle < ttl:
			checked = checked || begin.Sub(first) > ttl
		case seen != want && idle < ttl:
			t.Fatalf("Update %d found RateCount %d, want %d: the conversation expired %v after an Update "+
				"although the TTL is %v", i, seen, want, idle, ttl)
		default:
			t.Logf("Update %d came %v after the previous one (machine stalled); step not checked", i, idle)
		}
		prev, want = begin, seen+1
	}
	if !checked {
		t.Fatalf("no Update past the first TTL came within a TTL of the previous one; machine too slow to check")
	}
	waitGone(t, s, oaID, userID, 5*time.Second+ttl)
}

// waitGone polls Get until the conversation is gone and returns when that was seen; it
// fails the test after within.
func waitGone(t *testing.T, s bot.StateStore, oa, user string, within time.Duration) time.Time {
	t.Helper()
	for deadline := time.Now().Add(within); ; {
		_, err := s.Get(context.Background(), oa, user)
		now := time.Now()
		switch {
		case errors.Is(err, bot.ErrNoConversation):
			return now
		case err != nil:
			t.Fatalf("Get: %v", err)
		case now.After(deadline):
			t.Fatalf("conversation still there %v later", within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
