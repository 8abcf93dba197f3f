package catalog_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

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

func TestLabel(t *testing.T) {
	ctx := context.Background()
	h, err := procedures.NewHolder(procedures.Builtin, procedures.Options{})
	if err != nil {
		t.Fatal(err)
	}
	lib, err := catalog.NewLibrary(ctx, catalog.Options{Store: inmem.NewCatalog(), Holder: h,
		Now: func() time.Time { return time.Date(2026, 12, 3, 20, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	if got := lib.Label(); !strings.HasPrefix(got, "gốc (") {
		t.Errorf("seed label = %q", got)
	}
	r, _ := lib.Seed().ByCode("1.004222")
	e := *r
	e.Where = "Công an xã Mẫu"
	if _, err := lib.Publish(ctx, "lan", "", 0, []catalog.Change{{Code: e.Code, Record: &e}}); err != nil {
		t.Fatal(err)
	}
	// 20:00 UTC is the next day in Vietnam.
	if got := lib.Label(); got != "1 (04/12/2026)" {
		t.Errorf("label = %q, want 1 (04/12/2026)", got)
	}
}
