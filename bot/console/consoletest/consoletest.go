// Package consoletest is the behavioural contract of console.Store, written once and run
// against every implementation (bot/redisstore on a real Redis, bot/inmem in memory), so
// the demo's console behaves as production's.
package consoletest

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oabot/oabot/bot/console"
)

// shortTTL is the TTL of the expiry subtests: long enough for a loaded machine to do the
// write and the first read, short enough to wait for.
const shortTTL = 300 * time.Millisecond

// Store runs the console.Store contract against fresh, empty stores made by newStore.
func Store(t *testing.T, newStore func(t *testing.T) console.Store) {
	t.Run("GetMissing", func(t *testing.T) { testGetMissing(t, newStore(t)) })
	t.Run("SetGet", func(t *testing.T) { testSetGet(t, newStore(t)) })
	t.Run("SetExpires", func(t *testing.T) { testSetExpires(t, newStore(t)) })
	t.Run("TakeOnce", func(t *testing.T) { testTakeOnce(t, newStore(t)) })
	t.Run("Del", func(t *testing.T) { testDel(t, newStore(t)) })
	t.Run("Sets", func(t *testing.T) { testSets(t, newStore(t)) })
	t.Run("SetExpiresWithTTL", func(t *testing.T) { testSetTTL(t, newStore(t)) })
	t.Run("IncrWindow", func(t *testing.T) { testIncr(t, newStore(t)) })
}

func testGetMissing(t *testing.T, s console.Store) {
	ctx := context.Background()
	if v, ok, err := s.Get(ctx, "sess:missing"); err != nil || ok || v != nil {
		t.Errorf("Get(missing) = %q, %v, %v; want nil, false, nil", v, ok, err)
	}
	if v, ok, err := s.Take(ctx, "sess:missing"); err != nil || ok || v != nil {
		t.Errorf("Take(missing) = %q, %v, %v; want nil, false, nil", v, ok, err)
	}
	if m, err := s.Members(ctx, "set:missing"); err != nil || len(m) != 0 {
		t.Errorf("Members(missing) = %q, %v; want none", m, err)
	}
}

func testSetGet(t *testing.T, s console.Store) {
	ctx := context.Background()
	val := []byte(`{"o":"Nguyễn Văn A","c":"x"}` + "\x00\xff")
	if err := s.Set(ctx, "sess:a", val, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(ctx, "officer:b", []byte("forever"), 0); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Get(ctx, "sess:a")
	if err != nil || !ok || !bytes.Equal(got, val) {
		t.Errorf("Get = %q, %v, %v; want %q", got, ok, err, val)
	}
	if got, ok, _ := s.Get(ctx, "officer:b"); !ok || string(got) != "forever" {
		t.Errorf("Get(ttl 0) = %q, %v; want forever", got, ok)
	}
	if err := s.Set(ctx, "sess:a", []byte("new"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.Get(ctx, "sess:a"); string(got) != "new" {
		t.Errorf("Get after overwrite = %q, want new", got)
	}
}

func testSetExpires(t *testing.T, s console.Store) {
	ctx := context.Background()
	if err := s.Set(ctx, "sess:short", []byte("v"), shortTTL); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Get(ctx, "sess:short"); err != nil || !ok {
		t.Fatalf("Get right after Set = %v, %v; want the value", ok, err)
	}
	waitGone(t, func() bool { _, ok, _ := s.Get(ctx, "sess:short"); return !ok })
	if _, ok, _ := s.Take(ctx, "sess:short"); ok {
		t.Error("Take of an expired value succeeded")
	}
}

func testTakeOnce(t *testing.T, s console.Store) {
	ctx := context.Background()
	if err := s.Set(ctx, "invite:x", []byte("once"), time.Hour); err != nil {
		t.Fatal(err)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if v, ok, err := s.Take(ctx, "invite:x"); err == nil && ok && string(v) == "once" {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if n := wins.Load(); n != 1 {
		t.Errorf("%d of 8 concurrent Takes got the value, want exactly 1", n)
	}
	if _, ok, _ := s.Get(ctx, "invite:x"); ok {
		t.Error("value still there after Take")
	}
}

func testDel(t *testing.T, s console.Store) {
	ctx := context.Background()
	_ = s.Set(ctx, "a", []byte("1"), time.Hour)
	_ = s.Set(ctx, "b", []byte("2"), 0)
	_ = s.AddMember(ctx, "set", "m", time.Hour)
	_, _ = s.Incr(ctx, "count", time.Hour)
	_ = s.Set(ctx, "kept", []byte("3"), time.Hour)
	if err := s.Del(ctx, "a", "b", "set", "count", "never-existed"); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "b", "count"} {
		if _, ok, _ := s.Get(ctx, k); ok {
			t.Errorf("%s still there after Del", k)
		}
	}
	if m, _ := s.Members(ctx, "set"); len(m) != 0 {
		t.Errorf("set still has %q after Del", m)
	}
	if _, ok, _ := s.Get(ctx, "kept"); !ok {
		t.Error("Del removed a key it was not given")
	}
	if n, _ := s.Incr(ctx, "count", time.Hour); n != 1 {
		t.Errorf("counter after Del starts at %d, want 1", n)
	}
	if err := s.Del(ctx); err != nil {
		t.Errorf("Del() = %v", err)
	}
}

func testSets(t *testing.T, s console.Store) {
	ctx := context.Background()
	for _, m := range []string{"h1", "h2", "h3", "h2"} {
		if err := s.AddMember(ctx, "officer:x:sess", m, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	_ = s.AddMember(ctx, "officers", "Trần Thị B", 0)
	got, err := s.Members(ctx, "officer:x:sess")
	slices.Sort(got)
	if err != nil || !slices.Equal(got, []string{"h1", "h2", "h3"}) {
		t.Errorf("Members = %q, %v; want h1 h2 h3", got, err)
	}
	if err := s.RemoveMember(ctx, "officer:x:sess", "h2"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveMember(ctx, "officer:x:sess", "absent"); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Members(ctx, "officer:x:sess")
	slices.Sort(got)
	if !slices.Equal(got, []string{"h1", "h3"}) {
		t.Errorf("Members after RemoveMember = %q, want h1 h3", got)
	}
	if got, _ := s.Members(ctx, "officers"); !slices.Equal(got, []string{"Trần Thị B"}) {
		t.Errorf("Members(officers) = %q", got)
	}
}

func testSetTTL(t *testing.T, s console.Store) {
	ctx := context.Background()
	if err := s.AddMember(ctx, "short", "a", time.Hour); err != nil {
		t.Fatal(err)
	}
	// Each add restarts the set's clock: the last one decides.
	if err := s.AddMember(ctx, "short", "b", shortTTL); err != nil {
		t.Fatal(err)
	}
	if err := s.AddMember(ctx, "long", "a", 0); err != nil {
		t.Fatal(err)
	}
	waitGone(t, func() bool { m, _ := s.Members(ctx, "short"); return len(m) == 0 })
	if m, _ := s.Members(ctx, "long"); len(m) != 1 {
		t.Errorf("set with ttl 0 = %q, want it kept", m)
	}
}

func testIncr(t *testing.T, s console.Store) {
	ctx := context.Background()
	for want := int64(1); want <= 3; want++ {
		n, err := s.Incr(ctx, "throttle:user:x", shortTTL)
		if err != nil || n != want {
			t.Fatalf("Incr = %d, %v; want %d", n, err, want)
		}
	}
	// Other counters are apart, and later calls do not extend the window.
	if n, _ := s.Incr(ctx, "throttle:ip:y", time.Hour); n != 1 {
		t.Errorf("another counter = %d, want 1", n)
	}
	waitGone(t, func() bool { _, ok, _ := s.Get(ctx, "throttle:user:x"); return !ok })
	if n, _ := s.Incr(ctx, "throttle:user:x", time.Hour); n != 1 {
		t.Errorf("Incr after the window = %d, want 1 (a new window)", n)
	}
	if v, ok, _ := s.Get(ctx, "throttle:ip:y"); !ok || string(v) != "1" {
		t.Errorf("Get(counter) = %q, %v; want \"1\"", v, ok)
	}
}

// waitGone polls until gone() or fails after a generous deadline (expiry is checked by
// the store's clock: Redis's or the process's).
func waitGone(t *testing.T, gone func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !gone() {
		if time.Now().After(deadline) {
			t.Fatal("value did not expire within 10s of its TTL")
		}
		time.Sleep(25 * time.Millisecond)
	}
}
