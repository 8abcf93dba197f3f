package httpapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/oabot/oabot/bot/examples"
	"github.com/oabot/oabot/procedures"
)

// ExampleLibrary is what the example routes use (*examples.Library).
type ExampleLibrary interface {
	Add(ctx context.Context, e procedures.Example) (procedures.Example, string, error)
	List(ctx context.Context, account string) ([]procedures.Example, error)
	Delete(ctx context.Context, account, id string) error
}

// exampleBody is POST /admin/v1/accounts/{account}/examples: a message and what it asks
// for — a procedure code, "" for "not our business", or "@office_hours" /
// "@talk_to_officer".
type exampleBody struct {
	Query string  `json:"query"`
	Code  *string `json:"code"`
}

// addExample teaches the account's bot one labelled message (editor and above). The same
// query (diacritics and case aside) relabels the earlier example: 200 with "replaced"
// instead of 201.
func (a *Admin) addExample(c *gin.Context) {
	id, _, ok := a.account(c, RoleEditor)
	if !ok || !a.examplesAvailable(c) {
		return
	}
	var body exampleBody
	if !bindJSON(c, &body) {
		return
	}
	if body.Code == nil {
		adminError(c, http.StatusBadRequest, "bad_request", `"code" is required ("" means not our business)`)
		return
	}
	e, replaced, err := a.o.Examples.Add(c.Request.Context(), procedures.Example{
		Account: id, Query: body.Query, Code: *body.Code, Source: "officer", By: current(c).Name,
	})
	// The audit names the example, never the citizen's words.
	err = exampleErr(err)
	a.record(c, "example.add", id, e.ID+" "+e.Code, err)
	if err != nil {
		a.fail(c, err)
		return
	}
	status := http.StatusCreated
	if replaced != "" {
		status = http.StatusOK
	}
	c.JSON(status, gin.H{"example": e, "replaced": replaced})
}

// listExamples lists the account's own examples, newest first (editor and above).
func (a *Admin) listExamples(c *gin.Context) {
	id, _, ok := a.account(c, RoleEditor)
	if !ok || !a.examplesAvailable(c) {
		return
	}
	list, err := a.o.Examples.List(c.Request.Context(), id)
	if err != nil {
		a.fail(c, unavailable("examples", err))
		return
	}
	c.JSON(http.StatusOK, gin.H{"examples": list})
}

// deleteExample removes one of the account's examples: 204, or 404 (editor and above).
func (a *Admin) deleteExample(c *gin.Context) {
	id, _, ok := a.account(c, RoleEditor)
	if !ok || !a.examplesAvailable(c) {
		return
	}
	exID := c.Param("id")
	err := exampleErr(a.o.Examples.Delete(c.Request.Context(), id, exID))
	a.record(c, "example.delete", id, exID, err)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// exampleErr marks a store failure (not a refusal of the example) as unavailable: 503.
func exampleErr(err error) error {
	if err == nil || errors.Is(err, examples.ErrNotFound) || errors.Is(err, examples.ErrInvalid) || errors.Is(err, examples.ErrFull) {
		return err
	}
	return unavailable("examples", err)
}

func (a *Admin) examplesAvailable(c *gin.Context) bool {
	if a.o.Examples == nil {
		adminError(c, http.StatusNotFound, "not_available", "examples are not available")
		return false
	}
	return true
}

// Compile-time check: the library is what the routes need.
var _ ExampleLibrary = (*examples.Library)(nil)
