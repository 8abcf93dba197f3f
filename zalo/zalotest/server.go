// Package zalotest is a fake Zalo OA API server for tests, the demo mode and the browser
// emulator. It checks every request the way Zalo does (method, path, the access_token
// header, JSON shape, documented limits; ../../shared/docs/zalo-oa.md §0, §2–§4, §7),
// refuses what Zalo refuses with Zalo's error shape (HTTP 200 and {"error": <code>,
// "message": …}), and records every call, accepted or refused.
//
// Typical use in a test:
//
//	srv := zalotest.New()
//	srv.AddOA("oa1", "token-1")               // access token → OA
//	ts := httptest.NewServer(srv)
//	defer ts.Close()
//	c, _ := zalo.NewClient(zalo.WithAPIBase(ts.URL), zalo.WithAccessToken("token-1"))
//	c.SendText(ctx, "user-1", "Xin chào")
//	sent := srv.Sent()                         // what Zalo accepted: OA, user, parsed message
//
// In-process (demo mode, no listener): zalo.WithAPIBase(zalotest.BaseURL) together with
// zalo.WithHTTPClient(srv.HTTPClient()).
//
// Knobs: FailNext (answer the next N calls with an error code, e.g. -32, -216, -230),
// ExpireTokens (make an OA's current access tokens answer -216), RefuseUser (a citizen
// outside the window or gone), ExpireAttachments (-100). OAuth v4 (§4): AddApp registers a
// Zalo App and its secret; IssuePair mints a rotating token pair; refresh tokens are single
// use exactly like Zalo's, and RefreshCount counts refresh requests.
//
// Error codes the fake uses for refusals: -216 missing/unknown/expired access token, -220
// when ExpireTokensWith says so, -201 invalid field, -210 over a limit (text length,
// buttons, upload size), -233 unsupported message type (list templates), -100 expired
// attachment, -240 one-to-one message on the v2 API. OAuth: -14002 unknown app, and for
// codes Zalo does not document (bad secret, spent refresh token, bad code or verifier) the
// fake uses -14001, -14014, -14019, -14020 — tests should match the class, not the number.
//
// A Server is safe for concurrent use.
package zalotest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/oabot/oabot/zalo"
)

// BaseURL is the base URL to give zalo.WithAPIBase / zalo.OAuth.Base when the server is used
// in-process through HTTPClient; the host is never resolved.
const BaseURL = "http://zalo.fake"

// Call is one recorded request. It holds no access token or secret.
type Call struct {
	Seq    int
	At     time.Time
	Method string
	Path   string
	// OAID is the OA the access token belongs to ("" when missing or unknown); for OAuth
	// calls, the OA of the refresh token or code.
	OAID string
	// UserID is the recipient (sends) or the user_id of the request ("" if none).
	UserID string
	// Query is the decoded "data" parameter of GET calls.
	Query string
	// Body is the raw request body (uploads: empty; see Upload). OAuth bodies are not kept.
	Body []byte
	// ContentType is the request Content-Type.
	ContentType string
	// Message is the parsed consultation message of an accepted or refused /message/cs call
	// when the body could be parsed.
	Message *zalo.Message
	// Upload describes an upload call.
	Upload *Upload
	// Code is the "error" answered: 0 accepted, otherwise the Zalo error code; Refusal says
	// why in words. HTTPStatus is the status answered.
	Code       int
	Refusal    string
	HTTPStatus int
	// MessageID is data.message_id of an accepted send or broadcast.
	MessageID string
}

// Accepted reports whether the call succeeded.
func (c Call) Accepted() bool { return c.Code == 0 && c.HTTPStatus == http.StatusOK }

// Sent is an accepted consultation message.
type Sent struct {
	Seq       int
	At        time.Time
	OAID      string
	UserID    string
	MessageID string
	Message   zalo.Message
}

// Upload is a received upload. Data is kept so the emulator can show images.
type Upload struct {
	Kind        string // "image", "gif" or "file"
	Field       string // multipart field name ("file" when accepted)
	Filename    string
	ContentType string
	Size        int
	ID          string // attachment_id or file token ("" when refused)
	Data        []byte
	OAID        string
	At          time.Time
}

// User is a follower or user known to an OA in the fake (user/detail, user/getlist, tags).
type User struct {
	UserID          string
	DisplayName     string
	IsFollower      bool
	LastInteraction time.Time
	Tags            []string
}

type failure struct {
	remaining  int
	code       int
	httpStatus int
	path       string // prefix; "" = any
	message    string
}

type accessToken struct {
	oaID    string
	expires time.Time
	revoked int // error code when revoked (-216 / -220), 0 when valid
}

type refreshToken struct {
	appID, oaID string
	used        bool
}

type authCode struct {
	appID, oaID, challenge, redirect string
	used                             bool
	expires                          time.Time
}

// Server is the fake. The zero value is not usable; call New.
type Server struct {
	mu sync.Mutex

	now       func() time.Time
	limits    zalo.Limits
	tokenLife time.Duration
	oas       map[string]string // oaID → name
	tokens    map[string]*accessToken
	refresh   map[string]*refreshToken
	apps      map[string]string // appID → secret
	codes     map[string]*authCode
	refreshes map[string]int // oaID → refresh requests
	failures  []*failure
	refused   map[[2]string]int // (oa, user) → code
	users     map[string]map[string]*User
	tags      map[string]map[string]bool
	uploads   map[string]*Upload
	expiredAt time.Time // attachments uploaded before this are expired
	calls     []Call
	seq       int
	idSeq     int
	onSend    func(Sent)
	maxUpload int
}

// New returns an empty fake: no OA, no app. Add them with AddOA, AddApp, IssuePair.
func New() *Server {
	return &Server{
		now:       time.Now,
		limits:    zalo.DefaultLimits(),
		tokenLife: 25 * time.Hour,
		oas:       map[string]string{},
		tokens:    map[string]*accessToken{},
		refresh:   map[string]*refreshToken{},
		apps:      map[string]string{},
		codes:     map[string]*authCode{},
		refreshes: map[string]int{},
		refused:   map[[2]string]int{},
		users:     map[string]map[string]*User{},
		tags:      map[string]map[string]bool{},
		uploads:   map[string]*Upload{},
		maxUpload: 1000,
	}
}

// SetNow replaces the clock (token expiry, attachment age, last interaction filters).
func (s *Server) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetLimits replaces the limits the fake enforces (default zalo.DefaultLimits).
func (s *Server) SetLimits(l zalo.Limits) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits = l
}

// SetTokenLifetime sets expires_in of issued access tokens (default 25 h, zalo-oa.md §4).
func (s *Server) SetTokenLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenLife = d
}

// OnSend registers fn, called (outside the server's lock, in the request goroutine) for
// every accepted consultation message; the emulator uses it to show replies live.
func (s *Server) OnSend(fn func(Sent)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onSend = fn
}

// AddOA registers an OA and access tokens that act for it (never expiring unless
// ExpireTokens is called). It may be called again to add tokens.
func (s *Server) AddOA(oaID string, accessTokens ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.oas[oaID]; !ok {
		s.oas[oaID] = "OA " + oaID
	}
	for _, t := range accessTokens {
		s.tokens[t] = &accessToken{oaID: oaID}
	}
}

// SetOAName sets the name getoa returns.
func (s *Server) SetOAName(oaID, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oas[oaID] = name
}

// AddApp registers a Zalo App and its App Secret Key for the OAuth endpoints.
func (s *Server) AddApp(appID, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps[appID] = secret
}

// IssuePair mints a new access/refresh token pair for oaID under appID (registering the OA
// if needed), as an onboarding would; seed a zalo.TokenStore with it.
func (s *Server) IssuePair(appID, oaID string) zalo.TokenPair {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.oas[oaID]; !ok {
		s.oas[oaID] = "OA " + oaID
	}
	return s.issueLocked(appID, oaID)
}

func (s *Server) issueLocked(appID, oaID string) zalo.TokenPair {
	now := s.now()
	at := s.newID("at")
	rt := s.newID("rt")
	s.tokens[at] = &accessToken{oaID: oaID, expires: now.Add(s.tokenLife)}
	s.refresh[rt] = &refreshToken{appID: appID, oaID: oaID}
	return zalo.TokenPair{AccessToken: at, RefreshToken: rt, ExpiresAt: now.Add(s.tokenLife), IssuedAt: now}
}

// ExpireTokens makes every access token of oaID issued so far answer -216 ("Access token
// is invalid"), as after a revocation. New tokens from a refresh work.
func (s *Server) ExpireTokens(oaID string) { s.ExpireTokensWith(oaID, -216) }

// ExpireTokensWith is ExpireTokens with the code to answer (-216 or -220).
func (s *Server) ExpireTokensWith(oaID string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		if t.oaID == oaID {
			t.revoked = code
		}
	}
}

// FailNext answers the next n calls whose path starts with pathPrefix ("" = any path,
// including OAuth) with Zalo error code (HTTP 200), after the access-token check. Several
// FailNext queue up in order.
func (s *Server) FailNext(n, code int, pathPrefix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, &failure{remaining: n, code: code, path: pathPrefix, message: "injected failure"})
}

// FailNextHTTP answers the next n matching calls with an HTTP status (e.g. 502) and a
// non-JSON body, like a proxy in front of Zalo would.
func (s *Server) FailNextHTTP(n, status int, pathPrefix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, &failure{remaining: n, httpStatus: status, path: pathPrefix})
}

// RefuseUser makes sends from oaID to userID fail with code: -230/-232 (outside the
// window), -213/-217/-227/-244 (gone). Code 0 lifts it.
func (s *Server) RefuseUser(oaID, userID string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == 0 {
		delete(s.refused, [2]string{oaID, userID})
		return
	}
	s.refused[[2]string{oaID, userID}] = code
}

// AddUser adds or replaces a user of oaID (user/detail, user/getlist, tags).
func (s *Server) AddUser(oaID string, u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.users[oaID] == nil {
		s.users[oaID] = map[string]*User{}
	}
	cp := u
	cp.Tags = append([]string(nil), u.Tags...)
	s.users[oaID][u.UserID] = &cp
	for _, t := range u.Tags {
		s.tagSetLocked(oaID)[t] = true
	}
}

func (s *Server) tagSetLocked(oaID string) map[string]bool {
	if s.tags[oaID] == nil {
		s.tags[oaID] = map[string]bool{}
	}
	return s.tags[oaID]
}

// UserTags returns the tags of a user, sorted.
func (s *Server) UserTags(oaID, userID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[oaID][userID]
	if u == nil {
		return nil
	}
	t := append([]string(nil), u.Tags...)
	sort.Strings(t)
	return t
}

// AddAttachment registers an attachment id or file token as if uploaded now.
func (s *Server) AddAttachment(oaID, id, kind string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.uploads[id] = &Upload{Kind: kind, ID: id, OAID: oaID, At: s.now()}
}

// ExpireAttachments makes every attachment id and file token uploaded so far answer -100.
func (s *Server) ExpireAttachments() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expiredAt = s.now().Add(time.Nanosecond)
}

// Attachment returns an upload by attachment_id or file token.
func (s *Server) Attachment(id string) (Upload, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.uploads[id]
	if !ok {
		return Upload{}, false
	}
	return *u, true
}

// RefreshCount returns how many refresh_token requests reached the OAuth endpoint for
// oaID, accepted or not ("" = all OAs).
func (s *Server) RefreshCount(oaID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if oaID != "" {
		return s.refreshes[oaID]
	}
	n := 0
	for _, v := range s.refreshes {
		n += v
	}
	return n
}

// Calls returns every recorded call, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]Call(nil), s.calls...)
	for i := range out {
		if out[i].Upload != nil {
			u := *out[i].Upload // the stored one may have its Data dropped later
			out[i].Upload = &u
		}
	}
	return out
}

// Sent returns the accepted consultation messages, in order.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Sent
	for _, c := range s.calls {
		if c.Path == pathSend && c.Accepted() && c.Message != nil {
			out = append(out, Sent{Seq: c.Seq, At: c.At, OAID: c.OAID, UserID: c.UserID, MessageID: c.MessageID, Message: *c.Message})
		}
	}
	return out
}

// SentTo returns the accepted messages to one citizen of one OA.
func (s *Server) SentTo(oaID, userID string) []Sent {
	var out []Sent
	for _, m := range s.Sent() {
		if m.OAID == oaID && m.UserID == userID {
			out = append(out, m)
		}
	}
	return out
}

// Refused returns the calls that were answered with an error.
func (s *Server) Refused() []Call {
	var out []Call
	for _, c := range s.Calls() {
		if !c.Accepted() {
			out = append(out, c)
		}
	}
	return out
}

// ResetCalls forgets the recorded calls (configuration is kept).
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// HTTPClient returns an *http.Client that serves every request in-process with this
// server, whatever the host (use with BaseURL).
func (s *Server) HTTPClient() *http.Client {
	return &http.Client{Transport: roundTripper{s}, Timeout: 10 * time.Second}
}

type roundTripper struct{ h http.Handler }

// RoundTrip serves r with the handler, in-process.
func (rt roundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	rt.h.ServeHTTP(rec, r)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// newID returns a unique id with a prefix, hex like Zalo's ids.
func (s *Server) newID(prefix string) string {
	s.idSeq++
	return fmt.Sprintf("%s%018x", prefix, uint64(s.idSeq)*0x9E3779B97F4A7C15>>8)
}

// takeFailure returns the injected failure for path, if any, consuming one use.
func (s *Server) takeFailure(path string) *failure {
	for i, f := range s.failures {
		if f.path == "" || strings.HasPrefix(path, f.path) {
			f.remaining--
			if f.remaining <= 0 {
				s.failures = append(s.failures[:i], s.failures[i+1:]...)
			}
			cp := *f
			return &cp
		}
	}
	return nil
}
