package catalog_test

import (
	"context"
	"errors"
	"testing"

	"github.com/oabot/oabot/bot/catalog"
	"github.com/oabot/oabot/bot/inmem"
	"github.com/oabot/oabot/procedures"
)

// A record with an open contradiction cannot be marked verified; other edits of it can be
// published, and once the contradiction is gone it can be marked.
func TestVerifiedNeedsNoOpenContradiction(t *testing.T) {
	ctx := context.Background()
	h, err := procedures.NewHolder(procedures.Builtin, procedures.Options{})
	if err != nil {
		t.Fatal(err)
	}
	verify := func(r *procedures.Record) []string {
		if r.Where == "" {
			return []string{"where: Cổng ghi nơi nộp, bản ghi để trống"}
		}
		return nil
	}
	lib, err := catalog.NewLibrary(ctx, catalog.Options{Store: inmem.NewCatalog(), Holder: h, Verify: verify})
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := lib.Seed().ByCode("1.004222")
	open := *seed
	open.Where = ""
	if _, err := lib.Publish(ctx, "lan", "", 0, []catalog.Change{{Code: open.Code, Record: &open}}); err != nil {
		t.Fatalf("an edit that does not touch last_verified: %v", err)
	}
	marked := open
	marked.LastVerified = "2099-01-01"
	_, err = lib.Publish(ctx, "lan", "", 1, []catalog.Change{{Code: open.Code, Record: &marked}})
	var ve *procedures.ValidationError
	if !errors.As(err, &ve) || ve.Problems[0].Field != "last_verified" {
		t.Fatalf("marking verified with an open contradiction = %v, want a problem at last_verified", err)
	}
	marked.Where = "Công an xã"
	if _, err := lib.Publish(ctx, "lan", "", 1, []catalog.Change{{Code: open.Code, Record: &marked}}); err != nil {
		t.Fatalf("marking verified once fixed: %v", err)
	}
}
