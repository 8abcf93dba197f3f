package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/oabot/oabot/bot"
	"github.com/oabot/oabot/bot/broadcast"
)

// Role is an officer's power in the admin API; each role includes the ones below it.
type Role int

// Roles, in increasing power.
const (
	RoleViewer      Role = iota + 1 // read campaigns, counts, statistics
	RoleEditor                      // edit follower labels and tags
	RoleBroadcaster                 // plan, send, pause, resume, cancel campaigns
	RoleAdmin                       // read the audit trail, onboard OAs
)

var roleNames = map[string]Role{"viewer": RoleViewer, "editor": RoleEditor, "broadcaster": RoleBroadcaster, "admin": RoleAdmin}

// ParseRole reads a config role name.
func ParseRole(s string) (Role, error) {
	if r, ok := roleNames[s]; ok {
		return r, nil
	}
	return 0, fmt.Errorf("unknown role %q", s)
}

func (r Role) String() string {
	for n, v := range roleNames {
		if v == r {
			return n
		}
	}
	return "none"
}

// Officer is one admin API user. Only the SHA-256 of the bearer token is kept.
type Officer struct {
	Name      string
	TokenHash [32]byte
	Role      Role
	// Accounts the officer may act on; "*" means all.
	Accounts []string
}

func (o *Officer) mayAct(account string) bool {
	for _, a := range o.Accounts {
		if a == "*" || a == account {
			return true
		}
	}
	return false
}

// Campaigns is the campaign service as the admin API uses it (*broadcast.Service).
type Campaigns interface {
	Plan(ctx context.Context, spec broadcast.Spec, officer string) (broadcast.Plan, error)
	GetPlan(ctx context.Context, id string) (broadcast.Plan, error)
	Create(ctx context.Context, planID, officer string) (broadcast.Campaign, broadcast.Progress, error)
	Status(ctx context.Context, id string) (broadcast.Campaign, broadcast.Progress, error)
	List(ctx context.Context, limit int) ([]broadcast.Campaign, []broadcast.Progress, error)
	Pause(ctx context.Context, id string) (broadcast.Progress, error)
	Resume(ctx context.Context, id string) (broadcast.Progress, error)
	Cancel(ctx context.Context, id string) (broadcast.Progress, error)
	WriteReport(ctx context.Context, id string, w io.Writer) error
}

// FollowerAdmin is the follower registry as the admin API uses it
// (*redisstore.FollowerRegistry).
type FollowerAdmin interface {
	Counts(ctx context.Context, oaID string, now time.Time) (broadcast.FollowerCounts, error)
	Marks(ctx context.Context, oaID, userID string) (tags, labels []string, err error)
	SetLabel(ctx context.Context, oaID, userID, name string, on bool) error
	SetTag(ctx context.Context, oaID, userID, name string, on bool) error
}

// Tagger reads the OA's Zalo tags and tags followers (*zalo.Client).
type Tagger interface {
	Tags(ctx context.Context) ([]string, error)
	TagFollower(ctx context.Context, userID, tag string) error
	UntagFollower(ctx context.Context, userID, tag string) error
}

// Auditor keeps the audit trail (*redisstore.AuditLog).
type Auditor interface {
	Record(ctx context.Context, e broadcast.AuditEntry) error
	Recent(ctx context.Context, n int64) ([]broadcast.AuditEntry, error)
}

// StatsReader reads the conversation statistics (bot.Stats).
type StatsReader interface {
	Summary(ctx context.Context, account string, q bot.StatsQuery) (bot.StatsSummary, error)
}

// AdminAccount is an account as the per-account routes use it.
type AdminAccount struct {
	OAID string
	// Tagger is nil for an account that cannot be tagged through the API.
	Tagger Tagger
}

// AdminOptions configure the admin API.
type AdminOptions struct {
	Officers []Officer
	// Account returns the account with id, ok false for an unknown or disabled one (404).
	// The per-account routes (followers, labels, tags, statistics, scans) call it on every
	// request, so accounts added or disabled at run time apply without a restart.
	Account   func(id string) (AdminAccount, bool)
	Campaigns Campaigns
	Followers FollowerAdmin
	Audit     Auditor
	// Stats is optional; without it the statistics endpoints answer 404.
	Stats StatsReader
	// Scans reads QR landing-page views (redisstore.Scans, inmem.Scans); optional, without
	// it /scans answers 404.
	Scans bot.ScanReader
	// Examples keeps the labelled examples (examples.Library); optional, without it the
	// example routes answer 404.
	Examples ExampleLibrary
	// Catalog is the versioned catalogue (catalog.Library); optional, without it the
	// catalogue routes answer 404.
	Catalog CatalogLibrary
	// MaxBodyBytes caps request bodies (default 64 KiB; a campaign text is ≤ 2,000 chars).
	MaxBodyBytes int64
	// RatePerMinute and Burst limit each officer's requests on this replica
	// (defaults 120 and 20).
	RatePerMinute, Burst int
	Logger               *zap.Logger
	Now                  func() time.Time
}

// Admin serves /admin/v1.
type Admin struct {
	o       AdminOptions
	log     *zap.Logger
	trail   auditTrail
	mu      sync.Mutex
	buckets map[string]*bucket
}

// NewAdmin checks o.
func NewAdmin(o AdminOptions) (*Admin, error) {
	if o.Campaigns == nil || o.Followers == nil || o.Audit == nil || o.Account == nil {
		return nil, errors.New("httpapi: admin needs campaigns, followers, an audit log and an account lookup")
	}
	for _, off := range o.Officers {
		if off.Name == "" || off.Role < RoleViewer || off.Role > RoleAdmin || off.TokenHash == ([32]byte{}) {
			return nil, fmt.Errorf("httpapi: officer %q: name, role and token hash are required", off.Name)
		}
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 64 << 10
	}
	if o.RatePerMinute <= 0 {
		o.RatePerMinute = 120
	}
	if o.Burst <= 0 {
		o.Burst = 20
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	log := o.Logger.Named("admin")
	return &Admin{o: o, log: log, trail: auditTrail{audit: o.Audit, now: o.Now, log: log}, buckets: map[string]*bucket{}}, nil
}

// Register mounts the admin routes.
func (a *Admin) Register(r gin.IRoutes) {
	auth := a.authenticate
	r.GET("/admin/v1/me", auth, a.me)
	r.POST("/admin/v1/campaigns/plan", auth, a.plan)
	r.POST("/admin/v1/campaigns", auth, a.create)
	r.GET("/admin/v1/campaigns", auth, a.list)
	r.GET("/admin/v1/campaigns/:id", auth, a.status)
	r.POST("/admin/v1/campaigns/:id/pause", auth, a.control("pause"))
	r.POST("/admin/v1/campaigns/:id/resume", auth, a.control("resume"))
	r.POST("/admin/v1/campaigns/:id/cancel", auth, a.control("cancel"))
	r.GET("/admin/v1/campaigns/:id/report.csv", auth, a.report)
	r.GET("/admin/v1/accounts/:account/followers", auth, a.followerCounts)
	r.GET("/admin/v1/accounts/:account/followers/:user", auth, a.followerMarks)
	r.PUT("/admin/v1/accounts/:account/followers/:user/labels/:name", auth, a.mark("label", true))
	r.DELETE("/admin/v1/accounts/:account/followers/:user/labels/:name", auth, a.mark("label", false))
	r.PUT("/admin/v1/accounts/:account/followers/:user/tags/:name", auth, a.mark("tag", true))
	r.DELETE("/admin/v1/accounts/:account/followers/:user/tags/:name", auth, a.mark("tag", false))
	r.GET("/admin/v1/accounts/:account/tags", auth, a.zaloTags)
	r.GET("/admin/v1/accounts/:account/stats", auth, a.stats)
	r.GET("/admin/v1/accounts/:account/unmatched", auth, a.unmatched)
	r.GET("/admin/v1/accounts/:account/scans", auth, a.scans)
	r.POST("/admin/v1/accounts/:account/examples", auth, a.addExample)
	r.GET("/admin/v1/accounts/:account/examples", auth, a.listExamples)
	r.DELETE("/admin/v1/accounts/:account/examples/:id", auth, a.deleteExample)
	r.GET("/admin/v1/catalog", auth, a.catalogVersions)
	r.GET("/admin/v1/catalog/versions/:n", auth, a.catalogVersion)
	r.GET("/admin/v1/catalog/records/:code", auth, a.catalogRecord)
	r.PUT("/admin/v1/catalog/records/:code", auth, a.putCatalogRecord)
	r.POST("/admin/v1/catalog/rollback", auth, a.rollbackCatalog)
	r.PUT("/admin/v1/accounts/:account/catalog/records/:code", auth, a.putLocalRecord)
	r.GET("/admin/v1/audit", auth, a.audit)
}

var _ NotFoundRoutes = (*Admin)(nil)

// NotFoundPrefix is the admin API's prefix: its unknown paths are answered by NotFound.
func (a *Admin) NotFoundPrefix() string { return "/admin/v1/" }

// NotFound answers an unknown /admin/v1/ path (or method) in the admin API's error shape.
func (a *Admin) NotFound(c *gin.Context) {
	adminError(c, http.StatusNotFound, "not_found", "no admin API route "+c.Request.Method+" "+c.Request.URL.Path)
}

// AuthFunc checks a request's bearer token for role on account ("" = every account the
// officer has, i.e. "*") and returns the officer's name: the AdminAuth of the OAuth routes.
func (a *Admin) AuthFunc(role Role) func(r *http.Request, account string) (string, bool) {
	return func(r *http.Request, account string) (string, bool) {
		off := a.officer(r)
		if off == nil || off.Role < role {
			return "", false
		}
		if account == "" {
			account = "*"
		}
		return off.Name, off.mayAct(account)
	}
}

// OfficerCheck is the admin API's bearer-token check for routes outside /admin/v1 (the
// posters): it returns 0 when the request's officer has role on account (and is within
// the officer's request rate), 401 without a valid officer token, 403 for an officer
// without role on account, 429 over the rate.
func (a *Admin) OfficerCheck(role Role) func(r *http.Request, account string) int {
	return func(r *http.Request, account string) int {
		off := a.officer(r)
		switch {
		case off == nil:
			return http.StatusUnauthorized
		case off.Role < role || !off.mayAct(account):
			return http.StatusForbidden
		case !a.allowRate(off.Name):
			return http.StatusTooManyRequests
		}
		return 0
	}
}

const officerKey = "oabot.officer"

// officer finds the officer whose token hash matches the request's bearer token. Every
// officer is compared, in constant time, so timing tells nothing about which hash is near.
func (a *Admin) officer(r *http.Request) *Officer {
	h := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || token == "" {
		return nil
	}
	sum := sha256.Sum256([]byte(token))
	var found *Officer
	for i := range a.o.Officers {
		if subtle.ConstantTimeCompare(sum[:], a.o.Officers[i].TokenHash[:]) == 1 {
			found = &a.o.Officers[i]
		}
	}
	return found
}

// authenticate answers 401 without a valid token and 429 over the officer's rate, and
// caps the body size.
func (a *Admin) authenticate(c *gin.Context) {
	off := a.officer(c.Request)
	if off == nil {
		c.Header("WWW-Authenticate", `Bearer realm="oabot admin"`)
		adminError(c, http.StatusUnauthorized, "unauthorized", "a valid officer bearer token is required")
		return
	}
	if !a.allowRate(off.Name) {
		c.Header("Retry-After", "5")
		adminError(c, http.StatusTooManyRequests, "rate_limited", "too many requests; slow down")
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, a.o.MaxBodyBytes)
	c.Set(officerKey, off)
	c.Next()
}

func current(c *gin.Context) *Officer {
	v, _ := c.Get(officerKey)
	off, _ := v.(*Officer)
	return off
}

// allowed answers 403 unless the officer has role on every account.
func (a *Admin) allowed(c *gin.Context, role Role, accounts ...string) bool {
	off := current(c)
	if off.Role < role {
		adminError(c, http.StatusForbidden, "forbidden", "this needs the "+role.String()+" role")
		return false
	}
	for _, acct := range accounts {
		if !off.mayAct(acct) {
			adminError(c, http.StatusForbidden, "forbidden", "no access to account "+acct)
			return false
		}
	}
	return true
}

// record writes one audit entry: who (the officer and role), what (action, account,
// target), and, through the trail, when, from where and the code the API answers for err.
func (a *Admin) record(c *gin.Context, action, account, target string, err error) {
	off := current(c)
	a.trail.record(c.Request, broadcast.AuditEntry{Officer: off.Name, Role: off.Role.String(), Action: action,
		Account: account, Target: target}, err)
}

// fail answers err as classify says: known errors with their status and code, others as
// 500 (logged, message hidden).
func (a *Admin) fail(c *gin.Context, err error) {
	answerError(c, a.log, err)
}

func (a *Admin) me(c *gin.Context) {
	off := current(c)
	c.JSON(http.StatusOK, gin.H{"name": off.Name, "role": off.Role.String(), "accounts": off.Accounts})
}

// bucket is a per-officer token bucket (per replica; officers are few and requests rare,
// so a shared Redis limiter is not worth a round trip here).
type bucket struct {
	tokens float64
	last   time.Time
}

func (a *Admin) allowRate(name string) bool {
	now := a.o.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	b, ok := a.buckets[name]
	if !ok {
		b = &bucket{tokens: float64(a.o.Burst), last: now}
		a.buckets[name] = b
	}
	b.tokens = min(float64(a.o.Burst), b.tokens+now.Sub(b.last).Minutes()*float64(a.o.RatePerMinute))
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
