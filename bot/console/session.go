package console

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Session lifetimes: idle (the store key's TTL, refreshed by use; OWASP's low-risk 30 min)
// and absolute (from sign-in, whatever the use).
const (
	DefaultIdleTimeout     = 30 * time.Minute
	DefaultAbsoluteTimeout = 12 * time.Hour
	// touchEvery: an unchanged session is rewritten (its idle clock restarted) at most
	// this often, so a page full of requests costs one write.
	touchEvery = time.Minute
)

// Cookie names: __Host- pins the cookie to this host, https and Path=/; browsers refuse
// it without Secure, so plain-http loopback (the demo) uses the bare name.
const (
	cookieSecure = "__Host-oabot_sid"
	cookiePlain  = "oabot_sid"
)

// sessionData is a session as kept in the store (JSON), under the SHA-256 of its id.
// The role is not kept: it is read from the officer on every request, so a change or a
// revocation applies at once.
type sessionData struct {
	Officer string    `json:"o,omitempty"` // empty: anonymous (before sign-in)
	CSRF    string    `json:"c"`
	Created time.Time `json:"t"`
	Seen    time.Time `json:"s"`
	Account string    `json:"a,omitempty"` // the account chosen in the switcher
	Flash   []Flash   `json:"f,omitempty"`
}

// Flash is a one-time message shown on the next page (plain text, never HTML).
type Flash struct {
	Kind string `json:"k"` // FlashOK or FlashError
	Text string `json:"t"`
}

// Flash kinds.
const (
	FlashOK    = "ok"
	FlashError = "error"
)

// sessions loads, saves and rotates sessions in the store.
type sessions struct {
	store    Store
	officers *Officers
	now      func() time.Time
	idle     time.Duration
	absolute time.Duration
	secure   bool
}

func (m *sessions) cookieName() string {
	if m.secure {
		return cookieSecure
	}
	return cookiePlain
}

// state is one request's session: its id (from the cookie) and data.
type state struct {
	id    string
	data  sessionData
	dirty bool
}

// load returns the request's session, or nil when it has none, or it expired, or its
// officer is gone or disabled (such sessions are deleted).
func (m *sessions) load(ctx context.Context, r *http.Request) (*state, *Officer, error) {
	c, err := r.Cookie(m.cookieName())
	if err != nil || !validToken(c.Value) {
		return nil, nil, nil
	}
	b, ok, err := m.store.Get(ctx, sessionKey(c.Value))
	if err != nil {
		return nil, nil, fmt.Errorf("read session: %w", err)
	}
	if !ok {
		return nil, nil, nil
	}
	st := &state{id: c.Value}
	if err := json.Unmarshal(b, &st.data); err != nil {
		return nil, nil, m.drop(ctx, st) // unreadable: as if signed out
	}
	now := m.now()
	if now.Sub(st.data.Seen) >= m.idle || now.Sub(st.data.Created) >= m.absolute {
		return nil, nil, m.drop(ctx, st)
	}
	if st.data.Officer == "" {
		return st, nil, nil
	}
	off, found, err := m.officers.Lookup(ctx, st.data.Officer)
	if err != nil {
		return nil, nil, err
	}
	if !found || off.Disabled {
		return nil, nil, m.drop(ctx, st)
	}
	return st, &off, nil
}

func (m *sessions) drop(ctx context.Context, st *state) error {
	keys := []string{sessionKey(st.id)}
	if err := m.store.Del(ctx, keys...); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	if st.data.Officer != "" {
		_ = m.store.RemoveMember(ctx, officerSessionsKey(st.data.Officer), sha256Hex(st.id))
	}
	return nil
}

// create starts a new session (a new id, a new CSRF token) and sets its cookie; for an
// officer it joins their set, so "sign out everywhere" finds it.
func (m *sessions) create(ctx context.Context, w http.ResponseWriter, officer string) (*state, error) {
	id, err := randomToken()
	if err != nil {
		return nil, err
	}
	csrf, err := randomToken()
	if err != nil {
		return nil, err
	}
	now := m.now()
	st := &state{id: id, data: sessionData{Officer: officer, CSRF: csrf, Created: now, Seen: now}, dirty: true}
	if err := m.save(ctx, st); err != nil {
		return nil, err
	}
	if officer != "" {
		if err := m.store.AddMember(ctx, officerSessionsKey(officer), sha256Hex(id), m.absolute); err != nil {
			return nil, fmt.Errorf("store session: %w", err)
		}
	}
	http.SetCookie(w, m.cookie(id, false))
	return st, nil
}

// rotate signs officer in: the old session (an anonymous one, or another officer's) is
// deleted and a new id issued, so an id planted before sign-in is worth nothing (no
// fixation). The flash messages carry over.
func (m *sessions) rotate(ctx context.Context, w http.ResponseWriter, old *state, officer string) (*state, error) {
	if old != nil {
		if err := m.drop(ctx, old); err != nil {
			return nil, err
		}
	}
	st, err := m.create(ctx, w, officer)
	if err != nil {
		return nil, err
	}
	if old != nil && len(old.data.Flash) > 0 {
		st.data.Flash, st.dirty = old.data.Flash, true
	}
	return st, nil
}

// end deletes the session and clears the cookie (sign out).
func (m *sessions) end(ctx context.Context, w http.ResponseWriter, st *state) error {
	http.SetCookie(w, m.cookie("", true))
	if st == nil {
		return nil
	}
	return m.drop(ctx, st)
}

// save writes the session when it changed or was last written touchEvery ago; its key
// lives until the idle timeout or the absolute end, whichever comes first.
func (m *sessions) save(ctx context.Context, st *state) error {
	now := m.now()
	if !st.dirty && now.Sub(st.data.Seen) < touchEvery {
		return nil
	}
	st.data.Seen = now
	ttl := min(m.idle, st.data.Created.Add(m.absolute).Sub(now))
	if ttl <= 0 {
		return m.drop(ctx, st)
	}
	b, err := json.Marshal(st.data)
	if err != nil {
		return err
	}
	if err := m.store.Set(ctx, sessionKey(st.id), b, ttl); err != nil {
		return fmt.Errorf("store session: %w", err)
	}
	st.dirty = false
	return nil
}

func (m *sessions) cookie(value string, expire bool) *http.Cookie {
	c := &http.Cookie{Name: m.cookieName(), Value: value, Path: "/", HttpOnly: true,
		Secure: m.secure, SameSite: http.SameSiteLaxMode}
	if expire {
		c.MaxAge = -1
	}
	return c
}

// checkCSRF compares the request's token (form field "csrf" or header X-Csrf-Token) with
// the session's, in constant time.
func checkCSRF(r *http.Request, st *state) bool {
	if st == nil || st.data.CSRF == "" {
		return false
	}
	got := r.Header.Get("X-Csrf-Token")
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(st.data.CSRF)) == 1
}
