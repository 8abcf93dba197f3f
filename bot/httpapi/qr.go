package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/oabot/oabot/bot/qr"
	"github.com/oabot/oabot/procedures"
)

// ScanCounter counts landing-page views (redisstore.Scans, inmem.Scans). label is already
// sanitised (qr.SanitizeLabel) and may be empty.
type ScanCounter interface {
	CountScan(ctx context.Context, account, code, label string) error
}

// QROptions configures the QR, landing-page and poster routes.
type QROptions struct {
	// PublicBaseURL is the service's public base URL; landing-mode codes point under it.
	PublicBaseURL string
	// Accounts are the OAs, by slug (qr.Account.Slug).
	Accounts []qr.Account
	// Lookup, when set, is used instead of Accounts: it returns the current enabled
	// account with a slug, so accounts added or disabled at run time apply without a
	// restart. It must be safe for concurrent use.
	Lookup func(slug string) (qr.Account, bool)
	// Catalog returns the current catalogue (e.g. (*procedures.Holder).Catalog).
	Catalog func() *procedures.Catalog
	// Version names the catalogue version on pages and posters (catalog.Library.Label);
	// nil: the catalogue's own Version.
	Version func() string
	// Local gives a record as an account tells it, with its own address and fees
	// (catalog.Library.Local); nil: the shared record.
	Local func(account string, r *procedures.Record) *procedures.Record
	// Search finds an account's procedures for the office page's search box (the bot's
	// search with the account's examples; the page keeps those within the scope); nil:
	// the box finds nothing.
	Search func(account, query string) []*procedures.Record
	// Scans counts landing views; nil means views are not counted.
	Scans ScanCounter
	// PosterToken is a bearer token for /posters (e.g. for a print shop or a script).
	// Empty means no such token.
	PosterToken string
	// OfficerCheck, when set, also lets officers fetch posters with their own admin API
	// bearer token: (*Admin).OfficerCheck(RoleEditor). It returns 0 (allowed), 401, 403 or
	// 429 for the request and the poster's account. With neither PosterToken nor
	// OfficerCheck the poster routes answer 401.
	OfficerCheck func(r *http.Request, account string) int
	// FontPath is a configured TrueType font for posters; empty means look one up.
	FontPath string
	// Logger gets warnings (failed counts); nil means no logging.
	Logger *zap.Logger
	// Now gives the print date on posters; nil means time.Now.
	Now func() time.Time
	// CountTimeout bounds the scan-counting call so a slow Redis cannot hold the page
	// (default 300 ms).
	CountTimeout time.Duration
	// RenderSlots bounds how many images not in the cache are drawn at once (default
	// GOMAXPROCS/2, at least 1), so image requests never take the webhook's CPU.
	RenderSlots int
	// RenderWait is how long an image request waits for a render slot before it is
	// answered 503 with Retry-After (default 250 ms).
	RenderWait time.Duration
}

// version names the catalogue version shown on pages and posters.
func (h *QRRoutes) version() string {
	if h.o.Version != nil {
		return h.o.Version()
	}
	return h.o.Catalog().Version()
}

// QRRoutes serves GET /qr/{account}/{code}.png|.svg, GET /q/{account}/{code} and
// GET /posters/{account}.pdf|.html.
type QRRoutes struct {
	o        QROptions
	accounts map[string]qr.Account

	// Images by ETag. Codes without a poster-location label have their own cache, so that
	// a stream of new labels (each one a different code in landing mode) cannot push the
	// everyday images out.
	plain, labelled *imageCache
	gate            *renderGate
	clients         *clientLimiter
	// draw makes an image; tests replace it to count and slow renders.
	draw func(format, target string, size int) ([]byte, error)
}

// Image cache bounds, in bytes (a 1024 px PNG is about 1.3 KB, an SVG 5–15 KB).
const (
	plainCacheBytes    = 16 << 20
	labelledCacheBytes = 4 << 20
)

// NewQRRoutes checks the options and returns the routes.
func NewQRRoutes(o QROptions) (*QRRoutes, error) {
	if o.Catalog == nil {
		return nil, errors.New("httpapi: qr routes: no catalogue")
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.CountTimeout <= 0 {
		o.CountTimeout = 300 * time.Millisecond
	}
	if o.RenderSlots <= 0 {
		o.RenderSlots = defaultRenderSlots()
	}
	if o.RenderWait <= 0 {
		o.RenderWait = 250 * time.Millisecond
	}
	h := &QRRoutes{
		o: o, accounts: map[string]qr.Account{},
		plain: newImageCache(plainCacheBytes), labelled: newImageCache(labelledCacheBytes),
		gate: newRenderGate(o.RenderSlots, o.RenderWait), clients: newClientLimiter(),
		draw: drawImage,
	}
	for _, a := range o.Accounts {
		if a.Slug == "" {
			return nil, errors.New("httpapi: qr routes: account without slug")
		}
		// Check the account's target once now, so a bad base URL or mode fails at start.
		if _, err := qr.Target(o.PublicBaseURL, a, "1", ""); err != nil {
			return nil, fmt.Errorf("httpapi: qr routes: %w", err)
		}
		h.accounts[a.Slug] = a
	}
	return h, nil
}

// Register adds the routes to r.
func (h *QRRoutes) Register(r gin.IRoutes) {
	r.GET("/qr/:account/:file", h.image)
	r.GET("/q/:account/:code", h.landing)
	r.HEAD("/q/:account/:code", h.landing) // link checkers; not counted
	r.GET("/posters/:file", h.posters)
	r.GET("/o/:account", h.office)
}

// account returns the account with slug (QROptions.Lookup, else QROptions.Accounts).
func (h *QRRoutes) account(slug string) (qr.Account, bool) {
	if h.o.Lookup != nil {
		return h.o.Lookup(slug)
	}
	a, ok := h.accounts[slug]
	return a, ok
}

// lookup finds the account and the procedure (by national code, then short code).
func (h *QRRoutes) lookup(slug, code string) (qr.Account, *procedures.Record, bool, bool) {
	a, ok := h.account(slug)
	if !ok {
		return qr.Account{}, nil, false, false
	}
	cat := h.o.Catalog()
	if cat == nil {
		return a, nil, true, false
	}
	r, ok := cat.Lookup(code)
	return a, r, true, ok
}

// image serves a QR code. Query: size (pixels, snapped to 128, 256, 512 or 1024; see
// qr_limit.go), src (poster-location label).
func (h *QRRoutes) image(c *gin.Context) {
	file := c.Param("file")
	format := ""
	code := ""
	for _, ext := range []string{".png", ".svg"} {
		if s, ok := strings.CutSuffix(file, ext); ok {
			format, code = ext[1:], s
		}
	}
	a, rec, accOK, recOK := h.lookup(c.Param("account"), code)
	if format == "" || !recOK {
		h.notFound(c, a, accOK)
		return
	}
	size, ok := snapImageSize(c.Query("size"))
	if !ok {
		c.String(http.StatusBadRequest, "size must be %d..%d\n", qr.MinSize, qr.MaxSize)
		return
	}
	target, err := qr.Target(h.o.PublicBaseURL, a, rec.Code, c.Query("src"))
	if err != nil {
		h.fail(c, "qr target", err)
		return
	}
	// v2: sizes snapped, PNGs compressed at the default level.
	sum := sha256.Sum256([]byte(fmt.Sprintf("v2|%s|%d|%s", format, size, target)))
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	if match := c.GetHeader("If-None-Match"); match != "" && strings.Contains(match, etag) {
		cacheHeaders(c, etag)
		c.Status(http.StatusNotModified)
		return
	}
	cache := h.plain
	if plain, err := qr.Target(h.o.PublicBaseURL, a, rec.Code, ""); err != nil || plain != target {
		cache = h.labelled // the label is part of the encoded URL
	}
	body, ok := h.render(c, cache, etag, format, target, size)
	if !ok {
		return
	}
	ctype := "image/png"
	if format == "svg" {
		ctype = "image/svg+xml"
	}
	cacheHeaders(c, etag)
	c.Header("X-Content-Type-Options", "nosniff")
	c.Data(http.StatusOK, ctype, body)
}

// cacheHeaders marks an image answer (200 or 304) cacheable; refusals and errors are not.
func cacheHeaders(c *gin.Context, etag string) {
	c.Header("ETag", etag)
	c.Header("Cache-Control", "public, max-age=86400")
}

// render returns the image from cache, or draws it (and caches it) when the client's
// bucket allows and a render slot is free; otherwise it answers 429 or 503 and reports
// false.
func (h *QRRoutes) render(c *gin.Context, cache *imageCache, etag, format, target string, size int) ([]byte, bool) {
	if b, ok := cache.get(etag); ok {
		return b, true
	}
	client, cost := clientKey(c.Request), renderCost(size)
	if ok, wait := h.clients.take(client, cost); !ok {
		refuseImage(c, http.StatusTooManyRequests, wait, "too many new images from this address; retry later\n")
		return nil, false
	}
	if !h.gate.acquire(c.Request.Context()) {
		h.clients.refund(client, cost)
		refuseImage(c, http.StatusServiceUnavailable, time.Second, "busy drawing images; retry shortly\n")
		return nil, false
	}
	defer h.gate.release()
	if b, ok := cache.get(etag); ok { // drawn while this request waited
		h.clients.refund(client, cost)
		return b, true
	}
	b, err := h.draw(format, target, size)
	if err != nil {
		h.fail(c, "qr image", err)
		return nil, false
	}
	cache.put(etag, b)
	return b, true
}

// refuseImage answers status with Retry-After and a short text, not to be cached.
func refuseImage(c *gin.Context, status int, after time.Duration, msg string) {
	c.Header("Retry-After", retryAfter(after))
	c.Header("Cache-Control", "no-store")
	c.String(status, msg)
}

// drawImage makes a verified QR image (qr.PNG, qr.SVG).
func drawImage(format, target string, size int) ([]byte, error) {
	if format == "svg" {
		return qr.SVG(target, qr.Options{Size: size})
	}
	return qr.PNG(target, qr.Options{Size: size})
}

// posters serves /posters/{account}.pdf or .html to officers holding the poster token.
// Query: size=a4|a5, per_page=1|2|4|6, codes=C1,C2 (default all), src=label.
func (h *QRRoutes) posters(c *gin.Context) {
	file := c.Param("file")
	slug, ext := file, ""
	for _, e := range []string{".pdf", ".html"} {
		if s, ok := strings.CutSuffix(file, e); ok {
			slug, ext = s, e
		}
	}
	if !h.authorised(c, slug) {
		return
	}
	a, accOK := h.account(slug)
	if ext == "" || !accOK {
		h.notFound(c, a, accOK)
		return
	}
	cat := h.o.Catalog()
	if cat == nil {
		c.String(http.StatusServiceUnavailable, "no catalogue loaded\n")
		return
	}
	recs, err := cat.Pick(c.Query("codes"))
	if err != nil {
		c.String(http.StatusBadRequest, "%v\n", err)
		return
	}
	if c.Query("codes") == "" {
		// By default the office's own procedures, not every office's.
		recs = slices.DeleteFunc(recs, func(r *procedures.Record) bool { return !a.Scope.Contains(r) })
		if len(recs) == 0 {
			c.String(http.StatusNotFound, "no procedure of the catalogue is in this account's scope\n")
			return
		}
	}
	paper := strings.ToLower(c.DefaultQuery("size", "a4"))
	perPage, perr := strconv.Atoi(c.DefaultQuery("per_page", "1"))
	if (paper != "a4" && paper != "a5") || perr != nil || (perPage != 1 && perPage != 2 && perPage != 4 && perPage != 6) {
		c.String(http.StatusBadRequest, "size must be a4 or a5 and per_page 1, 2, 4 or 6\n")
		return
	}
	o := qr.PosterOptions{Paper: paper, PerPage: perPage, Printed: h.o.Now(), CatalogVersion: h.version()}
	var buf bytes.Buffer
	ctype, err := qr.RenderPosters(&buf, strings.TrimPrefix(ext, "."), h.o.PublicBaseURL, a, recs, c.Query("src"), o, h.o.FontPath)
	if err != nil {
		h.fail(c, "posters", err)
		return
	}
	c.Header("Cache-Control", "private, no-store")
	c.Header("Content-Disposition", fmt.Sprintf(`inline; filename="posters-%s%s"`, slug, ext))
	c.Data(http.StatusOK, ctype, buf.Bytes())
}

// authorised lets in the posters token, or an officer allowed on account by
// OfficerCheck; otherwise it answers 401, 403 or 429 and returns false.
func (h *QRRoutes) authorised(c *gin.Context, account string) bool {
	if h.o.PosterToken != "" {
		tok, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		if ok && subtle.ConstantTimeCompare([]byte(tok), []byte(h.o.PosterToken)) == 1 {
			return true
		}
	}
	status := http.StatusUnauthorized
	if h.o.OfficerCheck != nil {
		status = h.o.OfficerCheck(c.Request, account)
	}
	switch status {
	case 0:
		return true
	case http.StatusForbidden:
		c.String(http.StatusForbidden, "posters of this account need an officer with the editor role for it\n")
	case http.StatusTooManyRequests:
		c.Header("Retry-After", "5")
		c.String(http.StatusTooManyRequests, "too many requests; slow down\n")
	default:
		c.Header("WWW-Authenticate", `Bearer realm="oabot posters"`)
		c.String(http.StatusUnauthorized, "poster token or officer token required\n")
	}
	return false
}

// fail answers 500 and logs once; the error text stays in the log.
func (h *QRRoutes) fail(c *gin.Context, what string, err error) {
	h.o.Logger.Error("qr route failed", zap.String("what", what), zap.String("path", c.FullPath()), zap.Error(err))
	c.String(http.StatusInternalServerError, "internal error\n")
}
