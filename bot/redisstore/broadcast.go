package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oabot/oabot/bot/broadcast"
)

// CampaignStore keeps broadcast plans and campaigns (broadcast.Store). A campaign's keys
// share the hash tag {id} so each Lua script below touches one slot:
//
//	bc:{id}:meta      hash: campaign JSON, status, send_at, counters, started/finished times
//	bc:{id}:queue     list of recipients ("account/user") waiting to be claimed
//	bc:{id}:state     hash recipient → state (see the state format below)
//	bc:{id}:lease     sorted set recipient → lease expiry (ms, Redis clock)
//	bc:{id}:attempts  hash recipient → attempts of the current message
//	bc:index          sorted set id → creation time;  bc:active  set of unfinished ids
//	bcplan:{id}:plan, bcplan:{id}:rcpt   plan JSON and its recipients, with a TTL
//	bcart:{account}:m:<yyyy-mm>, :d:<yyyy-mm-dd>   article broadcast counters
//
// A recipient state is "st|worker|next|ids|code|reason": st is q (queued), c (claimed),
// s (sending), u (unknown: a sending lease expired), sent, failed or skipped; next is the
// index of the next message part; ids are Zalo's message ids of the parts sent. All times
// come from the Redis server clock, so replicas with skewed clocks agree on leases. A
// finished or cancelled campaign's keys expire after 90 days.
type CampaignStore struct {
	rdb  redis.UniversalClient
	keys Keyspace
}

var _ broadcast.Store = (*CampaignStore)(nil)

// NewCampaignStore returns a store on rdb with keys under prefix (default "oabot:").
func NewCampaignStore(rdb redis.UniversalClient, prefix string) (*CampaignStore, error) {
	if rdb == nil {
		return nil, errors.New("redisstore: nil redis client")
	}
	return &CampaignStore{rdb: rdb, keys: keyspace(prefix)}, nil
}

func (s *CampaignStore) ck(id, part string) string { return s.keys.Key("bc", "{"+id+"}", part) }

// campaignKeys are KEYS[1..5] of every campaign script.
func (s *CampaignStore) campaignKeys(id string) []string {
	return []string{s.ck(id, "meta"), s.ck(id, "queue"), s.ck(id, "state"), s.ck(id, "lease"), s.ck(id, "attempts")}
}

func member(r broadcast.Recipient) string { return r.Account + "/" + r.UserID }

func parseMember(m string) broadcast.Recipient {
	a, u, _ := strings.Cut(m, "/")
	return broadcast.Recipient{Account: a, UserID: u}
}

// SavePlan stores a plan and its recipients until ttl.
func (s *CampaignStore) SavePlan(ctx context.Context, p broadcast.Plan, rs []broadcast.Recipient, ttl time.Duration) error {
	pj, err := json.Marshal(p)
	if err != nil {
		return err
	}
	rj, err := json.Marshal(rs)
	if err != nil {
		return err
	}
	_, err = s.rdb.TxPipelined(ctx, func(pp redis.Pipeliner) error {
		pp.Set(ctx, s.keys.Key("bcplan", "{"+p.ID+"}", "plan"), pj, ttl)
		pp.Set(ctx, s.keys.Key("bcplan", "{"+p.ID+"}", "rcpt"), rj, ttl)
		return nil
	})
	if err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	return nil
}

// LoadPlan returns a stored plan or broadcast.ErrPlanExpired.
func (s *CampaignStore) LoadPlan(ctx context.Context, id string) (broadcast.Plan, []broadcast.Recipient, error) {
	vals, err := s.rdb.MGet(ctx, s.keys.Key("bcplan", "{"+id+"}", "plan"), s.keys.Key("bcplan", "{"+id+"}", "rcpt")).Result()
	if err != nil {
		return broadcast.Plan{}, nil, fmt.Errorf("load plan: %w", err)
	}
	pj, ok1 := vals[0].(string)
	rj, ok2 := vals[1].(string)
	if !ok1 || !ok2 {
		return broadcast.Plan{}, nil, broadcast.ErrPlanExpired
	}
	var p broadcast.Plan
	var rs []broadcast.Recipient
	if err := json.Unmarshal([]byte(pj), &p); err != nil {
		return p, nil, fmt.Errorf("decode plan: %w", err)
	}
	if err := json.Unmarshal([]byte(rj), &rs); err != nil {
		return p, nil, fmt.Errorf("decode plan recipients: %w", err)
	}
	return p, rs, nil
}

// CreateCampaign stores c and its recipients atomically, once.
func (s *CampaignStore) CreateCampaign(ctx context.Context, c broadcast.Campaign, rs []broadcast.Recipient, status broadcast.Status, sendAt time.Time) (bool, error) {
	cj, err := json.Marshal(c)
	if err != nil {
		return false, err
	}
	args := make([]any, 0, len(rs)+4)
	args = append(args, string(cj), string(status), msOrZero(sendAt), c.CreatedAt.UnixMilli())
	for _, r := range rs {
		args = append(args, member(r)+"\t"+string(r.Skip))
	}
	n, err := bcCreateScript.Run(ctx, s.rdb, s.campaignKeys(c.ID), args...).Int()
	if err != nil {
		return false, fmt.Errorf("create campaign: %w", err)
	}
	// The index and the active set live outside the campaign's slot; adding them again on
	// a repeated call repairs a crash between the two steps.
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, s.keys.Key("bc", "index"), redis.Z{Score: float64(c.CreatedAt.UnixMilli()), Member: c.ID})
		p.SAdd(ctx, s.keys.Key("bc", "active"), c.ID)
		return nil
	})
	if err != nil {
		return n == 1, fmt.Errorf("index campaign: %w", err)
	}
	return n == 1, nil
}

func msOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// Campaign returns a campaign and its counters, or broadcast.ErrNotFound.
func (s *CampaignStore) Campaign(ctx context.Context, id string) (broadcast.Campaign, broadcast.Progress, error) {
	m, err := s.rdb.HGetAll(ctx, s.ck(id, "meta")).Result()
	if err != nil {
		return broadcast.Campaign{}, broadcast.Progress{}, fmt.Errorf("load campaign: %w", err)
	}
	if m["campaign"] == "" {
		return broadcast.Campaign{}, broadcast.Progress{}, broadcast.ErrNotFound
	}
	var c broadcast.Campaign
	if err := json.Unmarshal([]byte(m["campaign"]), &c); err != nil {
		return c, broadcast.Progress{}, fmt.Errorf("decode campaign: %w", err)
	}
	return c, progressOf(m), nil
}

func progressOf(m map[string]string) broadcast.Progress {
	p := broadcast.Progress{
		Status: broadcast.Status(m["status"]), Total: atoiOr0(m["total"]),
		Sent: atoiOr0(m["sent"]), Failed: atoiOr0(m["failed"]),
		Skipped: atoiOr0(m["skipped"]), Unknown: atoiOr0(m["unknown"]), Note: m["note"],
	}
	p.Remaining = p.Total - p.Sent - p.Failed - p.Skipped - p.Unknown
	if ms := atoiOr0(m["started_at"]); ms > 0 {
		p.StartedAt = time.UnixMilli(int64(ms))
	}
	if ms := atoiOr0(m["finished_at"]); ms > 0 {
		p.FinishedAt = time.UnixMilli(int64(ms))
	}
	return p
}

// Campaigns lists campaign ids, newest first.
func (s *CampaignStore) Campaigns(ctx context.Context, limit int) ([]string, error) {
	if limit <= 0 {
		limit = 100
	}
	ids, err := s.rdb.ZRevRange(ctx, s.keys.Key("bc", "index"), 0, int64(limit-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("list campaigns: %w", err)
	}
	return ids, nil
}

// Active lists unfinished campaigns (scheduled, running, paused), oldest first, and drops
// finished ones from the active set.
func (s *CampaignStore) Active(ctx context.Context) ([]string, error) {
	ids, err := s.rdb.SMembers(ctx, s.keys.Key("bc", "active")).Result()
	if err != nil {
		return nil, fmt.Errorf("list active campaigns: %w", err)
	}
	slices.Sort(ids) // ids start with the date: oldest first
	p := s.rdb.Pipeline()
	st := make([]*redis.StringCmd, len(ids))
	for i, id := range ids {
		st[i] = p.HGet(ctx, s.ck(id, "meta"), "status")
	}
	if len(ids) > 0 {
		if _, err := p.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("campaign status: %w", err)
		}
	}
	var out, gone []string
	for i, id := range ids {
		switch broadcast.Status(st[i].Val()) {
		case broadcast.StatusScheduled, broadcast.StatusRunning, broadcast.StatusPaused:
			out = append(out, id)
		case broadcast.StatusDone, broadcast.StatusCancelled, "":
			gone = append(gone, id)
		}
	}
	if len(gone) > 0 {
		if err := s.rdb.SRem(ctx, s.keys.Key("bc", "active"), toAny(gone)...).Err(); err != nil {
			return out, fmt.Errorf("prune active campaigns: %w", err)
		}
	}
	return out, nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// SetStatus moves a campaign to status to if allowed.
func (s *CampaignStore) SetStatus(ctx context.Context, id string, to broadcast.Status, note string) (broadcast.Progress, error) {
	res, err := bcStatusScript.Run(ctx, s.rdb, s.campaignKeys(id), string(to), note).Text()
	if err != nil {
		return broadcast.Progress{}, fmt.Errorf("set campaign status: %w", err)
	}
	switch res {
	case "notfound":
		return broadcast.Progress{}, broadcast.ErrNotFound
	case "wrong":
		return broadcast.Progress{}, broadcast.ErrWrongStatus
	}
	if to == broadcast.StatusRunning || to == broadcast.StatusPaused {
		// A resumed campaign must be seen by the runners again.
		if err := s.rdb.SAdd(ctx, s.keys.Key("bc", "active"), id).Err(); err != nil {
			return broadcast.Progress{}, fmt.Errorf("mark campaign active: %w", err)
		}
	}
	_, p, err := s.Campaign(ctx, id)
	return p, err
}

// Activate starts a scheduled campaign whose send time has come.
func (s *CampaignStore) Activate(ctx context.Context, id string) (bool, error) {
	n, err := bcActivateScript.Run(ctx, s.rdb, s.campaignKeys(id)).Int()
	if err != nil {
		return false, fmt.Errorf("activate campaign: %w", err)
	}
	return n == 1, nil
}

// Claim hands up to n queued recipients to worker.
func (s *CampaignStore) Claim(ctx context.Context, id, worker string, n int, lease time.Duration) ([]broadcast.Claim, error) {
	out, err := bcClaimScript.Run(ctx, s.rdb, s.campaignKeys(id), cleanWorker(worker), n, lease.Milliseconds()).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("claim recipients: %w", err)
	}
	claims := make([]broadcast.Claim, 0, len(out)/3)
	for i := 0; i+2 < len(out); i += 3 {
		cl := broadcast.Claim{Recipient: parseMember(out[i]), NextPart: atoiOr0(out[i+1])}
		if out[i+2] != "" {
			cl.MessageIDs = strings.Split(out[i+2], ",")
		}
		claims = append(claims, cl)
	}
	return claims, nil
}

// cleanWorker keeps worker names out of the state format's separators.
func cleanWorker(w string) string { return strings.NewReplacer("|", "_", ",", "_").Replace(w) }

// Begin marks a claimed recipient "sending".
func (s *CampaignStore) Begin(ctx context.Context, id, worker string, r broadcast.Recipient, part int, lease time.Duration) (broadcast.BeginResult, error) {
	n, err := bcBeginScript.Run(ctx, s.rdb, s.campaignKeys(id), cleanWorker(worker), member(r), part, lease.Milliseconds()).Int()
	if err != nil {
		return 0, fmt.Errorf("begin send: %w", err)
	}
	return broadcast.BeginResult(n), nil
}

// Finish records Zalo's message id for a part.
func (s *CampaignStore) Finish(ctx context.Context, id, worker string, r broadcast.Recipient, part int, last bool, msgID string) error {
	l := 0
	if last {
		l = 1
	}
	n, err := bcFinishScript.Run(ctx, s.rdb, s.campaignKeys(id), cleanWorker(worker), member(r), part, l, cleanWorker(msgID)).Int()
	if err != nil {
		return fmt.Errorf("finish send: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("finish send: %s is not being sent by %s", member(r), worker)
	}
	return nil
}

// Retry returns a recipient from sending to claimed and counts the attempt.
func (s *CampaignStore) Retry(ctx context.Context, id, worker string, r broadcast.Recipient) (int, error) {
	n, err := bcRetryScript.Run(ctx, s.rdb, s.campaignKeys(id), cleanWorker(worker), member(r)).Int()
	if err != nil {
		return 0, fmt.Errorf("retry send: %w", err)
	}
	if n < 0 {
		return 0, fmt.Errorf("retry send: %s is not being sent by %s", member(r), worker)
	}
	return n, nil
}

// Settle records a final state (failed, skipped) or unknown.
func (s *CampaignStore) Settle(ctx context.Context, id, worker string, r broadcast.Recipient, res broadcast.Result) error {
	switch res.State {
	case "failed", "skipped", "unknown":
	default:
		return fmt.Errorf("settle: bad state %q", res.State)
	}
	code := ""
	if res.Code != 0 {
		code = strconv.Itoa(res.Code)
	}
	n, err := bcSettleScript.Run(ctx, s.rdb, s.campaignKeys(id), cleanWorker(worker), member(r), res.State, code, cleanWorker(string(res.Reason))).Int()
	if err != nil {
		return fmt.Errorf("settle recipient: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("settle recipient: %s is not held by %s", member(r), worker)
	}
	return nil
}

// Release hands claimed, not begun recipients back to the queue.
func (s *CampaignStore) Release(ctx context.Context, id, worker string, rs []broadcast.Recipient) error {
	if len(rs) == 0 {
		return nil
	}
	args := []any{cleanWorker(worker)}
	for _, r := range rs {
		args = append(args, member(r))
	}
	if err := bcReleaseScript.Run(ctx, s.rdb, s.campaignKeys(id), args...).Err(); err != nil {
		return fmt.Errorf("release recipients: %w", err)
	}
	return nil
}

// Renew extends the leases of recipients worker holds as claimed.
func (s *CampaignStore) Renew(ctx context.Context, id, worker string, rs []broadcast.Recipient, lease time.Duration) error {
	if len(rs) == 0 {
		return nil
	}
	args := []any{cleanWorker(worker), lease.Milliseconds()}
	for _, r := range rs {
		args = append(args, member(r))
	}
	if err := bcRenewScript.Run(ctx, s.rdb, s.campaignKeys(id), args...).Err(); err != nil {
		return fmt.Errorf("renew claims: %w", err)
	}
	return nil
}

// Reclaim takes back expired leases: claimed → queue, sending → unknown.
func (s *CampaignStore) Reclaim(ctx context.Context, id string) (int, int, error) {
	out, err := bcReclaimScript.Run(ctx, s.rdb, s.campaignKeys(id)).Int64Slice()
	if err != nil {
		return 0, 0, fmt.Errorf("reclaim leases: %w", err)
	}
	return int(out[0]), int(out[1]), nil
}

// Results calls fn for every recipient of the campaign, in no particular order.
func (s *CampaignStore) Results(ctx context.Context, id string, fn func(broadcast.Result) error) error {
	iter := s.rdb.HScan(ctx, s.ck(id, "state"), 0, "", 1000).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		if !iter.Next(ctx) {
			break
		}
		if err := fn(resultOf(parseMember(k), iter.Val())); err != nil {
			return err
		}
	}
	return iter.Err()
}

var stateNames = map[string]string{"q": "queued", "c": "claimed", "s": "sending", "u": "unknown"}

func resultOf(r broadcast.Recipient, v string) broadcast.Result {
	f := strings.SplitN(v, "|", 6)
	for len(f) < 6 {
		f = append(f, "")
	}
	res := broadcast.Result{Account: r.Account, UserID: r.UserID, State: f[0], Reason: broadcast.Reason(f[5])}
	if name, ok := stateNames[f[0]]; ok {
		res.State = name
	}
	res.Code = atoiOr0(f[4])
	if f[3] != "" {
		res.MessageIDs = strings.Split(f[3], ",")
	}
	return res
}
