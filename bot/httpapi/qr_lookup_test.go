package httpapi

import (
	"net/http"
	"sync"
	"testing"

	"github.com/oabot/oabot/bot/qr"
)

// With QROptions.Lookup, the routes follow accounts that appear or go away after start.
func TestQRRoutesLookupFollowsChanges(t *testing.T) {
	var (
		mu  sync.Mutex
		set = map[string]qr.Account{}
	)
	srv, _ := newQRServerWith(t, func(o *QROptions) {
		o.Accounts = nil
		o.Lookup = func(slug string) (qr.Account, bool) {
			mu.Lock()
			defer mu.Unlock()
			a, ok := set[slug]
			return a, ok
		}
	})
	status := func(path string) int {
		t.Helper()
		resp, _ := get(t, srv.URL+path, "Authorization", "Bearer "+testPosterToken)
		return resp.StatusCode
	}
	paths := []string{"/q/ca-moi/1.014061", "/qr/ca-moi/1.014061.png", "/posters/ca-moi.html?codes=1.014061"}
	for _, p := range paths {
		if got := status(p); got != http.StatusNotFound {
			t.Errorf("GET %s before the account exists = %d, want 404", p, got)
		}
	}
	mu.Lock()
	set["ca-moi"] = qr.Account{Slug: "ca-moi", OAID: "6318692012345678901", Name: "Công an phường mới"}
	mu.Unlock()
	for _, p := range paths {
		if got := status(p); got != http.StatusOK {
			t.Errorf("GET %s after the account was added = %d, want 200", p, got)
		}
	}
	mu.Lock()
	delete(set, "ca-moi")
	mu.Unlock()
	if got := status(paths[0]); got != http.StatusNotFound {
		t.Errorf("GET %s after the account went away = %d, want 404", paths[0], got)
	}
}
