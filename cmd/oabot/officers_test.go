package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/oabot/oabot/bot/redisstore/redistest"
)

// consoleTestConfig writes a Redis config with one account and one file officer.
func consoleTestConfig(t *testing.T, redisURL, prefix, publicBase string) (path string, env map[string]string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "oabot.yaml")
	yaml := fmt.Sprintf(`
redis: {url: %q, key_prefix: %q}
http: {public_base_url: %q}
accounts:
  - id: ca-q12
    name: "Công an quận 12"
    oa_id: "1234567890123456789"
    app_id: "3608465248940903967"
    oa_secret_key_env: CONSOLE_OA_SECRET
    access_token_env: CONSOLE_ACCESS
officers:
  - name: chi-huy
    token_env: CONSOLE_OFFICER_TOKEN
    role: admin
    accounts: ["*"]
queue: {partitions: 2, lease_ttl: 1s}
`, redisURL, prefix, publicBase)
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, map[string]string{"CONSOLE_OA_SECRET": "oa-secret-console-test-0123456789",
		"CONSOLE_ACCESS": "access-token-console-test-0123456789", "CONSOLE_OFFICER_TOKEN": "officer-token-console-test-0123456789"}
}

func runCLI(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return out.String(), errOut.String(), err
}

var inviteLinkRE = regexp.MustCompile(`(?m)^(http://\S+)/console/invite/([A-Za-z0-9_-]{43})$`)

// The CLI invites an officer into a served console (Redis): the printed link sets a
// password and signs in; list shows both kinds of officers; revoke signs them out.
func TestConsoleOfficersCLI(t *testing.T) {
	_, prefix := redistest.New(t)
	redisURL := redistest.URL(t)
	cfg, env := consoleTestConfig(t, redisURL, prefix, "http://oabot.test")

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no name", []string{"invite", "--role", "editor", "--accounts", "ca-q12"}, "usage"},
		{"bad role", []string{"invite", "--name", "lan", "--role", "boss", "--accounts", "ca-q12"}, `unknown role "boss"`},
		{"unknown account", []string{"invite", "--name", "lan", "--role", "editor", "--accounts", "ca-q99"}, `no account "ca-q99"`},
		{"no accounts", []string{"invite", "--name", "lan", "--role", "editor"}, "--accounts is required"},
		{"file officer's role", []string{"invite", "--name", "chi-huy", "--role", "viewer"}, "role and accounts come from there"},
		{"revoke unknown", []string{"revoke", "--name", "ai"}, `no officer "ai"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, err := runCLI(t, env, append([]string{"officers"}, append(tc.args, "--config", cfg)...)...)
			if err == nil || !strings.Contains(err.Error()+stderr, tc.want) {
				t.Errorf("err = %v, stderr %q; want %q", err, stderr, tc.want)
			}
		})
	}

	out, _, err := runCLI(t, env, "officers", "invite", "--config", cfg, "--name", "Nguyễn Lan", "--role", "editor", "--accounts", "ca-q12")
	if err != nil {
		t.Fatal(err)
	}
	m := inviteLinkRE.FindStringSubmatch(out)
	if m == nil || m[1] != "http://oabot.test" {
		t.Fatalf("invite output has no link under the public base URL:\n%s", out)
	}
	token := m[2]
	if !strings.Contains(out, `"Nguyễn Lan" (editor on ca-q12)`) {
		t.Errorf("invite output = %q", out)
	}

	base, _ := mustRunMain(t, []string{"serve", "--config", cfg, "--addr", "127.0.0.1:0"}, env)
	b := newCLIBrowser(t)
	page := b.get(t, base+"/console/invite/"+token)
	if !strings.Contains(page, "Nguyễn Lan") || !strings.Contains(page, "Công an quận 12") {
		t.Fatalf("invite page:\n%s", page)
	}
	code, _ := b.post(t, base+"/console/invite/"+token, url.Values{"password": {"Quận 12 an toàn"}, "confirm": {"Quận 12 an toàn"}, "csrf": {csrfOf(page)}})
	if code != http.StatusSeeOther {
		t.Fatalf("set password = %d", code)
	}
	home := b.get(t, base+"/console/")
	if !strings.Contains(home, "Tổng quan") || !strings.Contains(home, "Công an quận 12") || !strings.Contains(home, "Biên tập") {
		t.Fatalf("home after the invite:\n%s", home)
	}

	out, _, err = runCLI(t, env, "officers", "list", "--config", cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^chi-huy\s+admin\s+\*\s+file\s+no password\s+never$`),
		regexp.MustCompile(`(?m)^Nguyễn Lan\s+editor\s+ca-q12\s+console\s+active\s+\d{4}-\d\d-\d\d \d\d:\d\d$`),
	} {
		if !want.MatchString(out) {
			t.Errorf("list lacks %s:\n%s", want, out)
		}
	}
	out, _, err = runCLI(t, env, "officers", "list", "--config", cfg, "--json")
	var list []officerJSON
	if err != nil || json.Unmarshal([]byte(out), &list) != nil || len(list) != 2 || list[1].LastSignIn == nil {
		t.Errorf("list --json = %s (%v)", out, err)
	}

	if out, _, err = runCLI(t, env, "officers", "revoke", "--config", cfg, "--name", "Nguyễn Lan"); err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke = %q, %v", out, err)
	}
	resp := b.do(t, http.MethodGet, base+"/console/", nil)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/console/login") {
		t.Errorf("after revoke: GET /console/ = %d %s, want a redirect to sign in", resp.StatusCode, resp.Header.Get("Location"))
	}
	if out, _, _ := runCLI(t, env, "officers", "list", "--config", cfg); !regexp.MustCompile(`(?m)^Nguyễn Lan\s.*\srevoked\s`).MatchString(out) {
		t.Errorf("list after revoke:\n%s", out)
	}
}

// Demo and in-memory configs have no shared store for the CLI to write to.
func TestConsoleOfficersCLINeedsRedis(t *testing.T) {
	_, _, err := runCLI(t, nil, "officers", "list")
	if err == nil || !strings.Contains(err.Error(), "configure redis.url") {
		t.Errorf("officers list in demo = %v", err)
	}
	_, stderr, err := runCLI(t, nil, "officers")
	if !errors.Is(err, errUsage) || !strings.Contains(stderr, "usage: oabot officers") {
		t.Errorf("officers without a subcommand = %v, %q", err, stderr)
	}
}

// cliBrowser is an HTTP client with cookies that does not follow redirects.
type cliBrowser struct{ c *http.Client }

func newCLIBrowser(t *testing.T) *cliBrowser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &cliBrowser{c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *cliBrowser) do(t *testing.T, method, u string, form url.Values) *http.Response {
	t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func (b *cliBrowser) get(t *testing.T, u string) string {
	t.Helper()
	resp := b.do(t, http.MethodGet, u, nil)
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d\n%s", u, resp.StatusCode, buf.String())
	}
	return buf.String()
}

func (b *cliBrowser) post(t *testing.T, u string, form url.Values) (int, string) {
	t.Helper()
	resp := b.do(t, http.MethodPost, u, form)
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	return resp.StatusCode, buf.String()
}

var consoleCSRFRE = regexp.MustCompile(`data-csrf="([^"]+)"`)

func csrfOf(page string) string {
	if m := consoleCSRFRE.FindStringSubmatch(page); m != nil {
		return m[1]
	}
	return ""
}
