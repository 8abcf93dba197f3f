package inmem

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/oabot/oabot/bot/broadcast"
	"github.com/oabot/oabot/zalo"
)

// CampaignStore keeps broadcast plans and campaigns in memory (broadcast.Store), for demo
// mode. It follows the contract of redisstore.CampaignStore step for step — the same
// recipient states (queued → claimed → sending → sent | failed | skipped, and unknown when a
// sending lease expires), the same status transitions, leases owned by one worker, an
// idempotent CreateCampaign and the article counters — with one mutex making every method
// one atomic step.
//
// Single process only: the state lives in this process and is lost when it stops, so it
// cannot share delivery with other replicas and must not be used where campaigns have to
// survive a restart. Campaigns and their reports are kept for the life of the process;
// plans are dropped once their TTL has passed.
type CampaignStore struct {
	mu        sync.Mutex
	now       func() time.Time
	plans     map[string]storedPlan
	campaigns map[string]*memCampaign
	articles  map[string]int // "account|m|yyyy-mm" and "account|d|yyyy-mm-dd" → count
}

var _ broadcast.Store = (*CampaignStore)(nil)

type storedPlan struct {
	plan       []byte // JSON, as the Redis store keeps it
	recipients []byte
	expires    time.Time
}

type memCampaign struct {
	campaign []byte // JSON of broadcast.Campaign
	id       string
	status   broadcast.Status
	sendAt   time.Time // zero: now
	created  time.Time
	note     string

	total, sent, failed, skipped, unknown int
	started, finished                     time.Time

	queue    []string // members ("account/user") waiting to be claimed, head first
	state    map[string]*recipientState
	attempts map[string]int
}

// recipientState mirrors redisstore's "st|worker|next|ids|code|reason" record plus the
// lease expiry (zero: no lease).
type recipientState struct {
	st     string // q, c, s, u, sent, failed, skipped
	worker string
	next   int
	ids    []string
	code   int
	reason broadcast.Reason
	lease  time.Time
}

// NewCampaignStore returns an empty store on the system clock.
func NewCampaignStore() *CampaignStore {
	return &CampaignStore{now: time.Now, plans: map[string]storedPlan{},
		campaigns: map[string]*memCampaign{}, articles: map[string]int{}}
}

func member(r broadcast.Recipient) string { return r.Account + "/" + r.UserID }

func parseMember(m string) broadcast.Recipient {
	for i := 0; i < len(m); i++ {
		if m[i] == '/' {
			return broadcast.Recipient{Account: m[:i], UserID: m[i+1:]}
		}
	}
	return broadcast.Recipient{Account: m}
}

// SavePlan stores a plan and its recipients until ttl.
func (s *CampaignStore) SavePlan(_ context.Context, p broadcast.Plan, rs []broadcast.Recipient, ttl time.Duration) error {
	pj, err := json.Marshal(p)
	if err != nil {
		return err
	}
	rj, err := json.Marshal(rs)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for id, sp := range s.plans { // drop expired plans so memory stays bounded
		if !now.Before(sp.expires) {
			delete(s.plans, id)
		}
	}
	s.plans[p.ID] = storedPlan{plan: pj, recipients: rj, expires: now.Add(ttl)}
	return nil
}

// LoadPlan returns a stored plan or broadcast.ErrPlanExpired.
func (s *CampaignStore) LoadPlan(_ context.Context, id string) (broadcast.Plan, []broadcast.Recipient, error) {
	s.mu.Lock()
	sp, ok := s.plans[id]
	if ok && !s.now().Before(sp.expires) {
		delete(s.plans, id)
		ok = false
	}
	s.mu.Unlock()
	if !ok {
		return broadcast.Plan{}, nil, broadcast.ErrPlanExpired
	}
	var p broadcast.Plan
	var rs []broadcast.Recipient
	if err := json.Unmarshal(sp.plan, &p); err != nil {
		return p, nil, fmt.Errorf("decode plan: %w", err)
	}
	if err := json.Unmarshal(sp.recipients, &rs); err != nil {
		return p, nil, fmt.Errorf("decode plan recipients: %w", err)
	}
	return p, rs, nil
}

// CreateCampaign stores c and its recipients once; a second call with the same id changes
// nothing and reports false.
func (s *CampaignStore) CreateCampaign(_ context.Context, c broadcast.Campaign, rs []broadcast.Recipient, status broadcast.Status, sendAt time.Time) (bool, error) {
	cj, err := json.Marshal(c)
	if err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.campaigns[c.ID]; ok {
		return false, nil
	}
	mc := &memCampaign{campaign: cj, id: c.ID, status: status, sendAt: sendAt, created: c.CreatedAt,
		state: make(map[string]*recipientState, len(rs)), attempts: map[string]int{}}
	for _, r := range rs {
		m := member(r)
		mc.total++
		if r.Skip != "" {
			mc.skipped++
			mc.state[m] = &recipientState{st: "skipped", reason: r.Skip}
			continue
		}
		mc.state[m] = &recipientState{st: "q"}
		mc.queue = append(mc.queue, m)
	}
	s.campaigns[c.ID] = mc
	s.maybeDone(mc)
	return true, nil
}

// maybeDone finishes a campaign once every recipient has a final state (or unknown).
func (s *CampaignStore) maybeDone(mc *memCampaign) {
	if mc.sent+mc.failed+mc.skipped+mc.unknown < mc.total {
		return
	}
	switch mc.status {
	case broadcast.StatusRunning, broadcast.StatusPaused, broadcast.StatusScheduled:
		mc.status, mc.finished = broadcast.StatusDone, s.now()
	}
}

// Campaign returns a campaign and its counters, or broadcast.ErrNotFound.
func (s *CampaignStore) Campaign(_ context.Context, id string) (broadcast.Campaign, broadcast.Progress, error) {
	s.mu.Lock()
	mc, ok := s.campaigns[id]
	var cj []byte
	var p broadcast.Progress
	if ok {
		cj, p = mc.campaign, mc.progress()
	}
	s.mu.Unlock()
	if !ok {
		return broadcast.Campaign{}, broadcast.Progress{}, broadcast.ErrNotFound
	}
	var c broadcast.Campaign
	if err := json.Unmarshal(cj, &c); err != nil {
		return c, broadcast.Progress{}, fmt.Errorf("decode campaign: %w", err)
	}
	return c, p, nil
}

func (mc *memCampaign) progress() broadcast.Progress {
	p := broadcast.Progress{Status: mc.status, Total: mc.total, Sent: mc.sent, Failed: mc.failed,
		Skipped: mc.skipped, Unknown: mc.unknown, Note: mc.note}
	p.Remaining = p.Total - p.Sent - p.Failed - p.Skipped - p.Unknown
	// Millisecond precision, as the Redis store keeps them.
	if !mc.started.IsZero() {
		p.StartedAt = time.UnixMilli(mc.started.UnixMilli())
	}
	if !mc.finished.IsZero() {
		p.FinishedAt = time.UnixMilli(mc.finished.UnixMilli())
	}
	return p
}

// Campaigns lists campaign ids, newest first.
func (s *CampaignStore) Campaigns(_ context.Context, limit int) ([]string, error) {
	if limit <= 0 {
		limit = 100
	}
	s.mu.Lock()
	all := make([]*memCampaign, 0, len(s.campaigns))
	for _, mc := range s.campaigns {
		all = append(all, mc)
	}
	s.mu.Unlock()
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i].created.UnixMilli(), all[j].created.UnixMilli()
		if a != b {
			return a > b
		}
		return all[i].id > all[j].id
	})
	ids := make([]string, 0, min(limit, len(all)))
	for _, mc := range all[:min(limit, len(all))] {
		ids = append(ids, mc.id)
	}
	return ids, nil
}

// Active lists unfinished campaigns (scheduled, running, paused), oldest first (ids start
// with the date).
func (s *CampaignStore) Active(_ context.Context) ([]string, error) {
	s.mu.Lock()
	var ids []string
	for id, mc := range s.campaigns {
		switch mc.status {
		case broadcast.StatusScheduled, broadcast.StatusRunning, broadcast.StatusPaused:
			ids = append(ids, id)
		}
	}
	s.mu.Unlock()
	slices.Sort(ids)
	return ids, nil
}

// SetStatus moves a campaign to status to if allowed: running/scheduled → paused,
// paused → running (scheduled again if its time has not come), any unfinished → cancelled.
func (s *CampaignStore) SetStatus(_ context.Context, id string, to broadcast.Status, note string) (broadcast.Progress, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mc, ok := s.campaigns[id]
	if !ok {
		return broadcast.Progress{}, broadcast.ErrNotFound
	}
	cur := mc.status
	switch to {
	case broadcast.StatusPaused:
		if cur != broadcast.StatusRunning && cur != broadcast.StatusScheduled {
			return broadcast.Progress{}, broadcast.ErrWrongStatus
		}
	case broadcast.StatusRunning:
		if cur != broadcast.StatusPaused {
			return broadcast.Progress{}, broadcast.ErrWrongStatus
		}
		if mc.sendAt.After(s.now()) {
			to = broadcast.StatusScheduled
		}
	case broadcast.StatusCancelled:
		if cur != broadcast.StatusRunning && cur != broadcast.StatusScheduled && cur != broadcast.StatusPaused {
			return broadcast.Progress{}, broadcast.ErrWrongStatus
		}
		mc.finished = s.now()
	default:
		return broadcast.Progress{}, broadcast.ErrWrongStatus
	}
	mc.status, mc.note = to, note
	return mc.progress(), nil
}

// Activate turns a scheduled campaign whose time has come into a running one.
func (s *CampaignStore) Activate(_ context.Context, id string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mc, ok := s.campaigns[id]
	if !ok || mc.status != broadcast.StatusScheduled || mc.sendAt.After(s.now()) {
		return false, nil
	}
	mc.status = broadcast.StatusRunning
	return true, nil
}

// Claim hands up to n queued recipients of a running campaign to worker for lease.
func (s *CampaignStore) Claim(_ context.Context, id, worker string, n int, lease time.Duration) ([]broadcast.Claim, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mc, ok := s.campaigns[id]
	if !ok || mc.status != broadcast.StatusRunning {
		return nil, nil
	}
	now := s.now()
	var out []broadcast.Claim
	for i := 0; i < n && len(mc.queue) > 0; i++ {
		m := mc.queue[0]
		mc.queue = mc.queue[1:]
		rs := mc.state[m]
		if rs == nil || rs.st != "q" { // a stale queue entry (requeued twice); skip it
			continue
		}
		rs.st, rs.worker, rs.lease = "c", worker, now.Add(lease)
		out = append(out, broadcast.Claim{Recipient: parseMember(m), NextPart: rs.next, MessageIDs: slices.Clone(rs.ids)})
	}
	if len(out) > 0 && mc.started.IsZero() {
		mc.started = now
	}
	return out, nil
}

// held returns the recipient's state if the campaign and the recipient exist.
func (s *CampaignStore) held(id string, r broadcast.Recipient) (*memCampaign, *recipientState) {
	mc, ok := s.campaigns[id]
	if !ok {
		return nil, nil
	}
	return mc, mc.state[member(r)]
}

// Begin marks a claimed recipient "sending" part; a paused or cancelled campaign gets the
// recipient back at the head of its queue (Halted).
func (s *CampaignStore) Begin(_ context.Context, id, worker string, r broadcast.Recipient, part int, lease time.Duration) (broadcast.BeginResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mc, rs := s.held(id, r)
	if rs == nil || rs.st != "c" || rs.worker != worker || rs.next != part {
		return broadcast.Lost, nil
	}
	if mc.status != broadcast.StatusRunning {
		rs.st, rs.worker, rs.lease, rs.code, rs.reason = "q", "", time.Time{}, 0, ""
		mc.queue = append([]string{member(r)}, mc.queue...)
		return broadcast.Halted, nil
	}
	rs.st, rs.lease = "s", s.now().Add(lease)
	return broadcast.Begun, nil
}

// Finish records that Zalo accepted part. It also accepts a recipient that became unknown
// (a slow worker whose lease ran out still knows the truth).
func (s *CampaignStore) Finish(_ context.Context, id, worker string, r broadcast.Recipient, part int, last bool, msgID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	mc, rs := s.held(id, r)
	if rs == nil || (rs.st != "s" && rs.st != "u") || rs.worker != worker || rs.next != part {
		return fmt.Errorf("finish send: %s is not being sent by %s", member(r), worker)
	}
	wasUnknown := rs.st == "u"
	rs.ids = append(rs.ids, msgID)
	if wasUnknown {
		mc.unknown--
	}
	delete(mc.attempts, member(r))
	rs.next = part + 1
	switch {
	case last:
		rs.st, rs.lease = "sent", time.Time{}
		mc.sent++
		s.maybeDone(mc)
	case wasUnknown:
		// The lease is gone; hand the rest to the queue rather than hold it without one.
		rs.st, rs.worker = "q", ""
		mc.queue = append(mc.queue, member(r))
	default:
		rs.st = "c" // the lease set by Begin still runs
	}
	return nil
}

// Retry takes a recipient back from "sending" to claimed and returns its attempt count.
func (s *CampaignStore) Retry(_ context.Context, id, worker string, r broadcast.Recipient) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mc, rs := s.held(id, r)
	if rs == nil || rs.st != "s" || rs.worker != worker {
		return 0, fmt.Errorf("retry send: %s is not being sent by %s", member(r), worker)
	}
	rs.st = "c"
	mc.attempts[member(r)]++
	return mc.attempts[member(r)], nil
}

// Settle records a final state (failed, skipped) or unknown.
func (s *CampaignStore) Settle(_ context.Context, id, worker string, r broadcast.Recipient, res broadcast.Result) error {
	switch res.State {
	case "failed", "skipped", "unknown":
	default:
		return fmt.Errorf("settle: bad state %q", res.State)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	mc, rs := s.held(id, r)
	if rs == nil || (rs.st != "c" && rs.st != "s" && rs.st != "u") || rs.worker != worker {
		return fmt.Errorf("settle recipient: %s is not held by %s", member(r), worker)
	}
	rs.lease = time.Time{}
	if res.State == "unknown" {
		if rs.st != "u" {
			rs.st, rs.code, rs.reason = "u", 0, ""
			mc.unknown++
		}
	} else {
		if rs.st == "u" {
			mc.unknown--
		}
		rs.st, rs.code, rs.reason = res.State, res.Code, res.Reason
		if res.State == "failed" {
			mc.failed++
		} else {
			mc.skipped++
		}
		delete(mc.attempts, member(r))
	}
	s.maybeDone(mc)
	return nil
}

// Renew extends the leases of recipients worker holds as claimed.
func (s *CampaignStore) Renew(_ context.Context, id, worker string, rs []broadcast.Recipient, lease time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	expiry := s.now().Add(lease)
	for _, r := range rs {
		if _, st := s.held(id, r); st != nil && st.st == "c" && st.worker == worker && !st.lease.IsZero() {
			st.lease = expiry
		}
	}
	return nil
}

// Release hands claimed, not begun recipients back to the head of the queue.
func (s *CampaignStore) Release(_ context.Context, id, worker string, rs []broadcast.Recipient) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range rs {
		mc, st := s.held(id, r)
		if st != nil && st.st == "c" && st.worker == worker {
			st.st, st.worker, st.lease = "q", "", time.Time{}
			mc.queue = append([]string{member(r)}, mc.queue...)
		}
	}
	return nil
}

// Reclaim takes back expired leases: claimed → queue, sending → unknown (never re-sent).
func (s *CampaignStore) Reclaim(_ context.Context, id string) (int, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mc, ok := s.campaigns[id]
	if !ok {
		return 0, 0, nil
	}
	now := s.now()
	var expired []string
	for m, rs := range mc.state {
		if !rs.lease.IsZero() && !rs.lease.After(now) {
			expired = append(expired, m)
		}
	}
	slices.Sort(expired)
	requeued, unknown := 0, 0
	for _, m := range expired {
		rs := mc.state[m]
		switch rs.st {
		case "c":
			rs.st, rs.worker = "q", ""
			mc.queue = append(mc.queue, m)
			requeued++
		case "s":
			// Zalo may have accepted it: never send again, report unknown.
			rs.st = "u"
			mc.unknown++
			unknown++
		}
		rs.lease = time.Time{}
	}
	if unknown > 0 {
		s.maybeDone(mc)
	}
	return requeued, unknown, nil
}

var stateNames = map[string]string{"q": "queued", "c": "claimed", "s": "sending", "u": "unknown"}

// Results calls fn for every recipient of the campaign, sorted by account and user.
func (s *CampaignStore) Results(_ context.Context, id string, fn func(broadcast.Result) error) error {
	s.mu.Lock()
	mc, ok := s.campaigns[id]
	var out []broadcast.Result
	if ok {
		out = make([]broadcast.Result, 0, len(mc.state))
		for m, rs := range mc.state {
			r := parseMember(m)
			res := broadcast.Result{Account: r.Account, UserID: r.UserID, State: rs.st, Code: rs.code,
				Reason: rs.reason, MessageIDs: slices.Clone(rs.ids)}
			if name, ok := stateNames[rs.st]; ok {
				res.State = name
			}
			out = append(out, res)
		}
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Account != out[j].Account {
			return out[i].Account < out[j].Account
		}
		return out[i].UserID < out[j].UserID
	})
	for _, r := range out {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func articleKeys(account string, at time.Time) (month, day string) {
	t := at.In(zalo.Vietnam)
	return account + "|m|" + t.Format("2006-01"), account + "|d|" + t.Format("2006-01-02")
}

// ReserveArticle counts one article broadcast unless the month's cap is reached or one was
// sent the same day (Vietnam time).
func (s *CampaignStore) ReserveArticle(_ context.Context, account string, at time.Time, monthlyCap int) (bool, error) {
	month, day := articleKeys(account, at)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.articles[day] >= 1 || s.articles[month] >= monthlyCap {
		return false, nil
	}
	s.articles[month]++
	s.articles[day]++
	return true, nil
}

// ArticleCount is how many article broadcasts account made in at's month.
func (s *CampaignStore) ArticleCount(_ context.Context, account string, at time.Time) (int, error) {
	month, _ := articleKeys(account, at)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.articles[month], nil
}

// errEmptyMark is returned for a tag or label without a user or a name.
var errEmptyMark = errors.New("empty user or name")
