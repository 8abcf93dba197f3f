package zalo

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// TokenPair is an OA's OAuth v4 token pair (zalo-oa.md §4). Refresh tokens are single use:
// every refresh returns a new pair that must be stored before the access token is used.
type TokenPair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	// ExpiresAt is when the access token expires (now + expires_in at issue time).
	ExpiresAt time.Time `json:"expires_at"`
	// RefreshExpiresAt is an estimate of the refresh token's end (RefreshTokenLifetime,
	// [C] 3 months); zero when unknown.
	RefreshExpiresAt time.Time `json:"refresh_expires_at,omitempty"`
	// IssuedAt is when this pair was obtained.
	IssuedAt time.Time `json:"issued_at"`
}

// String hides the tokens, so a pair printed by mistake leaks nothing.
func (p TokenPair) String() string {
	return fmt.Sprintf("TokenPair{expires_at: %s, issued_at: %s}", p.ExpiresAt.Format(time.RFC3339), p.IssuedAt.Format(time.RFC3339))
}

// GoString hides the tokens under %#v too.
func (p TokenPair) GoString() string { return p.String() }

// OAuth talks to Zalo's OAuth v4 server for one Zalo App (zalo-oa.md §4). The app secret goes
// in the secret_key header; it never appears in errors.
type OAuth struct {
	// Base is the OAuth host, default DefaultOAuthBase.
	Base string
	// AppID and AppSecret are the Zalo App's id and App Secret Key (not the OA Secret Key
	// used for webhook signatures).
	AppID, AppSecret string
	// HTTPClient defaults to a client with DefaultHTTPTimeout.
	HTTPClient *http.Client
	// Now defaults to time.Now.
	Now func() time.Time
}

// AuthURL returns the consent page an OA admin opens to authorise the app (zalo-oa.md §4
// step 2): {base}/v4/oa/permission?app_id=…&redirect_uri=…&code_challenge=…&state=….
// redirectURI must equal the console's callback URL (else -14003 [S]).
func (o *OAuth) AuthURL(redirectURI, codeChallenge, state string) string {
	q := url.Values{"app_id": {o.AppID}, "redirect_uri": {redirectURI}}
	if codeChallenge != "" {
		q.Set("code_challenge", codeChallenge)
	}
	if state != "" {
		q.Set("state", state)
	}
	return o.base() + "/v4/oa/permission?" + q.Encode()
}

// Exchange trades an authorization code (valid ~10 minutes, single use [S]) for a token
// pair: POST {base}/v4/oa/access_token, header secret_key, form app_id,
// grant_type=authorization_code, code, code_verifier (zalo-oa.md §4 step 4). codeVerifier
// may be empty when the consent URL had no code_challenge (PKCE optional? §4 [?]).
func (o *OAuth) Exchange(ctx context.Context, code, codeVerifier string) (TokenPair, error) {
	if code == "" {
		return TokenPair{}, errors.New("zalo oauth: empty authorization code")
	}
	form := url.Values{"app_id": {o.AppID}, "grant_type": {"authorization_code"}, "code": {code}}
	if codeVerifier != "" {
		form.Set("code_verifier", codeVerifier)
	}
	return o.token(ctx, form)
}

// Refresh trades a refresh token for a new pair: POST {base}/v4/oa/access_token, header
// secret_key, form app_id, grant_type=refresh_token, refresh_token (zalo-oa.md §4 step 5).
// The old refresh token is spent once Zalo answers; persist the result before using it.
// It is not retried here: TokenSource decides.
func (o *OAuth) Refresh(ctx context.Context, refreshToken string) (TokenPair, error) {
	if refreshToken == "" {
		return TokenPair{}, errors.New("zalo oauth: no refresh token")
	}
	return o.token(ctx, url.Values{"app_id": {o.AppID}, "grant_type": {"refresh_token"}, "refresh_token": {refreshToken}})
}

const oauthTokenPath = "/v4/oa/access_token"

func (o *OAuth) token(ctx context.Context, form url.Values) (TokenPair, error) {
	if o.AppID == "" || o.AppSecret == "" {
		return TokenPair{}, errors.New("zalo oauth: app id and app secret are required")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.base()+oauthTokenPath, strings.NewReader(form.Encode()))
	if err != nil {
		return TokenPair{}, fmt.Errorf("zalo oauth: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("secret_key", o.AppSecret)
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return TokenPair{}, transportError(oauthTokenPath, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return TokenPair{}, transportError(oauthTokenPath, err)
	}
	return o.parseToken(resp.StatusCode, raw)
}

// parseToken reads {"access_token","refresh_token","expires_in"} (top level, no "data";
// expires_in is a string of seconds [S] or a number) or an OAuth error
// {"error":-14xxx,"error_name","error_reason"} (zalo-oa.md §2.6, §4).
func (o *OAuth) parseToken(status int, raw []byte) (TokenPair, error) {
	if _, err := checkResponse(oauthTokenPath, status, raw); err != nil {
		return TokenPair{}, err
	}
	obj, _ := parseObj(raw)
	if d := obj.obj("data"); d != nil && !obj.has("access_token") { // tolerate a data wrapper
		obj = d
	}
	now := o.now()
	p := TokenPair{AccessToken: obj.str("access_token"), RefreshToken: obj.str("refresh_token"), IssuedAt: now}
	if p.AccessToken == "" {
		return TokenPair{}, &APIError{Endpoint: oauthTokenPath, HTTPStatus: status, Message: "no access_token in answer"}
	}
	life := DefaultAccessTokenLifetime
	if secs, err := strconv.ParseFloat(strings.TrimSpace(obj.str("expires_in")), 64); err == nil && secs > 0 && secs < 1e9 {
		life = time.Duration(secs * float64(time.Second))
	}
	p.ExpiresAt = now.Add(life)
	if p.RefreshToken != "" {
		p.RefreshExpiresAt = now.Add(RefreshTokenLifetime)
	}
	return p, nil
}

func (o *OAuth) base() string {
	if o.Base == "" {
		return DefaultOAuthBase
	}
	return strings.TrimRight(o.Base, "/")
}

func (o *OAuth) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// NewPKCE returns a random code verifier of PKCEVerifierLength characters and its S256 code
// challenge (zalo-oa.md §4 [D] PHP-SDK PKCEUtil). Keep the verifier server-side (keyed by
// state) until the callback arrives.
func NewPKCE() (verifier, challenge string, err error) {
	b := make([]byte, 32) // 32 bytes → 43 base64url characters (PKCEVerifierLength)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("pkce: %w", err)
	}
	verifier = base64.RawURLEncoding.EncodeToString(b)
	return verifier, CodeChallenge(verifier), nil
}

// CodeChallenge returns base64url-without-padding(SHA-256(verifier)); Zalo takes no
// code_challenge_method parameter (zalo-oa.md §4).
func CodeChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
