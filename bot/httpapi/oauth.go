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
	// HTTPClient makes the code exchange (e.g. with the metrics RoundTripper); nil = default.
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
	// OnExchange is told about every code exchange (metrics, token health, audit). The
	// pair is passed for its expiry; the callee must not log its tokens.
	OnExchange func(ctx context.Context, account, oaID, officer string, pair zalo.TokenPair, err error)
	// StateTTL is how long a started consent stays valid (default 10 minutes, like Zalo's
	// authorization code [S]).
	StateTTL time.Duration
	Logger   *zap.Logger
}

// OAuthRoutes serves GET /oauth/zalo/start and GET /oauth/zalo/callback (OAuth v4 with
// PKCE, zalo-oa.md §4).
type OAuthRoutes struct {
	o OAuthOptions
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
	return &OAuthRoutes{o: o}, nil
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
	acc, found, err := h.o.Accounts.OAuthAccount(c.Request.Context(), id)
	switch {
	case err != nil:
		h.unavailable(c, "look up account", err)
		return
	case !found || id == "":
		oauthPage(c, http.StatusNotFound, "Unknown account", "No account with this id. Add it first (file config or admin API).")
		return
	case acc.AppID == "" || acc.AppSecret == "":
		oauthPage(c, http.StatusConflict, "Account not ready", "The account has no app_id or app secret key configured.")
		return
	}
	verifier, challenge, err := zalo.NewPKCE()
	if err != nil {
		h.unavailable(c, "pkce", err)
		return
	}
	state, err := randomState()
	if err != nil {
		h.unavailable(c, "state", err)
		return
	}
	if err := h.o.States.SaveState(c.Request.Context(), state, acc.ID, verifier, officer, h.o.StateTTL); err != nil {
		h.unavailable(c, "save oauth state", err)
		return
	}
	h.o.Logger.Info("oauth consent started", zap.String("account", acc.ID), zap.String("officer", officer))
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusFound, h.oauth(acc).AuthURL(h.CallbackURL(), challenge, state))
}

// callback receives Zalo's redirect (code, oa_id, state), checks the state, exchanges the
// code with the stored verifier and stores the pair for the returned oa_id.
func (h *OAuthRoutes) callback(c *gin.Context) {
	ctx := c.Request.Context()
	state, code, oaID := c.Query("state"), c.Query("code"), c.Query("oa_id")
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
	acc, found, err := h.o.Accounts.OAuthAccount(ctx, accID)
	if err != nil {
		h.unavailable(c, "look up account", err)
		return
	}
	if !found {
		oauthPage(c, http.StatusNotFound, "Unknown account", "The account was removed while the consent was open.")
		return
	}
	if oaID == "" {
		oaID = acc.OAID // [?] Zalo documents oa_id in the callback (zalo-oa.md §4 step 3)
	}
	if acc.OAID != "" && oaID != acc.OAID {
		// The admin picked another OA on Zalo's page: storing its tokens under this account
		// would make the bot answer as the wrong office.
		h.o.Logger.Warn("oauth consent for another oa", zap.String("account", acc.ID), zap.String("oa_id", oaID))
		oauthPage(c, http.StatusConflict, "Wrong Official Account", "Zalo authorised a different OA than the one configured for this account. Start again and pick the right OA.")
		return
	}
	pair, err := h.oauth(acc).Exchange(ctx, code, verifier)
	if err == nil {
		err = h.o.Tokens.Save(ctx, oaID, pair)
	}
	if h.o.OnExchange != nil {
		h.o.OnExchange(ctx, acc.ID, oaID, officer, pair, err)
	}
	if err != nil {
		h.o.Logger.Error("oauth code exchange failed", zap.String("account", acc.ID), zap.String("oa_id", oaID), zap.Error(err))
		status := http.StatusBadGateway
		var apiErr *zalo.APIError
		if errors.As(err, &apiErr) {
			status = http.StatusBadRequest
		}
		oauthPage(c, status, "Connection failed", "Zalo refused the authorization code. Start the connection again.")
		return
	}
	h.o.Logger.Info("oauth tokens stored", zap.String("account", acc.ID), zap.String("oa_id", oaID),
		zap.Time("expires_at", pair.ExpiresAt))
	oauthPage(c, http.StatusOK, "Official Account connected",
		fmt.Sprintf("Account %s (OA %s) is connected. The access token is valid until %s.", acc.ID, oaID, pair.ExpiresAt.Format(time.RFC3339)))
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
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Referrer-Policy", "no-referrer")
	c.Data(status, "text/html; charset=utf-8", []byte(b.String()))
}
