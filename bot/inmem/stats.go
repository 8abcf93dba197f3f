package inmem

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/oabot/oabot/bot"
)

// Stats keeps the per-account conversation counters in memory (demo mode), like
// redisstore.Stats.
type Stats struct {
	maxUnmatched int

	mu       sync.Mutex
	accounts map[string]*accountStats
}

type accountStats struct {
	views, unmatched   map[string]int64
	lastAsked          map[string]time.Time // unmatched query → last asked
	hints              map[string]string    // unmatched query → the citizen's pick
	typed              map[string]string    // unmatched query → as last typed
	follows, unfollows int64
	referrals          int64
	msgs               map[string]int64 // Vietnam day → messages
}

var (
	_ bot.Stats           = (*Stats)(nil)
	_ bot.UnansweredStore = (*Stats)(nil)
)

// NewStats returns in-memory counters; maxUnmatched caps distinct unmatched queries per
// account (0 means 2000; the least asked are dropped).
func NewStats(maxUnmatched int) *Stats {
	if maxUnmatched <= 0 {
		maxUnmatched = 2000
	}
	return &Stats{maxUnmatched: maxUnmatched, accounts: map[string]*accountStats{}}
}

// Record adds d to the account's counters.
func (s *Stats) Record(_ context.Context, account string, d bot.StatsDelta, at time.Time) error {
	if d.Empty() {
		return nil
	}
	if account == "" {
		return errors.New("inmem: record stats: empty account")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[account]
	if a == nil {
		a = &accountStats{views: map[string]int64{}, unmatched: map[string]int64{}, lastAsked: map[string]time.Time{},
			hints: map[string]string{}, typed: map[string]string{}, msgs: map[string]int64{}}
		s.accounts[account] = a
	}
	for _, code := range d.Views {
		a.views[code]++
	}
	if d.Unmatched != "" {
		a.unmatched[d.Unmatched]++
		a.lastAsked[d.Unmatched] = at
		if len(a.unmatched) > s.maxUnmatched {
			least := top(a.unmatched, len(a.unmatched))
			delete(a.unmatched, least[len(least)-1].Key)
		}
		if len(a.lastAsked) > s.maxUnmatched {
			oldest := ""
			for k, t := range a.lastAsked {
				if oldest == "" || t.Before(a.lastAsked[oldest]) {
					oldest = k
				}
			}
			delete(a.lastAsked, oldest)
		}
		if d.UnmatchedTyped != "" {
			a.typed[d.Unmatched] = d.UnmatchedTyped
			if len(a.typed) > s.maxUnmatched {
				a.typed = map[string]string{} // as Redis: dropped whole past the cap
			}
		}
	}
	if c := d.Chosen; c != nil && c.Query != "" && c.Code != "" {
		a.hints[c.Query] = c.Code
		if len(a.hints) > s.maxUnmatched {
			a.hints = map[string]string{} // as Redis: dropped whole past the cap
		}
	}
	a.referrals += int64(d.Referrals)
	a.follows += int64(d.Follows)
	a.unfollows += int64(d.Unfollows)
	if d.Messages != 0 {
		a.msgs[bot.StatsDay(at)] += int64(d.Messages)
	}
	return nil
}

// Summary reads the account's counters.
func (s *Stats) Summary(_ context.Context, account string, q bot.StatsQuery) (bot.StatsSummary, error) {
	q = q.Normalized()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := bot.StatsSummary{Views: []bot.Count{}, Unmatched: []bot.Count{}}
	a := s.accounts[account]
	if a != nil {
		out.Views, out.Unmatched = top(a.views, q.Top), top(a.unmatched, q.Top)
		for i, c := range out.Unmatched {
			out.Unmatched[i].Typed = a.typed[c.Key]
		}
		out.Follows, out.Unfollows, out.Referrals = a.follows, a.unfollows, a.referrals
	}
	for _, day := range bot.StatsDays(q) {
		var n int64
		if a != nil {
			n = a.msgs[day]
		}
		out.Messages = append(out.Messages, bot.DayCount{Day: day, Count: n})
	}
	return out, nil
}

// top returns the n largest counts, ties by key descending (as Redis ZREVRANGE does).
func top(m map[string]int64, n int) []bot.Count {
	out := make([]bot.Count, 0, len(m))
	for k, v := range m {
		out = append(out, bot.Count{Key: k, Count: v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Key > out[j].Key
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// Attachments caches uploaded Zalo attachment ids in memory (bot.AttachmentCache).
type Attachments struct {
	now func() time.Time

	mu sync.Mutex
	m  map[string]attachment
}

type attachment struct {
	id      string
	expires time.Time
}

var _ bot.AttachmentCache = (*Attachments)(nil)

// NewAttachments returns an empty cache; now is the clock (nil means time.Now).
func NewAttachments(now func() time.Time) *Attachments {
	if now == nil {
		now = time.Now
	}
	return &Attachments{now: now, m: map[string]attachment{}}
}

// Attachment returns the cached id, or "" when absent or expired.
func (a *Attachments) Attachment(_ context.Context, key string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	at, ok := a.m[key]
	if !ok || !a.now().Before(at.expires) {
		delete(a.m, key)
		return "", nil
	}
	return at.id, nil
}

// SetAttachment caches id for ttl.
func (a *Attachments) SetAttachment(_ context.Context, key, id string, ttl time.Duration) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.m[key] = attachment{id: id, expires: a.now().Add(ttl)}
	return nil
}

// DeleteAttachment forgets key.
func (a *Attachments) DeleteAttachment(_ context.Context, key string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.m, key)
	return nil
}

// Unanswered lists the account's n most recently asked unanswered questions.
func (s *Stats) Unanswered(_ context.Context, account string, n int) ([]bot.Unanswered, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []bot.Unanswered{}
	a := s.accounts[account]
	if a == nil {
		return out, nil
	}
	for k, t := range a.lastAsked {
		out = append(out, bot.Unanswered{Text: k, Typed: a.typed[k], Count: max(1, a.unmatched[k]), Last: t, Chosen: a.hints[k]})
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Last.Equal(out[j].Last) {
			return out[i].Last.After(out[j].Last)
		}
		return out[i].Text > out[j].Text
	})
	return out[:min(n, len(out))], nil
}

// DropUnanswered forgets questions an officer has dealt with.
func (s *Stats) DropUnanswered(_ context.Context, account string, texts ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[account]; a != nil {
		for _, t := range texts {
			delete(a.unmatched, t)
			delete(a.lastAsked, t)
			delete(a.hints, t)
			delete(a.typed, t)
		}
	}
	return nil
}

// CountUnanswered is how many unanswered questions the account has.
func (s *Stats) CountUnanswered(_ context.Context, account string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[account]; a != nil {
		return int64(len(a.lastAsked)), nil
	}
	return 0, nil
}
