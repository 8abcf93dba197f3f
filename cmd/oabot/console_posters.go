package main

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/oabot/oabot/bot/console"
	"github.com/oabot/oabot/bot/qr"
	"github.com/oabot/oabot/procedures"
)

// posterSource is the console's posters page (console.Posters) on bot/qr, the live QR
// accounts (their scope and QR target) and the catalogue: the same posters as the
// /posters routes, with the console's session instead of a token.
type posterSource struct {
	account func(id string) (qr.Account, bool)
	catalog func() *procedures.Catalog
	version func() string // the catalogue version printed in the footer (catalog.Library.Label)
	base    string        // http.public_base_url
	font    string        // posters.font ("" looks one up)
}

var _ console.PosterSource = (*posterSource)(nil)

func (p *posterSource) Procedures(account string) []console.Procedure {
	a, ok := p.account(account)
	if !ok {
		return nil
	}
	var out []console.Procedure
	for _, r := range p.catalog().All() {
		if a.Scope.Contains(r) {
			out = append(out, consoleProcedure(r))
		}
	}
	return out
}

func (p *posterSource) Write(_ context.Context, w *bytes.Buffer, account string, req console.PosterRequest) (string, error) {
	a, ok := p.account(account)
	if !ok {
		return "", fmt.Errorf("posters: no account %q", account)
	}
	cat := p.catalog()
	var recs []*procedures.Record
	for _, code := range req.Codes {
		if r, ok := cat.ByCode(code); ok {
			recs = append(recs, r)
		}
	}
	o := qr.PosterOptions{Paper: req.Paper, PerPage: req.PerPage, Printed: time.Now(), CatalogVersion: p.version()}
	return qr.RenderPosters(w, req.Format, p.base, a, recs, qr.SanitizeLabel(req.Label), o, p.font)
}
