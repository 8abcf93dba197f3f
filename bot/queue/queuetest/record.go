package queuetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oabot/oabot/bot/queue"
)

// ev is event seq of citizen user on OA oa. Users are unique across OAs in every subtest,
// so the user alone names a conversation; Raw carries "user/seq" for the recorder.
func ev(oa, user string, seq int) queue.Job {
	return queue.Job{Account: "acc-" + oa, OAID: oa, UserID: user, EventName: "user_send_text",
		DedupeKey: fmt.Sprintf("%s-%d", user, seq), Raw: []byte(fmt.Sprintf("%s/%d", user, seq))}
}

func parse(j queue.Job) (user string, seq int) {
	user, s, _ := strings.Cut(string(j.Raw), "/")
	seq, err := strconv.Atoi(s)
	if err != nil {
		return string(j.Raw), -1
	}
	return user, seq
}

func mustEnqueue(t *testing.T, q queue.Enqueuer, jobs ...queue.Job) {
	t.Helper()
	for _, j := range jobs {
		if ok, err := q.Enqueue(context.Background(), j); !ok || err != nil {
			t.Fatalf("Enqueue(%s) = %v, %v; want true, nil", j.Raw, ok, err)
		}
	}
}

// waitFor polls cond every 10 ms until it holds, failing the test after Deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(Deadline)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", Deadline, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// start runs q.Run(h) until stop is called or the test ends; stop returns once Run did.
func start(t *testing.T, q queue.Queue, h queue.Handler) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.Run(ctx, h) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(Deadline):
				t.Errorf("Run did not return within %v of its context's end", Deadline)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// call is one delivery of an event to the recorder.
type call struct {
	user string
	seq  int
	at   time.Time // when the handler was entered
	err  error
}

var errPanicked = errors.New("handler panicked")

// recorder is a Handler that plays each event's scripted behaviour (nil: success) and
// records every call. It flags a call that starts while an earlier call of the same
// conversation is still running: the order promise includes "one at a time".
type recorder struct {
	// behave returns the outcome of call n (from 1) of the event; it may block or panic.
	behave func(ctx context.Context, user string, seq, n int) error
	// work, when set, makes each call take a moment so that workers overlap.
	work time.Duration

	mu         sync.Mutex
	calls      []call
	n          map[string]int // "user/seq" → calls begun
	active     map[string]int // user → calls running
	running    int
	maxRunning int
	overlaps   []string
}

func (r *recorder) HandleJob(ctx context.Context, j queue.Job) (err error) {
	user, seq := parse(j)
	at := time.Now()
	r.mu.Lock()
	if r.n == nil {
		r.n, r.active = map[string]int{}, map[string]int{}
	}
	if r.active[user] > 0 {
		r.overlaps = append(r.overlaps, string(j.Raw))
	}
	r.active[user]++
	r.running++
	r.maxRunning = max(r.maxRunning, r.running)
	r.n[string(j.Raw)]++
	n := r.n[string(j.Raw)]
	r.mu.Unlock()
	returned := false
	defer func() {
		if !returned {
			err = errPanicked // recorded as a failure; the panic goes on to the queue
		}
		r.mu.Lock()
		r.active[user]--
		r.running--
		r.calls = append(r.calls, call{user: user, seq: seq, at: at, err: err})
		r.mu.Unlock()
	}()
	if r.work > 0 {
		time.Sleep(r.work) // the handler's own work, so that other workers overlap it
	}
	if r.behave != nil {
		err = r.behave(ctx, user, seq, n)
	}
	returned = true
	return err
}

// begun returns how many calls of user/seq have started.
func (r *recorder) begun(user string, seq int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n[fmt.Sprintf("%s/%d", user, seq)]
}

// handled returns the seqs of user handled successfully, in the order handled.
func (r *recorder) handled(user string) []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int
	for _, c := range r.calls {
		if c.user == user && c.err == nil {
			out = append(out, c.seq)
		}
	}
	return out
}

// successes returns the number of successful calls.
func (r *recorder) successes() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.calls {
		if c.err == nil {
			n++
		}
	}
	return n
}

// callsOf returns the finished calls of user/seq, in order.
func (r *recorder) callsOf(user string, seq int) []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []call
	for _, c := range r.calls {
		if c.user == user && c.seq == seq {
			out = append(out, c)
		}
	}
	return out
}

// checkOrder checks every conversation's calls: one at a time, seqs never going back,
// and no call of an event after it succeeded (so nothing is delivered twice).
func (r *recorder) checkOrder(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.overlaps) > 0 {
		t.Errorf("delivered while an earlier event of the same conversation was in flight: %v", r.overlaps)
	}
	last := map[string]call{}
	for _, c := range r.calls {
		if p, ok := last[c.user]; ok {
			switch {
			case c.seq < p.seq:
				t.Errorf("conversation %s: event %d delivered after event %d", c.user, c.seq, p.seq)
			case c.seq == p.seq && p.err == nil:
				t.Errorf("conversation %s: event %d delivered again after it was handled", c.user, c.seq)
			}
		}
		last[c.user] = c
	}
}

// wantHandled checks that user's events were handled exactly as want, in that order.
func (r *recorder) wantHandled(t *testing.T, user string, want ...int) {
	t.Helper()
	if got := r.handled(user); !slices.Equal(got, want) {
		t.Errorf("conversation %s handled %v, want %v", user, got, want)
	}
}

// observed is one Observer.JobDone call.
type observed struct {
	key  string // DedupeKey
	err  error
	dead bool
	at   time.Time
}

// observer records what the queue reports to its Observer.
type observer struct {
	mu   sync.Mutex
	seen []observed
}

func (o *observer) JobDone(j queue.Job, err error, dead bool, _ time.Duration) {
	o.mu.Lock()
	o.seen = append(o.seen, observed{key: j.DedupeKey, err: err, dead: dead, at: time.Now()})
	o.mu.Unlock()
}

// of returns the observations of one job, in order.
func (o *observer) of(key string) []observed {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []observed
	for _, s := range o.seen {
		if s.key == key {
			out = append(out, s)
		}
	}
	return out
}

// dead returns the keys of the jobs reported dead, in order.
func (o *observer) dead() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, s := range o.seen {
		if s.dead {
			out = append(out, s.key)
		}
	}
	return out
}

// wantBacklog waits until q's backlog is n. A queue may count an event twice for an
// instant while it moves it (say from the stream to a park list), hence a wait.
func wantBacklog(t *testing.T, q Queue, n int64) {
	t.Helper()
	deadline := time.Now().Add(Deadline)
	for {
		got, err := q.Backlog(context.Background())
		if err == nil && got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Backlog = %d, %v for %v; want %d", got, err, Deadline, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// deadKeys returns the dedupe keys of q's dead jobs, sorted, and their Attempt by key.
func deadKeys(t *testing.T, q Queue) ([]string, map[string]int) {
	t.Helper()
	jobs, err := q.DeadJobs(context.Background())
	if err != nil {
		t.Fatalf("DeadJobs: %v", err)
	}
	var keys []string
	attempts := map[string]int{}
	for _, j := range jobs {
		keys = append(keys, j.DedupeKey)
		attempts[j.DedupeKey] = j.Attempt
	}
	slices.Sort(keys)
	return keys, attempts
}
