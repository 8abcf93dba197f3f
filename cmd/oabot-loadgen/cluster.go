package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oabot/oabot/bot/redisstore"
	"github.com/oabot/oabot/zalo/zalotest"
)

// appID is the one Zalo app every generated OA belongs to (one webhook URL per app,
// zalo-oa.md §1.1).
const appID = "3608465248940903967"

// account is one generated OA.
type account struct {
	ID, OAID, Secret string
}

// cluster is everything the benchmark starts: Redis, the fake Zalo API and the replicas.
type cluster struct {
	o        options
	dir      string
	redisURL string
	prefix   string
	redisCmd *exec.Cmd
	rdb      *redis.Client
	fake     *zalotest.Server
	fakeSrv  *http.Server
	fakeURL  string
	accounts []account
	replicas []*replica
	log      io.Writer
}

// replica is one `oabot serve` process.
type replica struct {
	idx     int
	addr    string
	cmd     *exec.Cmd
	alive   atomic.Bool
	exited  chan struct{}
	cpuMu   sync.Mutex
	cpuLast float64 // seconds of user+system CPU at the last sample
	cpuBase float64 // at the start of the load
	acked   atomic.Int64
}

// startCluster builds and starts everything; close stops it.
func startCluster(ctx context.Context, o options, log io.Writer) (*cluster, error) {
	c := &cluster{o: o, log: log, dir: o.WorkDir, prefix: fmt.Sprintf("loadgen:%d:", time.Now().UnixNano())}
	if c.dir == "" {
		d, err := os.MkdirTemp("", "oabot-loadgen-")
		if err != nil {
			return nil, err
		}
		c.dir = d
	} else if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return nil, err
	}
	steps := []func(context.Context) error{c.buildBinary, c.startRedis, c.startFake, c.writeConfig, c.startReplicas}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			c.close()
			return nil, err
		}
	}
	return c, nil
}

func (c *cluster) logf(format string, args ...any) {
	fmt.Fprintf(c.log, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05.000")}, args...)...)
}

// buildBinary builds oabot from the module this command belongs to, unless -oabot names one.
func (c *cluster) buildBinary(ctx context.Context) error {
	if c.o.Binary != "" {
		return nil
	}
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil || len(bytes.TrimSpace(out)) == 0 {
		return fmt.Errorf("find the module root (go env GOMOD): %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(out)))
	c.o.Binary = filepath.Join(c.dir, "oabot")
	c.logf("building %s", c.o.Binary)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", c.o.Binary, "./cmd/oabot")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/oabot: %v\n%s", err, out)
	}
	return nil
}

// startRedis starts a private redis-server with AOF on (as deploy/ runs it), unless
// -redis-url names one.
func (c *cluster) startRedis(ctx context.Context) error {
	if c.o.RedisURL != "" {
		c.redisURL = c.o.RedisURL
	} else {
		port, err := freePort()
		if err != nil {
			return err
		}
		c.redisCmd = exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--dir", c.dir)
		if err := c.redisCmd.Start(); err != nil {
			return fmt.Errorf("start redis-server: %w", err)
		}
		c.redisURL = fmt.Sprintf("redis://127.0.0.1:%d/0", port)
	}
	opts, err := redis.ParseURL(c.redisURL)
	if err != nil {
		return fmt.Errorf("redis url: %w", err)
	}
	c.rdb = redis.NewClient(opts)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if err := c.rdb.Ping(ctx).Err(); err == nil {
			return nil
		} else if time.Now().After(deadline) {
			return fmt.Errorf("redis at %s does not answer: %w", opts.Addr, err)
		}
	}
}

// startFake serves the fake Zalo API on loopback with every OA registered under one app.
func (c *cluster) startFake(context.Context) error {
	c.fake = zalotest.New()
	c.fake.AddApp(appID, "loadgen-app-secret")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	c.fakeURL = "http://" + ln.Addr().String()
	c.fakeSrv = &http.Server{Handler: c.fake, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = c.fakeSrv.Serve(ln) }()
	for i := range c.o.OAs {
		c.accounts = append(c.accounts, account{
			ID:     fmt.Sprintf("oa-%04d", i+1),
			OAID:   fmt.Sprintf("40%017d", i+1),
			Secret: fmt.Sprintf("oa-secret-%04d", i+1),
		})
	}
	return nil
}

// writeConfig writes the generated config (one account per OA) and the replicas' env.
func (c *cluster) writeConfig(context.Context) error {
	var b strings.Builder
	fmt.Fprintf(&b, "http: {addr: \"127.0.0.1:8080\", public_base_url: \"http://127.0.0.1:8080\"}\n")
	fmt.Fprintf(&b, "redis: {url: %q, key_prefix: %q}\n", c.redisURL, c.prefix)
	fmt.Fprintf(&b, "zalo: {api_base: %q, oauth_base: %q}\n", c.fakeURL, c.fakeURL)
	fmt.Fprintf(&b, "log: {level: %q, format: json}\n", c.o.LogLevel)
	fmt.Fprintf(&b, "queue: {partitions: %d, claim_idle: %s, lease_ttl: %s}\n", c.o.Partitions, c.o.ClaimIdle, c.o.LeaseTTL)
	b.WriteString("accounts:\n")
	for i, a := range c.accounts {
		fmt.Fprintf(&b, "  - {id: %s, name: \"Công an phường %d\", oa_id: \"%s\", app_id: \"%s\", oa_secret_key_env: LG_OA_%04d_SECRET, app_secret_key_env: LG_APP_SECRET, access_token_env: LG_OA_%04d_ACCESS, refresh_token_env: LG_OA_%04d_REFRESH}\n",
			a.ID, i+1, a.OAID, appID, i+1, i+1, i+1)
	}
	return os.WriteFile(filepath.Join(c.dir, "config.yaml"), []byte(b.String()), 0o600)
}

func (c *cluster) env() []string {
	env := append(os.Environ(), "LG_APP_SECRET=loadgen-app-secret")
	for i, a := range c.accounts {
		pair := c.fake.IssuePair(appID, a.OAID)
		env = append(env,
			fmt.Sprintf("LG_OA_%04d_SECRET=%s", i+1, a.Secret),
			fmt.Sprintf("LG_OA_%04d_ACCESS=%s", i+1, pair.AccessToken),
			fmt.Sprintf("LG_OA_%04d_REFRESH=%s", i+1, pair.RefreshToken))
	}
	return env
}

// startReplicas starts every replica and waits until each answers /readyz.
func (c *cluster) startReplicas(ctx context.Context) error {
	env := c.env()
	for i := range c.o.Replicas {
		port, err := freePort()
		if err != nil {
			return err
		}
		r := &replica{idx: i, addr: fmt.Sprintf("127.0.0.1:%d", port), exited: make(chan struct{})}
		logf, err := os.Create(filepath.Join(c.dir, fmt.Sprintf("replica-%d.log", i+1)))
		if err != nil {
			return err
		}
		r.cmd = exec.Command(c.o.Binary, "serve", "--config", filepath.Join(c.dir, "config.yaml"), "--addr", r.addr)
		r.cmd.Env, r.cmd.Stdout, r.cmd.Stderr = env, logf, logf
		if err := r.cmd.Start(); err != nil {
			logf.Close()
			return fmt.Errorf("start replica %d: %w", i+1, err)
		}
		r.alive.Store(true)
		go func() {
			_ = r.cmd.Wait()
			r.alive.Store(false)
			logf.Close()
			close(r.exited)
		}()
		c.replicas = append(c.replicas, r)
	}
	for _, r := range c.replicas {
		if err := waitReady(ctx, r, 60*time.Second); err != nil {
			return fmt.Errorf("replica %d (log %s): %w", r.idx+1, filepath.Join(c.dir, fmt.Sprintf("replica-%d.log", r.idx+1)), err)
		}
	}
	c.logf("%d replicas ready, redis %s, fake Zalo %s, %d OAs", len(c.replicas), c.redisURL, c.fakeURL, len(c.accounts))
	c.waitBalanced(ctx)
	return nil
}

// waitBalanced waits until every queue partition is leased and the leases are spread
// evenly over the replicas (they rebalance after start), so that stopping one replica
// really takes partitions away. It reads the lease keys the queue keeps
// (<prefix>q:lease:<n>, see deploy/redis-ha.md).
func (c *cluster) waitBalanced(ctx context.Context) {
	keys := make([]string, c.o.Partitions)
	for p := range keys {
		keys[p] = redisstore.Keyspace(c.prefix).Key("q", "lease", strconv.Itoa(p))
	}
	deadline := time.Now().Add(4*c.o.LeaseTTL + 10*time.Second)
	var owners map[string]int
	for time.Now().Before(deadline) && ctx.Err() == nil {
		vals, err := c.rdb.MGet(ctx, keys...).Result()
		if err == nil {
			owners = map[string]int{}
			for _, v := range vals {
				if s, ok := v.(string); ok {
					owners[s]++
				}
			}
			lo, hi, total := c.o.Partitions, 0, 0
			for _, n := range owners {
				lo, hi, total = min(lo, n), max(hi, n), total+n
			}
			if total == c.o.Partitions && len(owners) == len(c.replicas) && hi-lo <= 1 {
				c.logf("partitions balanced over %d replicas", len(owners))
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	c.logf("partitions not balanced before the load starts: %v", owners)
}

func waitReady(ctx context.Context, r *replica, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		resp, err := http.Get("http://" + r.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-r.exited:
			return errors.New("exited before it was ready")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %s", timeout)
		}
	}
}

// stop sends sig to a replica (after a last CPU sample).
func (c *cluster) stop(r *replica, sig syscall.Signal) {
	r.sampleCPU()
	r.alive.Store(false)
	_ = r.cmd.Process.Signal(sig)
}

// sampleCPU records the replica's user+system CPU seconds from /proc/<pid>/stat.
func (r *replica) sampleCPU() {
	s, err := procCPU(r.cmd.Process.Pid)
	if err != nil {
		return // exited: keep the last sample
	}
	r.cpuMu.Lock()
	r.cpuLast = s
	r.cpuMu.Unlock()
}

func (r *replica) cpuUsed() float64 {
	r.cpuMu.Lock()
	defer r.cpuMu.Unlock()
	return r.cpuLast - r.cpuBase
}

func (r *replica) markCPUBase() {
	r.sampleCPU()
	r.cpuMu.Lock()
	r.cpuBase = r.cpuLast
	r.cpuMu.Unlock()
}

// procCPU reads utime+stime (fields 14 and 15 of /proc/<pid>/stat) in seconds. Linux
// reports them in USER_HZ, which is 100 on every common architecture.
func procCPU(pid int) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; fields after it start at the last ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, errors.New("bad /proc stat")
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("bad /proc stat numbers")
	}
	const userHZ = 100
	return (ut + st) / userHZ, nil
}

// sampleLoop samples every live replica's CPU until ctx ends.
func (c *cluster) sampleLoop(ctx context.Context) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		for _, r := range c.replicas {
			if r.alive.Load() {
				r.sampleCPU()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// redisCPU returns Redis' used_cpu_sys + used_cpu_user in seconds.
func (c *cluster) redisCPU(ctx context.Context) float64 {
	info, err := c.rdb.Info(ctx, "cpu").Result()
	if err != nil {
		return 0
	}
	return infoField(info, "used_cpu_sys") + infoField(info, "used_cpu_user")
}

func (c *cluster) redisMemory(ctx context.Context) float64 {
	info, err := c.rdb.Info(ctx, "memory").Result()
	if err != nil {
		return 0
	}
	return infoField(info, "used_memory")
}

func infoField(info, name string) float64 {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}

// close stops the replicas (SIGTERM, then SIGKILL), Redis and the fake, and removes the
// work directory unless -keep or -dir.
func (c *cluster) close() {
	for _, r := range c.replicas {
		if r.cmd.Process != nil {
			_ = r.cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	for _, r := range c.replicas {
		select {
		case <-r.exited:
		case <-time.After(20 * time.Second):
			_ = r.cmd.Process.Kill()
			<-r.exited
		}
	}
	if c.fakeSrv != nil {
		_ = c.fakeSrv.Close()
	}
	if c.rdb != nil {
		if c.redisCmd == nil {
			c.deletePrefix()
		}
		_ = c.rdb.Close()
	}
	if c.redisCmd != nil && c.redisCmd.Process != nil {
		_ = c.redisCmd.Process.Kill()
		_ = c.redisCmd.Wait()
	}
	if !c.o.Keep && c.o.WorkDir == "" {
		_ = os.RemoveAll(c.dir)
	}
}

// deletePrefix removes this run's keys from a shared Redis (never FLUSHDB).
func (c *cluster) deletePrefix() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	iter := c.rdb.Scan(ctx, 0, c.prefix+"*", 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		if batch = append(batch, iter.Val()); len(batch) == 1000 {
			c.rdb.Unlink(ctx, batch...)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		c.rdb.Unlink(ctx, batch...)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
