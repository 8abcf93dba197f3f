package broadcast

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/oabot/oabot/zalo"
)

// deliver sends the remaining parts to one claimed recipient and reports whether the
// campaign stopped running. See the package comment for why an interrupted send is settled
// as unknown instead of being repeated.
func (r *Runner) deliver(ctx context.Context, worker string, c Campaign, cl Claim) (halted bool) {
	acct, ok := lookupAccount(r.o.Lookup, r.o.Accounts, cl.Account)
	if !ok {
		r.settle(ctx, c.ID, worker, cl.Recipient, Result{State: "failed", Reason: ReasonRejected})
		return false
	}
	parts := len(c.Messages[cl.Account])
	if c.Spec.Channel == ChannelArticle {
		parts = 1
	}
	for part := cl.NextPart; part < parts; {
		if r.o.Limiter != nil {
			if err := r.o.Limiter.Wait(ctx, c.OAIDs[cl.Account]); err != nil {
				r.release(ctx, c.ID, worker, []Claim{cl})
				return false
			}
		}
		res, err := r.o.Store.Begin(ctx, c.ID, worker, cl.Recipient, part, r.o.Lease)
		if err != nil || res != Begun {
			// Lost or halted: someone else owns it or it is back in the queue. On an error the
			// lease runs out and Reclaim decides.
			return res == Halted
		}
		// A send once begun runs to its end even when the runner is stopping (ctx cancelled
		// by a graceful shutdown): cutting it off would leave an unknown outcome.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.o.SendTimeout)
		msgID, err := r.send(sctx, c, acct, cl.UserID, part)
		cancel()
		if err == nil {
			r.finish(ctx, c.ID, worker, cl.Recipient, part, part == parts-1, msgID)
			part++
			continue
		}
		if again, halt := r.failed(ctx, worker, c.ID, cl.Recipient, err); !again {
			return halt
		}
	}
	return false
}

// failed handles a send error and reports whether to try the same part again and whether
// the campaign was halted.
func (r *Runner) failed(ctx context.Context, worker, id string, rc Recipient, err error) (again, halted bool) {
	if errors.Is(err, ErrArticleQuota) {
		r.settle(ctx, id, worker, rc, Result{State: "failed", Reason: ReasonArticleQuota})
		return false, false
	}
	f := r.o.Classify(err)
	switch f.Class {
	case Retryable:
		wctx, cancel := writeCtx(ctx)
		n, rerr := r.o.Store.Retry(wctx, id, worker, rc)
		cancel()
		if rerr != nil {
			r.o.Logger.Warn("record retry", zap.String("campaign", id), zap.Error(rerr))
			return false, false
		}
		if n >= r.o.MaxAttempts {
			r.settle(ctx, id, worker, rc, Result{State: "failed", Code: f.Code, Reason: ReasonRetriesSpent})
			return false, false
		}
		if zalo.Sleep(ctx, r.backoff(n)) != nil {
			r.release(ctx, id, worker, []Claim{{Recipient: rc}})
			return false, false
		}
		return true, false
	case Ambiguous:
		r.settle(ctx, id, worker, rc, Result{State: "unknown"})
	case Halt:
		r.halt(ctx, worker, id, rc, f.Code)
		return false, true
	default:
		r.settle(ctx, id, worker, rc, Result{State: "failed", Code: f.Code, Reason: reasonFor(f.Class)})
	}
	return false, false
}

// halt puts the recipient back in the queue and pauses the campaign: the OA cannot send at
// all (zalo-oa.md §2.6: disabled, out of quota, not authorised), so trying the remaining
// recipients would only fail them. An officer resumes once the OA is fixed.
func (r *Runner) halt(ctx context.Context, worker, id string, rc Recipient, code int) {
	wctx, cancel := writeCtx(ctx)
	defer cancel()
	if _, err := r.o.Store.Retry(wctx, id, worker, rc); err != nil {
		r.o.Logger.Warn("return recipient", zap.String("campaign", id), zap.Error(err))
		return
	}
	r.release(ctx, id, worker, []Claim{{Recipient: rc}})
	note := fmt.Sprintf("paused: Zalo refused the OA with error %d; fix the OA, then resume", code)
	if _, err := r.o.Store.SetStatus(wctx, id, StatusPaused, note); err != nil && !errors.Is(err, ErrWrongStatus) {
		r.o.Logger.Warn("pause campaign", zap.String("campaign", id), zap.Error(err))
	}
	r.o.Logger.Error("campaign paused: the OA cannot send", zap.String("campaign", id),
		zap.String("account", rc.Account), zap.Int("zalo_code", code))
}

func (r *Runner) send(ctx context.Context, c Campaign, acct Account, userID string, part int) (string, error) {
	if c.Spec.Channel == ChannelArticle {
		if acct.Article == nil || !acct.Verified {
			return "", ErrArticleQuota
		}
		ok, err := r.o.Store.ReserveArticle(ctx, acct.ID, r.o.Now(), acct.ArticleMonthlyCap)
		if err != nil {
			return "", fmt.Errorf("reserve article quota: %w", err)
		}
		if !ok {
			return "", ErrArticleQuota
		}
		return acct.Article.BroadcastArticle(ctx, c.Spec.ArticleID)
	}
	return acct.Sender.Send(ctx, userID, c.Messages[acct.ID][part])
}

func (r *Runner) finish(ctx context.Context, id, worker string, rc Recipient, part int, last bool, msgID string) {
	// Zalo accepted the message: record it even when ctx is being cancelled.
	wctx, cancel := writeCtx(ctx)
	defer cancel()
	if err := r.o.Store.Finish(wctx, id, worker, rc, part, last, msgID); err != nil {
		r.o.Logger.Error("record sent message", zap.String("campaign", id), zap.Error(err))
		return
	}
	if last && r.o.Observe != nil {
		r.o.Observe(rc.Account, "sent")
	}
}

func (r *Runner) settle(ctx context.Context, id, worker string, rc Recipient, res Result) {
	wctx, cancel := writeCtx(ctx)
	defer cancel()
	res.Account, res.UserID = rc.Account, rc.UserID
	if err := r.o.Store.Settle(wctx, id, worker, rc, res); err != nil {
		r.o.Logger.Warn("record outcome", zap.String("campaign", id), zap.Error(err))
		return
	}
	if r.o.Observe != nil {
		r.o.Observe(rc.Account, res.State)
	}
}

func (r *Runner) release(ctx context.Context, id, worker string, claims []Claim) {
	wctx, cancel := writeCtx(ctx)
	defer cancel()
	rs := make([]Recipient, len(claims))
	for i, cl := range claims {
		rs[i] = cl.Recipient
	}
	if err := r.o.Store.Release(wctx, id, worker, rs); err != nil {
		r.o.Logger.Warn("release claims", zap.String("campaign", id), zap.Error(err))
	}
}

func (r *Runner) renew(ctx context.Context, id, worker string, claims []Claim) {
	rs := make([]Recipient, len(claims))
	for i, cl := range claims {
		rs[i] = cl.Recipient
	}
	if err := r.o.Store.Renew(ctx, id, worker, rs, r.o.Lease); err != nil && ctx.Err() == nil {
		r.o.Logger.Warn("renew claims", zap.String("campaign", id), zap.Error(err))
	}
}

func (r *Runner) backoff(attempt int) time.Duration {
	d := r.o.Backoff
	for range attempt - 1 {
		d *= 2
		if d >= r.o.MaxBackoff {
			return r.o.MaxBackoff
		}
	}
	return d
}

// writeCtx outlives ctx's cancellation briefly so outcomes are recorded during shutdown.
func writeCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
}
