package examples_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/oabot/oabot/bot/examples"
	"github.com/oabot/oabot/bot/inmem"
	"github.com/oabot/oabot/procedures"
)

func builtinIndex(t *testing.T) *procedures.Index {
	t.Helper()
	c, err := procedures.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return procedures.NewIndex(c, procedures.Options{})
}

// Two replicas share one store: what an officer teaches on one answers on the other after
// its refresh; deleting it undoes that.
func TestLibraryLiveAcrossReplicas(t *testing.T) {
	ctx := context.Background()
	ix := builtinIndex(t)
	store := inmem.NewExamples()
	seed, _ := procedures.SeedExamples()
	newLib := func() *examples.Library {
		l, err := examples.NewLibrary(ctx, examples.LibraryOptions{Store: store, Index: func() *procedures.Index { return ix }, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	a, b := newLib(), newLib()
	const q = "xin giay chung nhan e vo a" // "ế vợ": still single, in slang
	answer := func(l *examples.Library, account string) string {
		res := ix.SearchWith(q, 5, l.For(account))
		if res.Abstain || len(res.Hits) == 0 {
			return ""
		}
		return res.Hits[0].Record.Code
	}
	if got := answer(b, "ward"); got == "1.004873" {
		t.Fatalf("answered %s before teaching; pick another message for this test", got)
	}
	e, replaced, err := a.Add(ctx, procedures.Example{Account: "ward", Query: "xin giấy chứng nhận ế vợ", Code: "1.004873", By: "lan"})
	if err != nil || replaced != "" || e.ID == "" || e.At.IsZero() {
		t.Fatalf("Add = %+v, %q, %v", e, replaced, err)
	}
	if got := answer(a, "ward"); got != "1.004873" {
		t.Errorf("replica a answers %q at once, want 1.004873", got)
	}
	if err := b.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got := answer(b, "ward"); got != "1.004873" {
		t.Errorf("replica b answers %q after refresh, want 1.004873", got)
	}
	if got := answer(b, "police"); got == "1.004873" {
		t.Errorf("another account learnt ward's example")
	}
	list, err := b.List(ctx, "ward")
	if err != nil || len(list) != 1 || list[0].ID != e.ID {
		t.Fatalf("List = %v, %v", list, err)
	}
	if err := b.Delete(ctx, "ward", e.ID); err != nil {
		t.Fatal(err)
	}
	if err := a.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got := answer(a, "ward"); got == "1.004873" {
		t.Errorf("still answered from the deleted example")
	}
}

func TestLibraryRefusesInvalid(t *testing.T) {
	ctx := context.Background()
	ix := builtinIndex(t)
	l, err := examples.NewLibrary(ctx, examples.LibraryOptions{Store: inmem.NewExamples(), Index: func() *procedures.Index { return ix }})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []procedures.Example{
		{Account: "ward", Query: "làm tạm trú", Code: "9.999999"},
		{Account: "ward", Query: " ", Code: ""},
		{Account: "ward", Query: "giờ mở cửa", Code: "@weather"},
	} {
		if _, _, err := l.Add(ctx, e); !errors.Is(err, examples.ErrInvalid) {
			t.Errorf("Add(%+v) = %v, want ErrInvalid", e, err)
		}
	}
	if list, _ := l.List(ctx, "ward"); len(list) != 0 {
		t.Errorf("invalid examples were stored: %v", list)
	}
}

// A catalogue reload reindexes the examples at the next search; an example whose
// procedure left the catalogue is reported as stale, not used.
func TestLibraryFollowsCatalogue(t *testing.T) {
	ctx := context.Background()
	full := builtinIndex(t)
	var recs []*procedures.Record
	for _, r := range full.Catalog().All() {
		if r.Code != "1.004873" {
			recs = append(recs, r)
		}
	}
	c2, err := procedures.NewCatalog(recs)
	if err != nil {
		t.Fatal(err)
	}
	smaller := procedures.NewIndex(c2, procedures.Options{})
	var cur atomic.Pointer[procedures.Index]
	cur.Store(full)
	l, err := examples.NewLibrary(ctx, examples.LibraryOptions{Store: inmem.NewExamples(), Index: cur.Load})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.Add(ctx, procedures.Example{Account: "ward", Query: "xin giấy chứng nhận ế vợ", Code: "1.004873"}); err != nil {
		t.Fatal(err)
	}
	if n := l.For("ward").Len(); n != 1 {
		t.Fatalf("%d examples indexed, want 1", n)
	}
	cur.Store(smaller)
	if n := l.For("ward").Len(); n != 0 {
		t.Errorf("%d examples indexed after the procedure left the catalogue, want 0", n)
	}
	if st := l.Stale(); len(st) != 1 || st[0].Code != "1.004873" {
		t.Errorf("Stale = %v", st)
	}
}
