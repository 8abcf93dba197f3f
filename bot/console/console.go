// Package console is the officers' web console at /console/: server-rendered Vietnamese
// pages (html/template, embedded assets, no build step) that work on a 360 px phone and
// without JavaScript, behind password sign-in with sessions in a Store (Redis in
// production, memory in the demo).
//
// It is plain net/http and returns one http.Handler, which cmd hands to bot/httpapi to
// mount (gin stays in httpapi). This file holds the handler and the middleware every
// route goes through: security headers with a per-request CSP nonce, the session, the
// Origin and CSRF checks on unsafe methods, the role check, errors as pages. Pages are
// added as a Section (routes.go) without touching it.
package console

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"go.uber.org/zap"
)

// DefaultPrefix is where the console is mounted.
const DefaultPrefix = "/console"

// maxFormBytes caps a form body.
const maxFormBytes = 1 << 20

// Options configures the console.
type Options struct {
	// Store keeps sessions, officers, invites and throttles (required).
	Store Store
	// Accounts returns the accounts served now (enabled ones), in display order; called
	// per request, so accounts added at run time appear (required).
	Accounts func() []Account
	// FileOfficers are the config file's officers: authoritative for role and accounts.
	FileOfficers []FileOfficer
	// Sections are the pages added after the built-in one (Tổng quan).
	Sections []Section
	// Figures gives Tổng quan its figures and CSV (optional: without it the page lists
	// the accounts only).
	Figures FiguresSource
	// Prefix is the path the console is mounted at (default "/console"); the handler
	// sees paths with it stripped (http.StripPrefix, httpapi's HandlePrefix).
	Prefix string
	// PublicBaseURL is the service's public address (http.public_base_url), for links
	// given out of band (invites): Session.AbsoluteURL. Empty: the request's host.
	PublicBaseURL string
	// Secure is true when the console is reached over https: the session cookie is then
	// Secure with the __Host- prefix, and HSTS is sent.
	Secure bool
	// TrustedOrigins are origins (scheme://host[:port]) whose unsafe requests are
	// accepted besides same-origin ones, e.g. the public base URL behind a proxy that
	// rewrites Host.
	TrustedOrigins []string
	// ClientIP names the client of a request for the sign-in throttle (default: the
	// peer, or the last X-Forwarded-For entry when the peer is a loopback or private
	// address: the TLS proxy).
	ClientIP func(r *http.Request) string
	// IdleTimeout and AbsoluteTimeout bound sessions (defaults 30 min and 12 h).
	IdleTimeout, AbsoluteTimeout time.Duration
	// Logger defaults to a no-op logger.
	Logger *zap.Logger
	// Now defaults to time.Now.
	Now func() time.Time

	hashParams argonParams // tests: cheaper argon2id
}

// Handler is the console.
type Handler struct {
	o        Options
	log      *zap.Logger
	mux      *http.ServeMux
	views    *views
	assets   *assets
	officers *Officers
	sessions *sessions
	cop      *http.CrossOriginProtection
	routes   []RouteInfo
	nav      []navEntry
}

// New checks the options, parses every template and registers the routes of the
// built-in page and of o.Sections.
func New(o Options) (*Handler, error) {
	if o.Store == nil || o.Accounts == nil {
		return nil, errors.New("console: Store and Accounts are required")
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	o.Prefix = strings.TrimSuffix(o.Prefix, "/")
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ClientIP == nil {
		o.ClientIP = clientIP
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.AbsoluteTimeout <= 0 {
		o.AbsoluteTimeout = DefaultAbsoluteTimeout
	}
	officers, err := NewOfficers(OfficersOptions{Store: o.Store, File: o.FileOfficers, Now: o.Now, hashParams: o.hashParams})
	if err != nil {
		return nil, err
	}
	h := &Handler{o: o, log: o.Logger, mux: http.NewServeMux(), officers: officers,
		cop: http.NewCrossOriginProtection()}
	h.sessions = &sessions{store: o.Store, officers: officers, now: o.Now, idle: o.IdleTimeout,
		absolute: o.AbsoluteTimeout, secure: o.Secure}
	for _, origin := range o.TrustedOrigins {
		if err := h.cop.AddTrustedOrigin(origin); err != nil {
			return nil, fmt.Errorf("console: trusted origin: %w", err)
		}
	}
	if h.assets, err = loadAssets(o.Prefix); err != nil {
		return nil, fmt.Errorf("console: assets: %w", err)
	}
	if h.views, err = parseViews(templateFS, h.templateFuncs()); err != nil {
		return nil, err
	}
	if err := h.registerAll(); err != nil {
		return nil, err
	}
	return h, nil
}

func (h *Handler) registerAll() error {
	h.mux.HandleFunc("GET /static/{file}", h.assets.serve)
	h.routes = append(h.routes, RouteInfo{Method: http.MethodGet, Path: "/static/{file}"})
	errs := []error{h.registerAuth()}
	r := &Router{h: h}
	for _, p := range append([]Section{home{figures: h.o.Figures}, officersPage{}}, h.o.Sections...) {
		p.Routes(r)
	}
	errs = append(errs, r.errs...)
	errs = append(errs, h.checkNav())
	h.mux.Handle("/", h.wrap(route{path: "/", public: true, h: func(http.ResponseWriter, *http.Request, *Session) error {
		return ErrNotFound
	}}))
	return errors.Join(errs...)
}

// Officers is the officer management the console uses (the admin page and the CLI too).
func (h *Handler) Officers() *Officers { return h.officers }

// url is a path under the console root as a URL ("/" → "/console/").
func (h *Handler) url(p string) string { return h.o.Prefix + p }

// csp is the console's Content-Security-Policy: nothing but this origin, scripts only with
// this response's nonce or from here, no inline style (style="" is blocked: sizes come
// from CSS classes or SVG attributes), never framed, forms only to here.
const csp = "default-src 'none'; script-src 'self' 'nonce-%s'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

type nonceKey struct{}

// ServeHTTP sets the security headers (with a fresh CSP nonce) on every answer and hands
// the request to its route.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	nonce := base64.RawURLEncoding.EncodeToString(b[:]) // nothing for HTML to escape
	hd := w.Header()
	hd.Set("Content-Security-Policy", fmt.Sprintf(csp, nonce))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer") // invite and sign-in links carry tokens
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Cache-Control", "no-store") // the static route overrides it
	if h.o.Secure {
		hd.Set("Strict-Transport-Security", "max-age=31536000")
	}
	defer func() {
		if v := recover(); v != nil {
			h.log.Error("console handler panicked", zap.String("path", r.URL.Path), zap.Any("panic", v),
				zap.ByteString("stack", debug.Stack()))
			http.Error(w, "Đã có lỗi xảy ra. Vui lòng thử lại sau.", http.StatusInternalServerError)
		}
	}()
	h.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), nonceKey{}, nonce)))
}

// wrap is the one middleware of every route: session, Origin + CSRF on unsafe methods,
// sign-in and role, then the handler; its error becomes a page, and a changed session is
// saved.
func (h *Handler) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		st, off, err := h.sessions.load(ctx, r)
		if err != nil {
			h.fail(w, r, nil, err)
			return
		}
		s := &Session{h: h, r: r, st: st, officer: off}
		if unsafeMethod(r.Method) {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				h.fail(w, r, s, &HTTPError{Status: http.StatusRequestEntityTooLarge, Message: "Nội dung gửi lên quá lớn."})
				return
			}
			if h.cop.Check(r) != nil || !checkCSRF(r, st) {
				h.fail(w, r, s, errExpired)
				return
			}
		}
		if !rt.public {
			if off == nil {
				h.toSignIn(w, r)
				return
			}
			if off.Role < rt.role {
				h.fail(w, r, s, ErrForbidden)
				return
			}
		} else if rt.anonymous && st == nil {
			if s.st, err = h.sessions.create(ctx, w, ""); err != nil {
				h.fail(w, r, s, err)
				return
			}
		}
		if err := rt.h(w, r, s); err != nil {
			h.fail(w, r, s, err)
			return
		}
		if s.st != nil && !s.ended {
			if err := h.sessions.save(ctx, s.st); err != nil {
				h.log.Warn("session not saved", zap.Error(err))
			}
		}
	})
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// toSignIn sends an anonymous visitor to the sign-in page, which brings them back after.
func (h *Handler) toSignIn(w http.ResponseWriter, r *http.Request) {
	target := h.url("/login")
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.Path)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// HTTPError is an error with the status and the Vietnamese message the officer sees.
type HTTPError struct {
	Status  int
	Message string
}

func (e *HTTPError) Error() string { return fmt.Sprintf("console: %d %s", e.Status, e.Message) }

var (
	// ErrNotFound: no such page or object, or one outside the officer's accounts (which
	// must not be told apart).
	ErrNotFound = &HTTPError{Status: http.StatusNotFound, Message: "Không tìm thấy trang này."}
	// ErrForbidden: the officer's role is too low.
	ErrForbidden = &HTTPError{Status: http.StatusForbidden, Message: "Bạn không có quyền thực hiện thao tác này."}
	// errExpired: a missing or wrong CSRF token, or a cross-origin request.
	errExpired = &HTTPError{Status: http.StatusForbidden, Message: "Phiên làm việc đã hết hạn, vui lòng tải lại trang."}
)

// errorModel is the error page.
type errorModel struct {
	Page
	Status  int
	Message string
}

// fail answers with the error page: an *HTTPError's status and message, else a logged 500.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, s *Session, err error) {
	var he *HTTPError
	if !errors.As(err, &he) {
		h.log.Error("console request failed", zap.String("method", r.Method), zap.String("path", r.URL.Path), zap.Error(err))
		he = &HTTPError{Status: http.StatusInternalServerError, Message: "Đã có lỗi xảy ra. Vui lòng thử lại sau."}
	}
	if s == nil {
		s = &Session{h: h, r: r}
	}
	title := "Lỗi"
	switch he.Status {
	case http.StatusNotFound:
		title = "Không tìm thấy"
	case http.StatusForbidden:
		title = "Không thể thực hiện"
	}
	// The flash stays for the next page: this one is not saved.
	h.write(w, he.Status, "error", errorModel{Page: s.page(title, false), Status: he.Status, Message: he.Message})
}

// write renders a page and sends it; a failed render becomes a plain 500.
func (h *Handler) write(w http.ResponseWriter, status int, name string, data any) {
	body, err := h.views.render(name, data)
	if err != nil {
		h.log.Error("console render failed", zap.String("template", name), zap.Error(err))
		http.Error(w, "Đã có lỗi xảy ra. Vui lòng thử lại sau.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
