package broadcast

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/oabot/oabot/zalo"
)

// RunnerOptions configure delivery on one replica. Every replica runs a Runner; they share
// the work through the Store and the send rate through the Limiter.
type RunnerOptions struct {
	Store     Store
	Followers Followers
	// Limiter paces sends per OA; nil sends as fast as Zalo answers (tests, benchmarks).
	Limiter  Limiter
	Accounts map[string]Account
	// Lookup, when set, is used instead of Accounts (accounts that change at run time);
	// it must be safe for concurrent use.
	Lookup func(id string) (Account, bool)
	// Classify defaults to ClassifyCode on errors with a ZaloCode() method, else Ambiguous.
	Classify Classifier
	// Replica names this process in leases (host name, pod name).
	Replica string
	// Concurrency is the number of sending goroutines (default 4).
	Concurrency int
	// Batch is how many recipients a goroutine claims at once (default 10).
	Batch int
	// Lease is how long a claim lasts without progress before another replica takes it
	// back (default 30s). It must be longer than a Zalo call plus a limiter wait.
	Lease time.Duration
	// Poll is the idle wait between looks for work (default 1s).
	Poll time.Duration
	// MaxAttempts bounds retries of retryable errors per message (default 5).
	MaxAttempts int
	// SendTimeout bounds one Zalo call (default 15s). A call in flight is not cut short by
	// ctx: shutdown waits for it so its outcome is known.
	SendTimeout time.Duration
	// Backoff is the first retry delay, doubled each attempt up to MaxBackoff
	// (defaults 500ms, 30s).
	Backoff, MaxBackoff time.Duration
	Logger              *zap.Logger
	// Observe, if set, is told every recipient outcome recorded by this runner: status is
	// sent, failed, skipped or unknown (metrics).
	Observe func(account, status string)
	// Now defaults to time.Now (window re-check before each send).
	Now func() time.Time
}

// Runner delivers running campaigns.
type Runner struct {
	o  RunnerOptions
	mu sync.Mutex
	// campaigns caches campaign content, which never changes after creation.
	campaigns map[string]Campaign
	rounds    atomic.Uint64
}

// NewRunner checks o and fills defaults.
func NewRunner(o RunnerOptions) (*Runner, error) {
	if o.Store == nil || o.Followers == nil || (o.Accounts == nil && o.Lookup == nil) {
		return nil, errors.New("broadcast: runner needs store, followers and accounts")
	}
	if o.Replica == "" {
		return nil, errors.New("broadcast: runner needs a replica name")
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defD := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.Concurrency, 4)
	def(&o.Batch, 10)
	def(&o.MaxAttempts, 5)
	defD(&o.Lease, 30*time.Second)
	defD(&o.Poll, time.Second)
	defD(&o.SendTimeout, 15*time.Second)
	defD(&o.Backoff, 500*time.Millisecond)
	defD(&o.MaxBackoff, 30*time.Second)
	if o.Classify == nil {
		o.Classify = defaultClassify
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Runner{o: o, campaigns: map[string]Campaign{}}, nil
}

// Run delivers until ctx is cancelled, then hands back unstarted claims and returns once
// every goroutine it started has stopped.
func (r *Runner) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { r.housekeep(ctx) })
	for i := range r.o.Concurrency {
		worker := fmt.Sprintf("%s/%d", r.o.Replica, i)
		wg.Go(func() { r.work(ctx, worker) })
	}
	wg.Wait()
}

// housekeep starts scheduled campaigns whose time has come and takes back expired leases.
func (r *Runner) housekeep(ctx context.Context) {
	for {
		ids, err := r.o.Store.Active(ctx)
		if err != nil && ctx.Err() == nil {
			r.o.Logger.Warn("list active campaigns", zap.Error(err))
		}
		for _, id := range ids {
			if _, err := r.o.Store.Activate(ctx, id); err != nil && ctx.Err() == nil {
				r.o.Logger.Warn("activate campaign", zap.String("campaign", id), zap.Error(err))
			}
			requeued, unknown, err := r.o.Store.Reclaim(ctx, id)
			if err != nil && ctx.Err() == nil {
				r.o.Logger.Warn("reclaim leases", zap.String("campaign", id), zap.Error(err))
			}
			if requeued+unknown > 0 {
				r.o.Logger.Info("reclaimed expired leases", zap.String("campaign", id),
					zap.Int("requeued", requeued), zap.Int("unknown", unknown))
			}
		}
		if zalo.Sleep(ctx, r.o.Poll) != nil {
			return
		}
	}
}

func (r *Runner) work(ctx context.Context, worker string) {
	for ctx.Err() == nil {
		n, err := r.round(ctx, worker)
		if err != nil && ctx.Err() == nil {
			r.o.Logger.Warn("broadcast round", zap.String("worker", worker), zap.Error(err))
		}
		if n == 0 && zalo.Sleep(ctx, r.o.Poll) != nil {
			return
		}
	}
}

// round claims one batch from the first running campaign that has work and delivers it.
func (r *Runner) round(ctx context.Context, worker string) (int, error) {
	ids, err := r.o.Store.Active(ctx)
	if err != nil {
		return 0, err
	}
	// Start at a different campaign each round so one long campaign (on a slow OA) does not
	// hold back the others: each OA has its own rate.
	first := int(r.rounds.Add(1))
	for i := range ids {
		id := ids[(first+i)%len(ids)]
		claims, err := r.o.Store.Claim(ctx, id, worker, r.o.Batch, r.o.Lease)
		if err != nil {
			return 0, err
		}
		if len(claims) == 0 {
			continue
		}
		c, err := r.campaign(ctx, id)
		if err != nil {
			r.release(ctx, id, worker, claims)
			return 0, err
		}
		r.process(ctx, worker, c, claims)
		return len(claims), nil
	}
	return 0, nil
}

func (r *Runner) campaign(ctx context.Context, id string) (Campaign, error) {
	r.mu.Lock()
	c, ok := r.campaigns[id]
	r.mu.Unlock()
	if ok {
		return c, nil
	}
	c, _, err := r.o.Store.Campaign(ctx, id)
	if err != nil {
		return Campaign{}, err
	}
	r.mu.Lock()
	r.campaigns[id] = c
	r.mu.Unlock()
	return c, nil
}

func (r *Runner) process(ctx context.Context, worker string, c Campaign, claims []Claim) {
	skip, err := r.recheck(ctx, c, claims)
	if err != nil {
		r.o.Logger.Warn("re-check window", zap.String("campaign", c.ID), zap.Error(err))
		r.release(ctx, c.ID, worker, claims)
		return
	}
	renewed := time.Now()
	for i, cl := range claims {
		if ctx.Err() != nil {
			r.release(ctx, c.ID, worker, claims[i:])
			return
		}
		if time.Since(renewed) > r.o.Lease/3 {
			r.renew(ctx, c.ID, worker, claims[i:])
			renewed = time.Now()
		}
		if reason, ok := skip[cl.Recipient]; ok {
			r.settle(ctx, c.ID, worker, cl.Recipient, Result{State: "skipped", Reason: reason})
			continue
		}
		if halted := r.deliver(ctx, worker, c, cl); halted {
			// Paused or cancelled: hand the rest of the batch back at once rather than
			// spend a rate-limit slot on each to find out.
			r.release(ctx, c.ID, worker, claims[i+1:])
			return
		}
	}
}

// recheck applies the consultation window at send time: a campaign scheduled for later, or a
// long one, must not send to citizens whose window closed since the plan.
func (r *Runner) recheck(ctx context.Context, c Campaign, claims []Claim) (map[Recipient]Reason, error) {
	if c.Spec.Channel == ChannelArticle {
		return nil, nil
	}
	byAccount := map[string][]string{}
	for _, cl := range claims {
		if cl.NextPart == 0 {
			byAccount[cl.Account] = append(byAccount[cl.Account], cl.UserID)
		}
	}
	now := r.o.Now()
	skip := map[Recipient]Reason{}
	for acct, users := range byAccount {
		infos, err := r.o.Followers.Lookup(ctx, c.OAIDs[acct], users)
		if err != nil {
			return nil, err
		}
		for _, fi := range infos {
			if reason := Reachability(fi, now); reason != "" {
				skip[Recipient{Account: acct, UserID: fi.UserID}] = reason
			}
		}
	}
	return skip, nil
}
