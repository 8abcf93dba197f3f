package broadcast

import (
	"context"
	"fmt"
	"time"
)

// FollowerCounts summarise one OA's follower registry.
type FollowerCounts struct {
	// Followers currently following (from follow events and the follower-list sync).
	Followers int `json:"followers"`
	// Unfollowed are known to have unfollowed.
	Unfollowed int `json:"unfollowed"`
	// Interacted have at least one known interaction; InWindow within ConsultationWindow.
	Interacted int `json:"interacted"`
	InWindow   int `json:"in_window"`
	// Tags and Labels count users per Zalo tag and per label of ours.
	Tags   map[string]int `json:"tags"`
	Labels map[string]int `json:"labels"`
	// Sync progress of the follower list.
	SyncedOffset int       `json:"synced_offset"`
	SyncedTotal  int       `json:"synced_total"`
	LastSyncAt   time.Time `json:"last_sync_at,omitempty"`
}

// SyncCursor is where a follower-list sync stands.
type SyncCursor struct {
	Offset     int
	Total      int
	Done       bool
	FinishedAt time.Time
}

// FollowerPage is one page of Zalo's follower list (GET /v3.0/oa/user/getlist, zalo-oa.md §7).
type FollowerPage struct {
	Total   int
	UserIDs []string
}

// FollowerLister reads Zalo's follower list of one OA.
type FollowerLister interface {
	FollowerPage(ctx context.Context, offset, count int) (FollowerPage, error)
}

// SyncStore keeps the synced followers and the cursor (bot/redisstore.FollowerRegistry).
type SyncStore interface {
	SyncCursor(ctx context.Context, oaID string) (SyncCursor, error)
	SaveSyncPage(ctx context.Context, oaID string, userIDs []string, c SyncCursor) error
}

// SyncPageSize is the largest page Zalo's follower list returns (zalo-oa.md §7: count ≤ 50).
const SyncPageSize = 50

// SyncOptions tune SyncFollowers.
type SyncOptions struct {
	// Restart ignores a finished or interrupted earlier sync and starts at offset 0.
	Restart bool
	// Limiter paces the list calls (key "sync:<oa>"); nil for none.
	Limiter Limiter
	// Progress is called after every page (for the CLI).
	Progress func(SyncCursor)
	Now      func() time.Time
}

// SyncFollowers copies Zalo's follower list of oaID into the registry, page by page. The
// cursor is saved with every page, so an interrupted sync resumes where it stopped. Zalo
// reports an offset cap near 10,000 per filter ([S] §7); a larger list stops with an error
// from Zalo that is returned as is.
func SyncFollowers(ctx context.Context, oaID string, l FollowerLister, st SyncStore, o SyncOptions) (SyncCursor, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	cur, err := st.SyncCursor(ctx, oaID)
	if err != nil {
		return cur, err
	}
	if o.Restart || cur.Done {
		cur = SyncCursor{}
	}
	for {
		if o.Limiter != nil {
			if err := o.Limiter.Wait(ctx, "sync:"+oaID); err != nil {
				return cur, err
			}
		}
		page, err := l.FollowerPage(ctx, cur.Offset, SyncPageSize)
		if err != nil {
			return cur, fmt.Errorf("follower list at offset %d: %w", cur.Offset, err)
		}
		cur.Offset += len(page.UserIDs)
		cur.Total = page.Total
		if len(page.UserIDs) == 0 || cur.Offset >= page.Total {
			cur.Done, cur.FinishedAt = true, o.Now()
		}
		if err := st.SaveSyncPage(ctx, oaID, page.UserIDs, cur); err != nil {
			return cur, err
		}
		if o.Progress != nil {
			o.Progress(cur)
		}
		if cur.Done {
			return cur, nil
		}
	}
}

// TagLister reads the OA's Zalo tags and the followers carrying one (getlist with
// tag_name, zalo-oa.md §7).
type TagLister interface {
	Tags(ctx context.Context) ([]string, error)
	TagPage(ctx context.Context, tag string, offset, count int) (FollowerPage, error)
}

// TagStore records Zalo tags in the registry (bot/redisstore.FollowerRegistry).
type TagStore interface {
	SetTag(ctx context.Context, oaID, userID, name string, on bool) error
}

// SyncTags copies the Zalo tags of oaID's followers (tags set in the OA admin site) into the
// registry, so campaigns can target them. Tags are only added: a tag removed on Zalo stays
// in the registry until untagged through oabot. It returns the number of (user, tag) pairs.
func SyncTags(ctx context.Context, oaID string, l TagLister, st TagStore, lim Limiter) (int, error) {
	tags, err := l.Tags(ctx)
	if err != nil {
		return 0, fmt.Errorf("list tags: %w", err)
	}
	n := 0
	for _, tag := range tags {
		for offset := 0; ; {
			if lim != nil {
				if err := lim.Wait(ctx, "sync:"+oaID); err != nil {
					return n, err
				}
			}
			page, err := l.TagPage(ctx, tag, offset, SyncPageSize)
			if err != nil {
				return n, fmt.Errorf("followers with tag %q at offset %d: %w", tag, offset, err)
			}
			for _, u := range page.UserIDs {
				if err := st.SetTag(ctx, oaID, u, tag, true); err != nil {
					return n, err
				}
				n++
			}
			offset += len(page.UserIDs)
			if len(page.UserIDs) == 0 || offset >= page.Total {
				break
			}
		}
	}
	return n, nil
}
