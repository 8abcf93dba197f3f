package redisstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oabot/oabot/bot/broadcast"
)

// FollowerRegistry knows, per OA, who follows, when each citizen last interacted, the Zalo
// tags and our own labels (ward, khu phố) of each follower. Keys of one OA share the hash tag
// {oaID}:
//
//	fol:{oa}:last        sorted set user → last interaction (unix ms), for "within N days"
//	fol:{oa}:follow      hash user → "1" follower / "0" unfollowed
//	fol:{oa}:followers   set of current followers
//	fol:{oa}:tag:<name>  set of users with a Zalo tag;   fol:{oa}:utag:<user>   their tags
//	fol:{oa}:label:<n>   set of users with our label;    fol:{oa}:ulabel:<user> their labels
//	fol:{oa}:tags, fol:{oa}:labels   names in use
//	fol:{oa}:sync        hash: the follower-list sync cursor
type FollowerRegistry struct {
	rdb   redis.UniversalClient
	keys  Keyspace
	touch *batcher // Touch's writes, shared with other workers' in flight
}

var _ broadcast.Followers = (*FollowerRegistry)(nil)

// NewFollowerRegistry returns a registry on rdb with keys under prefix (default "oabot:").
func NewFollowerRegistry(rdb redis.UniversalClient, prefix string) (*FollowerRegistry, error) {
	if rdb == nil {
		return nil, errors.New("redisstore: nil redis client")
	}
	return &FollowerRegistry{rdb: rdb, keys: keyspace(prefix), touch: workBatcher(rdb)}, nil
}

func (f *FollowerRegistry) key(oaID string, parts ...string) string {
	return f.keys.Key(append([]string{"fol", "{" + oaID + "}"}, parts...)...)
}

// Touch records an event of userID in oaID: at (if not zero) becomes the last interaction
// unless a later one is known, and follower (if not nil) the follow state. The conversation
// worker calls it for every event: Touch(ctx, oa, user, ev.Time, nil) for messages,
// &true for follow, &false (and a zero at) for unfollow.
func (f *FollowerRegistry) Touch(ctx context.Context, oaID, userID string, at time.Time, follower *bool) error {
	err := f.touch.do(ctx, func(p redis.Pipeliner) {
		if !at.IsZero() {
			// GT: events can arrive out of order; keep the latest.
			p.ZAddGT(ctx, f.key(oaID, "last"), redis.Z{Score: float64(at.UnixMilli()), Member: userID})
		}
		if follower != nil {
			f.setFollow(ctx, p, oaID, userID, *follower)
		}
	})
	if err != nil {
		return fmt.Errorf("touch follower: %w", err)
	}
	return nil
}

func (f *FollowerRegistry) setFollow(ctx context.Context, p redis.Pipeliner, oaID, userID string, on bool) {
	if on {
		p.HSet(ctx, f.key(oaID, "follow"), userID, "1")
		p.SAdd(ctx, f.key(oaID, "followers"), userID)
		return
	}
	p.HSet(ctx, f.key(oaID, "follow"), userID, "0")
	p.SRem(ctx, f.key(oaID, "followers"), userID)
}

// AddFollowers marks users as followers (from Zalo's follower list) without touching their
// last interaction.
func (f *FollowerRegistry) AddFollowers(ctx context.Context, oaID string, userIDs []string) error {
	if len(userIDs) == 0 {
		return nil
	}
	_, err := f.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, u := range userIDs {
			f.setFollow(ctx, p, oaID, u, true)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("add followers: %w", err)
	}
	return nil
}

// Segment lists the users of oaID in seg, sorted.
func (f *FollowerRegistry) Segment(ctx context.Context, oaID string, seg broadcast.Segment, now time.Time) ([]string, error) {
	var ids []string
	var err error
	switch seg.Kind {
	case broadcast.SegmentAll, "":
		ids, err = f.members(ctx, f.key(oaID, "followers"))
	case broadcast.SegmentInteracted:
		from := now.Add(-time.Duration(seg.Days) * 24 * time.Hour).UnixMilli()
		ids, err = f.rdb.ZRangeByScore(ctx, f.key(oaID, "last"), &redis.ZRangeBy{
			Min: strconv.FormatInt(from, 10), Max: "+inf"}).Result()
	case broadcast.SegmentTag:
		ids, err = f.members(ctx, f.key(oaID, "tag", seg.Tag))
	case broadcast.SegmentLabel:
		ids, err = f.members(ctx, f.key(oaID, "label", seg.Label))
	default:
		return nil, fmt.Errorf("unknown segment kind %q", seg.Kind)
	}
	if err != nil {
		return nil, fmt.Errorf("segment: %w", err)
	}
	slices.Sort(ids)
	return ids, nil
}

func (f *FollowerRegistry) members(ctx context.Context, key string) ([]string, error) {
	var out []string
	iter := f.rdb.SScan(ctx, key, 0, "", 1000).Iterator()
	for iter.Next(ctx) {
		out = append(out, iter.Val())
	}
	return out, iter.Err()
}

// Lookup returns what is known about each user, in order.
func (f *FollowerRegistry) Lookup(ctx context.Context, oaID string, userIDs []string) ([]broadcast.FollowerInfo, error) {
	out := make([]broadcast.FollowerInfo, 0, len(userIDs))
	for chunk := range slices.Chunk(userIDs, 1000) {
		p := f.rdb.Pipeline()
		scores := p.ZMScore(ctx, f.key(oaID, "last"), chunk...)
		follows := p.HMGet(ctx, f.key(oaID, "follow"), chunk...)
		if _, err := p.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("look up followers: %w", err)
		}
		sc, fl := scores.Val(), follows.Val()
		for i, u := range chunk {
			fi := broadcast.FollowerInfo{UserID: u}
			if i < len(sc) && sc[i] > 0 {
				fi.LastInteractionAt = time.UnixMilli(int64(sc[i]))
			}
			if i < len(fl) {
				if v, ok := fl[i].(string); ok {
					fi.FollowerKnown, fi.Follower = true, v == "1"
				}
			}
			out = append(out, fi)
		}
	}
	return out, nil
}

// Counts summarises the registry of oaID at time now.
func (f *FollowerRegistry) Counts(ctx context.Context, oaID string, now time.Time) (broadcast.FollowerCounts, error) {
	p := f.rdb.Pipeline()
	followers := p.SCard(ctx, f.key(oaID, "followers"))
	known := p.HLen(ctx, f.key(oaID, "follow"))
	seen := p.ZCard(ctx, f.key(oaID, "last"))
	inWindow := p.ZCount(ctx, f.key(oaID, "last"),
		strconv.FormatInt(now.Add(-broadcast.ConsultationWindow).UnixMilli(), 10), "+inf")
	tags := p.SMembers(ctx, f.key(oaID, "tags"))
	labels := p.SMembers(ctx, f.key(oaID, "labels"))
	sync := p.HGetAll(ctx, f.key(oaID, "sync"))
	if _, err := p.Exec(ctx); err != nil {
		return broadcast.FollowerCounts{}, fmt.Errorf("count followers: %w", err)
	}
	c := broadcast.FollowerCounts{
		Followers:    int(followers.Val()),
		Unfollowed:   int(known.Val() - followers.Val()),
		Interacted:   int(seen.Val()),
		InWindow:     int(inWindow.Val()),
		Tags:         map[string]int{},
		Labels:       map[string]int{},
		SyncedOffset: atoiOr0(sync.Val()["offset"]),
		SyncedTotal:  atoiOr0(sync.Val()["total"]),
	}
	if ms := atoiOr0(sync.Val()["finished_at"]); ms > 0 {
		c.LastSyncAt = time.UnixMilli(int64(ms))
	}
	p = f.rdb.Pipeline()
	tagCards := map[string]*redis.IntCmd{}
	for _, t := range tags.Val() {
		tagCards[t] = p.SCard(ctx, f.key(oaID, "tag", t))
	}
	labelCards := map[string]*redis.IntCmd{}
	for _, l := range labels.Val() {
		labelCards[l] = p.SCard(ctx, f.key(oaID, "label", l))
	}
	if len(tagCards)+len(labelCards) > 0 {
		if _, err := p.Exec(ctx); err != nil {
			return c, fmt.Errorf("count tags: %w", err)
		}
	}
	for t, cmd := range tagCards {
		c.Tags[t] = int(cmd.Val())
	}
	for l, cmd := range labelCards {
		c.Labels[l] = int(cmd.Val())
	}
	return c, nil
}

func atoiOr0(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// SetTag records that userID has (on) or no longer has the Zalo tag name. The caller tags
// or untags on Zalo first; this keeps the registry's copy for segments.
func (f *FollowerRegistry) SetTag(ctx context.Context, oaID, userID, name string, on bool) error {
	return f.setMark(ctx, oaID, userID, "tag", "utag", "tags", name, on)
}

// SetLabel adds (on) or removes our own label name (a ward, a khu phố) for userID.
func (f *FollowerRegistry) SetLabel(ctx context.Context, oaID, userID, name string, on bool) error {
	return f.setMark(ctx, oaID, userID, "label", "ulabel", "labels", name, on)
}

func (f *FollowerRegistry) setMark(ctx context.Context, oaID, userID, set, userSet, names, name string, on bool) error {
	if name == "" || userID == "" {
		return errors.New("empty user or name")
	}
	_, err := f.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		if on {
			p.SAdd(ctx, f.key(oaID, set, name), userID)
			p.SAdd(ctx, f.key(oaID, userSet, userID), name)
			p.SAdd(ctx, f.key(oaID, names), name)
		} else {
			p.SRem(ctx, f.key(oaID, set, name), userID)
			p.SRem(ctx, f.key(oaID, userSet, userID), name)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set %s: %w", set, err)
	}
	return nil
}

// Marks returns the Zalo tags and our labels of userID, sorted.
func (f *FollowerRegistry) Marks(ctx context.Context, oaID, userID string) (tags, labels []string, err error) {
	p := f.rdb.Pipeline()
	t := p.SMembers(ctx, f.key(oaID, "utag", userID))
	l := p.SMembers(ctx, f.key(oaID, "ulabel", userID))
	if _, err := p.Exec(ctx); err != nil {
		return nil, nil, fmt.Errorf("follower marks: %w", err)
	}
	tags, labels = t.Val(), l.Val()
	slices.Sort(tags)
	slices.Sort(labels)
	return tags, labels, nil
}

// SyncCursor returns where an interrupted follower-list sync stopped.
func (f *FollowerRegistry) SyncCursor(ctx context.Context, oaID string) (broadcast.SyncCursor, error) {
	m, err := f.rdb.HGetAll(ctx, f.key(oaID, "sync")).Result()
	if err != nil {
		return broadcast.SyncCursor{}, fmt.Errorf("read sync cursor: %w", err)
	}
	c := broadcast.SyncCursor{Offset: atoiOr0(m["offset"]), Total: atoiOr0(m["total"]), Done: m["done"] == "1"}
	if ms := atoiOr0(m["finished_at"]); ms > 0 {
		c.FinishedAt = time.UnixMilli(int64(ms))
	}
	return c, nil
}

// SaveSyncPage records one page of the follower list and the cursor after it, together, so
// a sync resumed after a crash neither skips nor needs to redo a page.
func (f *FollowerRegistry) SaveSyncPage(ctx context.Context, oaID string, userIDs []string, c broadcast.SyncCursor) error {
	_, err := f.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, u := range userIDs {
			f.setFollow(ctx, p, oaID, u, true)
		}
		fields := map[string]any{"offset": c.Offset, "total": c.Total, "done": "0"}
		if c.Done {
			fields["done"] = "1"
			fields["finished_at"] = c.FinishedAt.UnixMilli()
		}
		p.HSet(ctx, f.key(oaID, "sync"), fields)
		return nil
	})
	if err != nil {
		return fmt.Errorf("save sync page: %w", err)
	}
	return nil
}
