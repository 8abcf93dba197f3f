package broadcast

import (
	"context"
	"time"
)

// Sender sends one consultation message to one citizen of one OA and returns Zalo's message
// id. *zalo.Client does this (adapted in cmd/oabot).
type Sender interface {
	Send(ctx context.Context, userID string, m Message) (msgID string, err error)
}

// ArticleSender asks Zalo to broadcast an article to the OA's followers (zalo-oa.md §5.2).
type ArticleSender interface {
	BroadcastArticle(ctx context.Context, articleID string) (msgID string, err error)
}

// Account is one configured OA as campaigns see it.
type Account struct {
	ID   string // config slug
	OAID string
	// Verified OAs may broadcast articles (zalo-oa.md §5.2, §5.4).
	Verified bool
	Sender   Sender
	// Article is nil when the account cannot broadcast articles.
	Article ArticleSender
	// ArticleMonthlyCap is how many article broadcasts a month the OA's package allows
	// (Basic 1, Advanced 4, Premium 6 per zalo-oa.md §5.2); 0 means none.
	ArticleMonthlyCap int
}

// FollowerInfo is what the registry knows about one citizen of one OA.
type FollowerInfo struct {
	UserID            string
	LastInteractionAt time.Time // zero: never seen
	Follower          bool
	FollowerKnown     bool
}

// Followers is the follower registry as campaigns use it (bot/redisstore.FollowerRegistry).
type Followers interface {
	// Segment lists the user ids of oaID that fall in seg at time now.
	Segment(ctx context.Context, oaID string, seg Segment, now time.Time) ([]string, error)
	// Lookup returns what is known of each user, in the order given.
	Lookup(ctx context.Context, oaID string, userIDs []string) ([]FollowerInfo, error)
}

// Limiter paces sends per OA across all replicas. Wait returns when one more send to oaID is
// allowed, or with ctx's error.
type Limiter interface {
	Wait(ctx context.Context, oaID string) error
}

// RenderCard renders the card of a procedure for an account, as the messages to send.
type RenderCard func(ctx context.Context, account, procedureCode string) ([]Message, error)

// Claim is a recipient handed to one worker, with the parts already sent.
type Claim struct {
	Recipient
	// NextPart is the index of the next message to send (earlier parts were accepted).
	NextPart   int
	MessageIDs []string
}

// BeginResult says whether a worker may call Zalo for a claimed recipient.
type BeginResult int

// Begin results.
const (
	// Begun: the recipient is now marked "sending" by this worker; call Zalo.
	Begun BeginResult = iota + 1
	// Lost: the lease expired and the recipient belongs to someone else now; do nothing.
	Lost
	// Halted: the campaign is paused or cancelled; the recipient went back to the queue.
	Halted
)

// Store keeps plans and campaigns durably and makes each state change atomic. Every method
// that moves a recipient checks that the worker still holds it, so two replicas can never
// both send to one recipient.
type Store interface {
	SavePlan(ctx context.Context, p Plan, recipients []Recipient, ttl time.Duration) error
	// LoadPlan returns ErrPlanExpired when the plan is gone.
	LoadPlan(ctx context.Context, id string) (Plan, []Recipient, error)
	// CreateCampaign stores c and its recipients once: a second call with the same id
	// reports created == false and changes nothing. Recipients with Skip set are final at once.
	CreateCampaign(ctx context.Context, c Campaign, recipients []Recipient, status Status, sendAt time.Time) (created bool, err error)
	// Campaign returns ErrNotFound for an unknown id.
	Campaign(ctx context.Context, id string) (Campaign, Progress, error)
	// Campaigns lists ids, newest first; Active lists those scheduled, running or paused.
	Campaigns(ctx context.Context, limit int) ([]string, error)
	Active(ctx context.Context) ([]string, error)
	// SetStatus moves a campaign to status to, if the transition is allowed
	// (running/scheduled ↔ paused, any unfinished → cancelled); else ErrWrongStatus. note
	// (may be empty) says why, e.g. a pause forced by a Zalo error.
	SetStatus(ctx context.Context, id string, to Status, note string) (Progress, error)
	// Activate turns a scheduled campaign whose time has come into a running one.
	Activate(ctx context.Context, id string) (bool, error)
	// Claim hands up to n queued recipients of a running campaign to worker for lease.
	Claim(ctx context.Context, id, worker string, n int, lease time.Duration) ([]Claim, error)
	// Begin marks a claimed recipient "sending" part before the Zalo call.
	Begin(ctx context.Context, id, worker string, r Recipient, part int, lease time.Duration) (BeginResult, error)
	// Finish records that Zalo accepted part; after the last part the recipient is sent.
	Finish(ctx context.Context, id, worker string, r Recipient, part int, last bool, msgID string) error
	// Retry takes a recipient back from "sending" after an error that proves nothing was
	// delivered, and returns how many attempts it has had.
	Retry(ctx context.Context, id, worker string, r Recipient) (attempts int, err error)
	// Settle records a final state: failed (with code and reason), skipped (reason) or
	// unknown.
	Settle(ctx context.Context, id, worker string, r Recipient, res Result) error
	// Renew extends the lease of recipients this worker has claimed and not begun (a long
	// wait for the rate limiter must not let them expire).
	Renew(ctx context.Context, id, worker string, rs []Recipient, lease time.Duration) error
	// Release hands claimed recipients that were not begun back to the queue (shutdown).
	Release(ctx context.Context, id, worker string, rs []Recipient) error
	// Reclaim returns recipients whose lease expired: claimed ones to the queue, "sending"
	// ones to unknown (never re-sent).
	Reclaim(ctx context.Context, id string) (requeued, unknown int, err error)
	// Results calls fn for every recipient.
	Results(ctx context.Context, id string, fn func(Result) error) error
	// ReserveArticle counts one article broadcast for account in the month and day of at,
	// unless monthlyCap is reached or one was sent that day.
	ReserveArticle(ctx context.Context, account string, at time.Time, monthlyCap int) (bool, error)
	// ArticleCount is how many article broadcasts account made in at's month.
	ArticleCount(ctx context.Context, account string, at time.Time) (int, error)
}
