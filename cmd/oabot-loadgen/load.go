package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/oabot/oabot/bot/redisstore"
	"github.com/oabot/oabot/zalo"
	"github.com/oabot/oabot/zalo/zalotest"
)

// queries are what the simulated citizens ask (the bot answers each with a card, a list
// or a question; the number of messages per answer depends on the query only).
var queries = []string{
	"làm căn cước công dân cần giấy tờ gì",
	"cấp lại căn cước bị mất",
	"đăng ký thường trú",
	"xin lý lịch tư pháp",
	"đăng ký khai sinh cho con",
	"lệ phí đổi căn cước",
	"đăng ký tạm trú ở đâu",
	"xin chào",
}

// event is one simulated citizen message and what happened to it.
type event struct {
	oa       int
	user     string
	query    int
	created  time.Time     // first delivery attempt
	ack      time.Duration // latency of the webhook request answered 200
	attempts int           // webhook deliveries (> 1: retried like Zalo would)
	acked    bool
}

// capture collects the fake Zalo API's accepted messages by conversation.
type capture struct {
	mu      sync.Mutex
	replies map[string][]time.Time // oaID + "/" + userID → send times
}

func (c *capture) add(s zalotest.Sent) {
	c.mu.Lock()
	c.replies[s.OAID+"/"+s.UserID] = append(c.replies[s.OAID+"/"+s.UserID], s.At)
	c.mu.Unlock()
}

func (c *capture) conversations() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.replies)
}

// Benchmark runs one scale-out benchmark and returns its report.
func Benchmark(ctx context.Context, o options, log io.Writer) (*Report, error) {
	cl, err := startCluster(ctx, o, log)
	if err != nil {
		return nil, err
	}
	defer cl.close()
	capt := &capture{replies: map[string][]time.Time{}}
	cl.fake.OnSend(capt.add)

	events := makeEvents(o)
	sctx, stopSampling := context.WithCancel(ctx)
	defer stopSampling()
	for _, r := range cl.replicas {
		r.markCPUBase()
	}
	go cl.sampleLoop(sctx)
	memBefore, redisCPUBefore := cl.redisMemory(ctx), cl.redisCPU(ctx)

	start := time.Now()
	killed := -1
	var sent atomic.Int64
	killAt := int64(float64(len(events)) * o.KillAt)
	onSent := func(n int64) {
		if o.Kill && n == killAt {
			victim := cl.replicas[len(cl.replicas)-1]
			sig := syscall.SIGKILL
			if o.KillSignal == "TERM" {
				sig = syscall.SIGTERM
			}
			cl.logf("stopping replica %d with SIG%s after %d events", victim.idx+1, o.KillSignal, n)
			cl.stop(victim, sig)
			killed = victim.idx
		}
	}
	sender := newSender(cl, o)
	sender.send(ctx, events, &sent, onSent)
	sendDone := time.Now()
	cl.logf("sent %d events in %s; waiting for replies", len(events), sendDone.Sub(start).Round(time.Millisecond))

	settled := cl.waitSettled(ctx, capt, len(events), o)
	stopSampling()
	for _, r := range cl.replicas {
		if r.alive.Load() {
			r.sampleCPU()
		}
	}
	rep := buildReport(o, cl, events, capt, start, sendDone, settled, killed)
	rep.Webhook200, rep.Webhook503 = sender.status200.Load(), sender.status503.Load()
	rep.WebhookOther, rep.NetworkErrors = sender.statusOther.Load(), sender.netErrors.Load()
	rep.RedisCPUSeconds = cl.redisCPU(ctx) - redisCPUBefore
	rep.RedisBytesPerConversationAll = (cl.redisMemory(ctx) - memBefore) / float64(len(events))
	rep.RedisBytesPerConversationState = cl.convBytes(ctx, events)
	return rep, nil
}

// makeEvents draws o.Events distinct conversations from OAs × citizens: index k maps to
// (k·step + offset) mod N with step coprime to N, a permutation, so no conversation gets
// two events and replies map to events one to one.
func makeEvents(o options) []*event {
	n := o.OAs * o.Citizens
	step := n/2 + 1
	for gcd(step, n) != 1 {
		step++
	}
	events := make([]*event, o.Events)
	for k := range events {
		c := (k*step + 7) % n
		oa, citizen := c%o.OAs, c/o.OAs
		events[k] = &event{oa: oa, user: fmt.Sprintf("7%018d", oa*1_000_000+citizen), query: k % len(queries)}
	}
	return events
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// sender plays Zalo's webhook delivery through a round-robin load balancer: a request that
// fails (connection refused, 5xx, timeout) is delivered again to the next live replica,
// as Zalo's retries would (zalo-oa.md §1.2), only sooner.
type sender struct {
	cl     *cluster
	o      options
	client *http.Client
	rr     atomic.Uint64
	// Outcome counters.
	status200, status503, statusOther, netErrors atomic.Int64
}

func newSender(cl *cluster, o options) *sender {
	tr := &http.Transport{MaxIdleConns: o.Concurrency * 2, MaxIdleConnsPerHost: o.Concurrency, IdleConnTimeout: 30 * time.Second}
	return &sender{cl: cl, o: o, client: &http.Client{Transport: tr, Timeout: 5 * time.Second}}
}

func (s *sender) send(ctx context.Context, events []*event, sent *atomic.Int64, onSent func(int64)) {
	work := make(chan *event)
	var wg sync.WaitGroup
	for range s.o.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ev := range work {
				s.deliver(ctx, ev)
			}
		}()
	}
	var tick <-chan time.Time
	if s.o.Rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / s.o.Rate))
		defer t.Stop()
		tick = t.C
	}
	for _, ev := range events {
		if tick != nil {
			<-tick
		}
		select {
		case work <- ev:
		case <-ctx.Done():
		}
		onSent(sent.Add(1))
	}
	close(work)
	wg.Wait()
}

// deliver posts one event until a replica answers 200.
func (s *sender) deliver(ctx context.Context, ev *event) {
	a := s.cl.accounts[ev.oa]
	ev.created = time.Now()
	ts := strconv.FormatInt(ev.created.UnixMilli(), 10)
	body, _ := json.Marshal(map[string]any{
		"app_id": appID, "user_id_by_app": "9" + ev.user[1:], "event_name": "user_send_text", "timestamp": ts,
		"sender": map[string]string{"id": ev.user}, "recipient": map[string]string{"id": a.OAID},
		"message": map[string]string{"msg_id": fmt.Sprintf("lg%x%s", ev.created.UnixNano(), ev.user[10:]), "text": queries[ev.query]},
	})
	sig := zalo.Sign(appID, body, ts, a.Secret)
	for ctx.Err() == nil && ev.attempts < 50 {
		r := s.pick()
		if r == nil {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		ev.attempts++
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+r.addr+"/webhook", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-ZEvent-Signature", sig)
		t0 := time.Now()
		resp, err := s.client.Do(req)
		if err != nil {
			s.netErrors.Add(1)
			time.Sleep(20 * time.Millisecond)
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
			ev.ack, ev.acked = time.Since(t0), true
			s.status200.Add(1)
			r.acked.Add(1)
			return
		case http.StatusServiceUnavailable:
			s.status503.Add(1)
		default:
			s.statusOther.Add(1)
			return // 4xx: a bug in the generator or the service; counted as lost
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pick returns the next live replica, round robin; nil when none is alive.
func (s *sender) pick() *replica {
	n := len(s.cl.replicas)
	for range n {
		r := s.cl.replicas[int(s.rr.Add(1))%n]
		if r.alive.Load() {
			return r
		}
	}
	return nil
}

// waitSettled waits until every conversation got an answer and the queue is empty, then a
// little longer (claim idle + lease) so that a late redelivery would show as a duplicate.
// It returns when the last reply arrived as far as it knows.
func (cl *cluster) waitSettled(ctx context.Context, capt *capture, want int, o options) time.Time {
	q, err := redisstore.NewQueue(cl.rdb, redisstore.QueueOptions{Prefix: cl.prefix, Partitions: o.Partitions})
	if err != nil {
		return time.Now()
	}
	deadline := time.Now().Add(o.Drain)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if capt.conversations() >= want && queueEmpty(ctx, q) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	settled := time.Now()
	grace := o.ClaimIdle + o.LeaseTTL + 2*time.Second
	cl.logf("all answered or deadline; watching %s more for late duplicates", grace)
	select {
	case <-time.After(grace):
	case <-ctx.Done():
	}
	return settled
}

func queueEmpty(ctx context.Context, q *redisstore.Queue) bool {
	stats, err := q.Stats(ctx)
	if err != nil {
		return false
	}
	for _, s := range stats {
		if s.Lag > 0 || s.Pending > 0 {
			return false
		}
	}
	return true
}

// convBytes averages MEMORY USAGE over the stored conversations of a sample of events.
func (cl *cluster) convBytes(ctx context.Context, events []*event) float64 {
	keys := redisstore.Keyspace(cl.prefix)
	var total, n float64
	for i := 0; i < len(events) && n < 2000; i += max(1, len(events)/2000) {
		ev := events[i]
		b, err := cl.rdb.MemoryUsage(ctx, keys.Key("conv", cl.accounts[ev.oa].OAID, ev.user)).Result()
		if err == nil && b > 0 {
			total += float64(b)
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return total / n
}
