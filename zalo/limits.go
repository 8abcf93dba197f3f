package zalo

import "time"

// Vietnam is Vietnam's time zone (UTC+7 all year, no daylight saving): Zalo's daily and
// monthly quotas, office hours, "today" and printed dates are all in it. Fixed, so that
// it does not depend on the host's tz database.
var Vietnam = time.FixedZone("ICT", 7*3600)

// Zalo limits and timings, in one place (design.md "Conventions"; zalo-oa.md "How to use
// this"). Each carries the confidence tag zalo-oa.md gives it: [D] Zalo itself, [C]
// corroborated by production code, [S] secondary compilations only, [?] uncertain, [I] our
// own design choice. When a value is confirmed on a live OA, change it here; the values the
// validator and the fake server enforce can also be overridden per client with WithLimits.
const (
	// MaxTextRunes is the longest message.text, counted in runes after NFC normalisation
	// (zalo-oa.md §2.3, §2.5) [C ESMS; S SPEC].
	MaxTextRunes = 2000
	// MaxButtons is the most buttons in one text-with-buttons message (§2.5) [D PHP-SDK
	// MAX_ELEMENT = 5; exact v3 limit ?].
	MaxButtons = 5
	// MaxButtonTitleRunes bounds a button title. No CS limit was found; 35 is the
	// transaction/promotion limit (§2.3, §2.4) [S/?; I keep titles ≲ 35].
	MaxButtonTitleRunes = 35
	// MaxButtonPayloadRunes bounds an oa.query.* payload, a URL or an SMS body. No limit was
	// found (§2.4 [?]); this is a guard against accidents, not a Zalo fact [I].
	MaxButtonPayloadRunes = 1000
	// MaxRequestInfoElements is the number of elements of a request_user_info form (§2.3,
	// §2.5) [S SPEC "maximum 1 element"; D SDK samples send one].
	MaxRequestInfoElements = 1
	// MaxImageUploadBytes is the upload/image size limit, JPG/PNG only (§2.5, §3) [S SPEC].
	MaxImageUploadBytes = 1 << 20
	// MaxFileUploadBytes is the upload/file size limit, PDF/DOC/DOCX (§2.5, §3) [S SPEC; ?].
	MaxFileUploadBytes = 5 << 20
	// MaxFollowersPerPage is the largest "count" of user/getlist (§7) [C several integrations].
	MaxFollowersPerPage = 50
	// MaxFollowersOffset is the largest "offset" user/getlist accepts (§7) [S SPEC: 9951].
	MaxFollowersOffset = 9951
	// PKCEVerifierLength is the length of a PKCE code verifier (§4) [D PHP-SDK PKCEUtil].
	PKCEVerifierLength = 43
	// MaxWebhookBodyBytes is the body size the webhook reads before giving up (§9) [I].
	MaxWebhookBodyBytes = 1 << 20
)

// Zalo timings.
const (
	// AttachmentTTL is how long an uploaded attachment_id / file token stays usable; after
	// it Zalo answers -100 (§2.6, §3) [S SPEC: 7 days]. Cache uploads for less.
	AttachmentTTL = 7 * 24 * time.Hour
	// ConsultationWindow is how long after the citizen's last interaction CS messages are
	// accepted; afterwards -230/-232 (§5.1) [C error texts; S SPEC].
	ConsultationWindow = 7 * 24 * time.Hour
	// FreeReplyWindow is the free-reply window after a citizen's message (§5.1) [D help
	// centre: 8 replies per 48 h; S: unlimited since 2026].
	FreeReplyWindow = 48 * time.Hour
	// DefaultAccessTokenLifetime is used only when a token response has no usable
	// expires_in (§4) [C hexasync: 25 h; always prefer expires_in].
	DefaultAccessTokenLifetime = 25 * time.Hour
	// RefreshTokenLifetime is the refresh-token lifetime (§4) [C hexasync; S HND: 3 months].
	RefreshTokenLifetime = 90 * 24 * time.Hour
	// DefaultRefreshAhead is how long before expiry the token source refreshes (§4 [I]
	// "refresh proactively, e.g. at 20 h" of 25 h).
	DefaultRefreshAhead = 5 * time.Hour
	// WebhookDeadline is how fast the webhook must answer 200 (§1.2) [S HND, SPEC: 2 s].
	WebhookDeadline = 2 * time.Second
	// DefaultHTTPTimeout is the per-request timeout of the API client (§9) [I].
	DefaultHTTPTimeout = 10 * time.Second
)

// Limits are the message limits Validate enforces. DefaultLimits returns the constants
// above; a client built WithLimits uses others, e.g. after a live OA accepted more.
type Limits struct {
	MaxTextRunes          int
	MaxButtons            int
	MaxButtonTitleRunes   int
	MaxButtonPayloadRunes int
}

// DefaultLimits returns the documented limits (limits.go constants).
func DefaultLimits() Limits {
	return Limits{
		MaxTextRunes:          MaxTextRunes,
		MaxButtons:            MaxButtons,
		MaxButtonTitleRunes:   MaxButtonTitleRunes,
		MaxButtonPayloadRunes: MaxButtonPayloadRunes,
	}
}
