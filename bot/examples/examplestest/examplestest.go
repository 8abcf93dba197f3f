// Package examplestest is the behavioural contract of examples.Store, run against the
// Redis store and the in-memory one.
package examplestest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/oabot/oabot/bot/examples"
	"github.com/oabot/oabot/procedures"
)

// Run checks the store newStore returns (a fresh, empty one per call).
func Run(t *testing.T, newStore func(t *testing.T) examples.Store) {
	ctx := context.Background()
	ex := func(account, query, code string) procedures.Example {
		return procedures.Example{ID: examples.NewID(), Account: account, Query: query, Code: code, Source: "officer", By: "lan", At: time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)}
	}
	t.Run("PutListDelete", func(t *testing.T) {
		s := newStore(t)
		v0, err := s.Version(ctx)
		if err != nil {
			t.Fatal(err)
		}
		a, b := ex("ward", "xin giấy độc thân", "1.004873"), ex("", "mất con chó", "")
		for _, e := range []procedures.Example{a, b} {
			if rep, err := s.Put(ctx, e); err != nil || rep != "" {
				t.Fatalf("Put(%s) = %q, %v", e.ID, rep, err)
			}
		}
		v1, _ := s.Version(ctx)
		if v1 == v0 {
			t.Error("version did not change after Put")
		}
		got, err := s.List(ctx)
		if err != nil || len(got) != 2 || got[0] != a || got[1] != b {
			t.Fatalf("List = %v, %v; want [a b] in order, fields kept", got, err)
		}
		if err := s.Delete(ctx, "police", a.ID); !errors.Is(err, examples.ErrNotFound) {
			t.Errorf("Delete by another account = %v, want ErrNotFound", err)
		}
		if err := s.Delete(ctx, "ward", a.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, "ward", a.ID); !errors.Is(err, examples.ErrNotFound) {
			t.Errorf("second Delete = %v, want ErrNotFound", err)
		}
		if v2, _ := s.Version(ctx); v2 == v1 {
			t.Error("version did not change after Delete")
		}
		got, _ = s.List(ctx)
		if len(got) != 1 || got[0].ID != b.ID {
			t.Errorf("List after Delete = %v", got)
		}
	})
	t.Run("SameQueryReplaces", func(t *testing.T) {
		s := newStore(t)
		a := ex("ward", "Xin giấy  độc thân", "1.004873")
		if _, err := s.Put(ctx, a); err != nil {
			t.Fatal(err)
		}
		// Same words without diacritics: the same example, relabelled.
		b := ex("ward", "xin giay doc than", "")
		rep, err := s.Put(ctx, b)
		if err != nil || rep != a.ID {
			t.Fatalf("Put = %q, %v; want it to replace %s", rep, err, a.ID)
		}
		// Another account's identical query is its own example.
		c := ex("police", "xin giay doc than", "1.004873")
		if rep, err := s.Put(ctx, c); err != nil || rep != "" {
			t.Fatalf("Put other account = %q, %v", rep, err)
		}
		got, _ := s.List(ctx)
		if len(got) != 2 || got[0].ID != b.ID || got[1].ID != c.ID {
			t.Errorf("List = %v; want [b c]", got)
		}
		// After a delete, the query can be added again.
		if err := s.Delete(ctx, "ward", b.ID); err != nil {
			t.Fatal(err)
		}
		if rep, err := s.Put(ctx, ex("ward", "xin giay doc than", "1.004873")); err != nil || rep != "" {
			t.Errorf("Put after Delete = %q, %v", rep, err)
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		s := newStore(t)
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := range 40 {
			wg.Go(func() {
				_, err := s.Put(ctx, ex(fmt.Sprint("acc", i%4), fmt.Sprint("câu hỏi số ", i), "1.004873"))
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got, _ := s.List(ctx); len(got) != 40 {
			t.Errorf("List has %d examples, want 40", len(got))
		}
	})
}
