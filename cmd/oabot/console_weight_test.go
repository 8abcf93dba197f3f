package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oabot/oabot/bot"
	"github.com/oabot/oabot/bot/console"
	"github.com/oabot/oabot/bot/redisstore"
	"github.com/oabot/oabot/bot/redisstore/redistest"
	"github.com/oabot/oabot/procedures"
)

// consoleClient signs in through a one-time link with a cookie jar, as a browser does:
// the link page, then its form (CSRF token and Origin).
func consoleClient(t testing.TB, base, link string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	if !strings.HasPrefix(link, "http") {
		link = base + link
	}
	resp, err := c.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`data-csrf="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on the sign-in link page (%d)", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, link, strings.NewReader(url.Values{"csrf": {string(m[1])}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasSuffix(resp.Request.URL.Path, "/console/") {
		t.Fatalf("sign in through the link: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	return c
}

var assetRE = regexp.MustCompile(`(?:href|src)="(/console/static/[^"]+)"`)

// Every console page, with the stylesheet and script it loads, weighs at most 100 KB
// (issue 14), as the demo's officer (an admin, who sees the most) sees it.
func TestConsolePageWeight(t *testing.T) {
	base, stdout := mustRunMain(t, []string{"serve", "--addr", "127.0.0.1:0"}, nil)
	c := consoleClient(t, base, consoleDemoLink(t, stdout.String()))
	get := func(p string) []byte {
		t.Helper()
		resp, err := c.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d", p, resp.StatusCode)
		}
		return b
	}
	assets := map[string]int{}
	for _, p := range []string{"/console/", "/console/questions", "/console/announcements", "/console/announcements/new",
		"/console/posters", "/console/catalogue", "/console/catalogue/record/1.014061", "/console/catalogue/history",
		"/console/settings", "/console/health", "/console/officers"} {
		page := get(p)
		total := len(page)
		var names []string
		for _, m := range assetRE.FindAllSubmatch(page, -1) {
			a := string(m[1])
			if _, ok := assets[a]; !ok {
				assets[a] = len(get(a))
			}
			if !slices.Contains(names, a) {
				total += assets[a]
				names = append(names, a)
			}
		}
		t.Logf("%-40s %6.1f KB (HTML %.1f KB + %d assets)", p, float64(total)/1024, float64(len(page))/1024, len(names))
		if total > 100*1024 {
			t.Errorf("%s weighs %d bytes with its assets, more than 100 KB", p, total)
		}
	}
}

// BenchmarkConsoleHome serves Tổng quan of an OA whose 10,000 citizens wrote over 30 days
// (statistics and sessions in Redis), beside a bare handler on the same server: p50 and
// p99 of a signed-in GET, over loopback HTTP.
func BenchmarkConsoleHome(b *testing.B) {
	ctx := context.Background()
	rdb, prefix := redistest.New(b)
	stats, err := redisstore.NewStats(rdb, redisstore.StatsOptions{Prefix: prefix})
	if err != nil {
		b.Fatal(err)
	}
	cat, err := procedures.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	codes := make([]string, 0, cat.Len())
	for _, r := range cat.All() {
		codes = append(codes, r.Code)
	}
	const account, citizens = "ca-q12", 10000
	now := time.Now()
	for i := range citizens {
		d := bot.StatsDelta{Follows: 1, Messages: 3, Views: []string{codes[i%len(codes)], codes[(i*7)%len(codes)]}}
		if i%40 == 0 {
			d.Unmatched = fmt.Sprintf("cau hoi chua tra loi so %d", i%400)
		}
		if err := stats.Record(ctx, account, d, now.Add(-time.Duration(i%30)*24*time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
	store, err := redisstore.NewConsoleStore(rdb, prefix)
	if err != nil {
		b.Fatal(err)
	}
	h, err := console.New(console.Options{Store: store,
		Accounts:     func() []console.Account { return []console.Account{{ID: account, Name: "Công an quận 12"}} },
		FileOfficers: []console.FileOfficer{{Name: "admin", Role: console.RoleAdmin, Accounts: []string{console.AllAccounts}}},
		Figures:      &figuresSource{stats: stats, unanswered: stats, catalog: func() *procedures.Catalog { return cat }}})
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/console/", http.StripPrefix("/console", h))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	tok, err := h.Officers().SignInLink(ctx, "admin", time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	c := consoleClient(b, srv.URL, "/console/login/"+tok)
	for _, tc := range []struct{ name, path string }{{"healthz", "/healthz"}, {"home", "/console/"}} {
		b.Run(tc.name, func(b *testing.B) {
			took := make([]time.Duration, 0, b.N)
			for b.Loop() {
				start := time.Now()
				resp, err := c.Get(srv.URL + tc.path)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("GET %s = %d", tc.path, resp.StatusCode)
				}
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
		})
	}
}
