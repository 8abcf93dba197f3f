package console

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

type fakePosters struct{ got []PosterRequest }

func (f *fakePosters) Procedures(account string) []Procedure {
	if account != "phuong-a" {
		return nil
	}
	return testProcedures
}

func (f *fakePosters) Write(_ context.Context, w *bytes.Buffer, account string, req PosterRequest) (string, error) {
	f.got = append(f.got, req)
	if req.Format == "html" {
		w.WriteString("<!doctype html><title>print</title>")
		return "text/html; charset=utf-8", nil
	}
	w.WriteString("%PDF-1.4 " + account)
	return "application/pdf", nil
}

func TestPostersPage(t *testing.T) {
	src := &fakePosters{}
	e := newEnv(t, "inmem", func(o *Options) { o.Sections = []Section{&Posters{Source: src}} })
	e.officer("lan", RoleEditor, "mật khẩu dài", "phuong-a")
	e.officer("minh", RoleViewer, "mật khẩu dài", "phuong-a")
	viewer := e.browser()
	viewer.signIn("minh", "mật khẩu dài")
	if resp := viewer.get("/posters"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer: %d, want 403", resp.StatusCode)
	}
	b := e.browser()
	b.signIn("lan", "mật khẩu dài")
	if resp := b.get("/posters"); resp.StatusCode != http.StatusOK || strings.Count(b.body, `type="checkbox" name="code"`) != 2 ||
		strings.Count(b.body, " checked>") < 2 {
		t.Fatalf("form = %d:\n%s", resp.StatusCode, b.body)
	}
	q := url.Values{"code": {"1.004873", "9.999999"}, "size": {"a5"}, "per_page": {"2"}, "label": {"bang-tin"}, "format": {"pdf"}}
	resp := b.get("/posters/file?" + q.Encode())
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(b.body, "%PDF") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("pdf = %d %v %q", resp.StatusCode, resp.Header, b.body)
	}
	// A code outside the office's procedures is dropped, not printed.
	if got := src.got[0]; len(got.Codes) != 1 || got.Codes[0] != "1.004873" || got.Paper != "a5" || got.PerPage != 2 || got.Label != "bang-tin" {
		t.Errorf("request = %+v", got)
	}
	q.Set("format", "html")
	resp = b.get("/posters/file?" + q.Encode())
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "style-src 'unsafe-inline'") ||
		strings.Contains(resp.Header.Get("Content-Security-Policy"), "script") {
		t.Errorf("print view = %d %v", resp.StatusCode, resp.Header)
	}
	// Nothing chosen, a bad size: the form again with the messages.
	resp = b.get("/posters/file?" + url.Values{"size": {"a3"}, "per_page": {"5"}}.Encode())
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(b.body, "Vui lòng chọn ít nhất một thủ tục.") ||
		!strings.Contains(b.body, "Khổ giấy là A4 hoặc A5.") || !strings.Contains(b.body, "1, 2, 4 hoặc 6") {
		t.Errorf("invalid = %d:\n%s", resp.StatusCode, b.body)
	}
	if len(src.got) != 2 {
		t.Errorf("%d posters drawn, want 2", len(src.got))
	}
}
