// Package broadcast lets officers send announcements to the citizens who follow their
// Official Accounts: a campaign is planned first (who would receive it, who can be reached by
// a consultation message right now and why the others cannot), confirmed by an officer, and
// then delivered by a durable job that any replica may run or resume.
//
// Delivery guarantees. Each recipient's state moves through queued → claimed → sending →
// sent | failed | skipped, and every move is one atomic step in the Store. A recipient is
// marked "sending" before the Zalo call and the Zalo message id is recorded after it. If a
// replica dies between the two, nobody can know whether Zalo accepted the message, so the
// recipient is reported as "unknown" and is never sent again: at most once, never twice, is the
// only choice that guarantees a citizen does not get the same announcement twice. Recipients a
// dead replica had claimed but not started are handed back and sent by another replica.
// The same reasoning makes transport errors and HTTP 5xx answers "unknown" (the request may
// have reached Zalo), and requires a Zalo client without its own retries (ZaloClient). Only
// errors that prove nothing was delivered (-32 rate limit, -200, token errors) are retried,
// with backoff and a bounded number of attempts; -230/-232 (outside the window) and the
// recipient errors are final; OA-wide errors (OA disabled, out of quota, not authorised)
// pause the campaign with a note instead of failing everyone left.
//
// Work is shared through the Store: a runner claims small batches with a lease (renewed
// while it waits), marks each recipient before and after the Zalo call, and a housekeeping
// loop on every replica takes back expired leases. The per-OA send rate is one Limiter
// key per OA shared by all replicas.
//
// Zalo facts come from ../shared/docs/zalo-oa.md: the 7-day consultation window (§5.1), the
// article broadcast (§5.2), rate limits (§5.3), error codes (§2.6).
//
// The package talks to Redis and Zalo only through the interfaces it declares (Store,
// Followers, Limiter, Sender, ArticleSender); bot/redisstore implements the first three and ZaloAdapter
// adapts *zalo.Client to the last two.
package broadcast

import (
	"errors"
	"time"
)

// ConsultationWindow is how long after a citizen's last interaction an OA may still send a
// consultation message (zalo-oa.md §5.1, [C]/[S]: "interacted within the last 7 days", else
// -230/-232). One constant so a value confirmed on a live OA changes in one line.
const ConsultationWindow = 7 * 24 * time.Hour

// Limits on campaign content (zalo-oa.md §2.5).
const (
	// MaxTextRunes is the text limit of a consultation message, counted after NFC.
	MaxTextRunes = 2000
	// MaxButtons is the number of buttons in one message ([D] PHP-SDK, v3 limit [?]).
	MaxButtons = 5
	// MaxButtonTitleRunes keeps titles within the promotion limit ([S], §2.4).
	MaxButtonTitleRunes = 35
)

// Channel is how a campaign reaches citizens.
type Channel string

// Channels.
const (
	// ChannelConsultation sends one consultation message (/v3.0/oa/message/cs) per recipient;
	// only recipients inside the consultation window can receive it.
	ChannelConsultation Channel = "consultation"
	// ChannelArticle asks Zalo to broadcast an article to followers (/v2.0/oa/message with
	// recipient.target); verified OAs only, capped per month (zalo-oa.md §5.2).
	ChannelArticle Channel = "article"
)

// SegmentKind selects recipients from the follower registry.
type SegmentKind string

// Segment kinds.
const (
	SegmentAll        SegmentKind = "all"        // every known follower
	SegmentInteracted SegmentKind = "interacted" // interacted within Days days
	SegmentTag        SegmentKind = "tag"        // carries the Zalo tag Tag
	SegmentLabel      SegmentKind = "label"      // carries our own label Label (ward, khu phố)
)

// Segment is who a campaign is for, within each of its accounts.
type Segment struct {
	Kind  SegmentKind `json:"kind"`
	Days  int         `json:"days,omitempty"`
	Tag   string      `json:"tag,omitempty"`
	Label string      `json:"label,omitempty"`
}

// Button is one button of a consultation message (zalo-oa.md §2.4).
type Button struct {
	Title string `json:"title"`
	// Type is a Zalo action type: oa.open.url, oa.query.show, oa.query.hide, oa.open.phone.
	Type string `json:"type"`
	// Payload is the URL, the query text or the phone number, depending on Type.
	Payload string `json:"payload"`
}

// Message is one consultation message as the campaign sends it; cmd/oabot turns it into a
// zalo.Message.
type Message struct {
	Text    string   `json:"text,omitempty"`
	Buttons []Button `json:"buttons,omitempty"`
	// ImageURL or ImageAttachmentID makes it an image message (Text is the caption).
	ImageURL          string `json:"image_url,omitempty"`
	ImageAttachmentID string `json:"image_attachment_id,omitempty"`
}

// Spec is what an officer asks for.
type Spec struct {
	Accounts []string `json:"accounts"`
	Segment  Segment  `json:"segment"`
	Channel  Channel  `json:"channel,omitempty"` // default consultation
	Text     string   `json:"text,omitempty"`
	Buttons  []Button `json:"buttons,omitempty"`
	// ImageURL / ImageAttachmentID add an image to the announcement.
	ImageURL          string `json:"image_url,omitempty"`
	ImageAttachmentID string `json:"image_attachment_id,omitempty"`
	// ProcedureCode attaches that procedure's card as a second message.
	ProcedureCode string `json:"procedure_code,omitempty"`
	// ArticleID is the Zalo article to broadcast (ChannelArticle only).
	ArticleID string `json:"article_id,omitempty"`
	// SendAt schedules the campaign; zero means as soon as it is created.
	SendAt time.Time `json:"send_at,omitempty"`
}

// Reason says why a recipient was not sent a message (or why a send failed).
type Reason string

// Reasons.
const (
	ReasonOutsideWindow = Reason("outside_window")       // last interaction older than the window
	ReasonNoInteraction = Reason("no_interaction_known") // never seen interacting with the OA
	ReasonUnfollowed    = Reason("unfollowed")           // unfollowed the OA
	ReasonRecipientGone = Reason("recipient_gone")       // blocked, banned, inactive (Zalo code)
	ReasonRejected      = Reason("rejected")             // another Zalo error (see the code)
	ReasonRetriesSpent  = Reason("retries_exhausted")    // retryable errors until the limit
	ReasonCancelled     = Reason("cancelled")            // the campaign was cancelled first
	ReasonArticleQuota  = Reason("article_quota")        // monthly or daily article cap reached
)

// AccountPlan is the plan for one account.
type AccountPlan struct {
	Account    string `json:"account"`
	OAID       string `json:"oa_id"`
	Recipients int    `json:"recipients"`
	// Reachable can be sent a consultation message now.
	Reachable int `json:"reachable"`
	// Unreachable counts the others by reason.
	Unreachable map[Reason]int `json:"unreachable"`
	// MessagesPerRecipient is how many Zalo messages each reachable recipient gets
	// (announcement, image, procedure card).
	MessagesPerRecipient int `json:"messages_per_recipient"`
	// EstimatedDuration is how long the sends take at the configured rate.
	EstimatedDuration time.Duration `json:"estimated_duration_ns"`
}

// Plan is shown to the officer before anything is sent. Creating a campaign from a plan sends
// to exactly the recipients the plan counted (re-checking the window at send time).
type Plan struct {
	ID        string        `json:"id"`
	Spec      Spec          `json:"spec"`
	CreatedBy string        `json:"created_by"`
	CreatedAt time.Time     `json:"created_at"`
	ExpiresAt time.Time     `json:"expires_at"`
	Accounts  []AccountPlan `json:"accounts"`
	// Totals over all accounts.
	Recipients  int            `json:"recipients"`
	Reachable   int            `json:"reachable"`
	Unreachable map[Reason]int `json:"unreachable"`
	// Rules are the platform rules that apply, in plain words for the officer.
	Rules []string `json:"rules"`
	// Messages holds the rendered messages per account, in sending order.
	Messages map[string][]Message `json:"messages,omitempty"`
}

// Recipient is one citizen of one account. User ids are scoped per OA (zalo-oa.md §8.1).
type Recipient struct {
	Account string `json:"account"`
	UserID  string `json:"user_id"`
	// Skip is set when the plan already knows the recipient cannot be reached.
	Skip Reason `json:"skip,omitempty"`
}

// Status of a campaign.
type Status string

// Statuses.
const (
	StatusScheduled Status = "scheduled"
	StatusRunning   Status = "running"
	StatusPaused    Status = "paused"
	StatusCancelled Status = "cancelled"
	StatusDone      Status = "done"
)

// Campaign is a confirmed plan, stored durably.
type Campaign struct {
	ID        string    `json:"id"`
	PlanID    string    `json:"plan_id"`
	Spec      Spec      `json:"spec"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	// Messages per account, in sending order (announcement first, card last).
	Messages map[string][]Message `json:"messages,omitempty"`
	// OAIDs maps account → OA id, fixed at creation.
	OAIDs map[string]string `json:"oa_ids"`
}

// Progress is a campaign's live state.
type Progress struct {
	Status     Status    `json:"status"`
	Total      int       `json:"total"`
	Sent       int       `json:"sent"`
	Failed     int       `json:"failed"`
	Skipped    int       `json:"skipped"`
	Unknown    int       `json:"unknown"`
	Remaining  int       `json:"remaining"`
	StartedAt  time.Time `json:"started_at,omitempty"`
	FinishedAt time.Time `json:"finished_at,omitempty"`
	// ETA is the estimated time left (zero when done or not started).
	ETA time.Duration `json:"eta_ns"`
	// Note says why the campaign was last paused or cancelled.
	Note string `json:"note,omitempty"`
}

// Result is one recipient's final (or current) state, one row of the report.
type Result struct {
	Account string `json:"account"`
	UserID  string `json:"user_id"`
	// State is queued, claimed, sending, sent, failed, skipped, unknown or cancelled.
	State string `json:"state"`
	// Code is the Zalo error code for failed sends.
	Code int `json:"code,omitempty"`
	// Reason for failed and skipped recipients.
	Reason Reason `json:"reason,omitempty"`
	// MessageIDs are Zalo's message ids for the parts sent.
	MessageIDs []string `json:"message_ids,omitempty"`
}

// Errors.
var (
	ErrNotFound       = errors.New("not found")
	ErrInvalid        = errors.New("invalid campaign")
	ErrPlanExpired    = errors.New("plan expired or unknown")
	ErrWrongStatus    = errors.New("campaign is not in a state that allows this")
	ErrNotVerified    = errors.New("account is not a verified OA")
	ErrArticleQuota   = errors.New("article broadcast quota reached")
	ErrUnknownAccount = errors.New("unknown account")
)
