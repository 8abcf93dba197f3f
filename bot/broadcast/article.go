package broadcast

import (
	"context"
	"fmt"
	"time"
)

// validateArticle checks the documented constraints of an article broadcast
// (zalo-oa.md §5.2): an article id, a verified OA with an article sender, a monthly cap, and
// no consultation content (there is no free-text broadcast).
func (s *Service) validateArticle(spec Spec) []string {
	var probs []string
	add := func(format string, a ...any) { probs = append(probs, fmt.Sprintf(format, a...)) }
	if spec.ArticleID == "" {
		add("article_id: required for the article channel")
	}
	if spec.Text != "" || len(spec.Buttons) > 0 || spec.ImageURL != "" || spec.ImageAttachmentID != "" || spec.ProcedureCode != "" {
		add("article channel: Zalo broadcasts only an article; text, buttons, image and procedure_code are not allowed")
	}
	if spec.Segment.Kind != "" && spec.Segment.Kind != SegmentAll {
		add("segment: article broadcasts go to all followers (Zalo has no tag or interaction filter for them)")
	}
	for _, id := range spec.Accounts {
		a, ok := s.account(id)
		if !ok {
			continue
		}
		switch {
		case !a.Verified:
			add("accounts: %s is not a verified OA", id)
		case a.Article == nil:
			add("accounts: %s cannot broadcast articles", id)
		case a.ArticleMonthlyCap <= 0:
			add("accounts: %s has no monthly article broadcast quota configured", id)
		}
	}
	return probs
}

// checkArticleQuota refuses a plan when an account has used its monthly cap already.
func (s *Service) checkArticleQuota(ctx context.Context, spec Spec, now time.Time) error {
	for _, id := range spec.Accounts {
		a, ok := s.account(id)
		if !ok {
			return fmt.Errorf("%w: %s", ErrUnknownAccount, id)
		}
		n, err := s.d.Store.ArticleCount(ctx, id, now)
		if err != nil {
			return fmt.Errorf("article count of %s: %w", id, err)
		}
		if n >= a.ArticleMonthlyCap {
			return fmt.Errorf("%w: %s sent %d of %d this month", ErrArticleQuota, id, n, a.ArticleMonthlyCap)
		}
	}
	return nil
}
