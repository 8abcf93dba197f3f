package bot

import (
	"context"
	"time"

	"github.com/oabot/oabot/zalo"
)

// Stats keeps per-account counters for officers: views per procedure, unmatched queries,
// follows and unfollows, messages per day. Implementations: bot/redisstore.Stats and
// bot/inmem.Stats. Recording is best effort: the bot logs a failure and carries on.
type Stats interface {
	// Record adds one batch of counts for an account, at time at (days are Vietnam days).
	Record(ctx context.Context, account string, d StatsDelta, at time.Time) error
	// Summary reads the counters of an account.
	Summary(ctx context.Context, account string, q StatsQuery) (StatsSummary, error)
}

// StatsDelta is what one event adds to the counters.
type StatsDelta struct {
	// Views lists procedure codes shown (a card or a section).
	Views []string
	// Unmatched is a query nobody could answer, already masked (maskQuery); UnmatchedTyped
	// is the same query as the citizen typed it, masked too (maskTyped), for officers to
	// read ("" when not known).
	Unmatched, UnmatchedTyped string
	// Follows and Unfollows count follow / unfollow events.
	Follows, Unfollows int
	// Messages counts citizen messages.
	Messages int
	// Chosen is the procedure a citizen picked after saying a card was not what they
	// needed: a hint for the officer labelling that (unanswered) message.
	Chosen *Choice
	// Referrals counts questions sent to another office (a procedure outside the scope).
	Referrals int
}

// Choice is a citizen's pick for a masked message (StatsDelta.Chosen).
type Choice struct {
	Query, Code string
}

// Empty reports whether d adds nothing.
func (d StatsDelta) Empty() bool {
	return len(d.Views) == 0 && d.Unmatched == "" && d.Follows == 0 && d.Unfollows == 0 && d.Messages == 0 && d.Chosen == nil &&
		d.Referrals == 0
}

// Unanswered is a question the bot could not answer, as officers review it: the masked
// text (maskQuery: folded, identifying numbers masked), how often and when last asked.
type Unanswered struct {
	Text string `json:"text"`
	// Typed is the text as last typed, with its diacritics (maskTyped); "" when not
	// recorded. Text, its folded form, is the question's key.
	Typed string    `json:"typed,omitempty"`
	Count int64     `json:"count"`
	Last  time.Time `json:"last"`
	// Chosen is the procedure a citizen picked from the other candidates after saying the
	// bot's card for this message was wrong ("" when none).
	Chosen string `json:"chosen,omitempty"`
}

// UnansweredStore lists the unanswered questions newest first and forgets the ones an
// officer has dealt with (redisstore.Stats and inmem.Stats; statstest checks both).
type UnansweredStore interface {
	Unanswered(ctx context.Context, account string, n int) ([]Unanswered, error)
	DropUnanswered(ctx context.Context, account string, texts ...string) error
	// CountUnanswered is how many unanswered questions the account has.
	CountUnanswered(ctx context.Context, account string) (int64, error)
}

// StatsQuery selects what Summary returns.
type StatsQuery struct {
	// Top is how many procedures and unmatched queries to return (default 20).
	Top int
	// Days is how many days of message counts to return, ending today (default 30).
	Days int
	// Now is "today"; zero means time.Now.
	Now time.Time
}

// StatsSummary is what officers see.
type StatsSummary struct {
	Views     []Count `json:"views"`
	Unmatched []Count `json:"unmatched"`
	Follows   int64   `json:"follows"`
	Unfollows int64   `json:"unfollows"`
	// Referrals counts questions sent to another office (outside the account's scope).
	Referrals int64      `json:"referrals"`
	Messages  []DayCount `json:"messages_per_day"`
}

// Count is a key with its count, e.g. a procedure code or a masked query.
type Count struct {
	Key   string `json:"key"`
	Count int64  `json:"count"`
	// Typed is, for an unanswered question (StatsSummary.Unmatched), the text as last
	// typed (Unanswered.Typed): "" when not recorded.
	Typed string `json:"typed,omitempty"`
}

// DayCount is a count for one Vietnam day (YYYY-MM-DD).
type DayCount struct {
	Day   string `json:"day"`
	Count int64  `json:"count"`
}

// Defaults of StatsQuery.
const (
	DefaultStatsTop  = 20
	DefaultStatsDays = 30
)

// Normalized fills the defaults of q.
func (q StatsQuery) Normalized() StatsQuery {
	if q.Top <= 0 {
		q.Top = DefaultStatsTop
	}
	if q.Days <= 0 {
		q.Days = DefaultStatsDays
	}
	if q.Now.IsZero() {
		q.Now = time.Now()
	}
	return q
}

// StatsDay is the Vietnam calendar day of t, as used for messages per day.
func StatsDay(t time.Time) string { return t.In(zalo.Vietnam).Format("2006-01-02") }

// StatsDays lists the q.Days days ending with q.Now, oldest first.
func StatsDays(q StatsQuery) []string {
	q = q.Normalized()
	now := q.Now.In(zalo.Vietnam)
	out := make([]string, q.Days)
	for i := range out {
		out[i] = StatsDay(now.AddDate(0, 0, -(q.Days - 1 - i)))
	}
	return out
}
