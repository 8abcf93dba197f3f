package bot

import (
	"context"
	"time"

	"github.com/oabot/oabot/procedures"
	"github.com/oabot/oabot/zalo"
)

// Messenger is what the bot needs from one OA's Zalo client (*zalo.Client satisfies it).
type Messenger interface {
	// Send sends one consultation message to userID.
	Send(ctx context.Context, userID string, m zalo.Message) (zalo.SendResult, error)
	// UploadImage uploads a PNG/JPG and returns its attachment id (valid < 7 days).
	UploadImage(ctx context.Context, filename string, data []byte) (string, error)
}

// QRImages draws the QR code of a procedure for an account (bot/qr in production).
type QRImages interface {
	PNG(ctx context.Context, account, code string) ([]byte, error)
}

// AttachmentCache remembers uploaded attachment ids so an image is uploaded once per
// validity period (zalo-oa.md §3: ids expire after 7 days).
type AttachmentCache interface {
	// Attachment returns the cached id for key, or "" when absent.
	Attachment(ctx context.Context, key string) (string, error)
	// SetAttachment caches id under key for ttl.
	SetAttachment(ctx context.Context, key, id string, ttl time.Duration) error
	// DeleteAttachment forgets key (after Zalo said the id expired, error -100).
	DeleteAttachment(ctx context.Context, key string) error
}

// Catalog is the part of *procedures.Catalog the bot uses.
type Catalog interface {
	ByCode(code string) (*procedures.Record, bool)
	ByShortCode(shortCode string) (*procedures.Record, bool)
}

// Searcher finds procedures for a citizen's text. IndexSearcher adapts *procedures.Index.
type Searcher interface {
	Find(account, text string, limit int) Found
}

// ScopedSearcher is a Searcher that searches for an office (Account.Scope): of one
// procedure's records at several levels or agencies, the one the office handles answers,
// before the search decides how sure it is. IndexSearcher is one; with another Searcher
// the bot narrows the outcome afterwards only (NarrowToScope).
type ScopedSearcher interface {
	FindIn(account, text string, limit int, s procedures.Scope) Found
}

// FoundKind is what a search means for the reply.
type FoundKind int

// Kinds of search outcome.
const (
	// FoundNothing: no procedure matched; the bot says so and records the query.
	FoundNothing FoundKind = iota
	// FoundOne: one confident answer (Hits[0]).
	FoundOne
	// FoundSeveral: a short list of close answers (Hits).
	FoundSeveral
	// FoundClarify: the family is known but not the case; ask Question with Options.
	FoundClarify
	// FoundReferral: the best match is another office's procedure (Referral); Hits, when
	// set, are this office's procedures that also matched a list the search was unsure of.
	FoundReferral
)

// Found is a search outcome in the bot's terms.
type Found struct {
	Kind FoundKind
	Hits []*procedures.Record
	// Scores are how strongly the search holds each of Hits (FoundOne and FoundSeveral),
	// for narrowing a list to an office's scope: the learned ranker's probabilities when
	// it ordered the list (Ranked), else the search's scores.
	Scores []float64
	Ranked bool
	// Variants are, for FoundOne, the same procedure as Hits[0] at other levels or
	// agencies (procedures.Hit.Variants); the card names them.
	Variants []*procedures.Record
	// Aspect is the part of a procedure the text asks about (documents, fee, …), or
	// SectionCard when none.
	Aspect Section
	// Topic and Options are set for FoundClarify: Topic is what the options share (e.g.
	// "thẻ căn cước"), possibly empty.
	Topic   string
	Options []*procedures.Record
	// Others are, for FoundOne, the next candidates (offered when the citizen says the card
	// is not what they need).
	Others []*procedures.Record
	// Referral is set (with FoundReferral) when the best match is a procedure this office
	// does not handle (Account.Scope): the bot says who does instead of showing a card.
	// Guess is set when it led a list the search was not sure of: the bot says the
	// citizen may be asking about it, not that they are.
	Referral *procedures.Record
	Guess    bool
	// Intent is set (with FoundNothing) when an officer's or a seed example says the text
	// is one of the bot's own intents (procedures.IntentOfficeHours, …).
	Intent string
	// Said is what the text says of itself (procedures.Said): whether it names what it
	// asks about, or only asks ("cần giấy tờ gì"), and the words it names things by.
	Said procedures.Said
	// Lacked is set (with FoundNothing, or FoundSeveral: what the search found beside it;
	// its Code is "" otherwise) when the text asks for a national procedure the catalogue
	// does not hold (procedures.Result.Elsewhere): the bot names it before anything the
	// catalogue holds that shares a word with the text.
	Lacked procedures.Elsewhere
}

// unsure reports whether the search found nothing or only a list it was not sure of.
func (f Found) unsure() bool { return f.Kind == FoundNothing || f.Kind == FoundSeveral }

// JobProgress is the per-citizen record of the last job handled (see Bot.HandleJob).
type JobProgress struct {
	// Key is the job's dedupe key.
	Key string `json:"key,omitempty"`
	// Sent is how many of the job's messages were sent.
	Sent int `json:"sent,omitempty"`
	// Done is true once the job's state changes were stored.
	Done bool `json:"done,omitempty"`
}
