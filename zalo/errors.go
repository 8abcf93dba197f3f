package zalo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// Error classes of Zalo API failures (zalo-oa.md §2.6 "Bot action"). *APIError and
// *TransportError match them with errors.Is; ClassOf returns the class as a value.
var (
	// ErrRetryable: -32 (rate limit), -200 (send failed), HTTP 5xx/429, network errors. The
	// client already retried with backoff before returning it.
	ErrRetryable = errors.New("zalo: temporary failure")
	// ErrTokenExpired: -216 (access token invalid), -220 (expired or removed). The client
	// already refreshed once and retried once; seeing it means the OA must be re-authorised
	// or the token store is broken.
	ErrTokenExpired = errors.New("zalo: access token rejected")
	// ErrOutsideWindow: -230, -232: the citizen has not interacted within the consultation
	// window (§5.1); CS messages cannot reach them now.
	ErrOutsideWindow = errors.New("zalo: outside the consultation window")
	// ErrRecipientGone: -213 (not a follower), -217 (blocked), -227 (banned/inactive),
	// -244 (restricted this message type). Do not retry.
	ErrRecipientGone = errors.New("zalo: recipient cannot receive messages")
	// ErrAttachmentExpired: -100: an uploaded attachment_id/token expired (§3); re-upload.
	ErrAttachmentExpired = errors.New("zalo: attachment expired")
	// ErrPermanent: every other Zalo error; retrying will not help.
	ErrPermanent = errors.New("zalo: permanent failure")
)

// Class is the kind of an API failure, see ClassOf.
type Class int

// Classes, in the order of zalo-oa.md §2.6.
const (
	ClassNone Class = iota // no error
	ClassPermanent
	ClassRetryable
	ClassToken
	ClassOutsideWindow
	ClassRecipientGone
	ClassAttachmentExpired
)

// String returns the class name used in logs and metrics labels.
func (c Class) String() string {
	switch c {
	case ClassNone:
		return "none"
	case ClassPermanent:
		return "permanent"
	case ClassRetryable:
		return "retryable"
	case ClassToken:
		return "token"
	case ClassOutsideWindow:
		return "outside_window"
	case ClassRecipientGone:
		return "recipient_gone"
	case ClassAttachmentExpired:
		return "attachment_expired"
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// sentinel returns the errors.Is target of a class.
func (c Class) sentinel() error {
	switch c {
	case ClassRetryable:
		return ErrRetryable
	case ClassToken:
		return ErrTokenExpired
	case ClassOutsideWindow:
		return ErrOutsideWindow
	case ClassRecipientGone:
		return ErrRecipientGone
	case ClassAttachmentExpired:
		return ErrAttachmentExpired
	case ClassPermanent:
		return ErrPermanent
	}
	return nil
}

// codeClasses maps Zalo error codes to classes (zalo-oa.md §2.6; CW message_sender.rb
// classifies -32 and -100 as retryable and -213/-217/-227/-230/-232/-244 as window/recipient).
// Codes not listed are permanent. -234 (night ban) applies to promotional types only and
// stays permanent for consultation messages.
var codeClasses = map[int]Class{
	-32:  ClassRetryable,
	-200: ClassRetryable,
	-216: ClassToken,
	-220: ClassToken,
	-230: ClassOutsideWindow,
	-232: ClassOutsideWindow,
	-213: ClassRecipientGone,
	-217: ClassRecipientGone,
	-227: ClassRecipientGone,
	-244: ClassRecipientGone,
	-100: ClassAttachmentExpired,
}

// CodeClass returns the class of a Zalo error code (0 → ClassNone).
func CodeClass(code int) Class {
	if code == 0 {
		return ClassNone
	}
	if c, ok := codeClasses[code]; ok {
		return c
	}
	return ClassPermanent
}

// APIError is a failure reported by Zalo: HTTP 200 with "error" != 0 in the body
// (zalo-oa.md §2.2, §2.6), an OAuth error (-14xxx, §2.6), or an HTTP status other than 200.
// It never contains a token.
type APIError struct {
	// Code is the "error" value (0 when the failure is an HTTP status without a Zalo code).
	Code int
	// Message is Zalo's "message" (or OAuth error_name/error_reason).
	Message string
	// Endpoint is the request path, e.g. "/v3.0/oa/message/cs".
	Endpoint string
	// HTTPStatus is the response status code.
	HTTPStatus int
}

// Error reports endpoint, code and Zalo's message; never a token.
func (e *APIError) Error() string {
	if e.Code == 0 && e.HTTPStatus != http.StatusOK {
		return fmt.Sprintf("zalo %s: http %d: %s", e.Endpoint, e.HTTPStatus, e.Message)
	}
	return fmt.Sprintf("zalo %s: error %d: %s", e.Endpoint, e.Code, e.Message)
}

// Class returns the class of the failure: by code, else 5xx and 429 are retryable.
func (e *APIError) Class() Class {
	if e.Code != 0 {
		return CodeClass(e.Code)
	}
	if e.HTTPStatus >= 500 || e.HTTPStatus == http.StatusTooManyRequests {
		return ClassRetryable
	}
	return ClassPermanent
}

// Is matches the class sentinel (ErrRetryable, ErrTokenExpired, …).
func (e *APIError) Is(target error) bool { return target != nil && target == e.Class().sentinel() }

// TransportError is a network failure talking to Zalo (no answer, or an unreadable one).
// It is retryable unless the context ended.
type TransportError struct {
	Endpoint string
	Err      error
}

// Error reports the endpoint and the network cause (without the URL).
func (e *TransportError) Error() string { return fmt.Sprintf("zalo %s: %v", e.Endpoint, e.Err) }

// Unwrap returns the cause (context.Canceled and context.DeadlineExceeded stay visible).
func (e *TransportError) Unwrap() error { return e.Err }

// Is matches ErrRetryable unless the cause is the context ending.
func (e *TransportError) Is(target error) bool {
	return target == ErrRetryable && !errors.Is(e.Err, context.Canceled) && !errors.Is(e.Err, context.DeadlineExceeded)
}

// ClassOf returns the class of any error returned by this package: ClassNone for nil,
// the API or transport class when err wraps one, and ClassPermanent otherwise (including
// validation errors and context cancellation).
func ClassOf(err error) Class {
	if err == nil {
		return ClassNone
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Class()
	}
	var te *TransportError
	if errors.As(err, &te) && errors.Is(te, ErrRetryable) {
		return ClassRetryable
	}
	return ClassPermanent
}
