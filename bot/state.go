package bot

import (
	"context"
	"errors"
	"time"
)

// Conversation is what the bot remembers about one citizen in one OA, keyed by
// (oa_id, user_id) (zalo-oa.md §8.1: user ids are scoped per OA).
//
// It is stored whole with a TTL, so keep it small: no message text, no phone numbers.
// New fields must be optional (zero value = "unknown") so older stored values still decode.
// bot/redisstore stores it in a binary encoding of its own, field by field: a new field needs
// a field number there and a value in statetest.Full (the store contract fails until every
// store keeps it).
type Conversation struct {
	// LastList holds the procedure codes of the last numbered list shown, in order, so that
	// "2" picks LastList[1] (page offset included).
	LastList []string `json:"last_list,omitempty"`
	// ListQuery is the normalised query that produced LastList, for "xem thêm" (next page).
	ListQuery string `json:"list_query,omitempty"`
	// ListSection is the part of a procedure the question that produced LastList asked
	// about (a bot.Section; 0 = the card), so "2" after "hộ chiếu cần giấy tờ gì" shows
	// the documents.
	ListSection int `json:"list_section,omitempty"`
	// Page is the zero-based page of LastList currently shown.
	Page int `json:"page,omitempty"`
	// Current is the code of the procedure the citizen is looking at, for follow-ups
	// ("cần giấy tờ gì").
	Current string `json:"current,omitempty"`
	// MutedUntil silences the bot for this citizen (officer takeover or handoff).
	MutedUntil time.Time `json:"muted_until,omitempty"`
	// LastInteractionAt is the time of the citizen's last event; the 7-day consultation
	// window for broadcasts is measured from it (zalo-oa.md §5.1).
	LastInteractionAt time.Time `json:"last_interaction_at,omitempty"`
	// Follower is true after follow, false after unfollow; nil-like "unknown" is
	// FollowerKnown == false.
	Follower      bool `json:"follower,omitempty"`
	FollowerKnown bool `json:"follower_known,omitempty"`
	// LastNudgeAt is when the bot last told the citizen it only reads text (for non-text
	// messages), so the nudge is sent at most once every few minutes.
	LastNudgeAt time.Time `json:"last_nudge_at,omitempty"`
	// InfoSubmittedAt is when the citizen shared info via request_user_info (consent time).
	InfoSubmittedAt time.Time `json:"info_submitted_at,omitempty"`
	// RateStart and RateCount count the citizen's messages in the current one-minute
	// window (per-citizen rate limit, bot/ratelimit.go).
	RateStart time.Time `json:"rate_start,omitempty"`
	RateCount int       `json:"rate_count,omitempty"`
	// Job records how far the bot got with the last job for this citizen, so that a job
	// retried after a partial send does not repeat messages (bot/bot.go, "Idempotency").
	Job JobProgress `json:"job,omitzero"`
	// Feedback is the last card a search answered, for "không phải" (feedback.go).
	Feedback Feedback `json:"feedback,omitzero"`
}

// Feedback is what the bot keeps after answering a search with one card, so that the
// citizen can say it is not what they need: the message (masked as for officers, never
// the raw text), the card shown and the other candidates, when the bot last offered the
// "Không phải" button (at most once an hour), and whether the citizen said "not this"
// and was shown the others (their pick is then recorded for officers).
type Feedback struct {
	Query    string    `json:"query,omitempty"`
	Shown    string    `json:"shown,omitempty"`
	Others   []string  `json:"others,omitempty"`
	PromptAt time.Time `json:"prompt_at,omitzero"`
	Pending  bool      `json:"pending,omitempty"`
}

// ErrNoConversation is returned by StateStore.Get when nothing is stored yet.
var ErrNoConversation = errors.New("no conversation yet")

// StateStore keeps conversations. Implementations: bot/redisstore (production) and
// bot/inmem (demo mode). Keys are (oaID, userID).
type StateStore interface {
	// Get returns the stored conversation or ErrNoConversation.
	Get(ctx context.Context, oaID, userID string) (Conversation, error)
	// Update loads the conversation (zero value when absent), calls fn, and stores the
	// result with the configured TTL. It is safe against concurrent updates of the same key
	// (optimistic retry or per-key serialisation). If fn returns an error nothing is stored.
	Update(ctx context.Context, oaID, userID string, fn func(*Conversation) error) (Conversation, error)
}
