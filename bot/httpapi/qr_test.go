package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/go-cmp/cmp"

	"github.com/oabot/oabot/bot"
	"github.com/oabot/oabot/bot/inmem"
	"github.com/oabot/oabot/bot/qr"
	"github.com/oabot/oabot/bot/redisstore"
	"github.com/oabot/oabot/bot/redisstore/redistest"
	"github.com/oabot/oabot/procedures"

	"github.com/oabot/oabot/bot/browsertest"
)

const testPosterToken = "poster-secret-for-tests"

// phoneUA is what a phone's browser sends after a camera scan.
const phoneUA = "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"

var qrTestAccounts = []qr.Account{
	{Slug: "ubnd-ben-nghe", OAID: "4318692012345678901", Name: "UBND phường Bến Nghé"},
	{Slug: "ca-q12", OAID: "5318692012345678901", Name: "Công an phường Tân Thới Hiệp", Mode: qr.ModeOA},
}

// newQRServer serves the QR routes on an httptest server; base is its URL, also used as
// the public base URL.
func newQRServer(t *testing.T, scans ScanCounter) (*httptest.Server, *procedures.Catalog) {
	t.Helper()
	return newQRServerWith(t, func(o *QROptions) { o.Scans = scans })
}

// newQRServerWith is newQRServer with options changed by tweak.
func newQRServerWith(t *testing.T, tweak func(*QROptions)) (*httptest.Server, *procedures.Catalog) {
	t.Helper()
	srv, _, cat := newQRRoutesServer(t, tweak)
	return srv, cat
}

// newQRRoutesServer is newQRServerWith that also returns the routes, whose hooks a test
// may set before its first request.
func newQRRoutesServer(t *testing.T, tweak func(*QROptions)) (*httptest.Server, *QRRoutes, *procedures.Catalog) {
	t.Helper()
	cat, err := procedures.Builtin()
	if err != nil {
		t.Fatalf("procedures.Builtin: %v", err)
	}
	engine := gin.New()
	srv := httptest.NewUnstartedServer(engine)
	base := "http://" + srv.Listener.Addr().String()
	o := QROptions{
		PublicBaseURL: base, Accounts: qrTestAccounts,
		Catalog: func() *procedures.Catalog { return cat }, PosterToken: testPosterToken,
		Now: func() time.Time { return time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC) },
	}
	tweak(&o)
	routes, err := NewQRRoutes(o)
	if err != nil {
		t.Fatal(err)
	}
	routes.Register(engine)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, routes, cat
}

// withShortCode returns a built-in record that has a short code.
func withShortCode(t *testing.T, cat *procedures.Catalog) *procedures.Record {
	t.Helper()
	for _, r := range cat.All() {
		if r.ShortCode != "" {
			return r
		}
	}
	t.Fatal("no built-in record has a short code")
	return nil
}

func get(t *testing.T, u string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", phoneUA)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestQRImageRoutes(t *testing.T) {
	srv, cat := newQRServer(t, nil)
	r := withShortCode(t, cat)
	want := srv.URL + "/q/ubnd-ben-nghe/" + r.Code + "?src=cong-ubnd"

	resp, body := get(t, srv.URL+"/qr/ubnd-ben-nghe/"+r.Code+".png?size=128&src=C%E1%BB%95ng%20UBND")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("PNG: status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	img, err := png.Decode(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := qr.Decode(img); err != nil || got != want {
		t.Errorf("PNG decodes to %q, %v; want %q", got, err, want)
	}
	etag := resp.Header.Get("ETag")
	if etag == "" || !strings.Contains(resp.Header.Get("Cache-Control"), "max-age") {
		t.Errorf("PNG cache headers: ETag %q, Cache-Control %q", etag, resp.Header.Get("Cache-Control"))
	}
	if resp, _ := get(t, srv.URL+"/qr/ubnd-ben-nghe/"+r.Code+".png?size=128&src=C%E1%BB%95ng%20UBND", "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", resp.StatusCode)
	}

	// By short code, SVG, OA mode: the code carries the plain OA link.
	resp, body = get(t, srv.URL+"/qr/ca-q12/"+r.ShortCode+".svg")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("SVG: status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	raster, err := qr.RasteriseSVG(body, qr.DefaultSize)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := qr.Decode(raster); err != nil || got != "https://zalo.me/5318692012345678901" {
		t.Errorf("SVG decodes to %q, %v", got, err)
	}

	if resp, _ := get(t, srv.URL+"/qr/ubnd-ben-nghe/"+r.Code+".png?size=20"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("size=20: status %d, want 400", resp.StatusCode)
	}
}

func TestQRNotFound(t *testing.T) {
	srv, cat := newQRServer(t, inmem.NewScans(0))
	r := withShortCode(t, cat)
	for _, tc := range []struct {
		name, path, want string
	}{
		{"landing unknown account", "/q/nobody/" + r.Code, "quét lại mã QR"},
		{"landing unknown code", "/q/ubnd-ben-nghe/9.999999", "Nhắn tin với UBND phường Bến Nghé trên Zalo"},
		{"image unknown code", "/qr/ubnd-ben-nghe/9.999999.png", "Không tìm thấy thủ tục"},
		{"image unknown account", "/qr/nobody/" + r.Code + ".svg", "Không tìm thấy thủ tục"},
		{"image bad extension", "/qr/ubnd-ben-nghe/" + r.Code + ".gif", "Không tìm thấy thủ tục"},
		{"posters unknown account", "/posters/nobody.pdf", "Không tìm thấy thủ tục"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, srv.URL+tc.path, "Authorization", "Bearer "+testPosterToken)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: status %d, want 404", tc.path, resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("GET %s: Content-Type %q, want HTML", tc.path, ct)
			}
			if !strings.Contains(string(body), tc.want) || !strings.Contains(string(body), `lang="vi"`) {
				t.Errorf("GET %s: body lacks %q", tc.path, tc.want)
			}
		})
	}
}

func TestLandingCountsScansInRedis(t *testing.T) {
	rdb, prefix := redistest.New(t)
	scans, err := redisstore.NewScans(rdb, redisstore.ScansOptions{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	srv, cat := newQRServer(t, scans)
	r := withShortCode(t, cat)
	paths := []string{
		"/q/ubnd-ben-nghe/" + r.Code,
		"/q/ubnd-ben-nghe/" + r.Code + "?src=" + url.QueryEscape("Bảng tin Tổ 3"),
		"/q/ubnd-ben-nghe/" + r.Code + "?src=bang-tin-to-3",
		"/q/ubnd-ben-nghe/" + r.ShortCode + "?src=" + url.QueryEscape("<script>"),
		"/q/ubnd-ben-nghe/9.999999?src=x", // not counted: unknown code
		"/q/nobody/" + r.Code + "?src=x",  // not counted: unknown account
	}
	for _, p := range paths {
		get(t, srv.URL+p)
	}
	// HEAD requests, link previews and crawlers are not scans.
	head, err := http.NewRequest(http.MethodHead, srv.URL+paths[1], nil)
	if err != nil {
		t.Fatal(err)
	}
	head.Header.Set("User-Agent", phoneUA)
	if resp, err := http.DefaultClient.Do(head); err != nil || resp.StatusCode != 200 {
		t.Errorf("HEAD landing: %v, %v", resp, err)
	}
	for _, ua := range []string{"facebookexternalhit/1.1", "Mozilla/5.0 (compatible; Googlebot/2.1)", "curl/8.5.0", ""} {
		get(t, srv.URL+paths[1], "User-Agent", ua)
	}
	got, err := scans.ScanCounts(context.Background(), "ubnd-ben-nghe")
	if err != nil {
		t.Fatal(err)
	}
	want := bot.ScanCounts{
		ByProcedure: map[string]int64{r.Code: 4},
		BySource:    map[string]map[string]int64{r.Code: {"bang-tin-to-3": 2, "script": 1}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ScanCounts mismatch (-want +got):\n%s", diff)
	}
	if other, _ := scans.ScanCounts(context.Background(), "nobody"); len(other.ByProcedure) != 0 {
		t.Errorf("unknown account counted: %v", other)
	}
}

// Posters take the posters token or an officer's admin API token with the editor role (or
// higher) on the poster's account.
func TestPosterOfficerAuth(t *testing.T) {
	officer := func(name string, role Role, accounts ...string) Officer {
		return Officer{Name: name, TokenHash: sha256.Sum256([]byte("tok-" + name)), Role: role, Accounts: accounts}
	}
	e := newAdminEnv(t, func(o *AdminOptions) {
		o.Officers = []Officer{
			officer("viewer-bn", RoleViewer, "ubnd-ben-nghe"),
			officer("editor-bn", RoleEditor, "ubnd-ben-nghe"),
			officer("editor-q12", RoleEditor, "ca-q12"),
			officer("caster-bn", RoleBroadcaster, "ubnd-ben-nghe"),
			officer("root", RoleAdmin, "*"),
		}
		o.Account = fixedAccounts(map[string]string{"ubnd-ben-nghe": qrTestAccounts[0].OAID, "ca-q12": qrTestAccounts[1].OAID})
	})
	srv, cat := newQRServerWith(t, func(o *QROptions) { o.OfficerCheck = e.admin.OfficerCheck(RoleEditor) })
	code := withShortCode(t, cat).Code
	path := srv.URL + "/posters/ubnd-ben-nghe.html?codes=" + code
	for _, tc := range []struct {
		name, auth string
		want       int
	}{
		{"none", "", http.StatusUnauthorized},
		{"unknown token", "Bearer tok-nobody", http.StatusUnauthorized},
		{"posters token", "Bearer " + testPosterToken, http.StatusOK},
		{"editor of the account", "Bearer tok-editor-bn", http.StatusOK},
		{"broadcaster of the account", "Bearer tok-caster-bn", http.StatusOK},
		{"admin of every account", "Bearer tok-root", http.StatusOK},
		{"viewer of the account", "Bearer tok-viewer-bn", http.StatusForbidden},
		{"editor of another account", "Bearer tok-editor-q12", http.StatusForbidden},
	} {
		resp, body := get(t, path, "Authorization", tc.auth)
		if resp.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d (%s)", tc.name, resp.StatusCode, tc.want, body)
		}
		if tc.want == http.StatusOK && !strings.Contains(string(body), "<svg ") {
			t.Errorf("%s: no poster in the answer", tc.name)
		}
	}
	// The other account's editor gets its own posters.
	if resp, _ := get(t, srv.URL+"/posters/ca-q12.html?codes="+code, "Authorization", "Bearer tok-editor-q12"); resp.StatusCode != http.StatusOK {
		t.Errorf("editor of ca-q12 on its posters: %d, want 200", resp.StatusCode)
	}
	// Without a posters token configured, officers still get in.
	srv2, _ := newQRServerWith(t, func(o *QROptions) {
		o.PosterToken, o.OfficerCheck = "", e.admin.OfficerCheck(RoleEditor)
	})
	if resp, _ := get(t, srv2.URL+"/posters/ubnd-ben-nghe.html?codes="+code, "Authorization", "Bearer tok-editor-bn"); resp.StatusCode != http.StatusOK {
		t.Errorf("officer without posters token configured: %d, want 200", resp.StatusCode)
	}
	if resp, _ := get(t, srv2.URL+"/posters/ubnd-ben-nghe.html?codes="+code, "Authorization", "Bearer "+testPosterToken); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unconfigured posters token: %d, want 401", resp.StatusCode)
	}
}

func TestPosterRoutes(t *testing.T) {
	srv, cat := newQRServer(t, nil)
	r := withShortCode(t, cat)
	pdfPath := "/posters/ubnd-ben-nghe.pdf?size=a5&codes=" + r.Code
	for _, tc := range []struct {
		name, auth string
		want       int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"wrong token", "Bearer nope", http.StatusUnauthorized},
		{"basic auth", "Basic " + testPosterToken, http.StatusUnauthorized},
	} {
		if resp, _ := get(t, srv.URL+pdfPath, "Authorization", tc.auth); resp.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
	auth := []string{"Authorization", "Bearer " + testPosterToken}
	resp, body := get(t, srv.URL+"/posters/ubnd-ben-nghe.html?per_page=4", auth...)
	if resp.StatusCode != 200 || strings.Count(string(body), "<svg ") != len(cat.All()) {
		t.Errorf("print view of all procedures: status %d, %d codes, want %d", resp.StatusCode, strings.Count(string(body), "<svg "), len(cat.All()))
	}
	for _, bad := range []string{"?codes=9.999999", "?size=a3", "?per_page=3"} {
		if resp, _ := get(t, srv.URL+"/posters/ubnd-ben-nghe.html"+bad, auth...); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("posters %s: status %d, want 400", bad, resp.StatusCode)
		}
	}
}

func TestPosterPDFRoute(t *testing.T) {
	if _, err := qr.FindFont(""); err != nil {
		browsertest.Unavailable(t, err.Error())
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		browsertest.Unavailable(t, "pdftotext not on PATH; install the Debian package poppler-utils (make tools)")
	}
	srv, cat := newQRServer(t, nil)
	r := withShortCode(t, cat)
	resp, body := get(t, srv.URL+"/posters/ubnd-ben-nghe.pdf?size=a5&codes="+r.Code, "Authorization", "Bearer "+testPosterToken)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(body, []byte("%PDF-")) {
		t.Fatalf("poster PDF: status %d, type %q, starts %q", resp.StatusCode, resp.Header.Get("Content-Type"), body[:min(8, len(body))])
	}
	f := filepath.Join(t.TempDir(), "p.pdf")
	if err := os.WriteFile(f, body, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", f, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{r.Name, "Nhắn #" + r.ShortCode, "UBND phường Bến Nghé", "In ngày 28/11/2026", cat.Version()} {
		if !strings.Contains(text, want) {
			t.Errorf("poster PDF text lacks %q", want)
		}
	}
}

// Without ?codes= a scoped account's posters carry its own procedures only.
func TestPostersDefaultToScope(t *testing.T) {
	srv, _ := newQRServerWith(t, func(o *QROptions) {
		o.Accounts = []qr.Account{{Slug: "ca-q12", OAID: "5318692012345678901", Name: "Công an phường Tân Thới Hiệp",
			Scope: procedures.Scope{Agencies: []string{"Công an"}}}}
	})
	resp, body := get(t, srv.URL+"/posters/ca-q12.html", "Authorization", "Bearer "+testPosterToken)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("posters = %d %s", resp.StatusCode, body)
	}
	page := string(body)
	if !strings.Contains(page, "Đăng ký tạm trú") || strings.Contains(page, "kết hôn") || strings.Contains(page, "khai tử") {
		t.Errorf("police posters: want residence, not civil status")
	}
}

// The office page lists a scoped office's own procedures by field, finds within them,
// and links each to its landing page; an unknown office is 404.
func TestOfficePage(t *testing.T) {
	srv, _ := newQRServerWith(t, func(o *QROptions) {
		o.Accounts = []qr.Account{{Slug: "ca-q12", OAID: "5318692012345678901", Name: "Công an phường Tân Thới Hiệp",
			Scope: procedures.Scope{Agencies: []string{"Công an"}}}}
		ix := procedures.NewIndex(o.Catalog(), procedures.Options{})
		o.Search = func(_, q string) []*procedures.Record { return ix.Choices(q, 10, procedures.AccountExamples{}) }
	})
	resp, body := get(t, srv.URL+"/o/ca-q12")
	page := string(body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `href="/q/ca-q12/1.004194"`) || !strings.Contains(page, "Đăng ký, quản lý cư trú") ||
		strings.Contains(page, "kết hôn") || strings.Contains(page, "<script") {
		t.Fatalf("office page = %d:\n%s", resp.StatusCode, page)
	}
	resp, body = get(t, srv.URL+"/o/ca-q12?q="+url.QueryEscape("tạm trú"))
	page = string(body)
	if !strings.Contains(page, "Kết quả cho “tạm trú”") || !strings.Contains(page, `<li><a href="/q/ca-q12/1.004194">`) {
		t.Errorf("search = %d:\n%s", resp.StatusCode, page)
	}
	if _, body = get(t, srv.URL+"/o/ca-q12?q="+url.QueryEscape("<b>kết hôn</b>")); !strings.Contains(string(body), "Chưa tìm thấy") || strings.Contains(string(body), "<b>kết") {
		t.Errorf("search outside the scope, with markup:\n%s", body)
	}
	if resp, _ := get(t, srv.URL+"/o/nobody"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown office = %d", resp.StatusCode)
	}
}
