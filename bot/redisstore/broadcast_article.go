package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oabot/oabot/zalo"
)

// ReserveArticle counts one article broadcast unless the month's cap is reached or one was
// sent the same day (each follower receives at most one broadcast a day, zalo-oa.md §5.2).
// Months and days are Vietnam time (UTC+7), where Zalo's counters reset.
func (s *CampaignStore) ReserveArticle(ctx context.Context, account string, at time.Time, monthlyCap int) (bool, error) {
	month, day := s.articleKeys(account, at)
	n, err := bcReserveArticleScript.Run(ctx, s.rdb, []string{month, day}, monthlyCap).Int()
	if err != nil {
		return false, fmt.Errorf("reserve article broadcast: %w", err)
	}
	return n == 1, nil
}

// ArticleCount is how many article broadcasts account made in at's month.
func (s *CampaignStore) ArticleCount(ctx context.Context, account string, at time.Time) (int, error) {
	month, _ := s.articleKeys(account, at)
	n, err := s.rdb.Get(ctx, month).Int()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("article count: %w", err)
	}
	return n, nil
}

func (s *CampaignStore) articleKeys(account string, at time.Time) (month, day string) {
	t := at.In(zalo.Vietnam)
	return s.keys.Key("bcart", "{"+account+"}", "m", t.Format("2006-01")),
		s.keys.Key("bcart", "{"+account+"}", "d", t.Format("2006-01-02"))
}
