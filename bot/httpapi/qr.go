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
	"strconv"
	"strings"
	"sync"
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
}

// QRRoutes serves GET /qr/{account}/{code}.png|.svg, GET /q/{account}/{code} and
// GET /posters/{account}.pdf|.html.
type QRRoutes struct {
	o        QROptions
	accounts map[string]qr.Account

	mu    sync.Mutex
	cache map[string][]byte // ETag → image bytes; reset when full
}

// imageCacheSize bounds the cache of generated images (a few KB each).
const imageCacheSize = 512

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
	h := &QRRoutes{o: o, accounts: map[string]qr.Account{}, cache: map[string][]byte{}}
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

// image serves a QR code. Query: size (pixels), src (poster-location label).
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
	size := qr.DefaultSize
	if s := c.Query("size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < qr.MinSize || n > qr.MaxSize {
			c.String(http.StatusBadRequest, "size must be %d..%d\n", qr.MinSize, qr.MaxSize)
			return
		}
		size = n
	}
	target, err := qr.Target(h.o.PublicBaseURL, a, rec.Code, c.Query("src"))
	if err != nil {
		h.fail(c, "qr target", err)
		return
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("v1|%s|%d|%s", format, size, target)))
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	c.Header("ETag", etag)
	c.Header("Cache-Control", "public, max-age=86400")
	if match := c.GetHeader("If-None-Match"); match != "" && strings.Contains(match, etag) {
		c.Status(http.StatusNotModified)
		return
	}
	body, err := h.render(etag, format, target, size)
	if err != nil {
		h.fail(c, "qr image", err)
		return
	}
	ctype := "image/png"
	if format == "svg" {
		ctype = "image/svg+xml"
	}
	c.Header("X-Content-Type-Options", "nosniff")
	c.Data(http.StatusOK, ctype, body)
}

// render returns the image, generated (and decode-verified) once per ETag.
func (h *QRRoutes) render(etag, format, target string, size int) ([]byte, error) {
	h.mu.Lock()
	b, ok := h.cache[etag]
	h.mu.Unlock()
	if ok {
		return b, nil
	}
	var err error
	if format == "svg" {
		b, err = qr.SVG(target, qr.Options{Size: size})
	} else {
		b, err = qr.PNG(target, qr.Options{Size: size})
	}
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	if len(h.cache) >= imageCacheSize {
		clear(h.cache)
	}
	h.cache[etag] = b
	h.mu.Unlock()
	return b, nil
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
	paper := strings.ToLower(c.DefaultQuery("size", "a4"))
	perPage, perr := strconv.Atoi(c.DefaultQuery("per_page", "1"))
	if (paper != "a4" && paper != "a5") || perr != nil || (perPage != 1 && perPage != 2 && perPage != 4 && perPage != 6) {
		c.String(http.StatusBadRequest, "size must be a4 or a5 and per_page 1, 2, 4 or 6\n")
		return
	}
	items, err := qr.Items(h.o.PublicBaseURL, a, recs, c.Query("src"))
	if err != nil {
		h.fail(c, "poster items", err)
		return
	}
	o := qr.PosterOptions{Paper: paper, PerPage: perPage, Printed: h.o.Now(), CatalogVersion: cat.Version()}
	var buf bytes.Buffer
	ctype := "text/html; charset=utf-8"
	if ext == ".pdf" {
		ctype = "application/pdf"
		if o.Font, err = qr.FindFont(h.o.FontPath); err != nil {
			h.fail(c, "poster font", err)
			return
		}
		err = qr.WritePosters(&buf, a, items, o)
	} else {
		err = qr.WritePrintView(&buf, a, items, o)
	}
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
