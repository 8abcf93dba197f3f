package inmem

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/oabot/oabot/bot/broadcast"
)

// FollowerRegistry knows, per OA, who follows, when each citizen last interacted, the Zalo
// tags and our own labels of each follower — redisstore.FollowerRegistry in memory, for demo
// mode (broadcast.Followers, broadcast.SyncStore, broadcast.TagStore and the admin API's
// follower routes). One mutex serialises every call; single process only, lost on restart.
type FollowerRegistry struct {
	mu  sync.Mutex
	oas map[string]*oaFollowers
}

var (
	_ broadcast.Followers = (*FollowerRegistry)(nil)
	_ broadcast.SyncStore = (*FollowerRegistry)(nil)
	_ broadcast.TagStore  = (*FollowerRegistry)(nil)
)

type oaFollowers struct {
	last      map[string]int64 // user → last interaction (unix ms)
	follow    map[string]bool  // user → follows (true) / unfollowed (false)
	tags      map[string]map[string]bool
	utags     map[string]map[string]bool
	labels    map[string]map[string]bool
	ulabels   map[string]map[string]bool
	tagNames  map[string]bool // names ever used (as the Redis store keeps them)
	labelName map[string]bool
	sync      broadcast.SyncCursor
}

// NewFollowerRegistry returns an empty registry.
func NewFollowerRegistry() *FollowerRegistry {
	return &FollowerRegistry{oas: map[string]*oaFollowers{}}
}

// oa returns oaID's registry, creating it; the caller holds f.mu.
func (f *FollowerRegistry) oa(oaID string) *oaFollowers {
	o := f.oas[oaID]
	if o == nil {
		o = &oaFollowers{last: map[string]int64{}, follow: map[string]bool{},
			tags: map[string]map[string]bool{}, utags: map[string]map[string]bool{},
			labels: map[string]map[string]bool{}, ulabels: map[string]map[string]bool{},
			tagNames: map[string]bool{}, labelName: map[string]bool{}}
		f.oas[oaID] = o
	}
	return o
}

// Touch records an event of userID in oaID: at (if not zero) becomes the last interaction
// unless a later one is known, and follower (if not nil) the follow state.
func (f *FollowerRegistry) Touch(_ context.Context, oaID, userID string, at time.Time, follower *bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.oa(oaID)
	if !at.IsZero() {
		if ms := at.UnixMilli(); ms > o.last[userID] { // events can arrive out of order
			o.last[userID] = ms
		}
	}
	if follower != nil {
		o.follow[userID] = *follower
	}
	return nil
}

// AddFollowers marks users as followers without touching their last interaction.
func (f *FollowerRegistry) AddFollowers(_ context.Context, oaID string, userIDs []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.oa(oaID)
	for _, u := range userIDs {
		o.follow[u] = true
	}
	return nil
}

// Segment lists the users of oaID in seg, sorted.
func (f *FollowerRegistry) Segment(_ context.Context, oaID string, seg broadcast.Segment, now time.Time) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.oa(oaID)
	var ids []string
	switch seg.Kind {
	case broadcast.SegmentAll, "":
		for u, on := range o.follow {
			if on {
				ids = append(ids, u)
			}
		}
	case broadcast.SegmentInteracted:
		from := now.Add(-time.Duration(seg.Days) * 24 * time.Hour).UnixMilli()
		for u, ms := range o.last {
			if ms >= from {
				ids = append(ids, u)
			}
		}
	case broadcast.SegmentTag:
		ids = keys(o.tags[seg.Tag])
	case broadcast.SegmentLabel:
		ids = keys(o.labels[seg.Label])
	default:
		return nil, fmt.Errorf("unknown segment kind %q", seg.Kind)
	}
	slices.Sort(ids)
	return ids, nil
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k, on := range m {
		if on {
			out = append(out, k)
		}
	}
	return out
}

// Lookup returns what is known about each user, in order.
func (f *FollowerRegistry) Lookup(_ context.Context, oaID string, userIDs []string) ([]broadcast.FollowerInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.oa(oaID)
	out := make([]broadcast.FollowerInfo, 0, len(userIDs))
	for _, u := range userIDs {
		fi := broadcast.FollowerInfo{UserID: u}
		if ms, ok := o.last[u]; ok && ms > 0 {
			fi.LastInteractionAt = time.UnixMilli(ms)
		}
		if on, ok := o.follow[u]; ok {
			fi.FollowerKnown, fi.Follower = true, on
		}
		out = append(out, fi)
	}
	return out, nil
}

// Counts summarises the registry of oaID at time now.
func (f *FollowerRegistry) Counts(_ context.Context, oaID string, now time.Time) (broadcast.FollowerCounts, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.oa(oaID)
	c := broadcast.FollowerCounts{Tags: map[string]int{}, Labels: map[string]int{},
		SyncedOffset: o.sync.Offset, SyncedTotal: o.sync.Total}
	for _, on := range o.follow {
		if on {
			c.Followers++
		} else {
			c.Unfollowed++
		}
	}
	from := now.Add(-broadcast.ConsultationWindow).UnixMilli()
	for _, ms := range o.last {
		c.Interacted++
		if ms >= from {
			c.InWindow++
		}
	}
	for t := range o.tagNames {
		c.Tags[t] = len(o.tags[t])
	}
	for l := range o.labelName {
		c.Labels[l] = len(o.labels[l])
	}
	if !o.sync.FinishedAt.IsZero() {
		c.LastSyncAt = time.UnixMilli(o.sync.FinishedAt.UnixMilli())
	}
	return c, nil
}

// SetTag records that userID has (on) or no longer has the Zalo tag name.
func (f *FollowerRegistry) SetTag(_ context.Context, oaID, userID, name string, on bool) error {
	if name == "" || userID == "" {
		return errEmptyMark
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.oa(oaID)
	setMark(o.tags, o.utags, o.tagNames, userID, name, on)
	return nil
}

// SetLabel adds (on) or removes our own label name for userID.
func (f *FollowerRegistry) SetLabel(_ context.Context, oaID, userID, name string, on bool) error {
	if name == "" || userID == "" {
		return errEmptyMark
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.oa(oaID)
	setMark(o.labels, o.ulabels, o.labelName, userID, name, on)
	return nil
}

func setMark(byName, byUser map[string]map[string]bool, names map[string]bool, userID, name string, on bool) {
	if !on {
		delete(byName[name], userID)
		delete(byUser[userID], name)
		return
	}
	if byName[name] == nil {
		byName[name] = map[string]bool{}
	}
	if byUser[userID] == nil {
		byUser[userID] = map[string]bool{}
	}
	byName[name][userID], byUser[userID][name], names[name] = true, true, true
}

// Marks returns the Zalo tags and our labels of userID, sorted.
func (f *FollowerRegistry) Marks(_ context.Context, oaID, userID string) (tags, labels []string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.oa(oaID)
	tags, labels = keys(o.utags[userID]), keys(o.ulabels[userID])
	slices.Sort(tags)
	slices.Sort(labels)
	return tags, labels, nil
}

// SyncCursor returns where an interrupted follower-list sync stopped.
func (f *FollowerRegistry) SyncCursor(_ context.Context, oaID string) (broadcast.SyncCursor, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.oa(oaID).sync
	if !c.FinishedAt.IsZero() {
		c.FinishedAt = time.UnixMilli(c.FinishedAt.UnixMilli())
	}
	return c, nil
}

// SaveSyncPage records one page of the follower list and the cursor after it, together.
func (f *FollowerRegistry) SaveSyncPage(_ context.Context, oaID string, userIDs []string, c broadcast.SyncCursor) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.oa(oaID)
	for _, u := range userIDs {
		o.follow[u] = true
	}
	if !c.Done {
		c.FinishedAt = o.sync.FinishedAt // the Redis store keeps the last finish time
	}
	o.sync = c
	return nil
}
