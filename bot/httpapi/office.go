package httpapi

import (
	"bytes"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/oabot/oabot/bot/qr"
	"github.com/oabot/oabot/procedures"
)

// maxOfficeQuery bounds the office page's search text.
const maxOfficeQuery = 200

// office serves /o/{account}: the office's procedures by field, each linking to its
// landing page, with a search box (?q=) — for citizens without Zalo and the office's
// website. Only the office's own procedures (its scope) are listed and found.
func (h *QRRoutes) office(c *gin.Context) {
	a, ok := h.account(c.Param("account"))
	if !ok {
		h.notFound(c, a, false)
		return
	}
	cat := h.o.Catalog()
	if cat == nil {
		c.String(http.StatusServiceUnavailable, "no catalogue loaded\n")
		return
	}
	var own []*procedures.Record
	for _, r := range cat.All() {
		if a.Scope.Contains(r) {
			own = append(own, r)
		}
	}
	q := strings.TrimSpace(c.Query("q"))
	if utf8.RuneCountInString(q) > maxOfficeQuery {
		q = string([]rune(q)[:maxOfficeQuery])
	}
	p := qr.OfficePage{Account: a, Records: own, Query: q, CatalogVersion: h.version()}
	if q != "" && h.o.Search != nil {
		for _, r := range h.o.Search(a.Slug, q) {
			if a.Scope.Contains(r) {
				p.Results = append(p.Results, r)
			}
		}
	}
	var buf bytes.Buffer
	if err := qr.RenderOffice(&buf, p); err != nil {
		h.fail(c, "office page", err)
		return
	}
	c.Header("Cache-Control", "public, max-age=300")
	writeHTML(c, http.StatusOK, buf.Bytes())
}
