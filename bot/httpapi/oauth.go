package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/oabot/oabot/zalo"
)

// OAuthAccount is what OA onboarding needs to know about one account, from the file
// config or from the runtime accounts in Redis.
type OAuthAccount struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	OAID  string `json:"oa_id"`
	AppID string `json:"app_id"`
	// AppSecret is the Zalo App Secret Key (OAuth secret_key header). Never serialised.
	AppSecret string `json:"-"`
	Disabled  bool   `json:"disabled"`
	// Runtime is true for an account added through the admin API (stored in Redis).
	Runtime bool `json:"runtime"`
}

// OAuthDirectory finds accounts (file config merged with runtime accounts; cmd builds it).
type OAuthDirectory interface {
	// OAuthAccount returns one account; ok is false when no such account exists.
	OAuthAccount(ctx context.Context, id string) (acc OAuthAccount, ok bool, err error)
	// OAuthAccounts returns every account, file and runtime, sorted by id.
	OAuthAccounts(ctx context.Context) ([]OAuthAccount, error)
}

// OAuthStates keeps PKCE state between /oauth/zalo/start and the callback, shared by all
// replicas (redisstore.Accounts). TakeState must delete the state in the same step that
// reads it; found is false for an unknown, expired or already used state.
type OAuthStates interface {
	SaveState(ctx context.Context, state, account, verifier, by string, ttl time.Duration) error
	TakeState(ctx context.Context, state string) (account, verifier, by string, found bool, err error)
}

// TokenSaver stores an OA's token pair (zalo.TokenStore has this method).
type TokenSaver interface {
	Save(ctx context.Context, oaID string, pair zalo.TokenPair) error
}

// AdminAuth decides whether the request comes from an officer allowed to administer
// account ("" for every account). It returns the officer's name for the audit trail.
// cmd wires it to the admin API's bearer-token check.
type AdminAuth func(r *http.Request, account string) (officer string, ok bool)

// OAuthOptions configures the OA onboarding routes.
type OAuthOptions struct {
	// PublicBaseURL is how Zalo reaches the service; the callback is
	// PublicBaseURL + "/oauth/zalo/callback" and must equal the console's
	// "Official Account Callback URL" (zalo-oa.md §4 step 1; else -14003 [S]).
	PublicBaseURL string
	// OAuthBase is Zalo's OAuth host (config zalo.oauth_base); empty = zalo.DefaultOAuthBase.
	OAuthBase string
	// APIBase is Zalo's OA API host (config zalo.api_base); empty = zalo.DefaultAPIBase.
	// The callback asks it (getoa) which OA a new token acts for.
	APIBase string
	// HTTPClient makes the code exchange and the getoa call (e.g. with the metrics
	// RoundTripper); nil = default.
	HTTPClient *http.Client
	Accounts   OAuthDirectory
	States     OAuthStates
	Tokens     TokenSaver
	// Admin guards /oauth/zalo/start and /admin/v1/oa/*. Required: onboarding an OA is
	// an admin action.
	Admin AdminAuth
	// Runtime adds and disables accounts at run time; nil turns those endpoints off (404).
	Runtime RuntimeAccounts
	// TokenPairs reads stored pairs for the token-health view (zalo.TokenStore has Load).
	TokenPairs TokenLoader
	// RefreshErrors reads the last refresh failure per account; nil = none known.
	RefreshErrors RefreshErrorSource
	// OnExchange is told about every code exchange (metrics, token health) with its
	// outcome: err is nil only when the pair was stored. The pair is passed for its expiry;
	// the callee must not log its tokens.
	OnExchange func(ctx context.Context, account, oaID, officer string, pair zalo.TokenPair, err error)
	// Audit receives an entry for every runtime-account change and every code exchange,
	// refusals and failures included (the admin API's audit log, GET /admin/v1/audit);
	// nil = none (the routes still log).
	Audit Auditor
	// StateTTL is how long a started consent stays valid (default 10 minutes, like Zalo's
	// authorization code [S]).
	StateTTL time.Duration
	Logger   *zap.Logger
}

// OAuthRoutes serves GET /oauth/zalo/start and GET /oauth/zalo/callback (OAuth v4 with
// PKCE, zalo-oa.md §4).
type OAuthRoutes struct {
	o     OAuthOptions
	trail auditTrail
}

// NewOAuthRoutes checks the options and returns the routes.
func NewOAuthRoutes(o OAuthOptions) (*OAuthRoutes, error) {
	switch {
	case o.Accounts == nil || o.States == nil || o.Tokens == nil || o.TokenPairs == nil:
		return nil, errors.New("httpapi: oauth routes: accounts, states, tokens and token pairs are required")
	case o.Admin == nil:
		return nil, errors.New("httpapi: oauth routes: admin auth is required")
	case !strings.HasPrefix(o.PublicBaseURL, "https://") && !strings.HasPrefix(o.PublicBaseURL, "http://"):
		return nil, fmt.Errorf("httpapi: oauth routes: public base URL %q is not http(s)", o.PublicBaseURL)
	}
	if o.StateTTL <= 0 {
		o.StateTTL = 10 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	return &OAuthRoutes{o: o, trail: auditTrail{audit: o.Audit, now: time.Now, log: o.Logger}}, nil
}

// Register adds the routes to r.
func (h *OAuthRoutes) Register(r gin.IRoutes) {
	r.GET("/oauth/zalo/start", h.start)
	r.GET("/oauth/zalo/callback", h.callback)
	r.GET("/admin/v1/oa/accounts", h.listAccounts)
	r.POST("/admin/v1/oa/accounts", h.putAccount)
	r.POST("/admin/v1/oa/accounts/:id/disable", h.disableAccount)
	r.POST("/admin/v1/oa/accounts/:id/enable", h.enableAccount)
	r.GET("/admin/v1/oa/tokens", h.tokenHealth)
}

// CallbackURL is the redirect_uri sent to Zalo.
func (h *OAuthRoutes) CallbackURL() string {
	return strings.TrimRight(h.o.PublicBaseURL, "/") + "/oauth/zalo/callback"
}

func (h *OAuthRoutes) oauth(acc OAuthAccount) *zalo.OAuth {
	return &zalo.OAuth{Base: h.o.OAuthBase, AppID: acc.AppID, AppSecret: acc.AppSecret, HTTPClient: h.o.HTTPClient}
}

// start redirects an admin to Zalo's consent page for ?account=ID, with a fresh state
// and PKCE challenge; the verifier stays in Redis.
func (h *OAuthRoutes) start(c *gin.Context) {
	id := c.Query("account")
	officer, ok := h.o.Admin(c.Request, id)
	if !ok {
		c.Header("WWW-Authenticate", `Bearer realm="oabot admin"`)
		oauthPage(c, http.StatusUnauthorized, "Not authorised", "An admin bearer token for this account is required.")
		return
	}
	u, err := h.Consent(c.Request.Context(), id, officer) // oauth_consent.go
	switch {
	case errors.Is(err, ErrUnknownAccount):
		oauthPage(c, http.StatusNotFound, "Unknown account", "No account with this id. Add it first (file config or admin API).")
		return
	case errors.Is(err, ErrAccountNotReady):
		oauthPage(c, http.StatusConflict, "Account not ready", "The account has no oa_id, app_id or app secret key configured.")
		return
	case err != nil:
		h.unavailable(c, "start consent", err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusFound, u)
}

// callback receives Zalo's redirect (code, state and maybe oa_id), checks the state,
// exchanges the code with the stored verifier, asks Zalo which OA the new token acts for,
// and stores the pair only when that is the account's OA. Every exchange is audited
// ("oauth.exchange") with the officer who started the consent.
func (h *OAuthRoutes) callback(c *gin.Context) {
	ctx := c.Request.Context()
	state, code, claimed := c.Query("state"), c.Query("code"), c.Query("oa_id")
	if state == "" || code == "" {
		oauthPage(c, http.StatusBadRequest, "Incomplete answer", "Zalo's answer lacks code or state. Start the connection again.")
		return
	}
	// The state is spent here, whatever happens next: a code is single use too.
	accID, verifier, officer, found, err := h.o.States.TakeState(ctx, state)
	if err != nil {
		h.unavailable(c, "take oauth state", err)
		return
	}
	if !found {
		oauthPage(c, http.StatusBadRequest, "Link expired", "This consent was not started here, was already used or is older than 10 minutes. Start again.")
		return
	}
	x := exchange{account: accID, officer: officer, claimed: claimed, oaID: claimed}
	err = h.connect(ctx, &x, code, verifier)
	h.record(c, officer, "oauth.exchange", accID, x.oaID, err)
	if x.exchanged && h.o.OnExchange != nil {
		h.o.OnExchange(ctx, accID, x.oaID, officer, x.pair, err)
	}
	if err != nil {
		h.exchangeFailed(c, &x, err)
		return
	}
	h.o.Logger.Info("oauth tokens stored", zap.String("account", accID), zap.String("oa_id", x.oaID),
		zap.String("officer", officer), zap.Time("expires_at", x.pair.ExpiresAt))
	oauthPage(c, http.StatusOK, "Official Account connected",
		fmt.Sprintf("Account %s (OA %s) is connected. The access token is valid until %s.", accID, x.oaID, x.pair.ExpiresAt.Format(time.RFC3339)))
}

// exchange is one callback's progress: what the callback claimed, the OA Zalo confirmed
// (oaID, once known), and the pair once exchanged.
type exchange struct {
	account, officer, claimed string
	oaID                      string
	exchanged                 bool
	pair                      zalo.TokenPair
}

// connect exchanges the code and stores the pair under the account's OA, but only when
// Zalo itself says the new token acts for that OA (getoa): the callback's oa_id comes
// through the browser and may be missing or forged, so it can refuse but never decide.
func (h *OAuthRoutes) connect(ctx context.Context, x *exchange, code, verifier string) error {
	acc, found, err := h.o.Accounts.OAuthAccount(ctx, x.account)
	switch {
	case err != nil:
		return unavailable("look up account", err)
	case !found:
		return newRefusal(http.StatusNotFound, "unknown_account", "the account was removed while the consent was open")
	case acc.OAID == "":
		return newRefusal(http.StatusConflict, "not_ready", "the account has no oa_id")
	case x.claimed != "" && x.claimed != acc.OAID:
		// The admin picked another OA on Zalo's page: no need to spend the code.
		return errWrongOA
	}
	x.pair, err = h.oauth(acc).Exchange(ctx, code, verifier)
	x.exchanged = true
	var apiErr *zalo.APIError
	if errors.As(err, &apiErr) {
		return fmt.Errorf("%w: %w", errCodeRefused, err)
	}
	if err != nil {
		return err
	}
	info, err := zalo.TokenOA(ctx, x.pair.AccessToken, h.apiOptions()...)
	if err != nil {
		return fmt.Errorf("%w: %w", errOAUnconfirmed, err)
	}
	x.oaID = info.OAID
	if info.OAID != acc.OAID {
		return errWrongOA
	}
	if err := h.o.Tokens.Save(ctx, acc.OAID, x.pair); err != nil {
		return unavailable("save tokens", err)
	}
	return nil
}

func (h *OAuthRoutes) apiOptions() []zalo.Option {
	var opts []zalo.Option
	if h.o.APIBase != "" {
		opts = append(opts, zalo.WithAPIBase(h.o.APIBase))
	}
	if h.o.HTTPClient != nil {
		opts = append(opts, zalo.WithHTTPClient(h.o.HTTPClient))
	}
	return opts
}

// exchangePages words the callback's refusals for the OA admin, by error code.
var exchangePages = map[string][2]string{
	"wrong_oa": {"Wrong Official Account", "Zalo authorised a different OA than the one configured for this account. " +
		"Nothing was stored. Start again and pick the right OA."},
	"oa_unconfirmed": {"Official Account not confirmed", "Zalo issued a token but did not confirm which OA it belongs to, " +
		"so nothing was stored. Start the connection again."},
	"code_refused":     {"Connection failed", "Zalo refused the authorization code. Start the connection again."},
	"zalo_unreachable": {"Connection failed", "Zalo could not be reached. Start the connection again in a minute."},
	"unknown_account":  {"Unknown account", "The account was removed while the consent was open."},
	"not_ready":        {"Account not ready", "The account has no oa_id configured."},
	"unavailable":      {"Try again", "The service could not reach its store. Nothing was stored; start again in a minute."},
}

// exchangeFailed logs a refused or failed exchange and answers its page, with the status
// and code classify gives (the audit entry has the same code).
func (h *OAuthRoutes) exchangeFailed(c *gin.Context, x *exchange, err error) {
	cl := classify(err)
	log := h.o.Logger.Error
	if cl.status < 500 {
		log = h.o.Logger.Warn
	}
	log("oauth exchange refused", zap.String("account", x.account), zap.String("oa_id", x.oaID),
		zap.String("officer", x.officer), zap.String("code", cl.code), zap.Error(err))
	page, ok := exchangePages[cl.code]
	if !ok {
		page = [2]string{"Connection failed", "The connection could not be completed. Start again."}
	}
	oauthPage(c, cl.status, page[0], page[1]+" (error: "+cl.code+")")
}

func (h *OAuthRoutes) unavailable(c *gin.Context, what string, err error) {
	h.o.Logger.Error("oauth route failed", zap.String("what", what), zap.Error(err))
	oauthPage(c, http.StatusServiceUnavailable, "Try again", "The service could not reach its store. Try again in a minute.")
}

// randomState returns 32 random bytes, base64url: unguessable, so a forged callback
// cannot match a started consent (CSRF).
func randomState() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("oauth state: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// oauthPageTmpl is the small page an OA admin sees. The onboarding flow is for the
// office's IT staff, so it is in English like the admin API.
var oauthPageTmpl = template.Must(template.New("oauth").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.Title}} · oabot</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:3em auto">
<h1>{{.Title}}</h1><p>{{.Text}}</p></body></html>
`))

func oauthPage(c *gin.Context, status int, title, text string) {
	var b strings.Builder
	_ = oauthPageTmpl.Execute(&b, struct{ Title, Text string }{title, text})
	c.Header("Cache-Control", "no-store") // the security headers come from the server (securityHeaders)
	c.Data(status, "text/html; charset=utf-8", []byte(b.String()))
}
