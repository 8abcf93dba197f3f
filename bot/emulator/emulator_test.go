package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oabot/oabot/zalo"
)

// webhookRecorder is a webhook that checks every event the way the service does (signature
// on the raw bytes, then zalo.ParseEvent) and keeps what it accepted.
type webhookRecorder struct {
	t      *testing.T
	appID  string
	secret string
	mu     sync.Mutex
	raws   [][]byte
}

func (h *webhookRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	ev, err := zalo.ParseEvent(raw)
	if err != nil {
		http.Error(w, "bad event: "+err.Error(), http.StatusBadRequest)
		return
	}
	if err := zalo.VerifySignature(r.Header.Get(zalo.SignatureHeader), h.appID, raw, ev.Envelope().Timestamp, h.secret); err != nil {
		http.Error(w, "bad signature: "+err.Error(), http.StatusUnauthorized)
		return
	}
	h.mu.Lock()
	h.raws = append(h.raws, raw)
	h.mu.Unlock()
	w.Write([]byte(`{"status":"queued"}`))
}

type fakeCapture struct{ sent []Sent }

func (c *fakeCapture) Messages(oaID, userID string, after int) []Sent {
	var out []Sent
	for _, s := range c.sent {
		if s.Seq > after {
			out = append(out, s)
		}
	}
	return out
}

func (c *fakeCapture) Attachment(id string) ([]byte, string, bool) {
	if id == "att1" {
		return []byte("PNG"), "image/png", true
	}
	return nil, "", false
}

const (
	testOA   = "1234567890123456789"
	testApp  = "3608465248940903967"
	testUser = "9876543210987654321"
)

func newTestEmulator(t *testing.T) (*Server, *webhookRecorder, *fakeCapture) {
	t.Helper()
	hook := &webhookRecorder{t: t, appID: testApp, secret: "oa-secret"}
	srv := httptest.NewServer(hook)
	t.Cleanup(srv.Close)
	capture := &fakeCapture{}
	e, err := New(Options{
		Accounts:   []Account{{ID: "ca-test", Name: "Công an phường Thử", OAID: testOA, AppID: testApp, OASecret: "oa-secret"}},
		WebhookURL: srv.URL + "/webhook",
		Capture:    capture,
		Procedures: []Procedure{{Code: "1.004222", ShortCode: "11", Name: "Đăng ký thường trú"}},
		Now:        func() time.Time { return time.UnixMilli(1718000000000) },
	})
	if err != nil {
		t.Fatal(err)
	}
	return e, hook, capture
}

func postEvent(t *testing.T, e *Server, req eventRequest) eventResponse {
	t.Helper()
	body, _ := json.Marshal(req)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, localRequest(http.MethodPost, "/api/event", bytes.NewReader(body)))
	var resp eventResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("decode response %q: %v", rec.Body.String(), err)
	}
	return resp
}

func TestEventsAreSignedAndRouteToTheCitizen(t *testing.T) {
	e, hook, _ := newTestEmulator(t)
	tests := []struct {
		kind, text string
		wantEvent  string
	}{
		{"text", "lam cccd o dau", "user_send_text"},
		{"follow", "", "follow"},
		{"unfollow", "", "unfollow"},
		{"chatnow", "", "user_click_chatnow"},
		{"location", "", "user_send_location"},
		{"sticker", "", "user_send_sticker"},
		{"officer", "Chào anh", "oa_send_text"},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			resp := postEvent(t, e, eventRequest{Account: "ca-test", User: testUser, Kind: tt.kind, Text: tt.text, Lat: 10.86, Lng: 106.64})
			if resp.Status != http.StatusOK || resp.EventName != tt.wantEvent {
				t.Fatalf("post %s = %+v, want status 200 and event %s", tt.kind, resp, tt.wantEvent)
			}
			hook.mu.Lock()
			raw := hook.raws[len(hook.raws)-1]
			hook.mu.Unlock()
			ev, err := zalo.ParseEvent(raw)
			if err != nil {
				t.Fatal(err)
			}
			oa, user := zalo.Route(ev)
			if oa != testOA || user != testUser {
				t.Errorf("Route(%s) = (%s, %s), want (%s, %s)", tt.wantEvent, oa, user, testOA, testUser)
			}
		})
	}
}

func TestRedeliverSendsTheSameBytes(t *testing.T) {
	e, hook, _ := newTestEmulator(t)
	if resp := postEvent(t, e, eventRequest{Account: "ca-test", User: testUser, Kind: "redeliver"}); resp.Error == "" {
		t.Fatalf("redeliver before any event = %+v, want an error", resp)
	}
	postEvent(t, e, eventRequest{Account: "ca-test", User: testUser, Kind: "text", Text: "đăng ký tạm trú"})
	resp := postEvent(t, e, eventRequest{Account: "ca-test", User: testUser, Kind: "redeliver"})
	if !resp.Redelivery || resp.Status != http.StatusOK {
		t.Fatalf("redeliver = %+v", resp)
	}
	hook.mu.Lock()
	defer hook.mu.Unlock()
	if len(hook.raws) != 2 || !bytes.Equal(hook.raws[0], hook.raws[1]) {
		t.Fatalf("webhook got %d bodies; redelivery must repeat the first body byte for byte", len(hook.raws))
	}
}

func TestBadRequests(t *testing.T) {
	e, _, _ := newTestEmulator(t)
	tests := []struct {
		name string
		req  eventRequest
	}{
		{"unknown account", eventRequest{Account: "nope", User: testUser, Kind: "text", Text: "hi"}},
		{"bad user", eventRequest{Account: "ca-test", User: "abc", Kind: "text", Text: "hi"}},
		{"empty text", eventRequest{Account: "ca-test", User: testUser, Kind: "text", Text: "  "}},
		{"unknown kind", eventRequest{Account: "ca-test", User: testUser, Kind: "dance"}},
		{"bad coordinates", eventRequest{Account: "ca-test", User: testUser, Kind: "location", Lat: 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if resp := postEvent(t, e, tt.req); resp.Error == "" {
				t.Errorf("post %+v = %+v, want an error", tt.req, resp)
			}
		})
	}
}

func TestMessagesShowRefusalsAndAttachments(t *testing.T) {
	e, _, capture := newTestEmulator(t)
	capture.sent = []Sent{
		{Seq: 1, At: time.Now(), Message: zalo.Message{Text: "Chào bạn", Buttons: []zalo.Button{zalo.QueryButton("Hồ sơ", "#TTHC 1.004222 HOSO", true)}}},
		{Seq: 2, At: time.Now(), Message: zalo.Message{Image: &zalo.Image{AttachmentID: "att1"}}},
		{Seq: 3, At: time.Now(), Message: zalo.Message{Text: "quá dài"}, Refused: "text longer than 2000 characters", Code: -201},
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, localRequest(http.MethodGet, "/api/messages?account=ca-test&user="+testUser+"&after=0", nil))
	var got []messageView
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d messages, want 3", len(got))
	}
	if got[0].Buttons[0].Payload != "#TTHC 1.004222 HOSO" || got[1].Image != "attachment:att1" || got[2].Refused == "" {
		t.Errorf("views = %+v", got)
	}
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, localRequest(http.MethodGet, "/api/attachments/att1", nil))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "image/png" {
		t.Errorf("attachment = %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
}

func TestPageIsSelfContained(t *testing.T) {
	e, _, _ := newTestEmulator(t)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, localRequest(http.MethodGet, "/", nil))
	body := rec.Body.String()
	if rec.Code != 200 || !bytes.Contains([]byte(body), []byte("<html lang=\"vi\">")) {
		t.Fatalf("page = %d", rec.Code)
	}
	for _, external := range []string{"http://", "https://", "//cdn"} {
		if bytes.Contains([]byte(body), []byte("src=\""+external)) || bytes.Contains([]byte(body), []byte("href=\""+external)) {
			t.Errorf("page loads an external asset (%s)", external)
		}
	}
}

// The officer panel is in the config only when the service sets Officer (demo and preview
// mode), and never with a token: the tester brings it (issue 13 item 3; the cmd test
// TestEmulatorConfigServesNoToken checks the running demo).
func TestConfigOfficerOnlyWhenSet(t *testing.T) {
	e, _, _ := newTestEmulator(t)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, localRequest(http.MethodGet, "/api/config", nil))
	if bytes.Contains(rec.Body.Bytes(), []byte(`"officer"`)) {
		t.Errorf("config without Officer mentions one: %s", rec.Body)
	}
	e.opts.Officer = &Officer{AdminBase: "/admin/v1/", MaxText: 2000, WindowDays: 7}
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, localRequest(http.MethodGet, "/api/config", nil))
	var cfg struct {
		Officer map[string]any `json:"officer"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &cfg); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"admin": "/admin/v1", "max_text": 2000.0, "window_days": 7.0}
	if diff := cmp.Diff(want, cfg.Officer); diff != "" {
		t.Errorf("config officer mismatch (-want +got):\n%s", diff)
	}
}

func TestNewRejectsIncompleteOfficer(t *testing.T) {
	for _, o := range []Officer{
		{AdminBase: "http://x/admin/v1", MaxText: 2000, WindowDays: 7}, // not a path
		{AdminBase: "/admin/v1", WindowDays: 7},                        // no limit
		{AdminBase: "/admin/v1", MaxText: 2000},                        // no window
	} {
		_, err := New(Options{Accounts: []Account{{ID: "a", OAID: testOA, AppID: testApp}}, WebhookURL: "https://oabot.example/webhook",
			Capture: &fakeCapture{}, Officer: &o})
		if err == nil {
			t.Errorf("New accepted officer %+v", o)
		}
	}
}

// The emulator answers only requests addressed to this machine's loopback or a configured
// host (DNS rebinding), and POSTs only with a JSON body type (a cross-site form or
// text/plain POST cannot fire signed events).
func TestEmulatorRefusesForeignHostsAndSimplePosts(t *testing.T) {
	webhook := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })
	s, err := New(Options{Accounts: []Account{{ID: "a", Name: "A", OAID: "1", AppID: "2", OASecret: "s"}},
		Webhook: webhook, WebhookURL: "/webhook", Capture: &fakeCapture{}, Hosts: []string{"bot.example.vn"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		host, method, ctype string
		want                int
	}{
		{"localhost:8080", http.MethodGet, "", 200},
		{"127.0.0.1:8080", http.MethodGet, "", 200},
		{"[::1]:8080", http.MethodGet, "", 200},
		{"bot.example.vn", http.MethodGet, "", 200},
		{"evil.example.com:8080", http.MethodGet, "", 403},
		{"10.0.0.5:8080", http.MethodGet, "", 403},
		{"localhost:8080", http.MethodPost, "text/plain", 415},
		{"localhost:8080", http.MethodPost, "application/x-www-form-urlencoded", 415},
	} {
		path := "/api/config"
		if c.method == http.MethodPost {
			path = "/api/event"
		}
		req := httptest.NewRequest(c.method, "http://"+c.host+path, strings.NewReader(`{}`))
		req.Host = c.host
		if c.ctype != "" {
			req.Header.Set("Content-Type", c.ctype)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("%s %s Host %s (%s) = %d, want %d", c.method, path, c.host, c.ctype, rec.Code, c.want)
		}
	}
}

// localRequest is a request as the emulator's own page makes it: to localhost, with a JSON
// body type on POST.
func localRequest(method, target string, body io.Reader) *http.Request {
	r := httptest.NewRequest(method, target, body)
	r.Host = "localhost:8080"
	if method == http.MethodPost {
		r.Header.Set("Content-Type", "application/json")
	}
	return r
}
