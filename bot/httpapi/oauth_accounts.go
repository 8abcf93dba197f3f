package httpapi

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/oabot/oabot/bot/broadcast"
	"github.com/oabot/oabot/zalo"
)

// RuntimeAccountInput is the body of POST /admin/v1/oa/accounts. Secrets may be left
// empty: they then come from a file account with the same app_id (cmd resolves this), and
// on an update the stored ones are kept. They are never returned.
type RuntimeAccountInput struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	OAID         string `json:"oa_id"`
	AppID        string `json:"app_id"`
	OASecretKey  string `json:"oa_secret_key,omitempty"`
	AppSecretKey string `json:"app_secret_key,omitempty"`
}

// RuntimeAccounts stores accounts added through the admin API (redisstore.Accounts
// behind a cmd adapter).
type RuntimeAccounts interface {
	PutRuntimeAccount(ctx context.Context, in RuntimeAccountInput, by string) error
	// SetRuntimeAccountDisabled reports found == false for an unknown runtime account.
	SetRuntimeAccountDisabled(ctx context.Context, id string, disabled bool, by string) (found bool, err error)
}

// TokenLoader reads an OA's stored pair; an error wrapping zalo.ErrNoToken means none.
type TokenLoader interface {
	Load(ctx context.Context, oaID string) (zalo.TokenPair, error)
}

// RefreshError is the last failed refresh of an account.
type RefreshError struct {
	Message  string
	At       time.Time
	Failures int
}

// RefreshErrorSource returns the last refresh failure per account id (only failing ones).
type RefreshErrorSource interface {
	RefreshErrors(ctx context.Context) (map[string]RefreshError, error)
}

// TokenStatus is one row of the token-health view (GET /admin/v1/oa/tokens).
type TokenStatus struct {
	Account  string `json:"account"`
	Name     string `json:"name"`
	OAID     string `json:"oa_id"`
	Runtime  bool   `json:"runtime"`
	Disabled bool   `json:"disabled"`
	// Status is ok, expiring (< 1 h left), expired, failing (last refresh failed),
	// missing (no token: the OA must be connected through /oauth/zalo/start) or unknown
	// (the store could not be read).
	Status           string     `json:"status"`
	ExpiresAt        *time.Time `json:"expires_at,omitempty"`
	ExpiresInSeconds int64      `json:"expires_in_seconds,omitempty"`
	LastRefresh      *time.Time `json:"last_refresh,omitempty"`
	RefreshExpiresAt *time.Time `json:"refresh_expires_at,omitempty"`
	LastError        string     `json:"last_error,omitempty"`
	LastErrorAt      *time.Time `json:"last_error_at,omitempty"`
	Failures         int        `json:"failures,omitempty"`
}

// appliesNote tells the admin when a runtime-account change reaches the webhook and the
// bot: this replica applies it at once, the others at their next refresh (every 5 s,
// cmd/oabot accounts_live.go); no restart is needed.
const appliesNote = "stored; applied by this replica now and by every replica within about 5 seconds, no restart needed"

// expiringWithin marks a token "expiring" in the view (the token source refreshes well
// before that, so it means refreshes are not happening).
const expiringWithin = time.Hour

// accountIDRE is the account id format: it appears in URLs, logs and metric labels.
var accountIDRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// zaloIDRE matches Zalo ids (decimal strings that exceed 2^53).
var zaloIDRE = regexp.MustCompile(`^[0-9]{1,32}$`)

func (h *OAuthRoutes) authorise(c *gin.Context, account string) (string, bool) {
	officer, ok := h.o.Admin(c.Request, account)
	if !ok {
		c.Header("WWW-Authenticate", `Bearer realm="oabot admin"`)
		adminError(c, http.StatusUnauthorized, "unauthorized", "an admin bearer token is required")
	}
	return officer, ok
}

// record writes the audit entry of an onboarding change by officer (an admin: the
// routes' Admin check asks for that role).
func (h *OAuthRoutes) record(c *gin.Context, officer, action, account, target string, err error) {
	h.trail.record(c.Request, broadcast.AuditEntry{Officer: officer, Role: RoleAdmin.String(), Action: action,
		Account: account, Target: target}, err)
}

// listAccounts returns every account (file and runtime) without secrets.
func (h *OAuthRoutes) listAccounts(c *gin.Context) {
	if _, ok := h.authorise(c, ""); !ok {
		return
	}
	accs, err := h.o.Accounts.OAuthAccounts(c.Request.Context())
	if err != nil {
		answerError(c, h.o.Logger, unavailable("list accounts", err))
		return
	}
	c.JSON(http.StatusOK, gin.H{"accounts": accs})
}

// putAccount adds (or updates) a runtime account. Every attempt by an authorised admin is
// audited ("account.put"), refusals included.
func (h *OAuthRoutes) putAccount(c *gin.Context) {
	if h.o.Runtime == nil {
		adminError(c, http.StatusNotFound, "not_found", "runtime accounts are not enabled (no Redis)")
		return
	}
	var in RuntimeAccountInput
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 16<<10)
	if !bindJSON(c, &in) {
		return
	}
	in.ID, in.OAID, in.AppID = strings.TrimSpace(in.ID), strings.TrimSpace(in.OAID), strings.TrimSpace(in.AppID)
	officer, ok := h.authorise(c, in.ID)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	found, err := h.storeAccount(ctx, in, officer)
	h.record(c, officer, "account.put", in.ID, in.OAID, err)
	if err != nil {
		answerError(c, h.o.Logger, err)
		return
	}
	h.o.Logger.Info("runtime account stored", zap.String("account", in.ID), zap.String("oa_id", in.OAID), zap.String("officer", officer))
	acc, _, err := h.o.Accounts.OAuthAccount(ctx, in.ID)
	if err != nil {
		answerError(c, h.o.Logger, unavailable("read back account", err))
		return
	}
	status := http.StatusCreated
	if found {
		status = http.StatusOK
	}
	c.JSON(status, gin.H{"account": acc, "connect_url": "/oauth/zalo/start?account=" + in.ID, "applies": appliesNote})
}

// storeAccount checks in and stores it; found tells whether it replaced an account.
func (h *OAuthRoutes) storeAccount(ctx context.Context, in RuntimeAccountInput, officer string) (found bool, err error) {
	var problems []string
	if !accountIDRE.MatchString(in.ID) {
		problems = append(problems, "id: lower-case letters, digits and '-', at most 63")
	}
	if !zaloIDRE.MatchString(in.OAID) {
		problems = append(problems, "oa_id: the OA id, digits only")
	}
	if !zaloIDRE.MatchString(in.AppID) {
		problems = append(problems, "app_id: the Zalo app id, digits only")
	}
	if len(problems) > 0 {
		return false, newRefusal(http.StatusBadRequest, "invalid", strings.Join(problems, "; "))
	}
	existing, found, err := h.o.Accounts.OAuthAccount(ctx, in.ID)
	if err != nil {
		return false, unavailable("look up account", err)
	}
	if found && !existing.Runtime {
		return false, newRefusal(http.StatusConflict, "file_account", "this id belongs to an account of the config file; change it there")
	}
	if err := h.o.Runtime.PutRuntimeAccount(ctx, in, officer); err != nil {
		var bad *InvalidAccountError
		if errors.As(err, &bad) {
			return false, err
		}
		return false, unavailable("put runtime account", err)
	}
	return found, nil
}

// InvalidAccountError is returned by RuntimeAccounts when an account cannot be stored as
// given (e.g. no secret and no file account of the same app to take it from: 400), or when
// its id or oa_id belongs to another account (Conflict: 409).
type InvalidAccountError struct {
	Reason   string
	Conflict bool
}

func (e *InvalidAccountError) Error() string { return "invalid account: " + e.Reason }

func (h *OAuthRoutes) disableAccount(c *gin.Context) { h.setDisabled(c, true) }
func (h *OAuthRoutes) enableAccount(c *gin.Context)  { h.setDisabled(c, false) }

// setDisabled disables or enables a runtime account; every attempt by an authorised admin
// is audited ("account.disable", "account.enable"), refusals included.
func (h *OAuthRoutes) setDisabled(c *gin.Context, disabled bool) {
	id := c.Param("id")
	officer, ok := h.authorise(c, id)
	if !ok {
		return
	}
	action := "account.enable"
	if disabled {
		action = "account.disable"
	}
	ctx := c.Request.Context()
	err := h.changeDisabled(ctx, id, disabled, officer)
	h.record(c, officer, action, id, "", err)
	if err != nil {
		answerError(c, h.o.Logger, err)
		return
	}
	h.o.Logger.Info("runtime account changed", zap.String("account", id), zap.Bool("disabled", disabled), zap.String("officer", officer))
	acc, _, _ := h.o.Accounts.OAuthAccount(ctx, id)
	c.JSON(http.StatusOK, gin.H{"account": acc, "applies": appliesNote})
}

func (h *OAuthRoutes) changeDisabled(ctx context.Context, id string, disabled bool, officer string) error {
	if h.o.Runtime == nil {
		return newRefusal(http.StatusNotFound, "not_found", "runtime accounts are not enabled (no Redis)")
	}
	acc, found, err := h.o.Accounts.OAuthAccount(ctx, id)
	if err != nil {
		return unavailable("look up account", err)
	}
	if found && !acc.Runtime {
		return newRefusal(http.StatusConflict, "file_account", "accounts of the config file are disabled there (disabled: true)")
	}
	found, err = h.o.Runtime.SetRuntimeAccountDisabled(ctx, id, disabled, officer)
	if err != nil {
		return unavailable("set disabled", err)
	}
	if !found {
		return newRefusal(http.StatusNotFound, "not_found", "no runtime account with this id")
	}
	return nil
}

// tokenHealth is the token-health view: expiry, last refresh, last error per account.
func (h *OAuthRoutes) tokenHealth(c *gin.Context) {
	if _, ok := h.authorise(c, ""); !ok {
		return
	}
	rows, err := h.TokenHealth(c.Request.Context(), time.Now())
	if err != nil {
		answerError(c, h.o.Logger, unavailable("token health", err))
		return
	}
	c.JSON(http.StatusOK, gin.H{"tokens": rows})
}

// TokenHealth builds the token-health view at now (also used by /readyz and metrics).
func (h *OAuthRoutes) TokenHealth(ctx context.Context, now time.Time) ([]TokenStatus, error) {
	accs, err := h.o.Accounts.OAuthAccounts(ctx)
	if err != nil {
		return nil, err
	}
	var errs map[string]RefreshError
	if h.o.RefreshErrors != nil {
		if errs, err = h.o.RefreshErrors.RefreshErrors(ctx); err != nil {
			return nil, err
		}
	}
	rows := make([]TokenStatus, 0, len(accs))
	for _, a := range accs {
		rows = append(rows, tokenStatus(ctx, h.o.TokenPairs, a, errs[a.ID], now))
	}
	return rows, nil
}

func tokenStatus(ctx context.Context, tokens TokenLoader, a OAuthAccount, re RefreshError, now time.Time) TokenStatus {
	row := TokenStatus{Account: a.ID, Name: a.Name, OAID: a.OAID, Runtime: a.Runtime, Disabled: a.Disabled}
	pair, err := tokens.Load(ctx, a.OAID)
	switch {
	case errors.Is(err, zalo.ErrNoToken):
		row.Status = "missing"
	case err != nil:
		row.Status = "unknown"
	default:
		row.ExpiresAt, row.LastRefresh = optTime(pair.ExpiresAt), optTime(pair.IssuedAt)
		row.RefreshExpiresAt = optTime(pair.RefreshExpiresAt)
		row.ExpiresInSeconds = int64(pair.ExpiresAt.Sub(now) / time.Second)
		switch {
		case !pair.ExpiresAt.After(now):
			row.Status = "expired"
		case pair.ExpiresAt.Sub(now) < expiringWithin:
			row.Status = "expiring"
		default:
			row.Status = "ok"
		}
	}
	if re.Message != "" {
		row.LastError, row.LastErrorAt, row.Failures = re.Message, optTime(re.At), re.Failures
		if row.Status == "ok" || row.Status == "expiring" {
			row.Status = "failing"
		}
	}
	return row
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
