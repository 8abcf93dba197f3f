package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"go.uber.org/zap"

	"github.com/oabot/oabot/zalo"
)

var (
	// ErrUnknownAccount: Consent was asked for an account that does not exist.
	ErrUnknownAccount = errors.New("httpapi: unknown account")
	// ErrAccountNotReady: the account lacks its oa_id, app_id or app secret key.
	ErrAccountNotReady = errors.New("httpapi: account has no oa_id, app_id or app secret key")
)

// Consent starts Zalo's consent for an account on behalf of officer, whom the caller has
// checked is an admin of it (GET /oauth/zalo/start with the admin API's bearer token; the
// console with its session): a fresh state and PKCE pair, the verifier kept in the state
// store for the callback, and Zalo's consent URL returned. The callback then works as for
// every consent (the officer is audited with the exchange).
func (h *OAuthRoutes) Consent(ctx context.Context, account, officer string) (string, error) {
	acc, found, err := h.o.Accounts.OAuthAccount(ctx, account)
	switch {
	case err != nil:
		return "", fmt.Errorf("look up account: %w", err)
	case !found || account == "":
		return "", ErrUnknownAccount
	case acc.AppID == "" || acc.AppSecret == "" || acc.OAID == "":
		return "", ErrAccountNotReady
	}
	verifier, challenge, err := zalo.NewPKCE()
	if err != nil {
		return "", fmt.Errorf("pkce: %w", err)
	}
	state, err := randomState()
	if err != nil {
		return "", err
	}
	if err := h.o.States.SaveState(ctx, state, acc.ID, verifier, officer, h.o.StateTTL); err != nil {
		return "", fmt.Errorf("save oauth state: %w", err)
	}
	h.o.Logger.Info("oauth consent started", zap.String("account", acc.ID), zap.String("officer", officer))
	return h.oauth(acc).AuthURL(h.CallbackURL(), challenge, state), nil
}

// ConsentOrigin is the origin (scheme://host) of Zalo's consent page, for a page whose
// form leads there (its CSP form-action).
func (h *OAuthRoutes) ConsentOrigin() string {
	u, err := url.Parse(h.oauth(OAuthAccount{}).AuthURL("", "", ""))
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
