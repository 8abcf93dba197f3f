package broadcast_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/oabot/oabot/bot/broadcast"
	"github.com/oabot/oabot/bot/redisstore"
	"github.com/oabot/oabot/bot/redisstore/redistest"
	"github.com/oabot/oabot/zalo"
)

// fakeZalo is an httptest Zalo API: consultation sends, the follower list and article
// broadcasts. It answers the way Zalo does (HTTP 200, "error" in the body) and records every
// request it received and every message it accepted.
type fakeZalo struct {
	mu sync.Mutex
	// codes: user → error code returned on every send (e.g. -230).
	codes map[string]int
	// failFirst: user → number of -32 answers before accepting.
	failFirst map[string]int
	// followers served by getlist.
	followers []string
	// failListAt makes getlist fail once at this offset (-32); -1 for never.
	failListAt int

	requests  []time.Time         // every send request, accepted or not
	attempts  map[string]int      // user → send requests
	accepted  map[string][]string // user → message ids accepted
	texts     map[string][]string // user → texts accepted (to check the report has none)
	articles  []string
	listCalls int
}

func newFakeZalo() *fakeZalo {
	return &fakeZalo{
		codes: map[string]int{}, failFirst: map[string]int{}, failListAt: -1,
		attempts: map[string]int{}, accepted: map[string][]string{}, texts: map[string][]string{},
	}
}

func (f *fakeZalo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("access_token") == "" {
		writeJSON(w, map[string]any{"error": -216, "message": "Access token is invalid"})
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v3.0/oa/message/cs":
		f.send(w, r)
	case r.Method == http.MethodPost && r.URL.Path == "/v2.0/oa/message":
		f.article(w, r)
	case r.Method == http.MethodGet && r.URL.Path == "/v3.0/oa/user/getlist":
		f.list(w, r)
	default:
		writeJSON(w, map[string]any{"error": -209, "message": "Not supported this api"})
	}
}

func (f *fakeZalo) send(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Recipient struct {
			UserID string `json:"user_id"`
		} `json:"recipient"`
		Message struct {
			Text string `json:"text"`
		} `json:"message"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Recipient.UserID == "" {
		writeJSON(w, map[string]any{"error": -201, "message": "recipient is invalid!"})
		return
	}
	u := body.Recipient.UserID
	f.mu.Lock()
	f.requests = append(f.requests, time.Now())
	f.attempts[u]++
	if code := f.codes[u]; code != 0 {
		f.mu.Unlock()
		writeJSON(w, map[string]any{"error": code, "message": "refused"})
		return
	}
	if f.failFirst[u] > 0 {
		f.failFirst[u]--
		f.mu.Unlock()
		writeJSON(w, map[string]any{"error": -32, "message": "reached limit call api"})
		return
	}
	id := randomID()
	f.accepted[u] = append(f.accepted[u], id)
	f.texts[u] = append(f.texts[u], body.Message.Text)
	f.mu.Unlock()
	writeJSON(w, map[string]any{"error": 0, "message": "Success", "data": map[string]any{"message_id": id, "user_id": u}})
}

func (f *fakeZalo) article(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Recipient struct {
			Target json.RawMessage `json:"target"`
		} `json:"recipient"`
		Message struct {
			Attachment struct {
				Payload struct {
					Elements []struct {
						MediaType    string `json:"media_type"`
						AttachmentID string `json:"attachment_id"`
					} `json:"elements"`
				} `json:"payload"`
			} `json:"attachment"`
		} `json:"message"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Recipient.Target == nil ||
		len(body.Message.Attachment.Payload.Elements) != 1 || body.Message.Attachment.Payload.Elements[0].MediaType != "article" {
		writeJSON(w, map[string]any{"error": -201, "message": "message is invalid!"})
		return
	}
	f.mu.Lock()
	f.articles = append(f.articles, body.Message.Attachment.Payload.Elements[0].AttachmentID)
	f.mu.Unlock()
	writeJSON(w, map[string]any{"error": 0, "message": "Success", "data": map[string]any{"message_id": randomID()}})
}

func (f *fakeZalo) list(w http.ResponseWriter, r *http.Request) {
	var q struct {
		Offset int `json:"offset"`
		Count  int `json:"count"`
	}
	if err := json.Unmarshal([]byte(r.URL.Query().Get("data")), &q); err != nil || q.Count < 1 || q.Count > 50 {
		writeJSON(w, map[string]any{"error": -201, "message": "count is invalid!"})
		return
	}
	f.mu.Lock()
	f.listCalls++
	if q.Offset == f.failListAt {
		f.failListAt = -1
		f.mu.Unlock()
		writeJSON(w, map[string]any{"error": -32, "message": "reached limit call api"})
		return
	}
	end := min(q.Offset+q.Count, len(f.followers))
	var users []map[string]string
	for _, u := range f.followers[min(q.Offset, end):end] {
		users = append(users, map[string]string{"user_id": u})
	}
	total := len(f.followers)
	f.mu.Unlock()
	writeJSON(w, map[string]any{"error": 0, "message": "Success",
		"data": map[string]any{"total": total, "count": len(users), "offset": q.Offset, "users": users}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func randomID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// maxPerWindow is the largest number of requests in any window of length d.
func (f *fakeZalo) maxPerWindow(d time.Duration) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	best, j := 0, 0
	for i := range f.requests {
		for f.requests[i].Sub(f.requests[j]) >= d {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

// env is one test's Redis stores, fake Zalo and accounts.
type env struct {
	prefix    string
	zalo      *fakeZalo
	followers *redisstore.FollowerRegistry
	store     *redisstore.CampaignStore
	accounts  map[string]broadcast.Account
	client    *zalo.Client
	newLimit  func(perSecond float64) broadcast.Limiter
}

func newEnv(t testing.TB) *env {
	t.Helper()
	rdb, prefix := redistest.New(t)
	fz := newFakeZalo()
	srv := httptest.NewServer(fz)
	t.Cleanup(srv.Close)
	client, err := zalo.NewClient(zalo.WithAPIBase(srv.URL), zalo.WithAccessToken("test-token"),
		zalo.WithRetry(zalo.RetryPolicy{MaxAttempts: 1}), zalo.WithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := redisstore.NewFollowerRegistry(rdb, prefix)
	if err != nil {
		t.Fatal(err)
	}
	st, err := redisstore.NewCampaignStore(rdb, prefix)
	if err != nil {
		t.Fatal(err)
	}
	z := broadcast.ZaloAdapter{Client: client}
	e := &env{prefix: prefix, zalo: fz, followers: reg, store: st, client: client,
		accounts: map[string]broadcast.Account{
			"ca-q1": {ID: "ca-q1", OAID: "oa1", Sender: z, Article: z, Verified: true, ArticleMonthlyCap: 1},
			"ca-q2": {ID: "ca-q2", OAID: "oa2", Sender: z},
		}}
	e.newLimit = func(perSecond float64) broadcast.Limiter {
		l, err := redisstore.NewRateLimiter(rdb, prefix, perSecond, 1)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	return e
}

func (e *env) service(t testing.TB, rate float64) *broadcast.Service {
	t.Helper()
	s, err := broadcast.New(broadcast.Deps{
		Store: e.store, Followers: e.followers, Accounts: e.accounts, RatePerSecond: rate,
		RenderCard: func(_ context.Context, account, code string) ([]broadcast.Message, error) {
			if code != "1.001" {
				return nil, fmt.Errorf("unknown procedure %q", code)
			}
			return []broadcast.Message{{Text: "Card " + code + " for " + account}}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (e *env) runner(t testing.TB, o broadcast.RunnerOptions) *broadcast.Runner {
	t.Helper()
	if o.Store == nil {
		o.Store = e.store
	}
	o.Followers, o.Classify = e.followers, broadcast.ClassifyZalo
	if o.Accounts == nil {
		o.Accounts = e.accounts
	}
	if o.Poll == 0 {
		o.Poll = 20 * time.Millisecond
	}
	if o.Backoff == 0 {
		o.Backoff = 10 * time.Millisecond
	}
	r, err := broadcast.NewRunner(o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// start runs r until the test ends (or stop is called) and waits for it.
func start(t testing.TB, r *broadcast.Runner) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// touchN adds n users "u<base+i>" to oaID with their last interaction at.
func (e *env) touchN(t testing.TB, oaID string, base, n int, at time.Time, follower bool) []string {
	t.Helper()
	ctx := context.Background()
	ids := make([]string, n)
	for i := range n {
		ids[i] = "u" + strconv.Itoa(base+i)
		f := follower
		if err := e.followers.Touch(ctx, oaID, ids[i], at, &f); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// waitFor polls cond until it holds, failing the test when timeout passes first.
func waitFor(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// sending counts the recipients of campaign id marked "sending": begun, Zalo's answer not
// recorded yet. Once a campaign is paused or cancelled, Begin refuses every new send, so
// zero means every send under way has finished and been recorded.
func (e *env) sending(t testing.TB, id string) int {
	t.Helper()
	n := 0
	err := e.store.Results(context.Background(), id, func(r broadcast.Result) error {
		if r.State == "sending" {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// waitStatus polls until the campaign reaches want or the timeout passes.
func waitStatus(t testing.TB, s *broadcast.Service, id string, want broadcast.Status, timeout time.Duration) broadcast.Progress {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		_, p, err := s.Status(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if p.Status == want {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("campaign %s: status %s after %v, want %s (progress %+v)", id, p.Status, timeout, want, p)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
