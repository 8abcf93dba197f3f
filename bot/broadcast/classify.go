package broadcast

import "errors"

// Class groups send errors by what delivery does next.
type Class int

// Classes.
const (
	// Retryable errors prove nothing was delivered (rate limit -32, send failed -200):
	// retry with backoff, up to a limit.
	Retryable Class = iota + 1
	// OutsideWindow: the citizen has not interacted within the window (-230, -232).
	// Final; never retried.
	OutsideWindow
	// Gone: the recipient cannot receive (not following -213, blocked -217, banned -227,
	// restricted -244, receive quota -218). Final.
	Gone
	// Permanent: any other Zalo error; final, recorded with its code.
	Permanent
	// Ambiguous: the request may or may not have reached Zalo (timeout, connection reset
	// after sending). Recorded as unknown, never re-sent.
	Ambiguous
	// Halt: the OA itself cannot send (disabled, out of quota, not authorised, app not
	// linked…). Nothing was delivered; the recipient goes back to the queue and the campaign
	// is paused with a note, instead of failing every remaining recipient.
	Halt
)

// Failure is a classified send error.
type Failure struct {
	Class Class
	Code  int // Zalo error code, 0 when there is none
}

// Classifier turns a Sender error into a Failure. cmd/oabot supplies one built on the zalo
// error classes; ClassifyCode covers the Zalo codes.
type Classifier func(err error) Failure

// ClassifyCode maps a Zalo error code (zalo-oa.md §2.6) to a Class.
func ClassifyCode(code int) Class {
	switch code {
	case -32, -200:
		return Retryable
	case -230, -232:
		return OutsideWindow
	case -213, -217, -218, -227, -244:
		return Gone
	case -204, -205, -209, -211, -212, -219, -221, -223, -224, -235, -320, -321:
		return Halt
	default:
		return Permanent
	}
}

// reasonFor names the reason recorded for a final failure.
func reasonFor(c Class) Reason {
	switch c {
	case OutsideWindow:
		return ReasonOutsideWindow
	case Gone:
		return ReasonRecipientGone
	case Retryable:
		return ReasonRetriesSpent
	default:
		return ReasonRejected
	}
}

// defaultClassify is used when no Classifier is given: errors carrying a Zalo code through
// a Code() method are classified by code, context errors and everything else are ambiguous.
func defaultClassify(err error) Failure {
	var c interface{ ZaloCode() int }
	if errors.As(err, &c) {
		return Failure{Class: ClassifyCode(c.ZaloCode()), Code: c.ZaloCode()}
	}
	// A cancelled or timed-out request may have reached Zalo; so may any transport error.
	return Failure{Class: Ambiguous}
}
