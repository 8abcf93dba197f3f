// Package accountstest is the behavioural contract of accounts.SettingsStore, run against
// the Redis store and the in-memory one.
package accountstest

import (
	"context"
	"errors"
	"testing"

	"github.com/oabot/oabot/bot/accounts"
	"github.com/oabot/oabot/config"
)

// SettingsContract checks a fresh, empty SettingsStore: compare-and-set saves and deletes.
func SettingsContract(t *testing.T, s accounts.SettingsStore) {
	ctx := context.Background()
	rec := accounts.SettingsRecord{Account: "ca-q12", Settings: config.Settings{Welcome: "Xin chào", Hours: "7:30–17:00"}, UpdatedBy: "lan"}
	v1, err := s.PutSettings(ctx, rec, 0)
	if err != nil || v1.Version != 1 {
		t.Fatalf("first save = %+v, %v", v1, err)
	}
	var ce *accounts.SettingsConflictError
	if _, err := s.PutSettings(ctx, rec, 0); !errors.As(err, &ce) || ce.Current.Version != 1 || ce.Current.UpdatedBy != "lan" {
		t.Fatalf("a save from the old version = %v, want a conflict naming version 1 by lan", err)
	}
	if v2, err := s.PutSettings(ctx, rec, 1); err != nil || v2.Version != 2 {
		t.Fatalf("second save = %+v, %v", v2, err)
	}
	list, err := s.ListSettings(ctx)
	if err != nil || len(list) != 1 || list[0].Settings.Hours != "7:30–17:00" || list[0].Version != 2 {
		t.Fatalf("ListSettings = %+v, %v", list, err)
	}
	if err := s.DeleteSettings(ctx, "ca-q12", 1); !errors.As(err, &ce) {
		t.Fatalf("delete from an old version = %v, want a conflict", err)
	}
	if err := s.DeleteSettings(ctx, "ca-q12", 2); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.ListSettings(ctx); len(list) != 0 {
		t.Fatalf("after delete: %+v", list)
	}
}
