package zalotest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

const oa, tok = "oa-1", "tok-1"

// post sends a raw request (the zalo client would refuse most of these locally).
func post(t *testing.T, s *Server, path, token, contentType, body string) map[string]any {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	if token != "" {
		r.Header.Set("access_token", token)
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	var out map[string]any
	if w.Code == http.StatusOK {
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatalf("answer %q: %v", w.Body, err)
		}
	}
	return out
}

func code(m map[string]any) int {
	f, _ := m["error"].(float64)
	return int(f)
}

func sendBody(user, text string, buttons ...string) string {
	m := map[string]any{"text": text}
	if len(buttons) > 0 {
		var bs []json.RawMessage
		for _, b := range buttons {
			bs = append(bs, json.RawMessage(b))
		}
		m["attachment"] = map[string]any{"type": "template", "payload": map[string]any{"buttons": bs}}
	}
	b, _ := json.Marshal(map[string]any{"recipient": map[string]string{"user_id": user}, "message": m})
	return string(b)
}

func TestSendRefusals(t *testing.T) {
	q := `{"title":"Xem","type":"oa.query.hide","payload":"#1"}`
	tests := []struct {
		name, token, ct, body string
		want                  int
	}{
		{"accepted", tok, "application/json", sendBody("u1", "chào"), 0},
		{"missing token", "", "application/json", sendBody("u1", "chào"), -216},
		{"unknown token", "nope", "application/json", sendBody("u1", "chào"), -216},
		{"bad json", tok, "application/json", `{"recipient":`, -201},
		{"trailing garbage", tok, "application/json", sendBody("u1", "x") + "{}", -201},
		{"not json content type", tok, "text/plain", sendBody("u1", "chào"), -201},
		{"missing user_id", tok, "application/json", `{"recipient":{},"message":{"text":"x"}}`, -201},
		{"empty message", tok, "application/json", `{"recipient":{"user_id":"u1"},"message":{}}`, -201},
		{"2000 runes NFD", tok, "application/json", sendBody("u1", norm.NFD.String(strings.Repeat("ệ", 2000))), 0},
		{"2001 runes", tok, "application/json", sendBody("u1", strings.Repeat("a", 2001)), -210},
		{"5 buttons", tok, "application/json", sendBody("u1", "x", q, q, q, q, q), 0},
		{"6 buttons", tok, "application/json", sendBody("u1", "x", q, q, q, q, q, q), -210},
		{"unknown button type", tok, "application/json", sendBody("u1", "x", `{"title":"a","type":"oa.open.app","payload":"x"}`), -201},
		{"url payload as string", tok, "application/json", sendBody("u1", "x", `{"title":"a","type":"oa.open.url","payload":"https://x.vn"}`), -201},
		{"phone without phone_code", tok, "application/json", sendBody("u1", "x", `{"title":"a","type":"oa.open.phone","payload":{}}`), -201},
		{"title too long", tok, "application/json", sendBody("u1", "x", `{"title":"`+strings.Repeat("ă", 36)+`","type":"oa.query.show","payload":"p"}`), -210},
		{"list template", tok, "application/json", `{"recipient":{"user_id":"u1"},"message":{"attachment":{"type":"template","payload":{"template_type":"list","elements":[]}}}}`, -233},
		{"unknown attachment id", tok, "application/json", `{"recipient":{"user_id":"u1"},"message":{"attachment":{"type":"template","payload":{"template_type":"media","elements":[{"media_type":"image","attachment_id":"zzz"}]}}}}`, -201},
		{"two request_user_info elements", tok, "application/json", `{"recipient":{"user_id":"u1"},"message":{"attachment":{"type":"template","payload":{"template_type":"request_user_info","elements":[{"title":"a","subtitle":"b"},{"title":"a","subtitle":"b"}]}}}}`, -210},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New()
			s.AddOA(oa, tok)
			got := post(t, s, pathSend, tt.token, tt.ct, tt.body)
			if code(got) != tt.want {
				t.Errorf("error = %d (%v), want %d", code(got), got["message"], tt.want)
			}
			calls := s.Calls()
			if len(calls) != 1 || calls[0].Code != tt.want || (tt.want != 0) != (calls[0].Refusal != "") {
				t.Errorf("recorded %+v", calls)
			}
			if tt.want == 0 && (len(s.Sent()) != 1 || s.Sent()[0].OAID != oa) {
				t.Errorf("Sent() = %+v", s.Sent())
			}
			if tt.want != 0 && len(s.Sent()) != 0 {
				t.Error("refused call listed in Sent()")
			}
		})
	}
}

func TestAuthorizationHeaderIsNotEnough(t *testing.T) {
	s := New()
	s.AddOA(oa, tok)
	r := httptest.NewRequest(http.MethodGet, pathGetOA, nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if !strings.Contains(w.Body.String(), "-216") {
		t.Errorf("answer %s", w.Body)
	}
}

func TestMethodAndPath(t *testing.T) {
	s := New()
	s.AddOA(oa, tok)
	for _, tc := range []struct {
		method, path string
		status       int
	}{{"GET", pathSend, 405}, {"POST", "/v3.0/oa/nothing", 404}, {"POST", pathGetOA, 405}} {
		r := httptest.NewRequest(tc.method, tc.path, nil)
		r.Header.Set("access_token", tok)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code != tc.status {
			t.Errorf("%s %s = %d, want %d", tc.method, tc.path, w.Code, tc.status)
		}
	}
}

func TestFailNextAndTokens(t *testing.T) {
	s := New()
	s.AddOA(oa, tok)
	s.FailNext(2, -32, pathSend)
	body := sendBody("u1", "x")
	for i, want := range []int{-32, -32, 0} {
		if got := code(post(t, s, pathSend, tok, "application/json", body)); got != want {
			t.Errorf("call %d: %d, want %d", i, got, want)
		}
	}
	s.RefuseUser(oa, "u1", -230)
	if got := code(post(t, s, pathSend, tok, "application/json", body)); got != -230 {
		t.Errorf("refused user: %d", got)
	}
	s.RefuseUser(oa, "u1", 0)
	s.ExpireTokens(oa)
	if got := code(post(t, s, pathSend, tok, "application/json", body)); got != -216 {
		t.Errorf("expired token: %d", got)
	}
	now := time.Now()
	s.SetNow(func() time.Time { return now })
	p := s.IssuePair("app", oa)
	s.SetNow(func() time.Time { return now.Add(26 * time.Hour) })
	if got := code(post(t, s, pathSend, p.AccessToken, "application/json", body)); got != -220 {
		t.Errorf("token past its lifetime: %d", got)
	}
}

func TestOAuthRefreshRotates(t *testing.T) {
	s := New()
	s.AddApp("app", "sec")
	p := s.IssuePair("app", oa)
	form := func(rt string) string {
		return url.Values{"app_id": {"app"}, "grant_type": {"refresh_token"}, "refresh_token": {rt}}.Encode()
	}
	refresh := func(secret, body string) map[string]any {
		r := httptest.NewRequest(http.MethodPost, pathOAuthToken, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("secret_key", secret)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		var out map[string]any
		json.Unmarshal(w.Body.Bytes(), &out)
		return out
	}
	if out := refresh("bad", form(p.RefreshToken)); code(out) == 0 {
		t.Error("bad secret accepted")
	}
	out := refresh("sec", form(p.RefreshToken))
	if out["access_token"] == nil || out["refresh_token"] == p.RefreshToken || out["expires_in"] != "90000" {
		t.Errorf("refresh answer %v", out)
	}
	if out := refresh("sec", form(p.RefreshToken)); code(out) != -14014 {
		t.Errorf("reused refresh token: %v", out)
	}
	if n := s.RefreshCount(oa); n != 3 {
		t.Errorf("RefreshCount = %d, want 3 (every request counts)", n)
	}
	for _, c := range s.Calls() {
		if bytes.Contains(c.Body, []byte(p.RefreshToken)) {
			t.Error("call record keeps a refresh token")
		}
	}
}

func TestUploadNeedsFileField(t *testing.T) {
	s := New()
	s.AddOA(oa, tok)
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fw, _ := w.CreateFormFile("image", "x.png")
	fw.Write([]byte("\x89PNG\r\n\x1a\n0000"))
	w.Close()
	got := post(t, s, pathUploadImage, tok, w.FormDataContentType(), b.String())
	if code(got) != -201 {
		t.Errorf("wrong field name: %v", got)
	}
	if c := s.Calls()[0]; c.Upload == nil || c.Upload.Field != "image" {
		t.Errorf("recorded upload %+v", c.Upload)
	}
}

func TestConcurrentUse(t *testing.T) {
	s := New()
	s.AddOA(oa, tok)
	ts := httptest.NewServer(s)
	defer ts.Close()
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", ts.URL+pathSend, strings.NewReader(sendBody(fmt.Sprint("u", i), "x")))
			req.Header.Set("access_token", tok)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			s.Calls()
		}()
	}
	wg.Wait()
	if n := len(s.Sent()); n != 50 {
		t.Errorf("Sent = %d, want 50", n)
	}
	ids := map[string]bool{}
	for _, m := range s.Sent() {
		ids[m.MessageID] = true
	}
	if len(ids) != 50 {
		t.Errorf("message ids not unique: %d", len(ids))
	}
}

// getoa answers for the OA a token was issued for, whichever OA the consent page
// authorised: OA onboarding learns the token's OA from it (zalo-oa.md §4, §7).
func TestGetOAAnswersTheTokensOA(t *testing.T) {
	s := New()
	s.AddApp("app-1", "secret-1")
	s.AddOA("oa-a", "tok-a")
	s.AddOA("oa-b")
	s.SetOAName("oa-b", "UBND phường B")
	getoa := func(token string) map[string]any {
		t.Helper()
		r := httptest.NewRequest(http.MethodGet, "/v2.0/oa/getoa", nil)
		r.Header.Set("access_token", token)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		var out map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatalf("getoa answer %q: %v", w.Body, err)
		}
		return out
	}
	// The admin picks OA B on the consent page; the code's token acts for B.
	consent := httptest.NewRequest(http.MethodGet, "/v4/oa/permission?"+url.Values{"app_id": {"app-1"},
		"redirect_uri": {"https://bot.example.vn/cb"}, "state": {"st"}, "oa_id": {"oa-b"}}.Encode(), nil)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, consent)
	loc, err := url.Parse(w.Header().Get("Location"))
	if w.Code != http.StatusFound || err != nil {
		t.Fatalf("consent = %d %q", w.Code, w.Header().Get("Location"))
	}
	exchange := httptest.NewRequest(http.MethodPost, "/v4/oa/access_token", strings.NewReader(url.Values{
		"app_id": {"app-1"}, "grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}}.Encode()))
	exchange.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	exchange.Header.Set("secret_key", "secret-1")
	w = httptest.NewRecorder()
	s.ServeHTTP(w, exchange)
	var pair map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &pair); err != nil || pair["access_token"] == nil {
		t.Fatalf("exchange = %s", w.Body)
	}
	issued := s.IssuePair("app-1", "oa-a")
	for _, tt := range []struct{ name, token, wantOA, wantName string }{
		{"token from the code flow", pair["access_token"].(string), "oa-b", "UBND phường B"},
		{"token from IssuePair", issued.AccessToken, "oa-a", "OA oa-a"},
		{"token from AddOA", "tok-a", "oa-a", "OA oa-a"},
	} {
		out := getoa(tt.token)
		data, _ := out["data"].(map[string]any)
		if code(out) != 0 || data["oa_id"] != tt.wantOA || data["name"] != tt.wantName {
			t.Errorf("%s: getoa = %v, want oa_id %q name %q", tt.name, out, tt.wantOA, tt.wantName)
		}
	}
	if out := getoa("unknown"); code(out) != -216 {
		t.Errorf("getoa with an unknown token = %v, want -216", out)
	}
}
