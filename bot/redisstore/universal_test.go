package redisstore

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oabot/oabot/bot"
	"github.com/oabot/oabot/bot/queue"
	"github.com/oabot/oabot/bot/redisstore/redistest"
	"github.com/oabot/oabot/zalo"
)

// These tests run the stores against real Redis Sentinel and Redis Cluster set-ups on
// loopback, started from redis-server. The Cluster test is the proof that keys touched
// together (Lua, MULTI) share a hash tag: a wrong tag fails with CROSSSLOT.

func TestNewUniversalClientKinds(t *testing.T) {
	tests := []struct {
		url  string
		kind string
	}{
		{"redis://127.0.0.1:6379/0", "*redis.Client"},
		{"rediss://user:pw@redis.example:6380/1", "*redis.Client"},
		{"redis://s1:26379/0?master_name=mymaster&addr=s2:26379", "*redis.Client"}, // failover client
		{"redis://n1:6379?cluster=true&addr=n2:6379", "*redis.ClusterClient"},
	}
	for _, tt := range tests {
		c, err := NewUniversalClient(tt.url, 0)
		if err != nil {
			t.Errorf("NewUniversalClient(%q): %v", tt.url, err)
			continue
		}
		if got := fmt.Sprintf("%T", c); got != tt.kind {
			t.Errorf("NewUniversalClient(%q) = %s, want %s", tt.url, got, tt.kind)
		}
		c.Close()
	}
	_, err := NewUniversalClient("redis://user:secret@h:1/0?unknown_option=1", 0)
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("bad option: err = %v (must fail without showing the password)", err)
	}
}

func TestSentinel(t *testing.T) {
	if testing.Short() {
		t.Skip("starts several redis-server processes; skipped with -short")
	}
	rdb, err := NewUniversalClient(redistest.Sentinel(t), 10)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	exerciseStores(t, rdb)
}

func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts several redis-server processes; skipped with -short")
	}
	rdb, err := NewUniversalClient(redistest.Cluster(t), 10)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	exerciseStores(t, rdb)
}

// exerciseStores runs the multi-key paths of the stores: the enqueue Lua script
// (dedupe + stream), dedupe, queue consumption across partitions with leases, the
// conversation store's optimistic transaction, runtime accounts and OAuth state.
func exerciseStores(t *testing.T, rdb redis.UniversalClient) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	prefix := fmt.Sprintf("test:%d:", time.Now().UnixNano())

	q, err := NewQueue(rdb, QueueOptions{Prefix: prefix, Partitions: 8, Block: 100 * time.Millisecond, LeaseTTL: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	const n = 40
	for i := range n {
		job := queue.Job{OAID: "oa", UserID: fmt.Sprint("u", i%10), EventName: "user_send_text", DedupeKey: fmt.Sprint("m", i), Raw: []byte(`{}`)}
		ok, err := q.Enqueue(ctx, job)
		if err != nil || !ok {
			t.Fatalf("Enqueue %d = %v, %v", i, ok, err)
		}
		if ok, err := q.Enqueue(ctx, job); err != nil || ok {
			t.Fatalf("duplicate Enqueue %d = %v, %v", i, ok, err)
		}
	}
	done := make(chan string, n)
	runCtx, stop := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() {
		errc <- q.Run(runCtx, queue.HandlerFunc(func(_ context.Context, j queue.Job) error {
			done <- j.DedupeKey
			return nil
		}))
	}()
	seen := map[string]bool{}
	for len(seen) < n {
		select {
		case k := <-done:
			if seen[k] {
				t.Errorf("job %s handled twice", k)
			}
			seen[k] = true
		case <-ctx.Done():
			t.Fatalf("handled %d of %d jobs", len(seen), n)
		}
	}
	stop()
	if err := <-errc; err != nil && ctx.Err() == nil && err != context.Canceled {
		t.Errorf("Run: %v", err)
	}
	if _, err := q.Stats(ctx); err != nil {
		t.Errorf("Stats: %v", err)
	}

	st, err := NewStore(rdb, StoreOptions{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Update(ctx, "oa", "u1", func(c *bot.Conversation) error { c.Current = "1.001"; return nil }); err != nil {
		t.Fatalf("conversation Update: %v", err)
	}
	if c, err := st.Get(ctx, "oa", "u1"); err != nil || c.Current != "1.001" {
		t.Fatalf("conversation Get = %+v, %v", c, err)
	}

	ts, err := NewTokenStore(rdb, prefix)
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.Save(ctx, "oa", zalo.TokenPair{AccessToken: "a", RefreshToken: "r", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatalf("TokenStore.Save: %v", err)
	}
	if p, err := ts.Load(ctx, "oa"); err != nil || p.RefreshToken != "r" {
		t.Fatalf("TokenStore.Load = %v, %v", p, err)
	}
	unlock, err := ts.Lock(ctx, "oa", 5*time.Second)
	if err != nil {
		t.Fatalf("TokenStore.Lock: %v", err)
	}
	if err := unlock(ctx); err != nil {
		t.Fatalf("unlock: %v", err)
	}

	acc, _ := NewAccounts(rdb, prefix)
	if _, err := acc.Put(ctx, RuntimeAccount{ID: "a", OAID: "1", AppID: "2"}); err != nil {
		t.Fatalf("Accounts.Put: %v", err)
	}
	if err := acc.SaveOAuthState(ctx, "s", OAuthState{Account: "a", Verifier: "v"}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := acc.TakeOAuthState(ctx, "s"); err != nil {
		t.Fatalf("TakeOAuthState: %v", err)
	}
	if err := acc.RecordTokenRefresh(ctx, "a", time.Now().Add(time.Hour), nil); err != nil {
		t.Fatalf("RecordTokenRefresh: %v", err)
	}
}

// A hung Redis (SIGSTOP) must not hold a caller past its context's deadline: go-redis
// ignores deadlines unless ContextTimeoutEnabled is set, and then waits for its own read
// timeout (3 s by default), which kept the webhook 5 s before its 503.
func TestOpenHonoursContextDeadline(t *testing.T) {
	srv := redistest.NewServer(t)
	c, err := Open(context.Background(), "redis://"+srv.Addr+"/0", OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	srv.Freeze()
	defer srv.Thaw()
	const deadline = 200 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	err = c.Set(ctx, "k", "v", 0).Err()
	took := time.Since(start)
	if err == nil {
		t.Fatal("a write to a frozen Redis succeeded")
	}
	// Generous for a loaded machine, far below go-redis's own 3 s read timeout.
	if took > deadline+1500*time.Millisecond {
		t.Errorf("a write with a %v deadline returned after %v (%v)", deadline, took, err)
	}
	t.Logf("frozen Redis: error after %v with a %v deadline", took.Round(time.Millisecond), deadline)
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct{ url, want string }{
		{"", "no url"},
		{"redis://user:s3cret@127.0.0.1:1/0?bogus_option=1", "redis url"},
		{"redis://user:s3cret@127.0.0.1:1/0", "redis:"}, // nothing listens on port 1
		{"redis://user:s3cret@127.0.0.1:1/0?master_name=m", "redis:"},
		{"redis://user:s3cret@127.0.0.1:1/0?cluster=true", "redis:"},
		{"redis://user:s3cret@[::1/0", "redis url"},
	} {
		_, err := Open(ctx, tt.url, OpenOptions{PingTimeout: 500 * time.Millisecond})
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%q) = %v, want an error with %q and without the password", redactForLog(tt.url), err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "unexpected option") && strings.Contains(tt.url, "master_name") {
			t.Errorf("Open(%q) refused a Sentinel URL: %v", redactForLog(tt.url), err)
		}
	}
}

func redactForLog(u string) string { return strings.ReplaceAll(u, "s3cret", "***") }
