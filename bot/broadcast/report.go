package broadcast

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"
)

// WriteReport writes one CSV row per recipient: account, user id, status, Zalo error code,
// reason. It never contains message text. Recipients still queued in a cancelled campaign
// are reported as cancelled.
func (s *Service) WriteReport(ctx context.Context, id string, w io.Writer) error {
	_, p, err := s.d.Store.Campaign(ctx, id)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"account", "user_id", "status", "error_code", "reason"}); err != nil {
		return err
	}
	err = s.d.Store.Results(ctx, id, func(r Result) error {
		state, reason := r.State, r.Reason
		if p.Status == StatusCancelled && (state == "queued" || state == "claimed") {
			state, reason = "cancelled", ReasonCancelled
		}
		code := ""
		if r.Code != 0 {
			code = strconv.Itoa(r.Code)
		}
		return cw.Write([]string{r.Account, r.UserID, state, code, string(reason)})
	})
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	cw.Flush()
	return cw.Error()
}

// withETA estimates the time left from the pace so far, or from the configured rate before
// enough recipients are done to measure one.
func withETA(p Progress, now time.Time, ratePerSecond float64) Progress {
	p.ETA = 0
	if p.Status != StatusRunning || p.Remaining == 0 {
		return p
	}
	done := p.Sent + p.Failed + p.Unknown
	if elapsed := now.Sub(p.StartedAt); done >= 20 && !p.StartedAt.IsZero() && elapsed > 0 {
		perRecipient := elapsed / time.Duration(done)
		p.ETA = perRecipient * time.Duration(p.Remaining)
		return p
	}
	if ratePerSecond > 0 {
		p.ETA = time.Duration(float64(p.Remaining) / ratePerSecond * float64(time.Second))
	}
	return p
}
