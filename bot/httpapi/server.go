// Package httpapi is oabot's HTTP side and the only package that imports gin: the Zalo
// webhook, health checks, and the routes other areas register (QR, landing pages,
// posters, admin API, OAuth, emulator). No *gin.Context leaves it.
package httpapi

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/oabot/oabot/bot/queue"
)

// Routes is a group of routes an area adds to the server (QRRoutes, the admin API, …).
type Routes interface {
	Register(r gin.IRoutes)
}

// NotFoundRoutes are Routes that answer the unknown paths under their own prefix
// themselves (the admin API answers them in its JSON error shape). Other unknown paths get
// gin's plain 404.
type NotFoundRoutes interface {
	Routes
	// NotFoundPrefix is the path prefix the area owns, e.g. "/admin/v1/".
	NotFoundPrefix() string
	// NotFound answers a request under that prefix that matched no route.
	NotFound(c *gin.Context)
}

// Options configures a Server.
type Options struct {
	// Logger is the parent logger; the server names its children ("webhook", "http").
	Logger *zap.Logger
	// Accounts are the OAs whose webhook events are accepted (disabled ones left out).
	Accounts []Account
	// Queue stores accepted events durably (required).
	Queue queue.Enqueuer
	// Ingest, when set, counts the webhook's requests in flight for the workers
	// (queue.Ingest).
	Ingest *queue.Ingest
	// Ready reports whether the service can take traffic (Redis reachable, consumers
	// running); nil means always ready.
	Ready func(ctx context.Context) error
	// ReadyDetails, when set, adds information to /readyz's answer without deciding
	// readiness (e.g. token health: one OA's expired token must not take every replica
	// out of the load balancer).
	ReadyDetails func(ctx context.Context) map[string]any
	// Observer is told the outcome of every webhook request; nil means none.
	Observer Observer
	// MaxBodyBytes caps a webhook body (default 1 MiB); larger bodies get 413.
	MaxBodyBytes int64
	// EnqueueTimeout bounds the atomic dedupe+enqueue step (default 1 s): Zalo expects an
	// answer within about 2 s.
	EnqueueTimeout time.Duration
	// MaxEventAge: older events are acknowledged and dropped (default 3 h).
	MaxEventAge time.Duration
	// Now defaults to time.Now.
	Now func() time.Time
	// Routes are mounted at start; more can be added with Mount.
	Routes []Routes
}

// Account is what the webhook needs to know about one OA.
type Account struct {
	// ID is the slug (config accounts[].id), used in /webhook/{id} and logs.
	ID string
	// OAID is the Zalo OA id.
	OAID string
	// OASecretKey verifies X-ZEvent-Signature.
	OASecretKey string
}

// Server is the service's HTTP handler.
type Server struct {
	o        Options
	engine   *gin.Engine
	log      *zap.Logger
	accounts atomic.Pointer[accountTable]
	draining atomic.Bool
	warned   rateLimitedWarn
	notFound []NotFoundRoutes
}

// New checks the options and builds the router.
func New(o Options) (*Server, error) {
	if o.Queue == nil {
		return nil, errors.New("httpapi: no queue")
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 1 << 20
	}
	if o.EnqueueTimeout <= 0 {
		o.EnqueueTimeout = time.Second
	}
	if o.MaxEventAge <= 0 {
		o.MaxEventAge = 3 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Observer == nil {
		o.Observer = nopObserver{}
	}
	s := &Server{o: o, log: o.Logger.Named("webhook")}
	if err := s.SetAccounts(o.Accounts); err != nil {
		return nil, err
	}
	// gin's mode is process-wide; release mode keeps it from printing every route.
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.Use(securityHeaders, s.recover(o.Logger.Named("http")))
	e.POST("/webhook", s.webhook)
	e.POST("/webhook/:account", s.webhook)
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.NoRoute(s.noRoute)
	s.engine = e
	s.Mount(o.Routes...)
	return s, nil
}

// Mount adds route groups. Call it before serving.
func (s *Server) Mount(rs ...Routes) {
	for _, r := range rs {
		r.Register(s.engine)
		if nf, ok := r.(NotFoundRoutes); ok {
			s.notFound = append(s.notFound, nf)
		}
	}
}

// noRoute hands an unknown path to the area owning its prefix; when none answers, gin
// writes its plain 404.
func (s *Server) noRoute(c *gin.Context) {
	for _, nf := range s.notFound {
		if strings.HasPrefix(c.Request.URL.Path, nf.NotFoundPrefix()) {
			nf.NotFound(c)
			return
		}
	}
}

// HandlePrefix serves every method under prefix (e.g. "/_fakezalo") with h, the prefix
// stripped. Used to mount plain http.Handlers such as the demo's fake Zalo API.
func (s *Server) HandlePrefix(prefix string, h http.Handler) {
	s.engine.Any(prefix+"/*path", gin.WrapH(http.StripPrefix(prefix, h)))
}

// Handler returns the http.Handler to serve.
func (s *Server) Handler() http.Handler { return s.engine }

// Drain stops intake: from now on the webhook and /readyz answer 503, so Zalo retries
// the events on another replica (or after the restart) and load balancers stop sending.
func (s *Server) Drain() { s.draining.Store(true) }

// recover turns a handler panic into a 500 and one log line.
func (s *Server) recover(log *zap.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if v := recover(); v != nil {
				log.Error("handler panicked", zap.String("path", c.FullPath()), zap.Any("panic", v),
					zap.ByteString("stack", debug.Stack()))
				c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "internal error"})
			}
		}()
		c.Next()
	}
}

// rateLimitedWarn lets a warning through at most once per interval (unknown OAs and bad
// signatures can arrive in floods).
type rateLimitedWarn struct{ last atomic.Int64 }

func (w *rateLimitedWarn) allow(now time.Time, every time.Duration) bool {
	last := w.last.Load()
	if now.UnixNano()-last < int64(every) {
		return false
	}
	return w.last.CompareAndSwap(last, now.UnixNano())
}

// accountTable is the webhook's view of the accounts, replaced as a whole.
type accountTable struct {
	byOA map[string]Account
}

// SetAccounts replaces the accounts whose webhook events are accepted (disabled ones left
// out), e.g. when runtime accounts change; requests in flight finish with the old table.
func (s *Server) SetAccounts(accounts []Account) error {
	t := &accountTable{byOA: make(map[string]Account, len(accounts))}
	ids := make(map[string]bool, len(accounts))
	for _, a := range accounts {
		if a.ID == "" || a.OAID == "" {
			return errors.New("httpapi: account without id or oa_id")
		}
		if _, dup := t.byOA[a.OAID]; dup {
			return errors.New("httpapi: two accounts with one oa_id")
		}
		if ids[a.ID] {
			return errors.New("httpapi: two accounts with one id")
		}
		t.byOA[a.OAID], ids[a.ID] = a, true
	}
	s.accounts.Store(t)
	return nil
}

// documentCSP is the Content-Security-Policy of every HTML (and SVG) answer: resources from
// this origin only, no inline or foreign script, inline styles allowed (the landing, poster
// and OAuth pages are styled inline and script-free), images also as data: URLs (QR logos),
// no plugins, no <base>, forms only to this origin, never framed.
const documentCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// documentHeaders are set on every HTML or SVG answer, unless the handler set its own
// value (a page that needs another CSP sets it; the emulator page does, bot/emulator).
var documentHeaders = [][2]string{
	{"Content-Security-Policy", documentCSP},
	{"X-Frame-Options", "DENY"},
	{"Referrer-Policy", "no-referrer"},
}

// securityHeaders is the one middleware that sets the browser security headers:
// X-Content-Type-Options: nosniff on every answer, and documentHeaders on every answer
// whose content type is a document (HTML, XHTML, SVG). It decides when the answer is
// written, so it sees the content type the handler chose (or, like net/http, sniffs it
// when the handler chose none); a header-only answer is decided after the handler.
func securityHeaders(c *gin.Context) {
	w := &secureWriter{ResponseWriter: c.Writer}
	c.Writer = w
	c.Next()
	w.apply(nil)
}

// secureWriter sets the security headers just before the first byte goes out. gin's
// WriteHeader only records the status (the content type is set after it), so the headers
// are decided at the first Write, WriteString, WriteHeaderNow, Flush or Hijack.
type secureWriter struct {
	gin.ResponseWriter
	done bool
}

func (w *secureWriter) apply(body []byte) {
	if w.done {
		return
	}
	w.done = true
	if w.ResponseWriter.Written() {
		return // too late: something wrote around the wrapper
	}
	h := w.Header()
	if h.Get("X-Content-Type-Options") == "" {
		h.Set("X-Content-Type-Options", "nosniff")
	}
	ct := h.Get("Content-Type")
	if ct == "" && len(body) > 0 {
		// What net/http would send; set it here, since nosniff stops browsers guessing.
		ct = http.DetectContentType(body)
		h.Set("Content-Type", ct)
	}
	if !isDocument(ct) {
		return
	}
	for _, kv := range documentHeaders {
		if h.Get(kv[0]) == "" {
			h.Set(kv[0], kv[1])
		}
	}
}

// isDocument reports whether a content type is one a browser renders as a page that can
// run script: HTML, XHTML or SVG.
func isDocument(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";") // no allocation: every answer, the webhook's too, passes here
	mt = strings.TrimSpace(mt)
	return strings.EqualFold(mt, "text/html") || strings.EqualFold(mt, "application/xhtml+xml") ||
		strings.EqualFold(mt, "image/svg+xml")
}

func (w *secureWriter) Write(b []byte) (int, error) {
	w.apply(b)
	return w.ResponseWriter.Write(b)
}

func (w *secureWriter) WriteString(s string) (int, error) {
	if !w.done {
		w.apply([]byte(s))
	}
	return w.ResponseWriter.WriteString(s)
}

func (w *secureWriter) WriteHeaderNow() {
	w.apply(nil)
	w.ResponseWriter.WriteHeaderNow()
}

func (w *secureWriter) Flush() {
	w.apply(nil)
	w.ResponseWriter.Flush()
}

func (w *secureWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.apply(nil)
	return w.ResponseWriter.Hijack()
}

// Unwrap lets http.ResponseController reach the connection (deadlines).
func (w *secureWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
