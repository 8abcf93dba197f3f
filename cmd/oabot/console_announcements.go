package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/oabot/oabot/bot/broadcast"
	"github.com/oabot/oabot/bot/console"
	"github.com/oabot/oabot/procedures"
)

// announcementSource is the console's announcements page (console.Announcements) on the
// campaign kit: its broadcast.Service (the admin API's), the follower registry for the
// audience counts, the catalogue within the account's scope for the attached card, and
// the admin API's audit trail for every plan, send, pause, resume and cancel.
type announcementSource struct {
	*broadcast.Service
	kit     *campaignKit
	catalog func() *procedures.Catalog
	scope   func(account string) procedures.Scope
	log     *zap.Logger
}

var _ console.AnnouncementSource = (*announcementSource)(nil)

// consoleAnnouncements is the announcements section when campaigns are configured (the
// kit mountCampaigns opened, in Redis or demo mode), else none.
func (s *service) consoleAnnouncements() []console.Section {
	k := s.ops.live.kit.Load()
	if k == nil || k.service == nil {
		return nil
	}
	return []console.Section{&console.Announcements{Source: &announcementSource{Service: k.service, kit: k,
		catalog: s.catalog.Catalog, scope: s.accountScope, log: s.log.Named("console")}}}
}

func (a *announcementSource) Audience(ctx context.Context, account string) (broadcast.FollowerCounts, error) {
	acct, ok := a.kit.account(account)
	if !ok {
		return broadcast.FollowerCounts{}, fmt.Errorf("%w: %s", broadcast.ErrUnknownAccount, account)
	}
	return a.kit.followers.Counts(ctx, acct.OAID, time.Now())
}

func (a *announcementSource) Procedures(account string) []console.Procedure {
	sc := a.scope(account)
	var out []console.Procedure
	for _, r := range a.catalog().All() {
		if sc.Contains(r) {
			out = append(out, consoleProcedure(r))
		}
	}
	return out
}

// Audit writes the action as the admin API does (campaign.plan, campaign.create, …), with
// the plan or campaign id; never the announcement's text.
func (a *announcementSource) Audit(ctx context.Context, by console.Officer, action, account, target string, err error) {
	res := "ok"
	switch {
	case errors.Is(err, broadcast.ErrInvalid):
		res = "invalid"
	case errors.Is(err, broadcast.ErrWrongStatus):
		res = "wrong_status"
	case errors.Is(err, broadcast.ErrPlanExpired):
		res = "plan_expired"
	}
	auditConsole(ctx, a.kit.audit, a.log, by, action, account, target, res, err)
}
