package httpapi

import (
	"bytes"
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/oabot/oabot/bot/qr"
)

// landing serves the page a scanned QR opens, and counts the view (per account and
// procedure, and per ?src= label).
func (h *QRRoutes) landing(c *gin.Context) {
	a, rec, accOK, recOK := h.lookup(c.Param("account"), c.Param("code"))
	if !recOK {
		h.notFound(c, a, accOK)
		return
	}
	if h.o.Scans != nil && c.Request.Method == http.MethodGet && !isRobot(c.GetHeader("User-Agent")) {
		label := qr.SanitizeLabel(c.Query("src"))
		// The page matters more than the count: a short timeout, and on failure log and go on.
		ctx, cancel := context.WithTimeout(c.Request.Context(), h.o.CountTimeout)
		err := h.o.Scans.CountScan(ctx, a.Slug, rec.Code, label)
		cancel()
		if err != nil {
			h.o.Logger.Warn("count scan failed", zap.String("account", a.Slug),
				zap.String("procedure_code", rec.Code), zap.Error(err))
		}
	}
	var buf bytes.Buffer
	if h.o.Local != nil {
		rec = h.o.Local(a.Slug, rec)
	}
	if err := qr.RenderLanding(&buf, qr.LandingPage{Account: a, Record: rec, CatalogVersion: h.version()}); err != nil {
		h.fail(c, "landing", err)
		return
	}
	// Views are counted on the server, so caches must come back each time.
	c.Header("Cache-Control", "no-cache")
	writeHTML(c, http.StatusOK, buf.Bytes())
}

// robotMarks are User-Agent substrings of crawlers and link-preview fetchers (a link
// pasted in a chat is fetched for its preview): such views are not scans.
var robotMarks = []string{"bot", "crawl", "spider", "preview", "facebookexternalhit", "curl/", "wget/", "python-requests", "go-http-client"}

func isRobot(ua string) bool {
	ua = strings.ToLower(ua)
	if ua == "" {
		return true
	}
	for _, m := range robotMarks {
		if strings.Contains(ua, m) {
			return true
		}
	}
	return false
}

// notFound answers 404 with the Vietnamese page; accOK tells whether a is a known account
// (then the page links to its OA).
func (h *QRRoutes) notFound(c *gin.Context, a qr.Account, accOK bool) {
	p := qr.NotFoundPage{}
	if accOK {
		p.Account = &a
	}
	var buf bytes.Buffer
	if err := qr.RenderNotFound(&buf, p); err != nil {
		h.fail(c, "not found page", err)
		return
	}
	c.Header("Cache-Control", "no-cache")
	writeHTML(c, http.StatusNotFound, buf.Bytes())
}

// writeHTML answers a page; the security headers (CSP, nosniff, …) come from the server's
// securityHeaders middleware, as for every HTML answer.
func writeHTML(c *gin.Context, status int, body []byte) {
	c.Data(status, "text/html; charset=utf-8", body)
}
