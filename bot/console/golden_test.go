package console

import (
	"context"
	"flag"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// The pages as HTML, golden (testdata/*.golden, rewritten with -update): what the layout,
// the partials and the forms helper produce, with the per-response values (nonce, CSRF
// token, asset hashes, invite token) replaced.
func TestConsoleGoldenPages(t *testing.T) {
	e := newEnv(t, "inmem")
	e.officer("Trần Văn Minh", RoleEditor, "mật khẩu dài", "phuong-a", "xa-b")
	tok, err := e.h.Officers().Invite(context.Background(), InviteSpec{Name: "Nguyễn Thị Lan", Role: RoleViewer, Accounts: []string{"xa-b"}})
	if err != nil {
		t.Fatal(err)
	}
	anon, signed := e.browser(), e.browser()
	signed.signIn("Trần Văn Minh", "mật khẩu dài")
	pages := []struct {
		name string
		b    *browser
		do   func(b *browser)
	}{
		{"login", anon, func(b *browser) { b.get("/login") }},
		{"login-error", anon, func(b *browser) {
			b.get("/login")
			b.post("/login", url.Values{"name": {"Trần Văn Minh"}, "password": {""}}, "page")
		}},
		{"invite", anon, func(b *browser) { b.get("/invite/" + tok) }},
		{"invite-error", anon, func(b *browser) {
			b.get("/invite/" + tok)
			b.post("/invite/"+tok, url.Values{"password": {"ngắn"}, "confirm": {"khác"}}, "page")
		}},
		{"invite-gone", anon, func(b *browser) { b.get("/invite/" + strings.Repeat("A", 43)) }},
		{"home", signed, func(b *browser) { b.get("/") }},
		{"not-found", signed, func(b *browser) { b.get("/khong-co") }},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			p.do(p.b)
			got := normalizePage(p.b.body, tok)
			path := filepath.Join("testdata", p.name+".golden")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", path, diff)
			}
		})
	}
}

var (
	goldenNonceRE = regexp.MustCompile(`nonce="[^"]+"`)
	goldenCSRFRE  = regexp.MustCompile(`(data-csrf="|name="csrf" value=")[^"]+"`)
	goldenAssetRE = regexp.MustCompile(`console\.[0-9a-f]{10}\.(css|js)`)
	goldenTimeRE  = regexp.MustCompile(`\d\d/\d\d/\d{4} \d\d:\d\d`)
)

func normalizePage(body, token string) string {
	body = goldenNonceRE.ReplaceAllString(body, `nonce="NONCE"`)
	body = goldenCSRFRE.ReplaceAllString(body, `${1}CSRF"`)
	body = goldenAssetRE.ReplaceAllString(body, `console.HASH.$1`)
	body = goldenTimeRE.ReplaceAllString(body, `DD/MM/YYYY hh:mm`)
	return strings.ReplaceAll(body, token, "TOKEN")
}

// Page weight (issue 14: ≤ 100 KB of HTML + CSS + JS per page).
func TestConsolePageWeight(t *testing.T) {
	e := newEnv(t, "inmem")
	e.officer("minh", RoleAdmin, "mật khẩu dài", "*")
	b := e.browser()
	b.signIn("minh", "mật khẩu dài")
	total := len(b.body)
	for _, u := range []string{e.h.assets.urls["console.css"], e.h.assets.urls["console.js"]} {
		resp := b.get(strings.TrimPrefix(u, "/console"))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d", u, resp.StatusCode)
		}
		total += len(b.body)
	}
	t.Logf("home page weight: %d bytes (HTML + CSS + JS, uncompressed)", total)
	if total > 100_000 {
		t.Errorf("home page weighs %d bytes, want ≤ 100 KB", total)
	}
}
