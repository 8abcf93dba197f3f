package httpapi

// What the admin API (/admin/v1) and the OA onboarding routes (/oauth/zalo, /admin/v1/oa)
// share: one error table that decides the answer's status and code, strict JSON bodies,
// and the audit trail, which records the code the API answered.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/oabot/oabot/bot/broadcast"
	"github.com/oabot/oabot/bot/examples"
	"github.com/oabot/oabot/zalo"
)

// Errors of the OA onboarding routes, classified in adminErrors.
var (
	// errUnavailable wraps a failure of the account, state or token store.
	errUnavailable = errors.New("store unavailable")
	// errWrongOA: Zalo says the new token acts for another OA than the account's (or than
	// the callback claimed).
	errWrongOA = errors.New("zalo authorised another official account")
	// errCodeRefused: Zalo refused the authorization code (spent, expired, stolen).
	errCodeRefused = errors.New("zalo refused the authorization code")
	// errOAUnconfirmed: Zalo issued a token but getoa did not tell which OA it acts for.
	errOAUnconfirmed = errors.New("zalo did not confirm the official account of the new token")
)

// unavailable wraps a store failure so that it answers 503 "unavailable".
func unavailable(what string, err error) error {
	return fmt.Errorf("%s: %w: %w", what, errUnavailable, err)
}

// errorClass is how the API answers an error: the HTTP status, the code of
// {"error": {"code", "message"}} and a message safe to show. The audit trail records code.
type errorClass struct {
	status        int
	code, message string
}

// refusal is an error a route decided itself, with its answer.
type refusal errorClass

func (r *refusal) Error() string { return r.code + ": " + r.message }

func newRefusal(status int, code, message string) error {
	return &refusal{status: status, code: code, message: message}
}

// adminErrors maps sentinel errors to the API's answers, in one table. An empty message
// shows err.Error() (the broadcast errors are written for officers); the others have a
// fixed one because the wrapped error may carry internal details.
var adminErrors = []struct {
	err     error
	status  int
	code    string
	message string
}{
	{broadcast.ErrNotFound, http.StatusNotFound, "not_found", ""},
	{broadcast.ErrPlanExpired, http.StatusNotFound, "plan_expired", ""},
	{broadcast.ErrInvalid, http.StatusUnprocessableEntity, "invalid", ""},
	{broadcast.ErrWrongStatus, http.StatusConflict, "wrong_status", ""},
	{broadcast.ErrArticleQuota, http.StatusConflict, "article_quota", ""},
	{broadcast.ErrUnknownAccount, http.StatusUnprocessableEntity, "unknown_account", ""},
	{examples.ErrNotFound, http.StatusNotFound, "not_found", "no such example"},
	{examples.ErrInvalid, http.StatusBadRequest, "invalid", ""},
	{examples.ErrFull, http.StatusConflict, "too_many_examples", "the example store is full; delete some first"},
	{errUnavailable, http.StatusServiceUnavailable, "unavailable", "the store is unreachable; try again"},
	{errWrongOA, http.StatusConflict, "wrong_oa", "Zalo authorised a different OA than the one configured for this account"},
	{errCodeRefused, http.StatusBadRequest, "code_refused", "Zalo refused the authorization code"},
	{errOAUnconfirmed, http.StatusBadGateway, "oa_unconfirmed", "Zalo did not confirm which OA the new token belongs to"},
}

// classify is the one place that decides how an error is answered (status and code); the
// audit records the same code (resultOf).
func classify(err error) errorClass {
	var (
		r   *refusal
		mbe *http.MaxBytesError
		bad *InvalidAccountError
		ze  *zalo.APIError
		te  *zalo.TransportError
	)
	switch {
	case errors.As(err, &r):
		return errorClass(*r)
	case errors.As(err, &mbe):
		return errorClass{http.StatusRequestEntityTooLarge, "too_large", "request body too large"}
	}
	for _, e := range adminErrors {
		if errors.Is(err, e.err) {
			msg := e.message
			if msg == "" {
				msg = err.Error()
			}
			return errorClass{e.status, e.code, msg}
		}
	}
	switch {
	case errors.As(err, &bad) && bad.Conflict:
		return errorClass{http.StatusConflict, "conflict", bad.Reason}
	case errors.As(err, &bad):
		return errorClass{http.StatusBadRequest, "invalid", bad.Reason}
	case errors.As(err, &ze):
		return errorClass{http.StatusBadGateway, "zalo_error", fmt.Sprintf("Zalo refused: error %d", ze.Code)}
	case errors.As(err, &te):
		return errorClass{http.StatusBadGateway, "zalo_unreachable", "Zalo could not be reached; try again"}
	}
	return errorClass{http.StatusInternalServerError, "internal", "internal error"}
}

// resultOf is an audit entry's result: "ok", or the code the API answered.
func resultOf(err error) string {
	if err == nil {
		return "ok"
	}
	return classify(err).code
}

// adminError answers the admin API's error shape: {"error": {"code", "message"}}.
func adminError(c *gin.Context, status int, code, message string) {
	c.AbortWithStatusJSON(status, gin.H{"error": gin.H{"code": code, "message": message}})
}

// answerError answers err as classify says, logging the ones whose cause is hidden
// (5xx other than Zalo's refusals).
func answerError(c *gin.Context, log *zap.Logger, err error) {
	cl := classify(err)
	if cl.status >= 500 && cl.code != "zalo_error" {
		log.Error("admin request failed", zap.String("path", c.FullPath()), zap.String("code", cl.code), zap.Error(err))
	}
	adminError(c, cl.status, cl.code, cl.message)
}

// decodeJSON reads exactly one JSON value from r into v, strictly: an unknown field, or
// anything but white space after the value, is an error naming the problem. A body over
// the request's cap gives *http.MaxBytesError.
func decodeJSON(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("empty body, one JSON value expected")
		}
		return err
	}
	switch _, err := dec.Token(); {
	case errors.Is(err, io.EOF):
		return nil
	case err != nil && isMaxBytes(err):
		return err
	}
	return errors.New("data after the first JSON value; send exactly one value")
}

func isMaxBytes(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// bindJSON decodes the request body strictly into v (decodeJSON). On failure it answers
// 413 too_large or 400 bad_request with the problem and reports false.
func bindJSON(c *gin.Context, v any) bool {
	err := decodeJSON(c.Request.Body, v)
	switch {
	case err == nil:
		return true
	case isMaxBytes(err):
		adminError(c, http.StatusRequestEntityTooLarge, "too_large", "request body too large")
	default:
		adminError(c, http.StatusBadRequest, "bad_request", "invalid JSON body: "+strings.TrimPrefix(err.Error(), "json: "))
	}
	return false
}

// auditTrail writes the audit entries of the admin API and the OA onboarding routes.
type auditTrail struct {
	audit Auditor // nil: no trail (the routes still log)
	now   func() time.Time
	log   *zap.Logger
}

// record completes e with when (now), from where (the client address) and the outcome
// (resultOf(err): the code the API answers) and writes it. A failure is logged: the
// change itself already happened.
func (t auditTrail) record(r *http.Request, e broadcast.AuditEntry, err error) {
	if t.audit == nil {
		return
	}
	e.At, e.Remote, e.Result = t.now(), r.RemoteAddr, resultOf(err)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 2*time.Second)
	defer cancel()
	if aerr := t.audit.Record(ctx, e); aerr != nil {
		t.log.Error("audit entry lost", zap.String("action", e.Action), zap.String("officer", e.Officer), zap.Error(aerr))
	}
}
