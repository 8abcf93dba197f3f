// Package redistest gives tests a real Redis server and a key prefix of their own.
//
// New uses REDIS_URL when set; otherwise, if redis-server is on PATH, it starts a private
// server on a free port; otherwise it skips the test, or fails it when OABOT_REQUIRE_REDIS=1
// (CI sets it so a missing Redis can never turn into a silently green run).
package redistest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// New returns a client for a real Redis server and a key prefix unique to this test.
// Keys under the prefix are deleted when the test ends; the server itself is never flushed.
func New(t testing.TB) (*redis.Client, string) {
	t.Helper()
	url := os.Getenv("REDIS_URL")
	if url == "" {
		url = "redis://127.0.0.1:6379/0"
		if !reachable("127.0.0.1:6379") {
			url = "redis://" + StartServer(t) + "/0"
		}
	}
	rdb := connect(t, url)
	prefix := fmt.Sprintf("test:%x:", rand.Uint64())
	t.Cleanup(func() {
		deleteKeys(rdb, prefix)
		rdb.Close()
	})
	return rdb, prefix
}

// URL returns a Redis URL the test may use (REDIS_URL, the local default server, or a
// private one), for code that takes a URL rather than a client.
func URL(t testing.TB) string {
	t.Helper()
	if url := os.Getenv("REDIS_URL"); url != "" {
		return url
	}
	if reachable("127.0.0.1:6379") {
		return "redis://127.0.0.1:6379/0"
	}
	return "redis://" + StartServer(t) + "/0"
}

// Server is a private redis-server process that a test can stop and restart, to see what
// the code does during an outage.
type Server struct {
	Addr string
	t    testing.TB
	dir  string
	cmd  *exec.Cmd
}

// StartServer starts a private redis-server on a free loopback port and returns its
// address; it stops when the test ends.
func StartServer(t testing.TB) string {
	t.Helper()
	return NewServer(t).Addr
}

// NewServer starts a private redis-server that the test controls (Stop, Start).
func NewServer(t testing.TB) *Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		unavailable(t, "redis-server is not on PATH and REDIS_URL is not set")
	}
	s := &Server{t: t, dir: t.TempDir(), Addr: freeAddr(t)}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// Start (re)starts the server on its address and waits until it answers.
func (s *Server) Start() {
	s.t.Helper()
	_, port, _ := net.SplitHostPort(s.Addr)
	s.cmd = exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("redistest: start redis-server: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !reachable(s.Addr) {
		if time.Now().After(deadline) {
			s.t.Fatalf("redistest: redis-server on %s did not answer within 5s", s.Addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the server (as a crash would) and waits for it to exit.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Freeze stops the server's process (SIGSTOP): connections stay open and nothing answers,
// as with a hung host. Thaw resumes it; Stop also works on a frozen server.
func (s *Server) Freeze() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		s.t.Fatalf("redistest: freeze: %v", err)
	}
}

// Thaw resumes a frozen server (SIGCONT).
func (s *Server) Thaw() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		s.t.Fatalf("redistest: thaw: %v", err)
	}
}

func connect(t testing.TB, url string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("redistest: bad REDIS_URL %q: %v", url, err)
	}
	rdb := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var perr error
	for ctx.Err() == nil {
		if perr = rdb.Ping(ctx).Err(); perr == nil {
			return rdb
		}
		time.Sleep(50 * time.Millisecond)
	}
	rdb.Close()
	unavailable(t, fmt.Sprintf("Redis at %s does not answer: %v", opts.Addr, perr))
	return nil
}

// Forget deletes the keys under prefix on the server at url when the test ends, for code
// that opens its own client on a prefix the test chose (a whole service). Call it before
// starting that code: cleanups run last first, so the keys go after the code stopped. A
// server the test left stopped or frozen keeps them, and so do Sentinel and Cluster URLs:
// those are the test's own private servers, gone with it.
func Forget(t testing.TB, url, prefix string) {
	t.Helper()
	if prefix == "" {
		t.Fatal("redistest.Forget: an empty prefix would delete every key")
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		return
	}
	t.Cleanup(func() {
		opts.DialTimeout, opts.ReadTimeout, opts.MaxRetries = time.Second, time.Second, -1
		rdb := redis.NewClient(opts)
		defer rdb.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if rdb.Ping(ctx).Err() == nil {
			deleteKeys(rdb, prefix)
		}
	})
}

func deleteKeys(rdb *redis.Client, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			rdb.Unlink(ctx, batch...)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		rdb.Unlink(ctx, batch...)
	}
}

func unavailable(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("OABOT_REQUIRE_REDIS") == "1" {
		t.Fatalf("redistest: Redis required (OABOT_REQUIRE_REDIS=1) but %s", why)
	}
	t.Skipf("redistest: skipping: %s; set REDIS_URL or put redis-server on PATH", why)
}

func reachable(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("redistest: find a free port: %v", err)
	}
	defer l.Close()
	return "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// Sentinel starts a private master and one Redis Sentinel watching it (as "mymaster") and
// returns the URL that bot/redisstore.NewUniversalClient takes for it
// ("redis://127.0.0.1:<sentinel>/0?master_name=mymaster"). Both stop when the test ends.
func Sentinel(t testing.TB) string {
	t.Helper()
	master := NewServer(t)
	_, mport, _ := net.SplitHostPort(master.Addr)
	saddr := freeAddr(t)
	_, sport, _ := net.SplitHostPort(saddr)
	conf := filepath.Join(t.TempDir(), "sentinel.conf")
	body := fmt.Sprintf("port %s\nbind 127.0.0.1\nsentinel monitor mymaster 127.0.0.1 %s 1\n", sport, mport)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatalf("redistest: %v", err)
	}
	startProcess(t, saddr, conf, "--sentinel")
	return "redis://" + saddr + "/0?master_name=mymaster"
}

// Cluster starts a three-node Redis Cluster (no replicas) on loopback, waits until every
// slot is served, and returns the URL that bot/redisstore.NewUniversalClient takes for it
// ("redis://a?cluster=true&addr=b&addr=c"). It needs redis-cli; the nodes stop when the
// test ends.
func Cluster(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("redis-cli"); err != nil {
		unavailable(t, "redis-cli is not on PATH (Debian package redis-tools)")
	}
	var addrs []string
	for range 3 {
		addr := freeAddr(t)
		_, port, _ := net.SplitHostPort(addr)
		startProcess(t, addr, "--port", port, "--bind", "127.0.0.1", "--cluster-enabled", "yes",
			"--cluster-config-file", "nodes.conf", "--save", "", "--appendonly", "no")
		addrs = append(addrs, addr)
	}
	args := append(append([]string{"--cluster", "create"}, addrs...), "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command("redis-cli", args...).CombinedOutput(); err != nil {
		t.Fatalf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	_, port0, _ := net.SplitHostPort(addrs[0])
	for deadline := time.Now().Add(10 * time.Second); ; {
		out, _ := exec.Command("redis-cli", "-h", "127.0.0.1", "-p", port0, "cluster", "info").Output()
		if strings.Contains(string(out), "cluster_state:ok") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("redistest: cluster not ok after 10s:\n%s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return "redis://" + addrs[0] + "?cluster=true&addr=" + addrs[1] + "&addr=" + addrs[2]
}

// startProcess runs redis-server with args (in its own temporary directory) until the test
// ends and waits until it answers on addr.
func startProcess(t testing.TB, addr string, args ...string) {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		unavailable(t, "redis-server is not on PATH")
	}
	cmd := exec.Command("redis-server", args...)
	cmd.Dir = t.TempDir()
	if err := cmd.Start(); err != nil {
		t.Fatalf("redistest: start redis-server: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(5 * time.Second); !reachable(addr); {
		if time.Now().After(deadline) {
			t.Fatalf("redistest: redis-server on %s did not answer within 5s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
