package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/oabot/oabot/bot/catalog"
	"github.com/oabot/oabot/procedures"
)

// CatalogLibrary is what the catalogue routes use (*catalog.Library).
type CatalogLibrary interface {
	Head() int64
	Versions() []catalog.Version
	Diff(n int64) (map[string][]procedures.FieldChange, error)
	Catalog() *procedures.Catalog
	Publish(ctx context.Context, author, note string, base int64, cs []catalog.Change) (catalog.Version, error)
	Rollback(ctx context.Context, author string, to, base int64) (catalog.Version, error)
}

var _ CatalogLibrary = (*catalog.Library)(nil)

// The shared catalogue serves every account, so changing it needs an admin of every
// account (the catalogue admin); reading it needs any signed officer.

// catalogVersions lists the versions, newest first, without their records.
func (a *Admin) catalogVersions(c *gin.Context) {
	if !a.catalogAvailable(c) {
		return
	}
	type summary struct {
		N        int64    `json:"n"`
		Base     int64    `json:"base"`
		Author   string   `json:"author"`
		At       string   `json:"at"`
		Note     string   `json:"note,omitempty"`
		Restores int64    `json:"restores,omitempty"`
		Codes    []string `json:"codes"`
	}
	out := []summary{}
	for _, v := range a.o.Catalog.Versions() {
		out = append(out, summary{N: v.N, Base: v.Base, Author: v.Author, At: v.At.UTC().Format("2006-01-02T15:04:05Z"),
			Note: v.Note, Restores: v.Restores, Codes: v.Codes()})
	}
	c.JSON(http.StatusOK, gin.H{"head": a.o.Catalog.Head(), "versions": out})
}

// catalogVersion is one version's field-by-field differences.
func (a *Admin) catalogVersion(c *gin.Context) {
	if !a.catalogAvailable(c) {
		return
	}
	n, err := strconv.ParseInt(c.Param("n"), 10, 64)
	if err != nil {
		adminError(c, http.StatusNotFound, "not_found", "no such version")
		return
	}
	d, err := a.o.Catalog.Diff(n)
	if errors.Is(err, catalog.ErrNotFound) {
		adminError(c, http.StatusNotFound, "not_found", "no such version")
		return
	}
	c.JSON(http.StatusOK, gin.H{"n": n, "changes": d})
}

// catalogRecord is the served record with code.
func (a *Admin) catalogRecord(c *gin.Context) {
	if !a.catalogAvailable(c) {
		return
	}
	r, ok := a.o.Catalog.Catalog().ByCode(c.Param("code"))
	if !ok || r.Code != c.Param("code") {
		adminError(c, http.StatusNotFound, "not_found", "no procedure with this code")
		return
	}
	c.JSON(http.StatusOK, gin.H{"head": a.o.Catalog.Head(), "record": r})
}

// catalogPutBody is PUT /admin/v1/catalog/records/{code}: the record's new content (or
// removed), the version the edit started from, and why.
type catalogPutBody struct {
	Base    *int64             `json:"base"`
	Note    string             `json:"note"`
	Record  *procedures.Record `json:"record"`
	Removed bool               `json:"removed"`
	// Reset puts the seed's record back.
	Reset bool `json:"reset"`
}

// putCatalogRecord publishes one record's change: 201 with the version, 409 when another
// version changed the record after base, 422 with every problem and its field path.
func (a *Admin) putCatalogRecord(c *gin.Context) {
	if !a.catalogAvailable(c) || !a.allowed(c, RoleAdmin, "*") {
		return
	}
	var body catalogPutBody
	if !bindJSON(c, &body) {
		return
	}
	code := c.Param("code")
	if body.Base == nil || (body.Record == nil) == !(body.Removed || body.Reset) || (body.Removed && body.Reset) {
		adminError(c, http.StatusBadRequest, "bad_request", `"base" and one of "record", "removed" or "reset" are required`)
		return
	}
	if body.Record != nil && body.Record.Code == "" {
		body.Record.Code = code
	}
	ch := catalog.Change{Code: code, Record: body.Record, Removed: body.Removed}
	v, err := a.o.Catalog.Publish(c.Request.Context(), current(c).Name, body.Note, *body.Base, []catalog.Change{ch})
	a.record(c, "catalog.publish", "", fmt.Sprintf("v%d %s", v.N, code), err)
	if a.catalogFailed(c, err) {
		return
	}
	c.JSON(http.StatusCreated, gin.H{"version": v})
}

// putLocalRecord publishes an account's own information over a shared record — where to
// apply and each channel's time, fee and note (editor and above of the account):
// {"base": N, "record": {...}} or {"base": N, "reset": true}. 201, 409 or 422 as for shared
// records; a field that is the shared catalogue's is refused at its path.
func (a *Admin) putLocalRecord(c *gin.Context) {
	id, _, ok := a.account(c, RoleEditor)
	if !ok || !a.catalogAvailable(c) {
		return
	}
	var body catalogPutBody
	if !bindJSON(c, &body) {
		return
	}
	code := c.Param("code")
	if body.Base == nil || body.Removed || (body.Record == nil) == !body.Reset {
		adminError(c, http.StatusBadRequest, "bad_request", `"base" and one of "record" or "reset" are required`)
		return
	}
	if body.Record != nil && body.Record.Code == "" {
		body.Record.Code = code
	}
	ch := catalog.Change{Account: id, Code: code, Record: body.Record}
	v, err := a.o.Catalog.Publish(c.Request.Context(), current(c).Name, body.Note, *body.Base, []catalog.Change{ch})
	a.record(c, "catalog.local", id, fmt.Sprintf("v%d %s", v.N, code), err)
	if a.catalogFailed(c, err) {
		return
	}
	c.JSON(http.StatusCreated, gin.H{"version": v})
}

type catalogRollbackBody struct {
	To   *int64 `json:"to"`
	Base *int64 `json:"base"`
}

// rollbackCatalog publishes a version that restores version to (0: the seed).
func (a *Admin) rollbackCatalog(c *gin.Context) {
	if !a.catalogAvailable(c) || !a.allowed(c, RoleAdmin, "*") {
		return
	}
	var body catalogRollbackBody
	if !bindJSON(c, &body) {
		return
	}
	if body.To == nil || body.Base == nil {
		adminError(c, http.StatusBadRequest, "bad_request", `"to" and "base" are required`)
		return
	}
	v, err := a.o.Catalog.Rollback(c.Request.Context(), current(c).Name, *body.To, *body.Base)
	a.record(c, "catalog.rollback", "", fmt.Sprintf("v%d restores v%d", v.N, *body.To), err)
	if a.catalogFailed(c, err) {
		return
	}
	c.JSON(http.StatusCreated, gin.H{"version": v})
}

// catalogFailed answers a refused or failed publish; false when err is nil.
func (a *Admin) catalogFailed(c *gin.Context, err error) bool {
	var ce *catalog.ConflictError
	var ve *procedures.ValidationError
	switch {
	case err == nil:
		return false
	case errors.As(err, &ce):
		c.AbortWithStatusJSON(http.StatusConflict, gin.H{"error": gin.H{"code": "conflict", "message": ce.Error()},
			"code": ce.Code, "version": ce.Version})
	case errors.As(err, &ve):
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, gin.H{"error": gin.H{"code": "invalid", "message": "the record does not validate"},
			"problems": problemsJSON(ve.Problems)})
	case errors.Is(err, catalog.ErrNotFound):
		adminError(c, http.StatusNotFound, "not_found", "no such version")
	case errors.Is(err, catalog.ErrNoChanges):
		adminError(c, http.StatusConflict, "no_changes", "nothing to change")
	case errors.Is(err, catalog.ErrTooLarge):
		adminError(c, http.StatusRequestEntityTooLarge, "too_large", err.Error())
	case errors.Is(err, catalog.ErrInvalid):
		adminError(c, http.StatusBadRequest, "bad_request", err.Error())
	default:
		a.fail(c, unavailable("catalogue", err))
	}
	return true
}

func (a *Admin) catalogAvailable(c *gin.Context) bool {
	if a.o.Catalog == nil {
		adminError(c, http.StatusNotFound, "not_available", "catalogue versions are not available")
		return false
	}
	return true
}

type problemJSON struct {
	Code    string `json:"code,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func problemsJSON(ps []procedures.Problem) []problemJSON {
	out := make([]problemJSON, len(ps))
	for i, p := range ps {
		out[i] = problemJSON{Code: p.Code, Field: p.Field, Message: p.Msg}
	}
	return out
}
