package httpapi

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/oabot/oabot/bot"
	"github.com/oabot/oabot/bot/broadcast"
)

// campaignView is a campaign as the API shows it: no rendered messages (they repeat the
// text), the progress beside it.
type campaignView struct {
	ID        string             `json:"id"`
	Spec      broadcast.Spec     `json:"spec"`
	CreatedBy string             `json:"created_by"`
	CreatedAt string             `json:"created_at"`
	Progress  broadcast.Progress `json:"progress"`
}

func viewOf(c broadcast.Campaign, p broadcast.Progress) campaignView {
	return campaignView{ID: c.ID, Spec: c.Spec, CreatedBy: c.CreatedBy,
		CreatedAt: c.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"), Progress: p}
}

func (a *Admin) plan(c *gin.Context) {
	var spec broadcast.Spec
	if !bindJSON(c, &spec) {
		return
	}
	if len(spec.Accounts) == 0 {
		adminError(c, http.StatusUnprocessableEntity, "invalid", "accounts: at least one account is required")
		return
	}
	if !a.allowed(c, RoleBroadcaster, spec.Accounts...) {
		return
	}
	p, err := a.o.Campaigns.Plan(c.Request.Context(), spec, current(c).Name)
	a.record(c, "campaign.plan", strings.Join(spec.Accounts, ","), p.ID, err)
	if err != nil {
		a.fail(c, err)
		return
	}
	p.Messages = nil // the officer wrote them; the plan is about who receives them
	c.JSON(http.StatusOK, p)
}

func (a *Admin) create(c *gin.Context) {
	var body struct {
		PlanID string `json:"plan_id"`
	}
	if !bindJSON(c, &body) {
		return
	}
	p, err := a.o.Campaigns.GetPlan(c.Request.Context(), body.PlanID)
	if err != nil {
		a.fail(c, err)
		return
	}
	if !a.allowed(c, RoleBroadcaster, p.Spec.Accounts...) {
		return
	}
	camp, prog, err := a.o.Campaigns.Create(c.Request.Context(), body.PlanID, current(c).Name)
	a.record(c, "campaign.create", strings.Join(p.Spec.Accounts, ","), body.PlanID, err)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, viewOf(camp, prog))
}

func (a *Admin) list(c *gin.Context) {
	cs, ps, err := a.o.Campaigns.List(c.Request.Context(), 100)
	if err != nil {
		a.fail(c, err)
		return
	}
	off := current(c)
	out := []campaignView{}
	for i, camp := range cs {
		visible := true
		for _, acct := range camp.Spec.Accounts {
			visible = visible && off.mayAct(acct)
		}
		if visible {
			out = append(out, viewOf(camp, ps[i]))
		}
	}
	c.JSON(http.StatusOK, gin.H{"campaigns": out})
}

// campaign loads the campaign of the :id parameter and checks role on all its accounts.
func (a *Admin) campaign(c *gin.Context, role Role) (broadcast.Campaign, broadcast.Progress, bool) {
	camp, p, err := a.o.Campaigns.Status(c.Request.Context(), c.Param("id"))
	if err != nil {
		a.fail(c, err)
		return camp, p, false
	}
	// Campaign ids are random, so a 403 here tells an officer of another office nothing.
	off := current(c)
	for _, acct := range camp.Spec.Accounts {
		if !off.mayAct(acct) {
			adminError(c, http.StatusForbidden, "forbidden", "no access to this campaign")
			return camp, p, false
		}
	}
	if !a.allowed(c, role) {
		return camp, p, false
	}
	return camp, p, true
}

func (a *Admin) status(c *gin.Context) {
	camp, p, ok := a.campaign(c, RoleViewer)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, viewOf(camp, p))
}

func (a *Admin) control(action string) gin.HandlerFunc {
	return func(c *gin.Context) {
		camp, _, ok := a.campaign(c, RoleBroadcaster)
		if !ok {
			return
		}
		ctx := c.Request.Context()
		var p broadcast.Progress
		var err error
		switch action {
		case "pause":
			p, err = a.o.Campaigns.Pause(ctx, camp.ID)
		case "resume":
			p, err = a.o.Campaigns.Resume(ctx, camp.ID)
		default:
			p, err = a.o.Campaigns.Cancel(ctx, camp.ID)
		}
		a.record(c, "campaign."+action, strings.Join(camp.Spec.Accounts, ","), camp.ID, err)
		if err != nil {
			a.fail(c, err)
			return
		}
		c.JSON(http.StatusOK, viewOf(camp, p))
	}
}

func (a *Admin) report(c *gin.Context) {
	camp, _, ok := a.campaign(c, RoleViewer)
	if !ok {
		return
	}
	var buf bytes.Buffer
	if err := a.o.Campaigns.WriteReport(c.Request.Context(), camp.ID, &buf); err != nil {
		a.fail(c, err)
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="campaign-%s.csv"`, camp.ID))
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// account resolves the :account parameter (in the current account set) and checks role on it.
func (a *Admin) account(c *gin.Context, role Role) (id string, acct AdminAccount, ok bool) {
	id = c.Param("account")
	if !a.allowed(c, role, id) {
		return "", AdminAccount{}, false
	}
	acct, ok = a.o.Account(id)
	if !ok {
		adminError(c, http.StatusNotFound, "unknown_account", "no account "+id)
	}
	return id, acct, ok
}

func (a *Admin) followerCounts(c *gin.Context) {
	_, acct, ok := a.account(c, RoleViewer)
	if !ok {
		return
	}
	counts, err := a.o.Followers.Counts(c.Request.Context(), acct.OAID, a.o.Now())
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, counts)
}

func (a *Admin) followerMarks(c *gin.Context) {
	_, acct, ok := a.account(c, RoleViewer)
	if !ok {
		return
	}
	tags, labels, err := a.o.Followers.Marks(c.Request.Context(), acct.OAID, c.Param("user"))
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"user_id": c.Param("user"), "tags": nonNil(tags), "labels": nonNil(labels)})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// mark adds or removes a label of ours, or a Zalo tag (on Zalo first, then in the registry).
func (a *Admin) mark(kind string, on bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, acct, ok := a.account(c, RoleEditor)
		if !ok {
			return
		}
		user, name := c.Param("user"), c.Param("name")
		if name == "" || len([]rune(name)) > 64 {
			adminError(c, http.StatusUnprocessableEntity, "invalid", kind+" name: 1 to 64 characters")
			return
		}
		ctx := c.Request.Context()
		var err error
		if kind == "tag" {
			if acct.Tagger == nil {
				adminError(c, http.StatusNotFound, "not_available", "tagging is not available for "+id)
				return
			}
			if on {
				err = acct.Tagger.TagFollower(ctx, user, name)
			} else {
				err = acct.Tagger.UntagFollower(ctx, user, name)
			}
			if err == nil {
				err = a.o.Followers.SetTag(ctx, acct.OAID, user, name, on)
			}
		} else {
			err = a.o.Followers.SetLabel(ctx, acct.OAID, user, name, on)
		}
		action := "follower." + kind + ".add"
		if !on {
			action = "follower." + kind + ".remove"
		}
		a.record(c, action, id, user+" "+name, err)
		if err != nil {
			a.fail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"ok": true})
	}
}

// zaloTags lists the OA's tags as Zalo has them.
func (a *Admin) zaloTags(c *gin.Context) {
	id, acct, ok := a.account(c, RoleViewer)
	if !ok {
		return
	}
	if acct.Tagger == nil {
		adminError(c, http.StatusNotFound, "not_available", "tags are not available for "+id)
		return
	}
	tags, err := acct.Tagger.Tags(c.Request.Context())
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"tags": nonNil(tags)})
}

func (a *Admin) statsQuery(c *gin.Context) (bot.StatsSummary, bool) {
	id, _, ok := a.account(c, RoleViewer)
	if !ok {
		return bot.StatsSummary{}, false
	}
	if a.o.Stats == nil {
		adminError(c, http.StatusNotFound, "not_available", "statistics are not available")
		return bot.StatsSummary{}, false
	}
	top, _ := strconv.Atoi(c.Query("top"))
	days, _ := strconv.Atoi(c.Query("days"))
	s, err := a.o.Stats.Summary(c.Request.Context(), id, bot.StatsQuery{Top: min(top, 500), Days: min(days, 366), Now: a.o.Now()})
	if err != nil {
		a.fail(c, err)
		return s, false
	}
	return s, true
}

func (a *Admin) stats(c *gin.Context) {
	if s, ok := a.statsQuery(c); ok {
		c.JSON(http.StatusOK, s)
	}
}

func (a *Admin) unmatched(c *gin.Context) {
	if s, ok := a.statsQuery(c); ok {
		c.JSON(http.StatusOK, gin.H{"unmatched": s.Unmatched})
	}
}

// scans answers the account's QR landing-page views, by procedure and by poster label.
func (a *Admin) scans(c *gin.Context) {
	id, _, ok := a.account(c, RoleViewer)
	if !ok {
		return
	}
	if a.o.Scans == nil {
		adminError(c, http.StatusNotFound, "not_available", "scan counts are not available")
		return
	}
	sc, err := a.o.Scans.ScanCounts(c.Request.Context(), id)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sc)
}

// audit lists recent entries; an admin of some accounts sees only theirs.
func (a *Admin) audit(c *gin.Context) {
	if !a.allowed(c, RoleAdmin) {
		return
	}
	n, _ := strconv.Atoi(c.DefaultQuery("limit", "100"))
	entries, err := a.o.Audit.Recent(c.Request.Context(), int64(max(1, min(n, 1000))))
	if err != nil {
		a.fail(c, err)
		return
	}
	off := current(c)
	out := []broadcast.AuditEntry{}
	for _, e := range entries {
		visible := true
		for acct := range strings.SplitSeq(e.Account, ",") {
			visible = visible && (acct == "" && off.mayAct("*") || acct != "" && off.mayAct(acct))
		}
		if visible {
			out = append(out, e)
		}
	}
	c.JSON(http.StatusOK, gin.H{"entries": out})
}
