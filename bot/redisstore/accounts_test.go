package redisstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/oabot/oabot/bot/accounts"
	"github.com/oabot/oabot/bot/redisstore/redistest"
)

func newTestAccounts(t *testing.T) *Accounts {
	t.Helper()
	rdb, prefix := redistest.New(t)
	a, err := NewAccounts(rdb, prefix)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAccountsPutGetList(t *testing.T) {
	ctx := context.Background()
	a := newTestAccounts(t)
	if _, err := a.Get(ctx, "ca-q1"); !errors.Is(err, ErrAccountNotFound) {
		t.Fatalf("Get(missing) error = %v, want ErrAccountNotFound", err)
	}
	if _, err := a.Put(ctx, RuntimeAccount{ID: "x"}); err == nil {
		t.Errorf("Put without oa_id/app_id succeeded")
	}
	first, err := a.Put(ctx, RuntimeAccount{ID: "ca-q1", Name: "Công an quận 1", OAID: "111", AppID: "app", OASecretKey: "oa-secret", AppSecretKey: "app-secret"})
	if err != nil {
		t.Fatal(err)
	}
	// An update without secrets keeps the stored ones and the creation time.
	time.Sleep(5 * time.Millisecond)
	second, err := a.Put(ctx, RuntimeAccount{ID: "ca-q1", Name: "CA Q1", OAID: "111", AppID: "app", UpdatedBy: "it"})
	if err != nil {
		t.Fatal(err)
	}
	if second.OASecretKey != "oa-secret" || second.AppSecretKey != "app-secret" {
		t.Errorf("update dropped the stored secrets")
	}
	if !second.CreatedAt.Equal(first.CreatedAt) || !second.UpdatedAt.After(first.UpdatedAt) {
		t.Errorf("times: created %v→%v updated %v→%v", first.CreatedAt, second.CreatedAt, first.UpdatedAt, second.UpdatedAt)
	}
	if _, err := a.Put(ctx, RuntimeAccount{ID: "ca-a0", OAID: "000", AppID: "app"}); err != nil {
		t.Fatal(err)
	}
	disabled, err := a.SetDisabled(ctx, "ca-q1", true, "it")
	if err != nil || !disabled.Disabled {
		t.Fatalf("SetDisabled = %+v, %v", disabled, err)
	}
	if _, err := a.SetDisabled(ctx, "nope", true, "it"); !errors.Is(err, ErrAccountNotFound) {
		t.Errorf("SetDisabled(missing) = %v", err)
	}
	list, err := a.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, acc := range list {
		ids = append(ids, acc.ID)
	}
	if diff := cmp.Diff([]string{"ca-a0", "ca-q1"}, ids); diff != "" {
		t.Errorf("List ids (-want +got):\n%s", diff)
	}
	got, _ := a.Get(ctx, "ca-q1")
	want := RuntimeAccount{ID: "ca-q1", Name: "CA Q1", OAID: "111", AppID: "app", OASecretKey: "oa-secret", AppSecretKey: "app-secret", Disabled: true, UpdatedBy: "it"}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(RuntimeAccount{}, "CreatedAt", "UpdatedAt")); diff != "" {
		t.Errorf("Get (-want +got):\n%s", diff)
	}
}

func TestOAuthStateSingleUse(t *testing.T) {
	ctx := context.Background()
	a := newTestAccounts(t)
	st := OAuthState{Account: "ca-q1", Verifier: "v", By: "it"}
	if err := a.SaveOAuthState(ctx, "s1", st, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := a.SaveOAuthState(ctx, "s1", st, time.Minute); !errors.Is(err, ErrStateExists) {
		t.Errorf("second Save = %v, want ErrStateExists", err)
	}
	// Two callbacks racing for one state: exactly one wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := a.TakeOAuthState(ctx, "s1")
			if err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
				if got.Account != "ca-q1" || got.Verifier != "v" || got.CreatedAt.IsZero() {
					t.Errorf("Take = %+v", got)
				}
			} else if !errors.Is(err, ErrStateNotFound) {
				t.Errorf("Take error = %v", err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("state taken %d times, want 1", wins)
	}
	// Expiry.
	if err := a.SaveOAuthState(ctx, "s2", st, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(120 * time.Millisecond)
	if _, err := a.TakeOAuthState(ctx, "s2"); !errors.Is(err, ErrStateNotFound) {
		t.Errorf("Take(expired) = %v, want ErrStateNotFound", err)
	}
}

func TestTokenHealth(t *testing.T) {
	ctx := context.Background()
	a := newTestAccounts(t)
	exp := time.Now().Add(25 * time.Hour).Truncate(time.Second)
	if err := a.RecordTokenRefresh(ctx, "ca-q1", exp, nil); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := a.RecordTokenRefresh(ctx, "ca-q1", time.Time{}, errors.New("zalo oauth: error -14014: invalid refresh token")); err != nil {
			t.Fatal(err)
		}
	}
	h, err := a.TokenHealth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := h["ca-q1"]
	if !got.ExpiresAt.Equal(exp) || got.LastRefresh.IsZero() || got.Failures != 2 || got.LastError == "" || got.LastErrorAt.IsZero() {
		t.Errorf("health after 1 ok + 2 failures = %+v", got)
	}
	if err := a.RecordTokenRefresh(ctx, "ca-q1", exp.Add(time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	h, _ = a.TokenHealth(ctx)
	if got := h["ca-q1"]; got.Failures != 0 || got.LastError != "" || !got.ExpiresAt.Equal(exp.Add(time.Hour)) {
		t.Errorf("health after recovery = %+v", got)
	}
}

// Two records with one oa_id are refused atomically (two replicas cannot both accept one
// OA), and a value that cannot be decoded is listed as Invalid instead of failing List
// (one bad record used to stop every later account change from applying).
func TestAccountsOAIDUniqueAndBadValuesListed(t *testing.T) {
	ctx := context.Background()
	a := newTestAccounts(t)
	if _, err := a.Put(ctx, RuntimeAccount{ID: "ca-q1", OAID: "111", AppID: "app"}); err != nil {
		t.Fatal(err)
	}
	_, err := a.Put(ctx, RuntimeAccount{ID: "ca-q2", OAID: "111", AppID: "app"})
	var ce *accounts.ConflictError
	if !errors.As(err, &ce) || ce.With != "ca-q1" || !errors.Is(err, accounts.ErrConflict) {
		t.Fatalf("Put(same oa_id) = %v, want a conflict with ca-q1", err)
	}
	// Concurrent puts of one oa_id under different ids: exactly one wins.
	var wg sync.WaitGroup
	wins := make(chan string, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("ca-r%d", i)
			if _, err := a.Put(ctx, RuntimeAccount{ID: id, OAID: "222", AppID: "app"}); err == nil {
				wins <- id
			}
		}()
	}
	wg.Wait()
	close(wins)
	if n := len(wins); n != 1 {
		t.Errorf("%d concurrent puts of one oa_id succeeded, want 1", n)
	}
	if err := a.rdb.HSet(ctx, a.accountsKey(), "ca-bad", "{not json").Err(); err != nil {
		t.Fatal(err)
	}
	list, err := a.List(ctx)
	if err != nil {
		t.Fatalf("List with a bad value: %v", err)
	}
	var bad, good int
	for _, r := range list {
		if r.Invalid != nil {
			bad++
			if r.ID != "ca-bad" {
				t.Errorf("invalid record %q", r.ID)
			}
		} else {
			good++
		}
	}
	if bad != 1 || good != 2 {
		t.Errorf("List = %d good, %d invalid; want 2 and 1", good, bad)
	}
}
