package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/oabot/oabot/bot/queue"
	"github.com/oabot/oabot/zalo"
)

// Outcome is what the webhook did with one request.
type Outcome string

// Webhook outcomes (zalo-oa.md §1.2, §8.2).
const (
	OutcomeQueued       Outcome = "queued"        // stored durably → 200
	OutcomeDuplicate    Outcome = "duplicate"     // seen before → 200, not processed again
	OutcomeUnknownOA    Outcome = "unknown_oa"    // no such account → 200, dropped
	OutcomeStale        Outcome = "stale"         // older than MaxEventAge → 200, dropped
	OutcomeBadSignature Outcome = "bad_signature" // missing/malformed/wrong MAC → 401, nothing stored
	OutcomeMalformed    Outcome = "malformed"     // not a Zalo event → 400
	OutcomeTooLarge     Outcome = "too_large"     // body over MaxBodyBytes → 413
	OutcomeUnavailable  Outcome = "unavailable"   // could not store (Redis down/slow, queue full) → 503
	OutcomeDraining     Outcome = "draining"      // shutting down → 503
)

// Outcomes lists every outcome (for metrics that pre-create their series).
var Outcomes = []Outcome{OutcomeQueued, OutcomeDuplicate, OutcomeUnknownOA, OutcomeStale,
	OutcomeBadSignature, OutcomeMalformed, OutcomeTooLarge, OutcomeUnavailable, OutcomeDraining}

// StatusCode is the one place that maps a webhook outcome to its HTTP status. Zalo
// retries anything but 200, so 200 means "never send this again".
func StatusCode(o Outcome) int {
	switch o {
	case OutcomeQueued, OutcomeDuplicate, OutcomeUnknownOA, OutcomeStale:
		return http.StatusOK
	case OutcomeBadSignature:
		return http.StatusUnauthorized
	case OutcomeMalformed:
		return http.StatusBadRequest
	case OutcomeTooLarge:
		return http.StatusRequestEntityTooLarge
	default:
		return http.StatusServiceUnavailable
	}
}

// Observer is told the outcome of every webhook request. bot/metrics implements it
// with Prometheus; Counters is a plain in-memory one. account is the slug, or "" when
// the OA is unknown or the body unreadable. It must be fast and safe for concurrent use.
type Observer interface {
	WebhookHandled(account string, outcome Outcome, took time.Duration)
}

type nopObserver struct{}

func (nopObserver) WebhookHandled(string, Outcome, time.Duration) {}

// Counters is an Observer that counts outcomes.
type Counters struct {
	n [9]atomic.Int64 // one per entry of outcomeIndex
}

var outcomeIndex = map[Outcome]int{OutcomeQueued: 0, OutcomeDuplicate: 1, OutcomeUnknownOA: 2,
	OutcomeStale: 3, OutcomeBadSignature: 4, OutcomeMalformed: 5, OutcomeTooLarge: 6,
	OutcomeUnavailable: 7, OutcomeDraining: 8}

// WebhookHandled counts one outcome.
func (c *Counters) WebhookHandled(_ string, o Outcome, _ time.Duration) {
	if i, ok := outcomeIndex[o]; ok {
		c.n[i].Add(1)
	}
}

// Count returns how many requests had outcome o.
func (c *Counters) Count(o Outcome) int64 {
	if i, ok := outcomeIndex[o]; ok {
		return c.n[i].Load()
	}
	return 0
}

// webhook takes one Zalo event: read (size-limited), decode, route, verify, drop if
// stale, then dedupe-and-enqueue in one atomic step; 200 only once it is stored.
func (s *Server) webhook(c *gin.Context) {
	defer s.o.Ingest.Begin()()
	start := s.o.Now()
	account, outcome, err := s.ingest(c)
	s.o.Observer.WebhookHandled(account, outcome, time.Since(start))
	s.logOutcome(account, outcome, err)
	c.Data(StatusCode(outcome), "application/json; charset=utf-8", outcomeBodies[outcome])
}

// outcomeBodies holds each outcome's answer, {"status": …} for a 200 and {"error": …}
// otherwise, encoded once: the webhook answers thousands of times a second under a burst,
// and encoding a map each time cost about a fifth of its own time (pprof).
var outcomeBodies = func() map[Outcome][]byte {
	m := map[Outcome][]byte{}
	for _, o := range Outcomes {
		key := "error"
		if StatusCode(o) == http.StatusOK {
			key = "status"
		}
		m[o], _ = json.Marshal(map[string]string{key: string(o)})
	}
	return m
}()

func (s *Server) ingest(c *gin.Context) (account string, _ Outcome, _ error) {
	if s.draining.Load() {
		return "", OutcomeDraining, nil
	}
	raw, err := readBody(http.MaxBytesReader(c.Writer, c.Request.Body, s.o.MaxBodyBytes), c.Request.ContentLength, s.o.MaxBodyBytes)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return "", OutcomeTooLarge, nil
		}
		return "", OutcomeMalformed, err
	}
	ev, err := zalo.ParseEvent(raw)
	if err != nil {
		return "", OutcomeMalformed, err
	}
	oaID, userID := zalo.Route(ev)
	acc, ok := s.accounts.Load().byOA[oaID]
	if slug := c.Param("account"); ok && slug != "" && slug != acc.ID {
		ok = false // the URL names another account than the event's OA
	}
	if !ok {
		return "", OutcomeUnknownOA, nil
	}
	env := ev.Envelope()
	if err := zalo.VerifySignature(c.GetHeader(zalo.SignatureHeader), env.AppID, raw, env.Timestamp, acc.OASecretKey); err != nil {
		return acc.ID, OutcomeBadSignature, err
	}
	if t, ok := env.Time(); ok && s.o.Now().Sub(t) > s.o.MaxEventAge {
		return acc.ID, OutcomeStale, nil
	}
	job := queue.Job{Account: acc.ID, OAID: oaID, UserID: userID, EventName: ev.Name(),
		DedupeKey: zalo.DedupeKey(ev), Raw: raw, ReceivedAt: s.o.Now()}
	// The request's context is not used: a client hanging up must not cut a store in half.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), s.o.EnqueueTimeout)
	defer cancel()
	queued, err := s.o.Queue.Enqueue(ctx, job)
	if err != nil {
		return acc.ID, OutcomeUnavailable, err
	}
	if !queued {
		return acc.ID, OutcomeDuplicate, nil
	}
	return acc.ID, OutcomeQueued, nil
}

// readBody reads a request body of announced length n (-1: unknown) and at most max
// bytes. With a length it allocates once, at that size, where io.ReadAll grows its buffer
// from 512 bytes, copying as it goes. The server ends the body after n bytes; a shorter
// one is an error, as with io.ReadAll.
func readBody(r io.Reader, n, max int64) ([]byte, error) {
	if n < 0 || n > max {
		return io.ReadAll(r)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	return b, nil
}

// logOutcome logs what deserves it: no text, ids or tokens, only the outcome, the
// account slug and the error (which carries none of them).
func (s *Server) logOutcome(account string, o Outcome, err error) {
	switch o {
	case OutcomeUnknownOA, OutcomeBadSignature, OutcomeMalformed, OutcomeTooLarge:
		if s.warned.allow(s.o.Now(), 10*time.Second) {
			s.log.Warn("webhook event refused", zap.String("outcome", string(o)), zap.String("account", account),
				zap.Error(err))
		}
	case OutcomeUnavailable:
		s.log.Error("webhook event not stored, zalo will retry", zap.String("account", account), zap.Error(err))
	case OutcomeStale:
		s.log.Info("stale webhook event dropped", zap.String("account", account))
	default:
		if ce := s.log.Check(zap.DebugLevel, "webhook event"); ce != nil {
			ce.Write(zap.String("outcome", string(o)), zap.String("account", account))
		}
	}
}
