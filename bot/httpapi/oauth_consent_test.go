package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestOAuthConsentFromTheConsole: a consent started without the admin API's token (the
// console, which checked its own session) completes through the same callback, and the
// exchange is credited to the officer it names.
func TestOAuthConsentFromTheConsole(t *testing.T) {
	env := newOAuthEnv(t)
	routes, err := NewOAuthRoutes(OAuthOptions{PublicBaseURL: "https://bot.example.vn", OAuthBase: env.zaloURL,
		Accounts: env.dir, States: env.states, Tokens: env.tokens, TokenPairs: env.tokens,
		Admin: func(*http.Request, string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := routes.ConsentOrigin(), env.zaloURL; got != want {
		t.Errorf("ConsentOrigin = %q, want %q", got, want)
	}
	ctx := context.Background()
	if _, err := routes.Consent(ctx, "nope", "lan"); !errors.Is(err, ErrUnknownAccount) {
		t.Errorf("unknown account: %v", err)
	}
	env.dir.accs["bare"] = OAuthAccount{ID: "bare", OAID: "333"}
	if _, err := routes.Consent(ctx, "bare", "lan"); !errors.Is(err, ErrAccountNotReady) {
		t.Errorf("account without app settings: %v", err)
	}
	loc, err := routes.Consent(ctx, "ca-q1", "console-admin")
	if err != nil || !strings.HasPrefix(loc, env.zaloURL+"/v4/oa/permission?") {
		t.Fatalf("Consent = %q, %v", loc, err)
	}
	u, _ := url.Parse(loc)
	if got := u.Query().Get("redirect_uri"); got != "https://bot.example.vn/oauth/zalo/callback" {
		t.Errorf("redirect_uri = %q", got)
	}
	// The callback of the admin API's routes (the same state store) finishes it.
	if code, body := env.callback(t, env.consent(t, loc, oauthOA)); code != http.StatusOK {
		t.Fatalf("callback = %d %s", code, body)
	}
	if want := []string{"ca-q1 111 console-admin true"}; fmt.Sprint(env.exchange) != fmt.Sprint(want) {
		t.Errorf("OnExchange calls = %v, want %v", env.exchange, want)
	}
}
